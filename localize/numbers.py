"""Chinese amounts in dialogue → numbers a foreign viewer reads at a glance.

Dramas count money in 万 (10⁴) and 亿 (10⁸): 五千万 is 50 million, 一个亿 is 100 million. A literal
"five thousand ten-thousands" is the kind of cultural discount this project exists to remove. Parsing gives
an exact integer; rendering follows the target language's words for millions and billions; the QA check
compares the amounts a source line and its translation carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
          "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_NUMERAL = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_UNITS = "".join(BIG_UNITS) + "".join(SMALL_UNITS)
# An amount: Arabic digits with a Chinese unit (500万, 1.5亿), or Chinese numerals that start with a digit or 十
# (so 千万 "by all means" and 万一 "in case" are not amounts) and run on, with 个 allowed before 万/亿 (一个亿).
AMOUNT = re.compile(rf"\d+(?:\.\d+)?\s*[{_UNITS}]+|[{''.join(DIGITS)}十拾](?:[{_NUMERAL}]|个(?=[万萬亿億]))+")


@dataclass(frozen=True)
class Amount:
    start: int
    end: int
    text: str
    value: Decimal


def _small(text: str) -> int:
    """A number below 10,000 written with 十/百/千 (十五 = 15, 三千零五 = 3005)."""
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in SMALL_UNITS:
            total += (1 if digit is None else digit) * SMALL_UNITS[char]
            digit = None
    return total + (digit or 0)


def parse_chinese_number(text: str) -> Decimal:
    """一个亿 → 100000000, 五千万 → 50000000, 1.5亿 → 150000000, 一万零五 → 10005, 二零二六 → 2026."""
    text = text.replace("个", "").replace(" ", "")
    match = re.match(r"(\d+(?:\.\d+)?)(.*)", text)
    if match:  # Arabic digits with Chinese units
        value = Decimal(match[1])
        for char in match[2]:
            value *= BIG_UNITS.get(char) or SMALL_UNITS.get(char, 1)
        return value
    return Decimal(_with_big_units(text))


def _with_big_units(text: str) -> int:
    """Split at the largest of 亿/万 present: head × unit + the rest (一亿五千万 = 1×10⁸ + 5000×10⁴)."""
    for unit_char, unit in sorted(BIG_UNITS.items(), key=lambda item: -item[1]):
        if unit_char in text:
            head, _, tail = text.partition(unit_char)
            return (_with_big_units(head) if head else 1) * unit + _with_big_units(tail)
    if len(text) > 1 and all(c in DIGITS for c in text):
        return int("".join(str(DIGITS[c]) for c in text))  # read digit by digit, like a year
    return _small(text)


def find_amounts(text: str) -> list[Amount]:
    """Every amount in a Chinese line, with its value."""
    found = []
    for match in AMOUNT.finditer(text):
        value = parse_chinese_number(match[0])
        if value:
            found.append(Amount(match.start(), match.end(), match[0], value))
    return found


SCALE_WORDS = {  # language → (million singular, million plural, billion singular, billion plural)
    "en": ("million", "million", "billion", "billion"),
    "es": ("millón", "millones", "mil millones", "mil millones"),
    "pt": ("milhão", "milhões", "bilhão", "bilhões"),
    "id": ("juta", "juta", "miliar", "miliar"),
}
DECIMAL_MARK = {"en": ".", "es": ",", "pt": ",", "id": ","}
THOUSANDS_MARK = {"en": ",", "es": ".", "pt": ".", "id": "."}


def _plain(value: Decimal, language: str) -> str:
    whole = f"{int(value):,}".replace(",", THOUSANDS_MARK.get(language, ","))
    fraction = value - int(value)
    if fraction:
        return whole + DECIMAL_MARK.get(language, ".") + str(fraction.normalize())[2:]
    return whole


def render_amount(value: Decimal, language: str) -> str:
    """How a viewer reads the amount: 50 million, 1.5 billion, 50 millones, 100 juta, 30,000."""
    primary = language.split("-")[0]
    words = SCALE_WORDS.get(primary, SCALE_WORDS["en"])
    for scale, singular, plural in ((Decimal(10**9), words[2], words[3]), (Decimal(10**6), words[0], words[1])):
        if value >= scale and (value / scale) == (value / scale).quantize(Decimal("0.1")):
            count = (value / scale).normalize()
            number = _plain(count, primary)
            return f"{number} {singular if count == 1 else plural}"
    return _plain(value, primary)


CURRENCY_POLICIES = ("yuan", "dollars", "plain")
_YUAN = {"en": "yuan", "es": "yuanes", "pt": "yuans", "id": "yuan"}
_DOLLARS = {"es": "{amount} de dólares", "pt": "{amount} de dólares", "id": "{amount} dolar"}


def render_money(value: Decimal, language: str, policy: str) -> str:
    """An amount of money as the market's policy wants it said.

    ``yuan`` keeps the currency (5 million yuan); ``dollars`` relabels the drama's sum as dollars without
    converting it ($5 million: stakes read at a glance, as many adaptations do); ``plain`` gives the number.
    """
    primary = language.split("-")[0]
    amount = render_amount(value, language)
    if policy == "yuan":
        return f"{amount} {_YUAN.get(primary, 'yuan')}"
    if policy == "dollars":
        return _DOLLARS[primary].format(amount=amount) if primary in _DOLLARS else f"${amount}"
    return amount


_TARGET_NUMBER = re.compile(r"(\d[\d.,]*)\s*(million|millions|billion|billions|millón|millones|mil millones|"
                            r"milhão|milhões|bilhão|bilhões|juta|miliar|thousand|mil|ribu)?", re.IGNORECASE)
_TARGET_SCALE = {"million": 10**6, "millions": 10**6, "millón": 10**6, "millones": 10**6, "milhão": 10**6,
                 "milhões": 10**6, "juta": 10**6, "billion": 10**9, "billions": 10**9, "mil millones": 10**9,
                 "bilhão": 10**9, "bilhões": 10**9, "miliar": 10**9, "thousand": 10**3, "mil": 10**3, "ribu": 10**3}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "a hundred": 100, "one hundred": 100, "fifty": 50, "twenty": 20}


def target_amounts(text: str, language: str) -> list[Decimal]:
    """The amounts a translated line states (digits with scale words, and English number words)."""
    primary = language.split("-")[0]
    lowered = text.lower()
    for word, number in sorted(_NUMBER_WORDS.items(), key=lambda item: -len(item[0])):
        lowered = re.sub(rf"\b{word}\b(?=\s+(?:million|billion|thousand))", str(number), lowered)
    values = []
    for match in _TARGET_NUMBER.finditer(lowered):
        digits = match[1].rstrip(".,")
        decimal_mark = DECIMAL_MARK.get(primary, ".")
        thousands = THOUSANDS_MARK.get(primary, ",")
        digits = digits.replace(thousands, "").replace(decimal_mark, ".")
        try:
            value = Decimal(digits)
        except ArithmeticError:
            continue
        if match[2]:
            value *= _TARGET_SCALE[match[2].lower()]
        values.append(value)
    return values


def amounts_match(source: str, target: str, language: str) -> list[Decimal]:
    """Source amounts missing from the translation (empty when every amount survived)."""
    stated = target_amounts(target, language)
    return [a.value for a in find_amounts(source) if a.value not in stated]
