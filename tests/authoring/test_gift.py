"""GIFT import: every supported kind, slugs, syntax details, and malformed questions reported by line."""
from __future__ import annotations

import random

import pytest

from lms.authoring.gift import GiftProblem, parse_gift
from lms.packages.fields import SLUG_RE
from lms.packages.spec import ChoiceSpec


def one(text: str):
    """The single question parsed from `text`, asserting nothing was reported."""
    result = parse_gift(text)
    assert result.problems == []
    assert len(result.questions) == 1
    return result.questions[0]


# kinds ------------------------------------------------------------------------------------------
def test_single_choice():
    q = one("Who's buried in Grant's tomb? {~Grant ~Jefferson =no one}")
    assert q.kind == "single_choice"
    assert q.text == "Who's buried in Grant's tomb?"
    assert q.choices == [ChoiceSpec("Grant", False), ChoiceSpec("Jefferson", False), ChoiceSpec("no one", True)]
    assert q.points == 1 and q.explanation == "" and q.line == 1


def test_multiple_choice_with_weights():
    q = one("What two people are entombed in Grant's tomb? {\n"
            "   ~%-100%No one\n   ~%50%Grant\n   ~%50%Grant's wife\n   ~%-100%Grant's father\n}")
    assert q.kind == "multiple_choice" and q.points == 2
    assert [(c.text, c.correct) for c in q.choices] == [
        ("No one", False), ("Grant", True), ("Grant's wife", True), ("Grant's father", False)]


def test_multiple_choice_with_several_equals():
    q = one("Primary colours? {=red =blue ~green =yellow}")
    assert q.kind == "multiple_choice"
    assert [c.text for c in q.choices if c.correct] == ["red", "blue", "yellow"]


def test_one_full_weight_answer_is_single_choice():
    q = one("Pick {~%100%right ~wrong ~also wrong}")
    assert q.kind == "single_choice" and [c.correct for c in q.choices] == [True, False, False]


@pytest.mark.parametrize("block, answer", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False),
                                           ("true", True), (" f ", False)])
def test_true_false_spellings(block, answer):
    q = one(f"The sun is a star. {{{block}}}")
    assert q.kind == "true_false" and q.true_false_answer is answer and q.text == "The sun is a star."


def test_short_answer():
    q = one("Who's buried in Grant's tomb? {=Grant =Ulysses S. Grant =Ulysses Grant}")
    assert q.kind == "short_text" and q.points == 1
    assert q.accepted == ["Grant", "Ulysses S. Grant", "Ulysses Grant"]


def test_short_answer_keeps_only_full_credit_answers():
    q = one("Capital of France? {=Paris =%100%paris =%50%Lutetia}")
    assert q.accepted == ["Paris", "paris"]


def test_numeric_value_and_tolerance():
    q = one("When was Ulysses S. Grant born? {#1822:5}")
    assert (q.kind, q.numeric_answer, q.tolerance) == ("numeric", 1822, 5)


def test_numeric_range():
    q = one("What is a number from 1 to 5? {#1..5}")
    assert (q.numeric_answer, q.tolerance) == (3, 2)


def test_numeric_exact():
    q = one("What is pi to two places? {#3.14}")
    assert (q.numeric_answer, q.tolerance) == (3.14, 0)


def test_numeric_multi_form_takes_full_credit_answer():
    q = one("When was Ulysses S. Grant born? {#\n   =1822:0 #Correct!\n   =%50%1822:2 #Close\n}")
    assert (q.numeric_answer, q.tolerance, q.explanation) == (1822, 0, "Correct!")


def test_numeric_multi_form_as_written_in_moodle_docs():
    q = one("How many? {# =5:0 =%50%6:1}")
    assert (q.numeric_answer, q.tolerance) == (5, 0)


def test_numeric_multi_form_full_credit_not_first():
    q = one("Roughly how many? {# =%50%6:1 =5:0.5}")
    assert (q.numeric_answer, q.tolerance) == (5, 0.5)


# titles and slugs -------------------------------------------------------------------------------
def test_title_gives_slug_and_is_not_text():
    q = one("::Grant's Tomb::Who is buried there? {=Grant ~nobody}")
    assert q.slug == "grant-s-tomb" and q.text == "Who is buried there?"


