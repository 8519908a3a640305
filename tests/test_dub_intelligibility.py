"""The dub's intelligibility rules (localize.dub.intelligibility) as functions: words compared as said, heard words
given to the nearest line, and word error rates per line and per episode."""

from __future__ import annotations

import pytest

from localize.dub.intelligibility import english_number, episode_wer, heard_lines, spoken_words


@pytest.mark.parametrize("value, words", [
    (0, "zero"), (7, "seven"), (19, "nineteen"), (40, "forty"), (42, "forty two"), (100, "one hundred"),
    (305, "three hundred five"), (5_000_000, "five million"), (2_026, "two thousand twenty six"),
])
def test_a_number_in_digits_is_the_words_a_voice_says(value, words):
    assert english_number(value) == words.split()


def test_words_are_compared_without_case_punctuation_or_digits():
    assert spoken_words("Here's 5,000,000 yuan. Mom!", "en") == ["here's", "five", "million", "yuan", "mom"]
    assert spoken_words("Son’s 5 hijos", "es") == ["son's", "5", "hijos"]


def test_the_heard_words_are_aligned_to_the_lines_whatever_their_times():
    found = heard_lines(["For my wife's sake, I can put up with anything.", "Save it. Here's five million yuan."],
                        "For my wife's sake I can put up with anything save it here's 5 million you won".split(), "en")
    assert [line.heard for line in found] == ["for my wife's sake i can put up with anything",
                                              "save it here's five million you won"]
    assert [(line.errors, line.words) for line in found] == [(0, 10), (2, 6)]  # yuan: one substitution, one insertion
    assert episode_wer(found) == pytest.approx(2 / 16)


def test_a_misheard_line_has_its_own_rate_and_the_episode_counts_every_word():
    found = heard_lines(["I am the chairman of Tianlong Group.", "What?"],
                        "I am the chairman of Tian Long group Watt".split(), "en")
    assert [(line.errors, line.words) for line in found] == [(2, 7), (1, 1)]
    assert found[1].wer == 1.0
    assert episode_wer(found) == pytest.approx(3 / 8)


def test_words_heard_before_the_first_line_count_against_it_and_a_line_nothing_was_heard_for_is_all_errors():
    found = heard_lines(["Sit down, sit down!", "Mom."], ["um", "sit", "down", "sit", "down"], "en")
    assert [(line.heard, line.errors, line.wer) for line in found] == [("um sit down sit down", 1, 0.25),
                                                                       ("", 1, 1.0)]
    assert episode_wer([]) == 0.0
