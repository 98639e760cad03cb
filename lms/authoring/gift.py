"""Import of questions written in Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format).

The supported subset, mapped onto the platform's question kinds:

- ``{=right ~wrong ~wrong}``: single_choice (exactly one correct answer).
- ``{~%50%a ~%50%b ~%-100%c}`` or ``{=a =b ~c}``: multiple_choice. Every answer with a positive weight is
  correct (``=`` means 100 %, ``~`` means 0 %); the platform has no partial credit, so weights only decide
  right or wrong.
- ``{T}``, ``{TRUE}``, ``{F}``, ``{FALSE}`` (any case): true_false.
- ``{=a =b =c}`` (only ``=`` answers): short_text. Only full-credit answers (no weight, or ``%100%``)
  are accepted; partial ones like ``=%50%x`` are dropped without a report, because accepting them would
  give full marks for an answer the author meant to be half right.
- ``{#5:0.5}``, ``{#1..3}`` (midpoint, half width), ``{#5}`` and ``{# =5:0 =%50%6:1}`` (the full-credit
  answer is taken): numeric.

Also: blank lines separate questions; ``//`` comment lines and ``$CATEGORY:`` lines are ignored; an
optional ``::Title::`` gives the slug; a ``[markdown]``/``[html]``/``[plain]``/``[moodle]`` prefix is
stripped (the text is kept as Markdown); the escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` work.
Text after the answer block is kept, with ``_____`` where the block stood ("missing word").
General feedback (``####...``) becomes the explanation; without it, the feedback of the correct
answer(s) does. Without any feedback the explanation is empty, for the instructor to fill in: `review`
marks each question that publishing would refuse (the package check's rules for a question), with the
explanations the instructor typed in the preview added, so the preview can ask for them there.
GIFT has no points: 1 per question, 2 for multiple_choice.

Everything else -- essay, matching, descriptions, a second answer block, unbalanced braces, no correct
answer, a number that is not a number, a question without text -- is reported as a `GiftProblem`
with the question's line and is not returned. So is a question past the question editor's bounds: a
text, explanation or choice too long, or past the bounds of Markdown (`lms.core.markdown.limits`:
nesting, brackets left open...), with the line where it goes past them. At most MAX_QUESTIONS
questions are read; the rest is reported, to import separately. `parse_gift` never raises on bad
input, and its time is linear in the length of the text.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.core.markdown.limits import excess
from lms.core.markdown.limits import problem as bound_problem
from lms.packages.quizfile import check_question, question_spec_data
from lms.packages.spec import ChoiceSpec, Problem, QuestionSpec
from lms.quizzes.models import MAX_CHOICE_TEXT, MAX_QUESTION_TEXT

MAX_CHARS = 500_000  # characters of GIFT text pasted or uploaded at once
MAX_BYTES = 2 * 1024 * 1024  # of an uploaded GIFT file
MAX_QUESTIONS = 1_000  # questions (and reported blocks) read from one text
MAX_ANSWERS = 50  # answers of one question
MAX_ACCEPTED = 4_000  # characters of a short answer question's accepted answers, as in the question editor
SLUG_BASE_MAX = 60  # leaves room for a "-N" suffix within the platform's 80 characters
SLUG_WORDS = 8
BLANK = "_____"

# Escaped characters are swapped for private-use code points while the structure is parsed, so that
# "\=" or "\{" can never be mistaken for syntax; they are swapped back in every string we return.
_ESCAPABLE = "~=#{}:\\"
_HIDE = {ch: chr(0xE000 + i) for i, ch in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({v: k for k, v in _HIDE.items()})
_ESCAPE_RE = re.compile(r"\\([~=#{}:\\n])")
_FORMAT_RE = re.compile(r"^\s*\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_TAG = re.compile(r"<[^<>]*>")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class GiftProblem:
    """A question that could not be imported: where it starts (1-based line) and why, in plain English."""

    line: int
    reason: str


@dataclass
class GiftResult:
    """The questions that could be imported, and a problem for each one that could not."""

    questions: list[QuestionSpec]
    problems: list[GiftProblem]


@dataclass
class Candidate:
    """A parsed question in the preview: its `number` there (1, 2...), the question with any explanation
    typed in the preview, whether the preview asks for an explanation (GIFT gave none), and the problems
    for which publishing would refuse it as it stands (none: it imports complete)."""

    number: int
    question: QuestionSpec
    asks_explanation: bool
    problems: list[Problem]


MAX_EXPLANATION = MAX_QUESTION_TEXT  # characters, as in the question editor


def review(questions: list[QuestionSpec], typed: Mapping[int, str]) -> list[Candidate]:
    """The parsed questions as candidates for import. A question without an explanation takes the one
    typed for its number in `typed` (when not longer than MAX_EXPLANATION); each is then checked with
    the package check's rules for a question."""
    candidates = []
    for number, question in enumerate(questions, start=1):
        asks = not question.explanation
        problems = []
        if asks:
            explanation = (typed.get(number) or "").strip()
            found = excess(explanation, MAX_EXPLANATION)
            if found and found.code == "length":
                problems.append(Problem("", None, f"'explanation' is longer than {MAX_EXPLANATION} characters",
                                        code="too_long", subject="question", slug=question.slug, field="explanation",
                                        details={"max": MAX_EXPLANATION}))
            elif found:
                problems.append(Problem("", None, f"'explanation': line {found.line}: {bound_problem(found, False)}",
                                        code="markdown", subject="question", slug=question.slug,
                                        field="explanation", details=found.details()))
            else:
                question.explanation = explanation
        # An explanation refused for its length is reported as such, not also as missing.
        problems += [p for p in check_question(question_spec_data(question))
                     if not (problems and p.field == "explanation")]
        candidates.append(Candidate(number, question, asks, problems))
    return candidates


