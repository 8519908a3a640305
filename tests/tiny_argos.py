"""A tiny but valid Argos package, built offline in about a second (MODELS.md).

SentencePiece is trained on a few hundred generated zh/en lines and declares our placeholder symbols; the
CTranslate2 Transformer gets small random weights. Its output is gibberish: it proves loading, batching and
the glossary guard, not translation quality. ``bias`` adds to chosen output logits so that a test knows by
construction what the model says (a big bias on ``</s>`` plus a smaller one on a token: that token, then
the end, whatever the input).
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import ctranslate2
import numpy as np
import sentencepiece as spm

from localize.translate.placeholders import atomic_token

D_MODEL = 32
FFN = 64
PLACEHOLDER_SYMBOLS = 8  # ⟨0⟩…⟨7⟩ are single pieces; higher numbers use the fallback form
ZH = list("我你他她是的了在有不这个们来到说要就会对爱钱家公司少爷总裁老婆王爷娘娘师父今天明天为什么离婚结婚吃饭")
EN = ("the a young master ceo wife prince money family company today tomorrow why divorce marry eat love you "
      "i he she is not zone zoo").split()


def corpus(lines: int = 300) -> list[str]:
    """Generated zh and en lines with numbers, so Latin letters and digits (the fallback form) are known."""
    rng = random.Random(0)
    out = []
    for _ in range(lines):
        out.append("".join(rng.choice(ZH) for _ in range(rng.randint(4, 12))) + f"{rng.randint(0, 99)}。")
        out.append(" ".join(rng.choice(EN) for _ in range(rng.randint(3, 9))) + f" Z{rng.randint(0, 99)}Z.")
    return out


def train_sentencepiece() -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=model, vocab_size=200, hard_vocab_limit=False,
        user_defined_symbols=[atomic_token(i) for i in range(PLACEHOLDER_SYMBOLS)], character_coverage=1.0,
        num_threads=1, minloglevel=2)
    return model.getvalue()


def _linear(spec, rng: np.random.Generator, outputs: int, inputs: int) -> None:
    spec.weight = rng.normal(0, 0.1, (outputs, inputs)).astype(np.float32)
    spec.bias = rng.normal(0, 0.1, outputs).astype(np.float32)


def _norm(spec) -> None:
    spec.gamma = np.ones(D_MODEL, np.float32)
    spec.beta = np.zeros(D_MODEL, np.float32)


def _ffn(spec, rng: np.random.Generator) -> None:
    _norm(spec.layer_norm)
    _linear(spec.linear_0, rng, FFN, D_MODEL)
    _linear(spec.linear_1, rng, D_MODEL, FFN)


def build_model(folder: Path, vocabulary: list[str], bias: dict[str, float] | None = None) -> None:
    """Save a 2+2-layer, 4-head pre-norm Transformer with random weights and a shared vocabulary."""
    rng = np.random.default_rng(0)
    size = len(vocabulary)
    spec = ctranslate2.specs.TransformerSpec.from_config((2, 2), 4, pre_norm=True)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = rng.normal(0, 0.5, (size, D_MODEL)).astype(np.float32)
    _norm(encoder.layer_norm)
    for layer in encoder.layer:
        _norm(layer.self_attention.layer_norm)
        _linear(layer.self_attention.linear[0], rng, 3 * D_MODEL, D_MODEL)  # fused query, key, value
        _linear(layer.self_attention.linear[1], rng, D_MODEL, D_MODEL)
        _ffn(layer.ffn, rng)
    decoder.embeddings.weight = rng.normal(0, 0.5, (size, D_MODEL)).astype(np.float32)
    _norm(decoder.layer_norm)
    for layer in decoder.layer:
        _norm(layer.self_attention.layer_norm)
        _linear(layer.self_attention.linear[0], rng, 3 * D_MODEL, D_MODEL)
        _linear(layer.self_attention.linear[1], rng, D_MODEL, D_MODEL)
        _norm(layer.attention.layer_norm)
        _linear(layer.attention.linear[0], rng, D_MODEL, D_MODEL)  # query
        _linear(layer.attention.linear[1], rng, 2 * D_MODEL, D_MODEL)  # fused key, value of the encoder output
        _linear(layer.attention.linear[2], rng, D_MODEL, D_MODEL)
        _ffn(layer.ffn, rng)
    _linear(decoder.projection, rng, size, D_MODEL)
    for token, value in (bias or {}).items():
        decoder.projection.bias[vocabulary.index(token)] += value
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize("int8")
    folder.mkdir(parents=True)
    spec.save(str(folder))


def build_package(folder: Path, *, from_code: str = "zh", to_code: str = "en", version: str = "1.0",
                  bias: dict[str, float] | None = None) -> Path:
    """An unpacked package folder: metadata.json, sentencepiece.model and model/."""
    sp_model = train_sentencepiece()
    tokenizer = spm.SentencePieceProcessor(model_proto=sp_model)
    vocabulary = [tokenizer.id_to_piece(i) for i in range(tokenizer.get_piece_size())]
    assert vocabulary[:3] == ["<unk>", "<s>", "</s>"]
    folder.mkdir(parents=True)
    (folder / "sentencepiece.model").write_bytes(sp_model)
    build_model(folder / "model", vocabulary, bias)
    (folder / "metadata.json").write_text(json.dumps({
        "package_version": version, "argos_version": "1.9.0", "from_code": from_code, "from_name": "Chinese",
        "to_code": to_code, "to_name": "English", "type": "translate", "languages": [from_code, to_code]}))
    return folder


def zip_package(folder: Path, target: Path, extra: dict[str, bytes] | None = None,
                skip: tuple[str, ...] = ()) -> Path:
    """Zip a package folder as argos does (one top folder); ``extra``/``skip`` make broken variants."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            if path.is_file() and name not in skip:
                archive.write(path, name)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target
