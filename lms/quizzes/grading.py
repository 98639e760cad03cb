"""Drawing questions for an attempt and grading answers: pure functions, no database.

The draw is a list of plain dicts, stored with the attempt. It carries the answers, so it is
server-side only: pages render its `text` and `choices[*].id/text`, never anything else.

Multiple choice gives partial credit: each correct choice picked earns points / (number of
correct choices); each wrong choice picked takes the same share away; a question never scores
below zero. Short text is compared after folding case and collapsing spaces. Numeric answers are
right within the question's tolerance; `read_number` says how a typed number is read (a decimal
comma or point, spaces between groups of digits, a currency or %), and an answer it finds
ambiguous ("45,000") never scores.
"""
from __future__ import annotations

import random
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from babel.numbers import list_currencies

CHOICE_KINDS = ("single_choice", "multiple_choice")


def snapshot(question, rng: random.Random, shuffle_choices: bool, version=None) -> dict:
    """A question as drawn: everything needed to show and grade it, whatever later edits do. With `version`
    (the question's VersionText in a language version), its texts are the version's and a short answer is
    right when it matches the version's accepted answers or the original's."""
    data = (version.data or {}) if version is not None else {}
    texts = data.get("choices") or []
    choices = [{"id": c.id, "text": texts[i] if i < len(texts) and texts[i] else c.text, "correct": bool(c.correct)}
               for i, c in enumerate(question.choices)]
    if shuffle_choices and question.kind in CHOICE_KINDS:
        rng.shuffle(choices)
    accepted = accepted_answers(question.accepted_answers, data.get("accepted"))
    return {
        "question_id": question.id, "slug": question.slug, "kind": question.kind,
        "text": (version.body if version is not None and version.body else question.text),
        "points": str(question.points), "explanation": data.get("explanation") or question.explanation,
        "choices": choices, "answer": question.true_false_answer, "accepted": accepted,
        "value": question.numeric_answer, "tolerance": question.numeric_tolerance,
    }


def accepted_answers(original: list | None, version: list | None = None) -> list:
    """The short answers an attempt accepts: a language version's own first (a review in that language lists
    them before the original's), then the original's that it does not repeat."""
    accepted = list(version or [])
    return accepted + [a for a in original or [] if a not in accepted]


def draw_questions(quiz, questions: list, rng: random.Random, versions: dict | None = None) -> list[dict]:
    """Pick the questions of an attempt (all, or `draw_count` at random) in the order shown; `versions` holds
    the questions' texts in the attempt's language version, by question id."""
    chosen = list(questions)
    if quiz.draw_count and quiz.draw_count < len(chosen):
        chosen = rng.sample(chosen, quiz.draw_count)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort(key=lambda q: q.position)
    versions = versions or {}
    return [snapshot(q, rng, quiz.shuffle_choices, versions.get(q.id)) for q in chosen]


# Letters typed two ways for the same word: Romanian s and t with a cedilla (old keyboard layouts) for those
# with a comma below, and the apostrophes of Ukrainian (U+2019, U+02BC, U+0027) as one.
SAME_LETTERS = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț", "\u2019": "'", "\u02bc": "'"})


def normalise_text(value: str) -> str:
    """Case-folded, NFC, single-spaced text for comparing short answers, with letters typed two ways as one."""
    return " ".join(unicodedata.normalize("NFC", value or "").translate(SAME_LETTERS).casefold().split())


# A numeric answer longer than this is not read (the answer field holds 50 characters).
MAX_NUMBER_CHARS = 100
POINTS = frozenset(".,")
SIGNS = {"+": "", "-": "-", "\u2212": "-"}  # U+2212 is the minus sign proper
# Words that may stand before or after a number: ISO 4217 currency codes, and the hryvnia as Ukrainians
# write it. Nothing else: a word such as "k", "mln" or "thousand" would change the value.
CURRENCY_WORDS = frozenset(code.casefold() for code in list_currencies()) | {"грн"}


class NumberReading(NamedTuple):
    """How a typed answer reads as a number.

    `value` is the number, or None; then `problem` says why: "empty", "not_a_number", or "ambiguous",
    where `whole` and `decimal` are the two ways the text can be read ("45,000": 45000 or 45.000) and
    `point` is the separator typed.
    """

    value: Decimal | None
    problem: str | None = None
    whole: Decimal | None = None
    decimal: Decimal | None = None
    point: str = "."


EMPTY = NumberReading(None, "empty")
NOT_A_NUMBER = NumberReading(None, "not_a_number")


