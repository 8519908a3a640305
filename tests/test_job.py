"""Job files: the sample validates; every mistake names the file, the key and the fix, with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize.errors import BadInput
from localize.job import load_job, select_episodes
from tests.conftest import REPO, localize, write_job


def test_sample_job_loads_into_frozen_dataclasses():
    job = load_job(REPO / "jobs" / "sample.yaml")
    assert job.name == "sample"
    assert job.source_language == "zh-Hans"
    assert job.targets == ("en",)
    assert [e.id for e in job.episodes] == ["ep01"]
    assert job.episodes[0].video == (REPO / "samples" / "ep01.mp4").resolve()
    assert job.episodes[0].source == "asr"
    assert job.default_work_dir == REPO / "jobs" / "work" / "sample"
    with pytest.raises(AttributeError):
        job.asr.beam_size = 1  # type: ignore[misc]


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "job.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_job(path)
    message = str(caught.value)
    assert str(path) in message
    return message


BASE = "series: {title: T}\nsource_language: zh-Hans\nepisodes: [VIDEO]\n"


@pytest.fixture
def base(tone_video: Path) -> str:
    return BASE.replace("VIDEO", str(tone_video))


def test_unknown_key_suggests_the_right_one(tmp_path, base):
    message = _error(tmp_path, base + "asr: {beem_size: 3}\n")
    assert "asr.beem_size" in message and "did you mean 'beam_size'" in message


def test_unknown_top_level_key(tmp_path, base):
    assert "did you mean 'targets'" in _error(tmp_path, base + "target: [en]\n")


def test_unknown_language_code_suggests_a_tag(tmp_path, tone_video):
    message = _error(tmp_path, BASE.replace("VIDEO", str(tone_video)).replace("zh-Hans", "zh-Hanz"))
    assert "source_language" in message and "unknown language code 'zh-Hanz'" in message


def test_language_casing_is_normalised(tmp_path, tone_video):
    path = tmp_path / "job.yaml"
    path.write_text(BASE.replace("VIDEO", str(tone_video)).replace("zh-Hans", "ZH-hans") + "targets: [pt-br, es-419]\n")
    job = load_job(path)
    assert job.source_language == "zh-Hans" and job.targets == ("pt-BR", "es-419")


def test_malformed_yaml_names_the_line(tmp_path):
    message = _error(tmp_path, "series:\n  title: T\n source_language: zh\n")
    assert "line 3" in message and "malformed YAML" in message


def test_bad_value_names_key_and_range(tmp_path, base):
    message = _error(tmp_path, base + "asr: {beam_size: 0}\n")
    assert "asr.beam_size" in message and "1 to 20" in message


def test_missing_video_names_the_episode(tmp_path):
    message = _error(tmp_path, BASE.replace("VIDEO", "nowhere.mp4"))
    assert "episodes[0].video" in message and "file not found" in message


def test_glob_matching_nothing(tmp_path):
    message = _error(tmp_path, BASE.replace("[VIDEO]", "{glob: 'videos/*.mp4'}"))
    assert "episodes.glob" in message and "matches no file" in message


def test_glob_orders_episodes_naturally(tmp_path, tone_video):
    for number in (1, 2, 10):
        (tmp_path / f"ep{number}.mp4").write_bytes(tone_video.read_bytes())
    path = tmp_path / "job.yaml"
    path.write_text(BASE.replace("[VIDEO]", "'ep*.mp4'"))
    job = load_job(path)
    assert [e.id for e in job.episodes] == ["ep1", "ep2", "ep10"]
    assert [e.id for e in select_episodes(job, "2-3")] == ["ep2", "ep10"]
    assert [e.id for e in select_episodes(job, "ep10,1")] == ["ep10", "ep1"]
    with pytest.raises(BadInput, match="outside 1-3"):
        select_episodes(job, "2-5")


def test_duplicate_episode_ids(tmp_path, tone_video):
    episode = f"{{id: a, video: {tone_video}}}"
    message = _error(tmp_path, BASE.replace("[VIDEO]", f"[{episode}, {episode}]"))
    assert "used twice" in message


def test_subtitles_source_per_episode(tmp_path, tone_video):
    subs = tmp_path / "ep.srt"
    subs.write_text("1\n00:00:00,500 --> 00:00:02,000\n你好\n", encoding="utf-8")
    path = tmp_path / "job.yaml"
    path.write_text(BASE.replace("[VIDEO]", f"[{{video: {tone_video}, subtitles: ep.srt}}]"))
    assert load_job(path).episodes[0].source == "subtitles"


def test_job_check_cli_reports_ok_and_writes_nothing(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video])
    result = localize("job", "check", job)
    assert result.code == 0, result.stderr
    assert "ok: job 'job': 1 episodes" in result.stdout
    assert not (tmp_path / "work").exists()


def test_character_sheet_is_validated_and_feeds_hotwords(tmp_path, tone_video):
    from localize.glossary.characters import hotwords

    job = load_job(REPO / "jobs" / "sample.yaml")
    assert [c.name for c in job.characters] == ["林凡", "王秀兰"]
    assert job.characters[0].gender == "male" and ("en", "Lin Fan") in job.characters[0].renderings
    assert hotwords(job.characters).split() == ["林凡", "林家大少爷", "王秀兰", "妈"]
    sheet = tmp_path / "characters.yaml"
    sheet.write_text("characters:\n  - name: 林凡\n    gendr: male\n", encoding="utf-8")
    job_file = tmp_path / "job.yaml"
    job_file.write_text(BASE.replace("VIDEO", str(tone_video)) + "characters: characters.yaml\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_job(job_file)
    assert str(caught.value).startswith(f"{sheet}: characters[0].gendr: unknown key; did you mean 'gender'")


def test_subtitle_rules_can_be_overridden_per_job(tmp_path, tone_video):
    path = tmp_path / "job.yaml"
    path.write_text(BASE.replace("VIDEO", str(tone_video)) + "subtitles:\n  profile: my-app\n"
                    "  languages: {en: {max_cps: 15}, vi: {max_cps: 14}}\n  timing: {min_duration_ms: 1000}\n"
                    "  screens: {my-app: {safe: [100, 200, 980, 1400]}}\n", encoding="utf-8")
    rules = load_job(path).subtitles.rules
    assert rules["languages"]["en"] == {"max_chars_per_line": 42, "max_cps": 15}
    assert rules["timing"]["min_duration_ms"] == 1000 and rules["timing"]["max_duration_ms"] == 7000
    assert rules["screens"]["my-app"]["frame"] == [1080, 1920] and rules["screens"]["my-app"]["safe"][3] == 1400
    from localize.subtitles.profiles import load_profile

    profile = load_profile("my-app", "en", 25, data=rules)
    assert profile.language.max_cps == 15 and profile.min_duration_ms == 1000 and profile.screen.safe_bottom == 1400


def test_subtitle_override_typos_are_caught(tmp_path, tone_video):
    base = BASE.replace("VIDEO", str(tone_video))
    message = _error(tmp_path, base + "subtitles: {timing: {min_duraton_ms: 900}}\n")
    assert "subtitles.timing.min_duraton_ms" in message and "did you mean 'min_duration_ms'" in message
    assert "did you mean 'tiktok'" in _error(tmp_path, base + "subtitles: {profile: tiktk}\n")
    message = _error(tmp_path, base + "subtitles: {timing: {max_lines: two}}\n")
    assert "subtitles.timing.max_lines: must be a number" in message


def test_translation_settings_per_language(tmp_path, tone_video):
    path = tmp_path / "job.yaml"
    path.write_text(BASE.replace("VIDEO", str(tone_video)) + "targets: [en, es-419]\ntranslation:\n"
                    "  engines: [tm, llm]\n  currency: yuan\n"
                    "  languages: {es-419: {engines: [tm, argos], currency: dollars}}\n", encoding="utf-8")
    settings = load_job(path).translation
    assert settings.engines_for("en") == ("tm", "llm") and settings.engines_for("es-419") == ("tm", "argos")
    assert settings.currency_for("en") == "yuan" and settings.currency_for("es-419") == "dollars"
    base = BASE.replace("VIDEO", str(tone_video))
    assert "did you mean 'llm'" in _error(tmp_path, base + "translation: {engines: [tm, lm]}\n")
    assert "translation.languages.xx" in _error(tmp_path, base + "translation: {languages: {xx: {engines: [tm]}}}\n")


def test_character_addresses_must_name_characters_on_the_sheet(tmp_path, tone_video):
    from localize.glossary.characters import load_characters

    assert ("林凡", "女婿") in load_characters(REPO / "samples" / "characters.yaml")[1].addresses
    sheet = tmp_path / "characters.yaml"
    sheet.write_text("characters:\n  - {name: 林凡, addresses: {苏晴: 老婆}}\n", encoding="utf-8")
    with pytest.raises(BadInput, match="addresses '苏晴', who is not on the sheet"):
        load_characters(sheet)
