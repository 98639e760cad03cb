"""No input can hold a worker (house rule 12): every parser of user text takes time linear in its length.

Each case gives a parser inputs of three sizes, x1, x4 and x16, and fails when the largest takes more
than SLACK times 16 the time of the smallest: linear time stays near x16, quadratic time reaches x256.
The sizes are chosen so that x1 is not mere overhead and x16 stays well under a second or two.

Robust on a busy machine: the time is this thread's CPU time (other processes' turns do not count),
the best of up to REPEAT rounds taken in turn (x1, x4, x16, x1, ...), with the garbage collector
paused, and a case passes as soon as one set of best times is within the bound (most pass in one
round: the module takes some ten seconds). Marked `timing`, to run them alone: `pytest -m timing`.

The parsers: Markdown (`lms.core.markdown`: the bounds' check, the rendering, the reading of images),
GIFT (`lms.authoring.gift`), bulk enrolment CSV (`lms.enrolments.services`), course packages (YAML,
lessons and quiz files: `lms.packages`), the numeric answers (`lms.quizzes.grading.read_number`), the
report filters (`lms.reports.filters`) and the "Download my answers" files (`lms.quizzes.answerfile`).
"""
from __future__ import annotations

import gc
import math
import signal
import time
from datetime import date

import pytest

import lms.core.markdown as markdown
from lms.authoring import gift
from lms.core.markdown import image_references, render_markdown
from lms.core.markdown.limits import excess
from lms.enrolments import services as enrolments
from lms.packages import yamlfile
from lms.packages.quizfile import read_quiz
from lms.packages.reader import read_package
from lms.quizzes import answerfile, grading
from lms.reports.filters import FILTER_NAMES, ReportFilters, read_filters
from tests.helpers import make_course, make_institution

pytestmark = pytest.mark.timing

SIZES = (1, 4, 16)
SLACK = 3
REPEAT = 5
FLOOR = 0.0005  # seconds: a smaller x1 is compared as if it took this long (the timer's and Python's noise)
GIVE_UP = 30.0  # seconds of the clock for one run: that slow, it has failed


class _TooSlow(Exception):
    pass


def _alarm(_signum, _frame):
    raise _TooSlow


