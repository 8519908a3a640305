"""Chinese amounts → localized numbers, and the QA check that a translation kept them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from localize.numbers import amounts_match, find_amounts, parse_chinese_number, render_amount


@pytest.mark.parametrize("text, value", [
    ("五百万", 5_000_000), ("一个亿", 100_000_000), ("五千万", 50_000_000), ("两个亿", 200_000_000),
    ("一亿五千万", 150_000_000), ("十万八千", 108_000), ("一万零五", 10_005), ("三千零五", 3005), ("十五万", 150_000),
    ("3万", 30_000), ("1.5亿", 150_000_000), ("二零二六", 2026),
])
def test_parse(text, value):
    assert parse_chinese_number(text) == Decimal(value)


def test_words_that_only_look_like_numbers_are_not_amounts():
    for text in ("千万不要走", "万一他来了", "我们一起走", "一定要", "一个人"):
        assert find_amounts(text) == [], text


@pytest.mark.parametrize("value, language, expected", [
    (50_000_000, "en", "50 million"), (100_000_000, "en", "100 million"), (1_000_000, "en", "1 million"),
    (150_000_000, "es-419", "150 millones"), (1_000_000, "es-419", "1 millón"), (2_000_000_000, "pt-BR", "2 bilhões"),
    (5_000_000, "id", "5 juta"), (30_000, "en", "30,000"), (30_000, "pt-BR", "30.000"),
    (1_500_000, "en", "1.5 million"),
])
def test_render(value, language, expected):
    assert render_amount(Decimal(value), language) == expected


def test_amount_check_finds_a_wrong_or_missing_amount():
    assert amounts_match("少废话，这是五百万。", "Save it. Here's five million yuan.", "en") == []
    assert amounts_match("这个项目能赚一个亿。", "This deal will make 100 million.", "en") == []
    assert amounts_match("五千万", "Fifty thousand", "en") == [Decimal(50_000_000)]
    assert amounts_match("一个亿", "100 millones", "es-419") == []
    assert amounts_match("给你3万", "Here's 30.000", "pt-BR") == []


@pytest.mark.parametrize("language, policy, expected", [
    ("en", "yuan", "5 million yuan"), ("en", "dollars", "$5 million"), ("en", "plain", "5 million"),
    ("es-419", "dollars", "5 millones de dólares"), ("pt-BR", "yuan", "5 milhões yuans"),
    ("id", "dollars", "5 juta dolar"),
])
def test_money_follows_the_market_policy(language, policy, expected):
    from localize.numbers import render_money

    assert render_money(Decimal(5_000_000), language, policy) == expected
    assert amounts_match("这是五百万", expected, language) == []  # QA accepts every policy's rendering