def test_slug_from_first_words_without_title():
    q = one("What is the capital of the United Kingdom of Great Britain? {=London ~Paris}")
    assert q.slug == "what-is-the-capital-of-the-united-kingdom"


def test_slugs_are_unique_within_text_and_against_existing():
    text = "::Same::A {T}\n\n::Same::B {F}\n\n::Same::C {T}"
    assert [q.slug for q in parse_gift(text).questions] == ["same", "same-2", "same-3"]
    assert [q.slug for q in parse_gift(text, existing_slugs={"same", "same-2"}).questions] == [
        "same-3", "same-4", "same-5"]


def test_slugs_transliterate_and_stay_valid():
    long_title = "Ça coûte " + "très " * 40 + "cher"
    result = parse_gift(f"::Café Crème::x {{T}}\n\n::{long_title}::y {{T}}\n\n::!!!::z {{T}}")
    slugs = [q.slug for q in result.questions]
    assert slugs[0] == "cafe-creme" and slugs[1].startswith("ca-coute-tres-") and slugs[2] == "question-3"
    assert all(SLUG_RE.match(s) and len(s) <= 80 for s in slugs)


def test_cyrillic_text():
    result = parse_gift("::Столица::Какая столица Украины? {=Киев ~Львов ~Одесса#Нет, это порт.}\n\n"
                        "Сколько будет дважды два? {=четыре =4}")
    first, second = result.questions
    assert result.problems == []
    assert first.text == "Какая столица Украины?" and first.choices[0] == ChoiceSpec("Киев", True)
    assert first.slug == "question-1" and second.slug == "question-2"  # NFKD keeps nothing of Cyrillic
    assert second.kind == "short_text" and second.accepted == ["четыре", "4"]


# syntax details ---------------------------------------------------------------------------------
def test_comments_and_categories_are_ignored():
    text = ("// a whole file comment\n$CATEGORY: $course$/Geography\n\n"
            "// comment right before a question\n::Cap::Capital of Italy?\n// comment inside\n{=Rome ~Milan}\n\n"
            "// a trailing comment block\n// more")
    result = parse_gift(text)
    assert result.problems == [] and len(result.questions) == 1
    q = result.questions[0]
    assert q.line == 5 and q.text == "Capital of Italy?" and [c.text for c in q.choices] == ["Rome", "Milan"]


def test_escapes():
    q = one(r"::a\:b::Is 1\=1 \{really\} \~ \# \\ ok?\nYes {=it\=is #right\#1 ~no\~pe}")
    assert q.slug == "a-b"
    assert q.text == "Is 1=1 {really} ~ # \\ ok?\nYes"
    assert q.choices == [ChoiceSpec("it=is", True), ChoiceSpec("no~pe", False)]
    assert q.explanation == "right#1"


@pytest.mark.parametrize("prefix", ["[markdown]", "[html]", "[plain]", "[moodle]", "[MARKDOWN]"])
def test_format_prefix_is_stripped(prefix):
    q = one(f"::T::{prefix}**Bold** question {{T}}")
    assert q.text == "**Bold** question"


def test_missing_word():
    q = one("Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.")
    assert q.text == "Moodle costs _____ to download from moodle.org."
    assert q.kind == "single_choice"


def test_missing_word_at_start_and_punctuation_after():
    assert one("{=Paris ~Lyon} is the capital of France.").text == "_____ is the capital of France."
    assert one("Grant is buried in {=Grant's tomb ~Paris}.").text == "Grant is buried in _____."


def test_multiline_question_and_block():
    q = one("::Q::\nFirst line of text\nsecond line\n{\n  =yes # good\n  ~no # bad\n}\n")
    assert q.text == "First line of text\nsecond line" and q.explanation == "good"


def test_crlf_and_several_blank_lines():
    result = parse_gift("A? {T}\r\n\r\n\r\n   \r\nB? {F}\r\n")
    assert [(q.text, q.line) for q in result.questions] == [("A?", 1), ("B?", 5)]


# feedback -> explanation ------------------------------------------------------------------------
def test_general_feedback_wins():
    q = one("2+2? {=4 #yes ~5 #no ####Because two and two make four.}")
    assert q.explanation == "Because two and two make four."