def _run(parse, value, give_up: float = GIVE_UP) -> float:
    """The CPU time of `parse(value)`; _TooSlow after `give_up` seconds of the clock (a parser gone quadratic
    must fail the test, not hold it for the hour its largest input would take)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, give_up)
    gc.disable()
    try:
        started = time.thread_time()
        parse(value)
        return time.thread_time() - started
    finally:
        gc.enable()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_linear(parse, make, base: int) -> None:
    """`parse(make(base * k))` for k in SIZES takes time linear in k.

    x16 is run only once x4 is within its bound (4 * SLACK times x1): time that grows with the square of
    the input shows at x4 already, and its x16 would take 16 times longer still."""
    inputs = [make(base * k) for k in SIZES]
    best = [math.inf] * len(SIZES)

    def within(index: int) -> bool:
        return best[index] <= SIZES[index] * SLACK * max(best[0], FLOOR)

    try:
        for _round in range(REPEAT):
            for index, value in enumerate(inputs):
                if index == len(inputs) - 1 and not within(index - 1):
                    break
                # The clock may give up only well past what a linear parser needs: twice the CPU time its bound
                # allows (a slow but linear parser's x16 on a busy machine, with the test workers sharing the
                # cores, takes longer on the clock than in CPU), and never before GIVE_UP.
                allowed = SIZES[index] * SLACK * max(best[0], FLOOR) if index else 0.0
                best[index] = min(best[index], _run(parse, value, max(GIVE_UP, 2 * allowed)))
            if within(len(inputs) - 1) and within(len(inputs) - 2):
                return
    except _TooSlow:
        pass
    sizes = ", ".join(f"x{k} ({len(v):,} long): {t:.4f}s" for k, v, t in zip(SIZES, inputs, best))
    pytest.fail(f"time grows faster than the input: {sizes}")


# --- Markdown --------------------------------------------------------------------------------------------

def _render(text: str) -> None:
    markdown._render.cache_clear()  # noqa: SLF001 - each round must render, not remember
    markdown._checked.cache_clear()  # noqa: SLF001
    render_markdown(text)


def _repeat(motif: str, n: int) -> str:
    return motif * max(1, n // len(motif))


def _blocks(motif: str, n: int, size: int = 5_000, head: str = "") -> str:
    """`motif` repeated into blocks of about `size` characters, `head` first in each, blank lines between."""
    block = (head + _repeat(motif, size - len(head))).strip("\n") + "\n\n"
    return block * max(1, n // len(block))


def _nested(opening: str, closing: str, n: int) -> str:
    depth = max(1, n // (len(opening) + len(closing)))
    return opening * depth + "x" + closing * depth


def _nested_lists(n: int) -> str:
    depth = max(1, int(math.sqrt(n / 2)))  # line i is indented 4i: the text grows with the square of the depth
    return "".join("    " * i + "- x\n" for i in range(depth))


LESSON = ("## A heading\n\nA sentence of a lesson, with *some* emphasis, **strong words**, a [link](https://x.org) "
          "and `code`.\n\n- an item\n- another, with _emphasis_\n  - nested\n\n> A quotation.\n\n"
          "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode block\n```\n\n")

MARKDOWN = {
    # The issue's inputs, and their kind: shown as plain text, in linear time.
    "nested brackets": lambda n: _nested("[", "]", n),
    "nested block quotes": lambda n: _repeat("> ", n) + "x",
    "nested emphasis": lambda n: _nested("*a ", " b*", n),
    "nested lists": _nested_lists,
    "lists on one line": lambda n: _repeat("- ", n) + "x",
    "definitions chained": lambda n: _repeat("term\n: definition\n", n),
    "brackets never closed": lambda n: _repeat("[", n),
    "link addresses never closed": lambda n: _repeat("[a](", n),
    "images never closed": lambda n: _repeat("![", n),
    "html tags never closed": lambda n: _repeat("x <a ", n),
    "cdata never closed": lambda n: _repeat("<![CDATA[", n),
    "code marks of every length": lambda n: "".join("`" * i + " x " for i in range(1, int(math.sqrt(2 * n)))),
    "headings without blank lines": lambda n: _repeat("# h\n", n),
    "footnotes": lambda n: "".join(f"x[^{i}]\n\n[^{i}]: y\n\n" for i in range(n // 20)),
    # Texts within the bounds, at them: rendered, in linear time.
    "lessons": lambda n: _repeat(LESSON, n),
    "one long line": lambda n: _repeat("word ", n),
    "brackets nested 20 deep": lambda n: _blocks("[" * 20 + "x" + "]" * 20 + " ", n),
    "20 brackets left open a block": lambda n: _blocks("word ", n, head="[ " * 20),
    "20 link addresses left open a block": lambda n: _blocks("(word) ", n, head="[a](" * 20),
    "links": lambda n: _blocks("[a](b) ", n),
    "code spans": lambda n: _blocks("`a` ", n),
    "emphasis": lambda n: _blocks("*a* **b** _c_ ", n),
    "emphasis nested 20 deep": lambda n: _blocks("*a " * 20 + " b*" * 20 + " ", n),
    "block quotes 20 deep": lambda n: _blocks("> " * 20 + "x\n", n),
    "lists 20 deep": lambda n: _blocks("".join("    " * i + "- x\n" for i in range(20)), n),
    "definitions": lambda n: _repeat("term\n: definition\n\n", n),
    "tables": lambda n: _blocks("| x | `y` | [z](w) |\n", n, head="| a | b | c |\n|---|---|---|\n"),
    "html tags": lambda n: _blocks("<b>x</b> " + "word " * 100, n),
    "headings": lambda n: _repeat("# h\n\ntext\n\n", n),
    "footnote references": lambda n: _blocks("x[^1] ", n) + "[^1]: the note\n",
    "fenced code": lambda n: "```\n" + _repeat("code\n", n) + "```\n",
    "indented code": lambda n: _repeat("    x\n\n", n),
}


@pytest.mark.parametrize("name", MARKDOWN)
def test_markdown_renders_in_linear_time(app, name):
    """Up to 96,000 characters (the editors take 200,000): a lesson of it renders in linear time, or,
    past the bounds, is shown as plain text in linear time."""
    with app.test_request_context():
        assert_linear(_render, MARKDOWN[name], 6_000)


@pytest.mark.parametrize("name", ["nested brackets", "brackets never closed", "html tags never closed", "lessons",
                                  "links", "tables", "code marks of every length"])
def test_the_bounds_are_checked_in_linear_time(name):
    assert_linear(excess, MARKDOWN[name], 12_000)


@pytest.mark.parametrize("motif", ["![", "![a](", "![a](b \"", "<img ", '<img src="', "![a](b.png) ", "x" * 80 + "\n"])
def test_images_are_found_in_linear_time(motif):
    assert_linear(image_references, lambda n: _repeat(motif, n), 12_000)


# --- GIFT ------------------------------------------------------------------------------------------------

GIFT = {
    # Questions of the same first words: each new slug was counted from 2 again.
    "questions alike": lambda n: _repeat("Which is right? {=yes ~no}\n\n", n),
    "questions": lambda n: "".join(f"Question {i} of a bank? {{=right ~wrong #Because.}}\n\n" for i in range(n // 45)),
    "many answers": lambda n: _repeat("Q {" + "~x " * 40 + "=y}\n\n", n),
    "escapes": lambda n: _repeat("\\{\\}\\=\\~ ", n) + "{T}",
    "comments": lambda n: _repeat("// a comment\n", n) + "Q {T}",
}


@pytest.mark.parametrize("name", GIFT)
def test_gift_is_read_in_linear_time(monkeypatch, name):
    """With the number of questions read (MAX_QUESTIONS) lifted: however many, in linear time."""
    monkeypatch.setattr(gift, "MAX_QUESTIONS", 10**9)
    assert_linear(gift.parse_gift, GIFT[name], 8_000)


def test_a_gift_question_is_read_in_linear_time():
    """A question of "<" without ">": the slug's tag-stripping read to the end from each one."""
    assert_linear(gift.parse_gift, lambda n: "<" * n + " {T}", 625)  # x16: the question's 10,000 characters