def read_number(value, limit: int = MAX_NUMBER_CHARS) -> NumberReading:
    """Read a number as a person writes it, refusing what could mean two numbers.

    Accepted, around the digits: a sign (+, - or the minus sign), a currency sign or code before or
    after the number ("€45 000", "45000 EUR"), or a % after it ("66.7%"); spaces between them.
    Inside: ASCII digits, and separators, one at a time:

    - spaces of any kind (space, no-break, thin, narrow no-break) group the digits of the whole part:
      a first group of 1 to 3 digits, then groups of exactly 3 ("45 000", "1 234,5");
    - a single comma or point is the decimal separator ("12,5", "12.5", ".5", "45."), after every
      space; except that one followed by exactly three digits after 1 to 3 digits that do not start
      with 0 and no space ("45,000", "45.000", "1,234", "3.142") is **ambiguous**: it is a thousands
      separator in some languages and a decimal one in others. "0.125", "1234.567" and "1 234,567"
      are not ambiguous (a thousands separator never follows a lone 0, four digits or a group);
    - a comma or point repeated groups thousands ("1,234,567", "1.234.567");
    - a comma and a point both: the last one is the decimal separator and appears once, the other
      groups thousands before it ("1,234.5", "1.234,56", "1,234.567"): no language uses both for
      thousands, so this is never ambiguous. Spaces do not mix with them.

    Anything else (exponents, other words, two numbers, misplaced groups) is not a number. The time
    is linear in the length of the text, which is bounded by `limit`.
    """
    if value is None or isinstance(value, bool):
        return EMPTY if value is None else NOT_A_NUMBER
    if isinstance(value, (int, float, Decimal)):  # an answer stored as a number (not through the pages)
        number = Decimal(str(value))
        return NumberReading(number) if number.is_finite() else NOT_A_NUMBER
    text = str(value)
    if len(text) > limit:
        return NOT_A_NUMBER
    text = text.strip()
    if not text:
        return EMPTY
    start, end, sign, unit = 0, len(text), None, False
    if text[start] in SIGNS:
        sign, start = SIGNS[text[start]], start + 1
    after = _word_end(text, start)
    if after > start and _is_currency(text[start:after]):
        start, unit = _skip_spaces(text, after), True
        if sign is None and start < end and text[start] in SIGNS:
            sign, start = SIGNS[text[start]], start + 1
    if end > start and text[end - 1] == "%" and not unit:
        end = _skip_spaces_back(text, start, end - 1)
    elif not unit:
        word_end = end - 1 if end > start and text[end - 1] == "." else end  # "45 грн."
        before = _word_start(text, start, word_end)
        if before < word_end and _is_currency(text[before:word_end]):
            end = _skip_spaces_back(text, start, before)
    return _read_digits(text[start:end], sign or "")


def _word_end(text: str, i: int) -> int:
    while i < len(text) and (text[i].isalpha() or unicodedata.category(text[i]) == "Sc"):
        i += 1
    return i


def _word_start(text: str, start: int, end: int) -> int:
    while end > start and (text[end - 1].isalpha() or unicodedata.category(text[end - 1]) == "Sc"):
        end -= 1
    return end


def _is_currency(word: str) -> bool:
    return (len(word) == 1 and unicodedata.category(word) == "Sc") or word.casefold() in CURRENCY_WORDS


def _is_space(ch: str) -> bool:
    return unicodedata.category(ch) == "Zs"


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and _is_space(text[i]):
        i += 1
    return i


def _skip_spaces_back(text: str, start: int, end: int) -> int:
    while end > start and _is_space(text[end - 1]):
        end -= 1
    return end


def _read_digits(core: str, sign: str) -> NumberReading:
    """The number of `core` (digits and separators only), by the rules of `read_number`."""
    digits: list[str] = []  # runs of digits ...
    seps: list[str] = []    # ... and the one separator before each run but the first
    i, n = 0, len(core)
    if n and core[0] in POINTS:  # ".5": a decimal part alone
        i, seps = 1, [core[0]]
        digits.append("")
    while i < n:
        j = i
        while j < n and "0" <= core[j] <= "9":
            j += 1
        if j == i:
            return NOT_A_NUMBER  # not a digit, or two separators in a row
        digits.append(core[i:j])
        if j == n:
            break
        if not (core[j] in POINTS or _is_space(core[j])):
            return NOT_A_NUMBER
        seps.append(core[j])
        i = j + 1
        if i == n and core[j] in POINTS:  # "45.": a decimal point with no decimals
            digits.append("")
    if not digits or len(digits) != len(seps) + 1:
        return NOT_A_NUMBER
    points = [k for k, s in enumerate(seps) if s in POINTS]
    spaced = len(points) < len(seps)
    if not points:
        return _number(sign, digits, "")
    last = points[-1]
    kinds = {seps[k] for k in points}
    if len(points) > 1 and len(kinds) == 1:  # "1,234,567": the same mark repeated groups thousands
        return NOT_A_NUMBER if spaced else _number(sign, digits, "")
    if len(kinds) == 2 and (spaced or sum(seps[k] == seps[last] for k in points) != 1):
        return NOT_A_NUMBER
    if last != len(seps) - 1:  # a space after the decimal separator
        return NOT_A_NUMBER
    whole, fraction = digits[: last + 1], digits[last + 1]
    if whole == [""] and len(digits) == 2 and fraction:
        return NumberReading(Decimal(f"{sign}0.{fraction}"))
    if len(whole) == 1 and len(fraction) == 3 and 1 <= len(whole[0]) <= 3 and whole[0][0] != "0":
        return NumberReading(None, "ambiguous", whole=Decimal(sign + whole[0] + fraction),
                             decimal=Decimal(f"{sign}{whole[0]}.{fraction}"), point=seps[last])
    return _number(sign, whole, fraction)


