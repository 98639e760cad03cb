"""The one formatter of numbers: what a person reads is written as their language writes numbers (Babel).

- `number` writes a score, points, hours or a count: "1,234.5" in English, "1 234,5" in Ukrainian, "1.234,5"
  in Romanian; without `digits` as many decimals as the value has, at most two, never "16.00";
- `percent` writes a percentage held as 0–100 with the language's own pattern: "85%", "85 %" in Romanian,
  Russian and Slovak, the sign kept on its number's line (a no-break space where the language puts one);
- `plural_count` is the whole number that chooses a plural form for a value that may have decimals.

Pages, mails and PDFs come here, in the reader's language (the request's, or the one a job forced). Exports
and the API write numbers for machines (a point, no grouping) and do not.

This module knows no feature.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask_babel import get_locale

# What an absent figure reads as (a report's cell, a score not given yet).
EMPTY = "—"


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def _fraction(digits: int | None, most: int = 2) -> str:
    """The fraction part of a pattern: exactly `digits` decimals, or up to `most` without trailing zeros."""
    if digits is None:
        return "." + "#" * most
    return "." + "0" * digits if digits > 0 else ""


def number(value, digits: int | None = None, empty: str = EMPTY, most: int = 2) -> str:
    """`value` as the reader writes numbers; `empty` when there is none. Without `digits`, up to `most`
    decimals (an answer key keeps its own: `most=6`)."""
    if value is None or value == "":
        return empty
    value = value if isinstance(value, (int, Decimal)) else Decimal(str(value))  # "2.00" from a snapshot too
    return _pattern("#,##0" + _fraction(digits, most)).apply(value, _locale())


# Babel's format_decimal and format_percent parse their pattern again on every call: a page of percentages
# (My learning, a report) parsed the same few patterns dozens of times. Parsed once, they are applied as Babel does.
@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@lru_cache(maxsize=64)
def _percent_pattern(locale: str, digits: int | None) -> NumberPattern:
    base = Locale.parse(locale).percent_formats[None].pattern
    return parse_pattern(base.replace("#,##0", "#,##0" + _fraction(digits), 1))


def percent(value, digits: int | None = 0, empty: str = EMPTY) -> str:
    """A percentage held as 0–100 ("85.5") in the reader's pattern ("85.5%", "85,5 %"); `empty` when none.
    `digits=None` keeps up to two decimals without trailing zeros."""
    if value is None or value == "":
        return empty
    locale = _locale()
    return _percent_pattern(str(locale), digits).apply(Decimal(str(value)) / 100, locale)


def plural_count(value) -> int:
    """The whole number that chooses a plural form ("2.5 points" takes the form of 2): gettext's plural
    rules count in whole numbers."""
    if value is None or value == "":
        return 0
    return int(Decimal(str(value)))


def percent_writer(digits: int = 1):
    """`percent` for a table of thousands of cells (the gradebook): the reader's pattern and decimal sign
    worked out once, then plain string formatting per cell (Babel per cell would cost tens of microseconds
    each). For percentages below a thousand, which need no grouping."""
    sample = percent(12.5, 1)
    at = sample.index("12")
    prefix, sign, suffix = sample[:at], sample[at + 2], sample[at + 4:]
    step = Decimal(1).scaleb(-digits)

    def write(value) -> str:
        # Rounded as Babel rounds (half to even, on the decimal written), so both agree on 0.05.
        return prefix + str(Decimal(str(value)).quantize(step, ROUND_HALF_EVEN)).replace(".", sign) + suffix
    return write
