"""The argos engine on a tiny self-built package (MODELS.md): install, listing, batching, determinism and the
glossary guard. The model's output is gibberish, so where a test needs to know what it says, the package is
built with output biases that decide it by construction."""

from __future__ import annotations

import functools
import http.server
import json
import os
import stat
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from localize.errors import Unavailable
from localize.model_cache import argos_packages_dir
from localize.translate.argos import ArgosEngine, ArgosPackage
from localize.translate.placeholders import Protected, atomic_token, fallback_token, protect, restore
from tests.conftest import localize
from tests.tiny_argos import build_package, zip_package

SENTENCES = ["他是少爷的老婆", "今天吃饭", "总裁和少爷", "", "我爱你", "为什么离婚", "明天结婚"]
YOUNG_MASTER = [("少爷", "Young Master")]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked package folder, named as argos names its top folder."""
    return build_package(tmp_path_factory.mktemp("argos") / "translate-zh_en-1_0")


@pytest.fixture(scope="session")
def tiny_zip(tiny: Path) -> Path:
    return zip_package(tiny, tiny.parent / "translate-zh_en-1_0.argosmodel")


def engine_saying(tmp_path: Path, bias: dict[str, float], **options) -> ArgosEngine:
    """An engine whose output the bias decides, whatever the input."""
    folder = build_package(tmp_path / "biased", bias=bias)
    return ArgosEngine(ArgosPackage("zh", "en", "1.0", folder), **options)


def listed(pair: str) -> dict | None:
    result = localize("models", "list", "--json")
    assert result.code == 0, result.stderr
    return next((entry for entry in json.loads(result.stdout) if entry["name"] == pair), None)


# --- install ----------------------------------------------------------------------------------------
def test_install_list_and_reinstall_replaces_atomically(tiny_zip: Path, tmp_path: Path):
    result = localize("models", "install-translation", tiny_zip)
    assert result.code == 0, result.stderr
    assert listed("zh-en") == {"name": "zh-en", "kind": "argos", "state": "ready (package 1.0)",
                               "location": str(argos_packages_dir() / "zh-en")}

    newer = zip_package(build_package(tmp_path / "translate-zh_en-1_1", version="1.1"), tmp_path / "new.argosmodel")
    assert localize("models", "install-translation", newer).code == 0
    assert listed("zh-en")["state"] == "ready (package 1.1)"
    versions = sorted(p.name for p in argos_packages_dir().glob(".zh-en.v-*"))
    assert versions == [os.readlink(argos_packages_dir() / "zh-en")]  # the old version is gone, no staging left

    broken = zip_package(tmp_path / "translate-zh_en-1_1", tmp_path / "broken.argosmodel",
                         skip=("translate-zh_en-1_1/sentencepiece.model",))
    result = localize("models", "install-translation", broken)
    assert result.code == 2 and "lacks sentencepiece.model" in result.stderr
    assert listed("zh-en")["state"] == "ready (package 1.1)"  # a failed reinstall leaves the old one in place
    assert sorted(p.name for p in argos_packages_dir().glob(".zh-en.v-*")) == versions
    assert ArgosEngine.load("zh", "en").translate(["今天吃饭"])[0].text


def _symlink_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


BAD_ARCHIVES = {
    "traversal": ({"translate-zh_en-1_0/../../evil.txt": b"x"}, (), "unsafe path"),
    "absolute": ({"/tmp/evil.txt": b"x"}, (), "unsafe path"),
    "no metadata": ({}, ("translate-zh_en-1_0/metadata.json",), "no translate-zh_en-1_0/metadata.json"),
    "bad metadata": ({"translate-zh_en-1_0/metadata.json": b'{"from_code": "zh"}'},
                     ("translate-zh_en-1_0/metadata.json",), "lacks to_code"),
    "two folders": ({"other/readme.txt": b"x"}, (), "exactly one top folder"),
    "loose file": ({"readme.txt": b"x"}, (), "outside the package folder"),
    "no model": ({}, ("translate-zh_en-1_0/model/model.bin",), "lacks model/model.bin"),
    "zip bomb": ({"translate-zh_en-1_0/padding.bin": bytes(64 << 20)}, (), "zip bomb"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_bad_archive_is_refused_with_exit_2(case: str, tiny: Path, tmp_path: Path):
    extra, skip, message = BAD_ARCHIVES[case]
    archive = zip_package(tiny, tmp_path / "bad.argosmodel", extra=extra, skip=skip)
    result = localize("models", "install-translation", archive)
    assert result.code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path.parent / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_symlink_and_not_a_zip_are_refused(tiny: Path, tmp_path: Path):
    archive = zip_package(tiny, tmp_path / "link.argosmodel")
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr(_symlink_entry("translate-zh_en-1_0/model/escape"), "/etc/passwd")
    result = localize("models", "install-translation", archive)
    assert result.code == 2 and "symbolic link" in result.stderr
    not_zip = tmp_path / "notes.argosmodel"
    not_zip.write_text("not a zip")
    result = localize("models", "install-translation", not_zip)
    assert result.code == 2 and "not a valid .argosmodel" in result.stderr
    assert localize("models", "install-translation", tmp_path / "absent.argosmodel").code == 2
    assert localize("models", "install-translation").code == 2  # neither a file nor --pair


def test_pair_download_fails_fast_offline(monkeypatch: pytest.MonkeyPatch):
    for offline_variable in ("HF_HUB_OFFLINE", "LOCALIZE_OFFLINE"):
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.setenv(offline_variable, "1")
        result = localize("models", "install-translation", "--pair", "zh-en", timeout=30)
        assert result.code == 3
        assert "offline" in result.stderr and "localize models install-translation FILE.argosmodel" in result.stderr
    assert localize("models", "install-translation", "--pair", "chinese").code == 2  # not FROM-TO


def test_pair_download_from_an_index_when_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Online means an HTTP index: here a local server stands in for the Argos index."""
    served = tmp_path / "served"
    served.mkdir()
    zip_package(build_package(tmp_path / "translate-zh_de-1_0", to_code="de"), served / "zh_de.argosmodel")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (served / "index.json").write_text(json.dumps([
        {"from_code": "zh", "to_code": "de", "package_version": "1.0", "links": [f"{base}/zh_de.argosmodel"]}]))
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("LOCALIZE_ARGOS_INDEX", f"{base}/index.json")
    try:
        result = localize("models", "install-translation", "--pair", "zh-de", timeout=60)
        missing = localize("models", "install-translation", "--pair", "zh-xx", timeout=60)
    finally:
        server.shutdown()
    assert result.code == 0, result.stderr
    assert listed("zh-de")["state"] == "ready (package 1.0)"
    assert missing.code == 3 and "no zh-xx package" in missing.stderr