class _Skip(Exception):
    """Raised inside one question to report it and move on to the next; `offset` is the line of the
    problem counted from the question's first line."""

    def __init__(self, reason: str, offset: int = 0):
        super().__init__(reason)
        self.offset = offset


@dataclass
class _Answer:
    marker: str  # "=" or "~"
    weight: float
    text: str
    feedback: str


def parse_gift(text: str, existing_slugs: set[str] | None = None) -> GiftResult:
    """Parse pasted GIFT text into question specs plus a problem report; never raises on bad input.

    Slugs are unique within the text and avoid `existing_slugs` (e.g. the slugs already in the course).
    """
    taken = set(existing_slugs or ())
    suffixes: dict[str, int] = {}
    result = GiftResult([], [])
    for number, (line, lines) in enumerate(_blocks(text), start=1):
        if number > MAX_QUESTIONS:
            result.problems.append(GiftProblem(line, _("more than %(max)d questions in one import: this one and "
                                                       "those after it were not read. Import them separately.",
                                                       max=MAX_QUESTIONS)))
            break
        try:
            title, question = _question("\n".join(lines))
            _within_bounds(question)
        except _Skip as skip:
            result.problems.append(GiftProblem(line + skip.offset, str(skip)))
            continue
        question.line = line
        question.slug = _unique(_slugify(title or _first_words(question.text)) or f"question-{number}", taken,
                                suffixes)
        taken.add(question.slug)
        result.questions.append(question)
    return result


def _within_bounds(question: QuestionSpec) -> None:
    """_Skip a question whose text, explanation or a choice is too long, or past the bounds of Markdown."""
    fields = [(question.text, MAX_QUESTION_TEXT, _("the question")),
              (question.explanation, MAX_QUESTION_TEXT, _("the explanation"))]
    fields += [(choice.text, MAX_CHOICE_TEXT, _("answer %(number)d", number=number))
               for number, choice in enumerate(question.choices, start=1)]
    for value, limit, what in fields:
        found = excess(value, limit)
        if found:
            # The question's text starts on its block's first line; the rest is placed less surely.
            raise _Skip(_("%(what)s: %(problem)s", what=what, problem=bound_problem(found)),
                        offset=found.line - 1 if value is question.text else 0)
    if len("\n".join(question.accepted)) > MAX_ACCEPTED:
        raise _Skip(_("the accepted answers are longer than %(max)d characters in all.", max=MAX_ACCEPTED))


def _blocks(text: str):
    """Yield (first line number, lines) per question; blank lines separate, comments and categories vanish."""
    start, lines = 0, []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if lines:
                yield start, lines
            start, lines = 0, []
        elif not stripped.startswith("//") and not stripped.startswith("$CATEGORY:"):
            start = start or number
            lines.append(line)
    if lines:
        yield start, lines


def _question(raw: str) -> tuple[str, QuestionSpec]:
    """One question block -> (title or "", spec without its slug yet), or _Skip with the reason."""
    body = _ESCAPE_RE.sub(lambda m: "\n" if m[1] == "n" else _HIDE[m[1]], raw).strip()
    title = ""
    if body.startswith("::"):
        title, sep, body = body[2:].partition("::")
        if not sep:
            raise _Skip("the title is not closed with ::")
    body = _FORMAT_RE.sub("", body, count=1)
    opens, closes = body.count("{"), body.count("}")
    if opens == closes == 0:
        raise _Skip("descriptions (text without an answer block) are not supported")
    open_at, close_at = body.find("{"), body.find("}")
    if opens != closes or close_at < open_at:
        raise _Skip("unbalanced braces: every { needs a matching } (write \\{ or \\} for a literal brace)")
    if opens > 1:
        raise _Skip("only one answer block {...} per question is supported")
    before, block, after = body[:open_at], body[open_at + 1:close_at], body[close_at + 1:]
    # Moodle shows a question with text after its block as "missing word": a blank where the block was.
    text = _restore(before + BLANK + after if after.strip() else before)
    if not text or text == BLANK:
        raise _Skip("the question has no text")
    block, _, general = block.partition("####")
    question = QuestionSpec(slug="", kind="", text=text, explanation="")
    feedback = _answer_block(block.strip(), question)
    question.explanation = _restore(general) or "\n\n".join(dict.fromkeys(f for f in feedback if f))
    return _restore(title), question