def test_the_gift_preview_takes_linear_time():
    """The preview checks each question with the package check's rules."""
    def preview(text: str) -> None:
        gift.review(gift.parse_gift(text).questions, {})

    assert_linear(preview, GIFT["questions"], 2_800)  # up to 1,000 questions


def test_the_issues_gift_paste_is_read_in_bounded_time():
    """Half a million characters of questions (30 seconds, then a bare 500): the first thousand are read."""
    assert_linear(gift.parse_gift, lambda n: _repeat("a {T}\n\n", n), 31_250)


# --- bulk enrolment CSV -------------------------------------------------------------------------------

def _csv(text: str) -> None:
    enrolments.read_lines(enrolments.decode(text.encode()))


CSV = {
    "lines": lambda n: "email,name,courses\n" + "".join(f"t{i}@example.org,Trainee {i},sample\n" for i in range(n // 40)),
    # Many columns and many lines: every line was made a dictionary of all the columns.
    "columns": lambda n: (",".join(["email", "courses"] + [f"c{i}" for i in range(n // 16)]) + "\n"
                          + "a@b.org,x\n" * (n // 32)),
    "a long field": lambda n: 'email,courses\n"' + "x" * n + '",sample\n',
    "a long line": lambda n: "email,courses\n" + "a@b.org," + "course " * (n // 7) + "\n",
    "quotes": lambda n: "email,courses\n" + '"a""b",' * (n // 8) + "\n",
}


@pytest.mark.parametrize("name", CSV)
def test_bulk_enrolment_csv_is_read_in_linear_time(name):
    assert_linear(_csv, CSV[name], 6_000)


def test_a_bulk_enrolment_plan_takes_linear_time(app, db):
    institution = make_institution("UA-ACAD", "Border Academy of Ukraine", "UA")
    make_course()
    with app.test_request_context():
        def plan(content: bytes) -> None:
            enrolments.plan(None, institution, content, date(2099, 1, 1))

        def lines(n: int) -> bytes:
            return ("email,name,courses\n" + "".join(f"t{i}@example.org,Trainee {i},demo-course unknown\n"
                                                      for i in range(n // 45))).encode()

        assert_linear(plan, lines, 13_500)  # 300 to 4,800 lines (the file takes 5,000)


# --- course packages ------------------------------------------------------------------------------------

QUESTION = ("- kind: single_choice\n  slug: q{i}\n  text: |\n    Which one, and *why*?\n  explanation: Because.\n"
            "  choices:\n  - text: this one\n    correct: true\n  - text: that one\n")


def _quiz(n: int) -> str:
    count = max(1, n // len(QUESTION))
    return "title: A quiz\nquestions:\n" + "".join(QUESTION.replace("{i}", str(i)) for i in range(count))


def _read_quiz(text: str) -> None:
    read_quiz([], "quiz.yaml", yamlfile.load(text), 1, "quiz")


YAML = {
    "keys": lambda n: "".join(f"k{i}: v\n" for i in range(n // 8)),
    "a long block scalar": lambda n: "t: |\n" + _repeat("  a line of text\n", n),
    "a flow list": lambda n: "t: [" + _repeat("1, ", n) + "1]\n",
    "quoted": lambda n: "t: '" + _repeat("a''", n) + "'\n",
    "flow opened": lambda n: "t: " + "[" * n + "\n",
    "aliases": lambda n: "a: &x [1, 2]\n" + "".join(f"k{i}: *x\n" for i in range(n // 8)),
}


@pytest.mark.parametrize("name", YAML)
def test_package_yaml_is_read_in_linear_time(name):
    def load(text: str) -> None:
        try:
            yamlfile.load(text)
        except yamlfile.YamlError:
            pass  # refused: quickly is the point

    assert_linear(load, YAML[name], 4_000)


def test_a_quiz_file_is_read_in_linear_time():
    assert_linear(_read_quiz, _quiz, 4_000)


@pytest.mark.parametrize("body", ["lesson", "brackets never closed", "images never closed", "nested lists"])
def test_a_lesson_file_is_read_in_linear_time(tmp_path, body):
    """The package check reads a lesson: its front matter, its bounds, its images."""
    make = MARKDOWN.get(body) or MARKDOWN["lessons"]
    folders = {}
    for k in SIZES:
        folder = tmp_path / f"x{k}" / "course"
        (folder / "01-module").mkdir(parents=True)
        (folder / "course.yaml").write_text("slug: course\ntitle: C\nsummary: S\nlanguage: en\nversion: 1\n"
                                            "estimated_hours: 1\noutcomes: [O]\n")
        (folder / "01-module" / "module.yaml").write_text("title: M\n")
        (folder / "01-module" / "01-lesson.md").write_text("---\ntitle: L\nminutes: 5\n---\n" + make(12_000 * k))
        folders[12_000 * k] = folder
    assert_linear(read_package, lambda n: folders[n], 12_000)


def test_a_package_of_many_modules_is_read_in_linear_time(tmp_path):
    """Each module's folder was looked up among all the folders, for each module."""
    folders = {}
    for k in SIZES:
        folder = tmp_path / f"x{k}" / "course"
        folder.mkdir(parents=True)
        (folder / "course.yaml").write_text("slug: course\ntitle: C\nsummary: S\nlanguage: en\nversion: 1\n"
                                            "estimated_hours: 1\noutcomes: [O]\n")
        for number in range(1, 40 * k + 1):
            module = folder / f"{number:03d}-module-{number}"
            module.mkdir()
            (module / "module.yaml").write_text(f"title: Module {number}\n")
            (module / "01-lesson.md").write_text(f"---\ntitle: L\nminutes: 5\nslug: lesson-{number}\n---\nText.\n")
        folders[40 * k] = folder
    assert_linear(read_package, lambda n: folders[n], 40)  # 40 to 640 modules (a zip holds 2,000 files)


# --- numeric answers and report filters -------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["9", "1 000", "1,000", "1.", "€", "-", " ", ",", "9" * 50 + "x", "грн"])
def test_a_numeric_answer_is_read_in_linear_time(unit):
    """With the bound (MAX_NUMBER_CHARS) lifted: whatever its length, an answer is read in linear time."""

    def read(text: str) -> None:
        grading.read_number(text, limit=len(text))
        grading.read_number("1" + text + "5", limit=len(text) + 2)

    assert_linear(read, lambda n: (unit * (n // len(unit) + 1))[:n], 4_000)


@pytest.mark.parametrize("name", FILTER_NAMES)
def test_a_report_filter_is_read_in_linear_time(name):
    """A value's length is checked before any pattern runs on it."""

    def read(value: str) -> None:
        filters, errors = read_filters({name: value})
        assert name in errors and filters == ReportFilters()

    assert_linear(read, lambda n: "7" * n + "\x01", 50_000)


# --- files of answers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["answers", "nested", "strings", "escapes"])
def test_a_file_of_answers_is_read_in_linear_time(monkeypatch, shape):
    """With the size bound (MAX_BYTES) lifted: the nesting is counted in one pass before the JSON is parsed, and
    the rest of the reading is a walk over what was parsed."""
    monkeypatch.setattr(answerfile, "MAX_BYTES", 1 << 30)
    monkeypatch.setattr(answerfile, "MAX_ANSWERS", 1 << 30)

    def make(n: int) -> bytes:
        if shape == "nested":
            return (b"[" * n) + (b"]" * n)
        if shape == "strings":
            return b'"' + b"[{" * n + b'"'
        if shape == "escapes":
            return b'"' + b'\\"' * n + b'"'
        answers = ",".join(f'"q{i}": ["{i}", "x"]' for i in range(n // 16))
        return ('{"format": "lms-answers/1", "attempt": 1, "token": "t", "quiz": "q", "course": "c", "seq": 1, '
                '"saved_at": "2026-12-06T10:00:00+02:00", "answers": {' + answers + "}}").encode()

    def read(raw: bytes) -> None:
        try:
            answerfile.read_answer_file(raw)
        except answerfile.AnswerFileError:
            pass

    assert_linear(read, make, 20_000)