# --- engine -----------------------------------------------------------------------------------------
def test_load_says_how_to_install_what_is_missing(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(Unavailable, match="localize models install-translation FILE.argosmodel"):
        ArgosEngine.load("zh", "fr")
    monkeypatch.setitem(sys.modules, "sentencepiece", None)
    with pytest.raises(Unavailable, match=r"pip install 'localize\[argos\]'"):
        ArgosEngine.load("zh", "en")


def test_all_sentences_in_one_call_deterministic_and_independent_of_batching(tiny: Path):
    package = ArgosPackage("zh", "en", "1.0", tiny)
    engine = ArgosEngine(package, max_batch_size=2)
    first = engine.translate(SENTENCES)
    assert len(first) == len(SENTENCES) and engine.batch_calls == 1
    assert engine.translate(SENTENCES) == first and engine.batch_calls == 2  # deterministic
    assert first[SENTENCES.index("")].text == ""
    alone = ArgosEngine(package, max_batch_size=64)
    # a sentence's translation never depends on its batch-mates, so cached results stay valid
    assert [alone.translate([sentence])[0] for sentence in SENTENCES] == first
    assert engine.translate([]) == [] and engine.batch_calls == 2


def test_kept_placeholder_becomes_the_approved_rendering(tmp_path: Path):
    engine = engine_saying(tmp_path, {"</s>": 50, atomic_token(0): 40})  # says "⟨0⟩", then stops
    guarded, two_terms, unprotected = engine.translate(
        ["他是少爷的老婆", "总裁和少爷", "少爷"], [YOUNG_MASTER, [("少爷", "Young Master"), ("总裁", "CEO")], []])
    assert guarded == ("Young Master", [], False)
    assert two_terms == ("CEO", ["少爷"], False)  # 总裁 came first, so it is ⟨0⟩; ⟨1⟩ (少爷) is lost
    assert unprotected.text == ""  # a placeholder we never sent stands for nothing and is removed


def test_lost_placeholder_is_reported_never_invented(tmp_path: Path):
    engine = engine_saying(tmp_path, {"</s>": 50, "▁you": 40})  # says "you", then stops
    assert engine.translate(["他是少爷的老婆"], [YOUNG_MASTER]) == [("you", ["少爷"], False)]


def test_duplicated_placeholder_is_reported(tmp_path: Path):
    engine = engine_saying(tmp_path, {atomic_token(0): 50}, max_decoding_length=3)  # says "⟨0⟩⟨0⟩⟨0⟩"
    [result] = engine.translate(["少爷"], [YOUNG_MASTER])
    assert result.lost_placeholders == ["少爷"] and result.text.count("Young Master") == 3
    assert "⟨" not in result.text


# --- the guard's rules, without a model -------------------------------------------------------------
def test_protect_longest_term_first_numbered_left_to_right():
    masked, items = protect("霸道总裁爱上总裁的少爷", [("总裁", "CEO"), ("霸道总裁", "domineering CEO"),
                                                        ("少爷", "Young Master"), ("王爷", "Prince")], atomic_token)
    assert masked == "⟨0⟩爱上⟨1⟩的⟨2⟩"
    assert [(i.source, i.rendering) for i in items] == [("霸道总裁", "domineering CEO"), ("总裁", "CEO"),
                                                          ("少爷", "Young Master")]
    assert protect("Z0Z 是他", [("他", "him")], fallback_token)[0] == "Z0Z 是Z0Z"  # such a source gets flagged


@pytest.mark.parametrize(("output", "expected"), [
    ("The ⟨0⟩ loves Z1Z.", ("The Young Master loves the CEO.", [], False)),
    ("The ⟨ 0 ⟩ loves z1z.", ("The Young Master loves the CEO.", [], True)),
    ("The ⟨0⟩ loves Z 1 Z.", ("The Young Master loves the CEO.", [], True)),
    ("The ⟨0⟩ loves him.", ("The Young Master loves him.", ["总裁"], False)),
    ("⟨0⟩ and ⟨0⟩ love Z1Z.", ("Young Master and Young Master love the CEO.", ["少爷"], False)),
    ("The ⟨0⟩ ⟨7⟩ loves Z1Z.", ("The Young Master loves the CEO.", [], False)),
    ("The ⟨0⟩ loves Z1Zs.", ("The Young Master loves Z1Zs.", ["总裁"], False)),
])
def test_restore_policy(output: str, expected: tuple):
    items = [Protected(0, atomic_token(0), "少爷", "Young Master"), Protected(1, fallback_token(1), "总裁", "the CEO")]
    assert restore(output, items) == expected
