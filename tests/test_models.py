"""Model resolution: explicit folder → model cache (assembled pip bundle) → hub name only when online."""

from __future__ import annotations

import json
import os

import pytest

from localize.errors import Unavailable
from localize.model_cache import (
    BUNDLES,
    assemble,
    is_whisper_folder,
    list_models,
    resolve_whisper_model,
    whisper_cache_dir,
)
from localize.store import sha256_file
from tests.conftest import localize


def test_bundle_is_assembled_once_and_verified():
    folder = assemble(BUNDLES["base"])
    assert folder == whisper_cache_dir() / "base" and is_whisper_folder(folder)
    assert sha256_file(folder / "model.bin") == BUNDLES["base"].model_sha256
    assert json.loads((folder / "localize-bundle.json").read_text())["bundle"] == "base"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp folder left
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert resolve_whisper_model("base") == str(folder)
    assert (folder / "model.bin").stat().st_mtime_ns == mtime  # not assembled twice


def test_explicit_folder_wins_and_is_checked(tmp_path):
    folder = assemble(BUNDLES["base"])
    assert resolve_whisper_model(str(folder)) == str(folder)
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    (incomplete / "model.bin").write_bytes(b"x")
    with pytest.raises(Unavailable, match="missing config.json, tokenizer.json"):
        resolve_whisper_model(str(incomplete))
    with pytest.raises(Unavailable, match="does not exist"):
        resolve_whisper_model(str(tmp_path / "absent"))


def test_hub_names_only_when_online(monkeypatch):
    with pytest.raises(Unavailable, match="HF_HUB_OFFLINE"):
        resolve_whisper_model("medium")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert resolve_whisper_model("medium") == "medium"
    with pytest.raises(Unavailable, match="unknown model 'mediun'"):
        resolve_whisper_model("mediun")


def test_models_list_cli():
    assemble(BUNDLES["base"])
    assert any(e.name == "base" and e.state == "ready" for e in list_models())
    result = localize("models", "list", "--json")
    assert result.code == 0
    entries = json.loads(result.stdout)
    assert {"name": "base", "kind": "whisper", "state": "ready",
            "location": str(whisper_cache_dir() / "base")} in entries
    assert os.environ["HF_HUB_OFFLINE"] == "1"
