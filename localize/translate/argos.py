"""The ``argos`` engine: Argos Translate packages run offline, with the glossary guard.

We read the ``.argosmodel`` format ourselves and run its CTranslate2 model and SentencePiece tokenizer
directly, without the argostranslate library: it pulls torch, stanza and spacy (gigabytes on a user's
machine), and its sentence splitter downloads files on first use. We pass sentences, so we need no splitter.

A package is a zip with one top folder holding ``metadata.json``, ``sentencepiece.model`` and ``model/`` (a
CTranslate2 model). It is checked before a byte is written, extracted into a hidden folder, verified, and
only then published by atomically swapping the ``<from>-<to>`` symlink, so a crash or a bad archive never
leaves a half package and a reinstall replaces the old version only once the new one is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from localize.errors import BadInput, Unavailable
from localize.model_cache import argos_packages_dir
from localize.translate.placeholders import Restored, atomic_token, fallback_token, protect, restore

MAX_UNPACKED_BYTES = 2 * 1024**3  # real packages are 100–300 MB
MAX_RATIO = 50  # model weights deflate ~1.1×; a zip bomb 1000×
MAX_ENTRIES = 10_000
METADATA_KEYS = ("from_code", "to_code", "package_version", "argos_version", "type")
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")
VOCABULARIES = (("shared_vocabulary",), ("source_vocabulary", "target_vocabulary"))
OFFLINE_VARIABLES = ("LOCALIZE_OFFLINE", "HF_HUB_OFFLINE")
ARGOS_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"

ArgosResult = Restored  # text, lost_placeholders, repaired: see localize.translate.placeholders


@dataclass(frozen=True)
class ArgosPackage:
    from_code: str
    to_code: str
    version: str
    folder: Path

    @property
    def pair(self) -> str:
        return f"{self.from_code}-{self.to_code}"


def install_hint(pair: str) -> str:
    return (f"download the .argosmodel package for {pair} from the Argos Translate package index on a machine with "
            f"internet, copy it here, then run: localize models install-translation FILE.argosmodel")


def offline() -> bool:
    """``LOCALIZE_OFFLINE`` or ``HF_HUB_OFFLINE`` set: nothing may reach the network."""
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes") for name in OFFLINE_VARIABLES)


# --- installing -------------------------------------------------------------------------------------
def install_package(archive: Path) -> ArgosPackage:
    """Validate an ``.argosmodel`` file and install it atomically; raises BadInput for anything unsafe."""
    if not archive.is_file():
        raise BadInput(f"{archive}: no such file")
    try:
        with zipfile.ZipFile(archive) as bundle:
            top, members = _checked_members(archive, bundle)
            metadata = _checked_metadata(archive, bundle, top)
            pair = f"{metadata['from_code']}-{metadata['to_code']}"
            root = argos_packages_dir()
            root.mkdir(parents=True, exist_ok=True)
            with _locked(root / f".{pair}.lock"):
                staged = Path(tempfile.mkdtemp(dir=root, prefix=f".{pair}.v-"))
                try:
                    _extract(archive, bundle, members, staged)
                    _verify(archive, staged)
                    _publish(root, pair, staged)
                except BaseException:
                    shutil.rmtree(staged, ignore_errors=True)
                    raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise BadInput(f"{archive} is not a valid .argosmodel (zip) file: {exc}") from None
    return ArgosPackage(metadata["from_code"], metadata["to_code"], metadata["package_version"], root / pair)


def install_pair(pair: str) -> ArgosPackage:
    """Download a pair's package from the Argos index (``LOCALIZE_ARGOS_INDEX`` overrides it), then install it."""
    from_code, _, to_code = pair.partition("-")
    if not (LANGUAGE_CODE.fullmatch(from_code) and LANGUAGE_CODE.fullmatch(to_code)):
        raise BadInput(f"--pair {pair!r}: give source and target language codes, e.g. --pair zh-en")
    if offline():
        raise Unavailable(f"cannot download {pair}: offline (LOCALIZE_OFFLINE or HF_HUB_OFFLINE is set); "
                          f"{install_hint(pair)}")
    root = argos_packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    try:
        index = io.BytesIO()
        _download(os.environ.get("LOCALIZE_ARGOS_INDEX", ARGOS_INDEX), index, 16 * 1024**2)
        links = next(entry["links"] for entry in json.loads(index.getvalue())
                     if (entry.get("from_code"), entry.get("to_code")) == (from_code, to_code))
        with tempfile.NamedTemporaryFile(dir=root, prefix=f".{pair}.download-", suffix=".argosmodel") as download:
            _download(links[0], download, MAX_UNPACKED_BYTES)
            download.flush()
            return install_package(Path(download.name))
    except StopIteration:
        raise Unavailable(f"the Argos index has no {pair} package; {install_hint(pair)}") from None
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise Unavailable(f"cannot download {pair} ({exc}); {install_hint(pair)}") from None