def _number(sign: str, groups: list[str], fraction: str) -> NumberReading:
    """The number of whole-part `groups` (1 to 3 digits, then 3 each, when grouped) and decimals."""
    if any(not g for g in groups):
        return NOT_A_NUMBER
    if len(groups) > 1 and (len(groups[0]) > 3 or groups[0][0] == "0" or any(len(g) != 3 for g in groups[1:])):
        return NOT_A_NUMBER
    return NumberReading(Decimal(sign + "".join(groups) + (f".{fraction}" if fraction else "")))


def parse_number(value) -> Decimal | None:
    """The number a trainee typed ("12.5", "12,5", "45 000", "€45 000", "66.7%"), or None when it is not
    one or is ambiguous ("45,000"): see `read_number`."""
    return read_number(value).value


def suggestions(reading: NumberReading) -> tuple[str, str, str]:
    """For an ambiguous reading, how to write each of its two numbers unambiguously: the whole number
    plain and with a space between groups ("45000", "45 000"), and the decimal one with the separator
    typed ("45", "1,5", "3.1420": a fourth decimal when all three count)."""
    whole = f"{reading.whole:f}"
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[k:k + 3] for k in range(head, len(digits), 3)]
    integer, fraction = f"{reading.decimal:f}".split(".")
    fraction = fraction.rstrip("0")
    decimal = integer + (reading.point + fraction + ("0" if len(fraction) == 3 else "") if fraction else "")
    return whole, sign + " ".join(groups), decimal


def score_question(item: dict, response) -> Decimal:
    """Points earned by `response` for the drawn question `item`."""
    points = Decimal(item["points"])
    kind = item["kind"]
    if response is None or response == "" or response == []:
        return Decimal(0)
    if kind == "single_choice":
        right = {c["id"] for c in item["choices"] if c["correct"]}
        return points if isinstance(response, list) and len(response) == 1 and response[0] in right else Decimal(0)
    if kind == "multiple_choice":
        right = {c["id"] for c in item["choices"] if c["correct"]}
        chosen = set(response if isinstance(response, list) else [])
        share = points / len(right) if right else Decimal(0)
        earned = share * len(chosen & right) - share * len(chosen - right)
        return max(Decimal(0), earned).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if kind == "true_false":
        return points if response in (True, False) and response == item["answer"] else Decimal(0)
    if kind == "short_text":
        given = normalise_text(str(response))
        return points if given and given in {normalise_text(a) for a in item["accepted"]} else Decimal(0)
    if kind == "numeric":
        number = parse_number(response)
        if number is None or item["value"] is None:
            return Decimal(0)
        tolerance = Decimal(str(item["tolerance"] or 0)) + Decimal("1e-9")
        return points if abs(number - Decimal(str(item["value"]))) <= tolerance else Decimal(0)
    return Decimal(0)


def right_answer(item: dict) -> str | list[str]:
    """The right answer as shown in review: choice texts, true/false, accepted texts or value ± tolerance."""
    kind = item["kind"]
    if kind in CHOICE_KINDS:
        return [c["text"] for c in item["choices"] if c["correct"]]
    if kind == "true_false":
        return "true" if item["answer"] else "false"
    if kind == "short_text":
        return item["accepted"]
    tolerance = item["tolerance"] or 0
    value = item["value"]
    return f"{value:g} ± {tolerance:g}" if tolerance else f"{value:g}"


def grade_draw(draw: list[dict], responses: dict, pass_mark) -> dict:
    """Grade a whole attempt in memory: `responses` maps question slugs to responses (missing: none).

    Returns the points of each slug, whether each was fully right, and the attempt's score,
    max_score, percent and passed, exactly as stored.
    """
    points, correct = {}, {}
    total, maximum = Decimal(0), Decimal(0)
    for item in draw:
        worth = Decimal(item["points"])
        earned = score_question(item, responses.get(item["slug"]))
        points[item["slug"]], correct[item["slug"]] = earned, earned == worth
        total += earned
        maximum += worth
    percent = (total * 100 / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0)
    return {"points": points, "correct": correct, "score": total, "max_score": maximum, "percent": percent,
            "passed": percent >= Decimal(pass_mark)}
