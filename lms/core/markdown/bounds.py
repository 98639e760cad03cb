"""The bounds within which Python-Markdown renders a text in linear time, and what each says to an author.

The numbers are explained in `lms.core.markdown.limits`, which checks them; `Excess` is the first one a
text passes, and `describe` says it ("Line 12: nesting deeper than 20 levels (...)").
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

MAX_TEXT = 200_000  # characters: the longest text (a lesson) rendered as Markdown at all
MAX_DEPTH = 20  # levels of nesting: block quotes, list items, definitions, emphasis
MAX_OPEN = 20  # marks open at once: [ and ]( in a block; < and ``` in the text; lengths of ` in a block
MAX_BLOCK = 20_000  # characters between two blank lines
MAX_LINE_MARKS = 200  # bars | and backticks ` on one line of a table
MAX_TAGS = 2_000  # HTML tags in the text
MAX_FENCED = 200  # fenced code blocks in the text
MAX_ABBREVIATIONS = 100  # *[HTML]: ... definitions in the text
MAX_FOOTNOTES = 200  # [^1]: ... definitions in the text, and [^1] references to them
# Readings of a block again after a heading, rule or definition inside it (see _SPLIT), in characters:
# SPLIT_READINGS times the text, and SPLIT_ALLOWANCE more for a list of definitions at a block's end.
SPLIT_READINGS = 10
SPLIT_ALLOWANCE = 1_000_000
TAB = 4  # Python-Markdown's tab length: one level of list indentation


@dataclass(frozen=True)
class Excess:
    """The first bound a text passes: its `line` (1 = the first), which bound (`code`) and its `limit`.

    Codes: "length" (characters in all), "depth" (nesting), "block" (characters without a blank line),
    "splits" (headings, rules and definitions inside a block), "line_marks" (bars and code marks on one
    line of a table), "open" (marks open at once, `mark` says which: "[", "](", "`", "<" or "```"),
    "fenced" (fenced code blocks), "tags" (HTML tags), "abbreviations", "footnotes" and "footnote_refs"
    (references to footnotes).
    """

    line: int
    code: str
    limit: int
    mark: str = ""

    def details(self) -> dict:
        """The facts of a problem about this (a package check's `Problem.details`); `from_details` reads them."""
        return {"text_line": self.line, "bound": self.code, "max": self.limit, "mark": self.mark}

    @classmethod
    def from_details(cls, details: dict) -> Excess:
        """The Excess that `details()` described."""
        return cls(details["text_line"], details["bound"], details["max"], details.get("mark", ""))


def N_(message: str) -> str:
    """Marks a message for translation (babel extracts N_); it is translated where it is shown."""
    return message


# What each bound says, without the line (the callers name it their way). Keyed by code, and by
# "open" and the mark for the marks left open.
MESSAGES = {
    "length": N_("the text is longer than %(max)d characters."),
    "depth": N_("nesting deeper than %(max)d levels (block quotes, lists, definitions or emphasis)."),
    "block": N_("a paragraph, list or table longer than %(max)d characters without a blank line starts here. "
                "Split it with blank lines."),
    "splits": N_("too many headings, rules or definitions without blank lines between them: put a blank line "
                 "after each."),
    "line_marks": N_("more than %(max)d table bars | and code marks ` on one line."),
    "open[": N_("more than %(max)d square brackets [ open at once (nested too deeply, or never closed). "
                "Close them, or write \\[ for a bracket meant as text."),
    "open](": N_("more than %(max)d link addresses ]( open at once: close each with )."),
    "open`": N_("code marks ` of more than %(max)d lengths in one paragraph, not all closed: close each "
                "code span with as many backticks as opened it."),
    "open<": N_("more than %(max)d HTML tags left open (a < without its >). Write &lt; for a < meant as text."),
    "open```": N_("more than %(max)d code fences ``` that no fence closes."),
    "fenced": N_("more than %(max)d fenced code blocks (```)."),
    "tags": N_("more than %(max)d HTML tags in the text."),
    "abbreviations": N_("more than %(max)d abbreviations (*[...]: ...) in the text."),
    "footnotes": N_("more than %(max)d footnotes ([^...]: ...) in the text."),
    "footnote_refs": N_("more than %(max)d references to footnotes ([^...]) in the text."),
    "recursion": N_("it is nested too deeply to be formatted."),
}


def problem(found: Excess, translate: bool = True) -> str:
    """What is wrong, without the line: in the reader's language, or in English (`translate=False`, for
    the package check's report)."""
    message = MESSAGES[found.code + found.mark if found.code == "open" else found.code]
    return gettext(message, max=found.limit) if translate else message % {"max": found.limit}


def describe(found: Excess) -> str:
    """"Line 12: nesting deeper than 20 levels (...)", in the reader's language."""
    return gettext("Line %(line)d: %(problem)s", line=found.line, problem=problem(found))