def _answer_block(block: str, q: QuestionSpec) -> list[str]:
    """Fill kind and answer fields of `q` from the block; return the feedback texts for the explanation."""
    if not block:
        raise _Skip("essay questions are not supported")
    if block.startswith("#"):
        return _numeric(block[1:].strip(), q)
    head, *feedback = block.split("#")
    if head.strip().upper() in _TRUE_FALSE:
        # Moodle's order is "#feedback for a wrong answer#feedback for a right answer"; keep both.
        q.kind, q.true_false_answer = "true_false", _TRUE_FALSE[head.strip().upper()]
        return [_restore(f) for f in feedback]
    if "->" in block:
        raise _Skip("matching questions are not supported")
    answers = _answers(block)
    if any(not a.text for a in answers):
        raise _Skip("an answer is empty")
    if all(a.marker == "=" for a in answers):
        accepted = [a for a in answers if a.weight == 100]
        if not accepted:
            raise _Skip("no correct answer marked (a short answer needs one without a weight, or with %100%)")
        q.kind, q.accepted = "short_text", [a.text for a in accepted]
        return [a.feedback for a in accepted]
    correct = [a for a in answers if a.weight > 0]
    if not correct:
        raise _Skip("no correct answer marked")
    if len(answers) < 2:
        raise _Skip("a choice question needs at least two answers")
    q.kind = "single_choice" if len(correct) == 1 else "multiple_choice"
    q.points = 1.0 if len(correct) == 1 else 2.0
    q.choices = [ChoiceSpec(a.text, a.weight > 0) for a in answers]
    return [a.feedback for a in correct]


def _answers(block: str) -> list[_Answer]:
    """Split "=a#fb ~%50%b" into answers; texts and feedback are already un-escaped."""
    parts = re.split(r"([=~])", block)
    if len(parts) > 2 * MAX_ANSWERS + 1:
        raise _Skip(_("more than %(max)d answers.", max=MAX_ANSWERS))
    if parts[0].strip():
        raise _Skip(f"the answer block is not understood: answers start with = (right) or ~ (wrong), "
                    f"not {_restore(parts[0]).strip()[:30]!r}")
    answers = []
    for marker, chunk in zip(parts[1::2], parts[2::2]):
        weight = 100.0 if marker == "=" else 0.0
        if m := _WEIGHT_RE.match(chunk):
            weight, chunk = float(m[1]), chunk[m.end():]
        elif chunk.lstrip().startswith("%"):
            raise _Skip("a weight must look like %50% or %-100%")
        answer, _, feedback = chunk.partition("#")
        answers.append(_Answer(marker, weight, _restore(answer), _restore(feedback)))
    return answers


def _numeric(block: str, q: QuestionSpec) -> list[str]:
    """`5:0.5`, `1..3`, `5` or the multi form `=5:0 =%50%6:1`, each with optional #feedback."""
    if block.startswith(("=", "~")):
        full = [a for a in _answers(block) if a.weight == 100]
        if not full:
            raise _Skip("no correct answer marked (a numeric question needs one at 100%)")
        value, feedback = full[0].text, full[0].feedback
    else:
        value, _, feedback = block.partition("#")
        value, feedback = _restore(value), _restore(feedback)
    if not value:
        raise _Skip("the numeric answer is empty")
    if ".." in value:
        low, _, high = value.partition("..")
        low, high = sorted((_number(low), _number(high)))
        answer, tolerance = (low + high) / 2, (high - low) / 2
    else:
        number, _, margin = value.partition(":")
        answer, tolerance = _number(number), _number(margin) if margin.strip() else 0.0
    if tolerance < 0:
        raise _Skip(f"the tolerance in {value!r} must not be negative")
    q.kind, q.numeric_answer, q.tolerance = "numeric", answer, tolerance
    return [feedback]


def _number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise _Skip(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):  # float() accepts "nan" and "inf", which no learner can type an answer to
        raise _Skip(f"{text.strip()!r} is not a number")
    return value


def _restore(text: str) -> str:
    return text.translate(_RESTORE).strip()


def _first_words(text: str) -> str:
    # Tags of [html] text say nothing. ("<[^<>]*>" and not "<[^>]*>": a text of "<" without ">" would
    # make the latter read to the end of the text from each "<", in time growing with its square.)
    return " ".join(_TAG.sub(" ", text).split()[:SLUG_WORDS])


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:SLUG_BASE_MAX].strip("-")


def _unique(base: str, taken: set[str], suffixes: dict[str, int]) -> str:
    """`base`, or `base-2`, `base-3`... the first not taken. `suffixes` remembers where each base's search
    stopped (slugs are only ever added to `taken`), so that a thousand questions of the same first words
    do not each count from 2 again."""
    slug, n = base, suffixes.get(base, 2)
    if slug in taken:
        slug = f"{base}-{n}"
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        suffixes[base] = n + 1
    return slug
