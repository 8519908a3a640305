"""The dub's intelligibility rules (localize.dub.intelligibility) as functions: words compared as said, heard words
given to the nearest line, and word error rates per line and per episode."""

from __future__ import annotations

import pytest

from localize.dub.intelligibility import episode_wer, english_number, heard_lines, spoken_words
from localize.model import Word


@pytest.mark.parametrize("value, words", [
    (0, "zero"), (7, "seven"), (19, "nineteen"), (40, "forty"), (42, "forty two"), (100, "one hundred"),
    (305, "three hundred five"), (5_000_000, "five million"), (2_026, "two thousand twenty six"),
])
def test_a_number_in_digits_is_the_words_a_voice_says(value, words):
    assert english_number(value) == words.split()


def test_words_are_compared_without_case_punctuation_or_digits():
    assert spoken_words("Here's 5,000,000 yuan. Mom!", "en") == ["here's", "five", "million", "yuan", "mom"]
    assert spoken_words("Son’s 5 hijos", "es") == ["son's", "5", "hijos"]


def heard(*words: tuple[int, str]) -> list[Word]:
    return [Word(start, start + 200, text) for start, text in words]


def test_each_heard_word_goes_to_the_line_nearest_it():
    lines = [(0, 1000, "Happy birthday, Mom."), (1500, 2500, "Get out!")]
    found = heard_lines(lines, heard((100, " Happy"), (500, " birthday"), (1150, " Mom."), (1300, " Get"),
                                     (2000, " out")), "en")
    assert [line.heard for line in found] == ["Happy birthday Mom.", "Get out"]
    assert [line.errors for line in found] == [0, 0]


def test_a_misheard_line_has_its_own_rate_and_the_episode_counts_every_word():
    lines = [(0, 1000, "I am the chairman of Tianlong Group."), (2000, 3000, "What?")]
    found = heard_lines(lines, heard((0, "I"), (100, "am"), (200, "the"), (300, "chairman"), (400, "of"),
                                     (500, "Tian"), (600, "Long"), (700, "group"), (2100, "Watt")), "en")
    assert [(line.errors, line.words) for line in found] == [(2, 7), (1, 1)]
    assert found[1].wer == 1.0
    assert episode_wer(found) == pytest.approx(3 / 8)


def test_a_line_nothing_was_heard_for_is_all_errors():
    (line,) = heard_lines([(0, 1000, "Sit down, sit down!")], [], "en")
    assert (line.heard, line.wer) == ("", 1.0)
    assert episode_wer([]) == 0.0