def test_per_answer_feedback_of_correct_answers():
    q = one("Pick {=a #A is right. ~b #B is wrong. =c #C is right too.}")
    assert q.explanation == "A is right.\n\nC is right too."


def test_true_false_feedback():
    assert one("Sky is green. {F#It is blue.}").explanation == "It is blue."
    assert one("Sky is blue. {TRUE#Wrong: it is blue.#Right.}").explanation == "Wrong: it is blue.\n\nRight."
    assert one("Sky is blue. {T####General.}").explanation == "General."


def test_short_answer_and_numeric_feedback():
    assert one("Capital? {=Paris #Yes, Paris.}").explanation == "Yes, Paris."
    assert one("2+2? {#4:0#Four.}").explanation == "Four."


def test_no_feedback_gives_empty_explanation_and_no_problem():
    result = parse_gift("Plain? {T}")
    assert result.problems == [] and result.questions[0].explanation == ""


# malformed input -------------------------------------------------------------------------------
MIXED = """// good ones around the bad ones
::Good1::First good? {=yes ~no}

::Essay::Write about Grant. {}

::Match::Match them. {
  =Canada -> Ottawa
  =Italy -> Rome
}

::Description::Just some text with no answers.

::NoRight::Pick one {~a ~b ~c}

::Brace::Unbalanced {=a ~b

::Number::How many? {#five:1}

::Good2::Second good? {T}

::Empty:: {=a ~b}

::Good3::Third good? {#2..4}
"""


def test_malformed_questions_are_reported_with_line_and_good_ones_still_parse():
    result = parse_gift(MIXED)
    assert [(q.slug, q.line) for q in result.questions] == [("good1", 2), ("good2", 19), ("good3", 23)]
    reasons = {p.line: p.reason for p in result.problems}
    assert sorted(reasons) == [4, 6, 11, 13, 15, 17, 21]
    assert "essay" in reasons[4]
    assert "matching" in reasons[6]
    assert "description" in reasons[11]
    assert "no correct answer" in reasons[13]
    assert "unbalanced braces" in reasons[15]
    assert "'five' is not a number" in reasons[17]
    assert "no text" in reasons[21]


@pytest.mark.parametrize("text, reason", [
    ("Closing first } and { later", "unbalanced braces"),
    ("Too many {=a ~b} here {=c ~d}", "only one answer block"),
    ("Missing } brace {=a ~b}}", "unbalanced braces"),
    ("::Unclosed title Who? {T}", "title is not closed"),
    ("Range {#a..3}", "'a' is not a number"),
    ("Tolerance {#5:x}", "'x' is not a number"),
    ("Not finite {#nan}", "'nan' is not a number"),
    ("Negative {#5:-1}", "must not be negative"),
    ("Empty numeric {#}", "numeric answer is empty"),
    ("Multi numeric {# =%50%5 ~6}", "no correct answer"),
    ("Partial short {=%50%Paris}", "no correct answer"),
    ("One choice {~%100%a}", "at least two answers"),
    ("Empty answer {=a ~ ~b}", "answer is empty"),
    ("Bad weight {~%abc%a =b}", "weight"),
    ("Nonsense {maybe}", "not understood"),
    ("::Only title::", "description"),
])
def test_other_problems(text, reason):
    result = parse_gift("Good? {T}\n\n" + text)
    assert len(result.questions) == 1
    assert len(result.problems) == 1 and result.problems[0].line == 3
    assert reason in result.problems[0].reason


def test_problem_line_skips_leading_comment():
    result = parse_gift("A? {T}\n\n// about the essay\n// more\nEssay {}")
    assert result.problems == [GiftProblem(5, "essay questions are not supported")]


def test_failed_questions_do_not_take_slugs():
    result = parse_gift("::X::Bad {}\n\n::X::Good {T}")
    assert [q.slug for q in result.questions] == ["x"]


def test_empty_input():
    assert parse_gift("") == parse_gift("\n\n// only a comment\n$CATEGORY: x\n")
    assert parse_gift("").questions == [] and parse_gift("").problems == []


def test_never_raises_on_garbage():
    rng = random.Random(1234)
    alphabet = "{}=~#%:->.\\ \nabcT5 \n\n::[]/$"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        result = parse_gift(text)
        for q in result.questions:
            assert SLUG_RE.match(q.slug) and q.kind and q.text