def _download(url: str, out: BinaryIO, limit: int) -> None:
    """Stream ``url`` into ``out``, refusing more than ``limit`` bytes."""
    import urllib.request  # http.client and friends: only an online install loads them

    with urllib.request.urlopen(url, timeout=60) as response:
        while block := response.read(1 << 20):
            out.write(block)
            if out.tell() > limit:
                raise ValueError(f"{url} is larger than {limit} bytes")


def _checked_members(archive: Path, bundle: zipfile.ZipFile) -> tuple[str, list[zipfile.ZipInfo]]:
    """Refuse traversal, absolute paths, links, bombs and loose files before anything is extracted."""
    members = bundle.infolist()
    if not members or len(members) > MAX_ENTRIES:
        raise BadInput(f"{archive}: an .argosmodel holds one package folder ({len(members)} entries found)")
    tops = set()
    for info in members:
        parts = PurePosixPath(info.filename).parts
        if info.filename.startswith("/") or "\\" in info.filename or ".." in parts or ":" in info.filename:
            raise BadInput(f"{archive}: unsafe path {info.filename!r} in the archive; refusing to install it")
        if info.flag_bits & 0x1:
            raise BadInput(f"{archive}: {info.filename!r} is encrypted; Argos packages are not")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BadInput(f"{archive}: {info.filename!r} is a symbolic link; refusing to install it")
        if not info.is_dir() and len(parts) < 2:
            raise BadInput(f"{archive}: {info.filename!r} is outside the package folder")
        tops.add(parts[0])
    if len(tops) != 1:
        raise BadInput(f"{archive}: an .argosmodel holds exactly one top folder, found {len(tops)}")
    unpacked = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(packed, 1 << 20):
        raise BadInput(f"{archive}: unpacks to {unpacked} bytes from {packed}; refusing a possible zip bomb")
    return tops.pop(), members


def _checked_metadata(archive: Path, bundle: zipfile.ZipFile, top: str) -> dict[str, str]:
    try:
        info = bundle.getinfo(f"{top}/metadata.json")
    except KeyError:
        raise BadInput(f"{archive}: no {top}/metadata.json; is this an Argos Translate package?") from None
    try:
        metadata = json.loads(bundle.read(info)) if info.file_size < 1 << 20 else None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise BadInput(f"{archive}: {top}/metadata.json is not a JSON object")
    missing = [key for key in METADATA_KEYS if not isinstance(metadata.get(key), str) or not metadata[key]]
    if missing:
        raise BadInput(f"{archive}: metadata.json lacks {', '.join(missing)}")
    if metadata["type"] != "translate":
        raise BadInput(f"{archive}: package type is {metadata['type']!r}; only 'translate' packages are used")
    for key in ("from_code", "to_code"):
        if not LANGUAGE_CODE.fullmatch(metadata[key]):
            raise BadInput(f"{archive}: metadata.json {key} {metadata[key]!r} is not a language code")
    return metadata


def _extract(archive: Path, bundle: zipfile.ZipFile, members: list[zipfile.ZipInfo], target: Path) -> None:
    """Copy each file under ``target`` (the top folder stripped), never more bytes than its header declares."""
    for info in members:
        parts = PurePosixPath(info.filename).parts[1:]
        if info.is_dir() or not parts:
            continue
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with bundle.open(info) as source, destination.open("wb") as out:
            while block := source.read(1 << 20):
                out.write(block)
                if out.tell() > info.file_size:
                    raise BadInput(f"{archive}: {info.filename!r} is larger than its header says")


def _verify(archive: Path, folder: Path) -> None:
    model = folder / "model"
    missing = [name for name in ("metadata.json", "sentencepiece.model", "model/model.bin")
               if not (folder / name).is_file()]
    if not any(all(_vocabulary(model, name) for name in names) for names in VOCABULARIES):
        missing.append("model/shared_vocabulary (or source_ and target_vocabulary)")
    if missing:
        raise BadInput(f"{archive}: the package lacks {', '.join(missing)}")


def _vocabulary(model: Path, name: str) -> bool:
    return any((model / f"{name}.{suffix}").is_file() for suffix in ("json", "txt"))


def _publish(root: Path, pair: str, staged: Path) -> None:
    """Point ``root/pair`` at the staged folder with one rename, then remove older versions."""
    link = root / f".{pair}.link"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(staged.name)
    os.replace(link, root / pair)
    for old in root.glob(f".{pair}.v-*"):
        if old != staged:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer per pair at a time (another waits), so cleaning older versions never races."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def installed_package(from_code: str, to_code: str) -> ArgosPackage:
    folder = argos_packages_dir() / f"{from_code}-{to_code}"
    if not (folder / "metadata.json").is_file():
        pair = f"{from_code}-{to_code}"
        raise Unavailable(f"no Argos package for {pair} is installed; {install_hint(pair)}")
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    return ArgosPackage(from_code, to_code, metadata["package_version"], folder)


# --- translating ------------------------------------------------------------------------------------
def require_runtime() -> tuple[Any, Any]:
    try:
        import ctranslate2
        import sentencepiece
    except ImportError as exc:
        raise Unavailable(f"the argos engine needs {exc.name}: pip install 'localize[argos]'") from None
    return ctranslate2, sentencepiece


class ArgosEngine:
    """An installed package's CTranslate2 model + SentencePiece, deterministic, with the glossary guard.

    Load once per worker and reuse: loading reads the whole model. ``batch_calls`` counts the
    ``translate_batch`` calls made, so callers and tests can see that a list of sentences is one call.
    """

    def __init__(self, package: ArgosPackage, *, beam_size: int = 4, max_batch_size: int = 32,
                 max_decoding_length: int = 256, device: str = "cpu", threads: int = 0):
        ctranslate2, sentencepiece = require_runtime()
        self.package = package
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
        self.max_decoding_length = max_decoding_length
        self.batch_calls = 0
        self._translator = ctranslate2.Translator(str(package.folder / "model"), device=device,
                                                  intra_threads=threads)
        self._tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(package.folder / "sentencepiece.model"))

    @classmethod
    def load(cls, from_code: str, to_code: str, **options: Any) -> ArgosEngine:
        """The installed ``<from>-<to>`` package; Unavailable (exit 3) saying how to install what is missing."""
        require_runtime()
        return cls(installed_package(from_code, to_code), **options)

    def translate(self, sources: Sequence[str],
                  protected: Sequence[Sequence[tuple[str, str]]] | None = None) -> list[ArgosResult]:
        """Translate sentences (already split: no splitting here) in one ``translate_batch`` call.

        ``protected[i]`` lists (source term, approved rendering) pairs for ``sources[i]``: each term crosses
        the model as a placeholder and comes back as its rendering; a lost, duplicated or respelt placeholder
        is reported in the result (policy: ``localize.translate.placeholders``).
        """
        if not sources:
            return []
        pairs = protected if protected is not None else [[] for _ in sources]
        masked = [protect(source, terms, self._token) for source, terms in zip(sources, pairs, strict=True)]
        batch = [self._tokenizer.encode(text, out_type=str) for text, _ in masked]
        self.batch_calls += 1
        results = self._translator.translate_batch(
            batch, beam_size=self.beam_size, max_batch_size=self.max_batch_size,
            max_decoding_length=self.max_decoding_length,
            replace_unknowns=True,  # a target <unk> becomes the source piece it attends to most, as argos does
            length_penalty=0.2)  # argostranslate's setting, so output matches what users see there
        return [restore(self._detokenize(result.hypotheses[0]), items)
                for result, (_, items) in zip(results, masked, strict=True)]

    def _token(self, index: int) -> str:
        """The single-piece placeholder where the tokenizer knows it, else the spelt-out fallback."""
        token = atomic_token(index)
        return token if self._tokenizer.piece_to_id(token) != self._tokenizer.unk_id() else fallback_token(index)

    def _detokenize(self, pieces: list[str]) -> str:
        # an <unk> left over carries no text; SentencePiece would print it as " ⁇ "
        return self._tokenizer.decode_pieces([piece for piece in pieces if piece != "<unk>"])
