"""The bounds of a Markdown text, checked in one pass of linear time before Python-Markdown reads it.

Python-Markdown's time is not linear in every text. A square bracket makes it look for the closing one
to the end of the paragraph, so brackets nested deeply or never closed take time growing with the
square of the paragraph's length (16 KB of nested brackets took 24 seconds); each level of a block
quote, a list or a definition parses the rest again, and deep ones exhaust Python's stack; an HTML tag
left open is searched for its end to the end of the text, from each one; a heading or a definition
inside a paragraph makes the block parser read the rest of the paragraph again; footnotes and
abbreviations are each looked up among all the others. A text within these bounds (numbers in
`bounds`) renders in time proportional to its length, as tests/test_linear_parsers.py measures:

- at most MAX_TEXT characters (the editors' and imports' own bounds are smaller for short texts);
- on any line, at most MAX_DEPTH levels of nesting: block quote marks, list markers and the
  indentation before them, definitions (each chained to the one before counts two);
- a block (the lines between two blank lines) of at most MAX_BLOCK characters, holding headings, rules
  and definitions that make the block parser read no more than SPLIT_READINGS times the text (and
  SPLIT_ALLOWANCE characters) again; in a table, at most MAX_LINE_MARKS bars and code marks a line;
- in a block, at most MAX_OPEN square brackets open at once (nested, or never closed), as many link
  addresses `](` being read at once, emphasis nested at most MAX_DEPTH deep, and, where a code mark
  is left open on its line, at most MAX_OPEN lengths of backtick runs (`inline`);
- in the whole text, at most MAX_OPEN HTML tags and code fences left open, MAX_TAGS HTML tags,
  MAX_FENCED fenced code blocks, MAX_ABBREVIATIONS abbreviations, MAX_FOOTNOTES footnotes and as many
  references to them.

`excess` finds the first bound a text passes, with its line. The editors and the imports refuse such
a text with that line; the renderer shows a text stored before the bounds existed as plain text.

The bounds are checked against what Python-Markdown would read, erring on the side of refusing: where
this pass cannot tell whether a mark is code (between backticks), it counts brackets as open and link
addresses as read to the end of the block.
"""
from __future__ import annotations

import re

from lms.core.markdown.bounds import (  # noqa: F401 - the bounds are read from here by their users
    MAX_ABBREVIATIONS, MAX_BLOCK, MAX_DEPTH, MAX_FENCED, MAX_FOOTNOTES, MAX_LINE_MARKS, MAX_OPEN, MAX_TAGS, MAX_TEXT,
    MESSAGES, SPLIT_ALLOWANCE, SPLIT_READINGS, TAB, Excess, describe, problem,
)
from lms.core.markdown.inline import block_excess

# A list item's marker (with the spaces after it) or a block quote's, at the start of a line.
_LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?: +|$)")
# A fenced code block's opening line and its fence, as Python-Markdown's fenced_code reads them.
_FENCE_OPEN = re.compile(r"(`{3,}|~{3,}) *(?:\{[^\n]*\}|\.?[\w#.+-]* *(?:hl_lines=(\"|').*?\2 *)?)")
_FENCE = re.compile(r"`{3,}|~{3,}")
_ABBREVIATION = re.compile(r" {0,3}\*\[[^\]\\]*\] ?:")
_FOOTNOTE = re.compile(r" {0,3}\[\^[^\]]*\]:")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\][]*\](?!:)")
# A line that Python-Markdown's block parser splits a block at (a heading, a rule, a setext underline,
# a link, footnote or abbreviation definition): it then reads the rest of the block again.
# (A rule is taken to be any line of - = _ * and spaces: one quantifier, so no backtracking.)
_SPLIT = re.compile(r" {0,3}(?:#|\*\[|\[[^\[\]]*\]:|[-=_* ]+$)")
# A table's separator row (|---|:--:|); its rows are split at their bars, each against each code mark.
_SEPARATOR = re.compile(r"[|: ]*-[|:\- ]*$")
_HTML = re.compile(r"<[A-Za-z/!?]|>")


def excess(text: str, max_length: int | None = None) -> Excess | None:
    """The first bound of the module's docstring that `text` passes (and `max_length` characters, when
    given), or None when it renders in linear time. Itself linear in the length of the text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if max_length is not None and len(text) > max_length:
        return Excess(text.count("\n", 0, max_length) + 1, "length", max_length)
    lines = text.expandtabs(TAB).split("\n")
    fenced, unclosed = _fences(lines)
    if len(unclosed) > MAX_OPEN:
        return Excess(unclosed[MAX_OPEN] + 1, "open", MAX_OPEN, "```")
    if len(fenced) > MAX_FENCED:
        return Excess(sorted(fenced)[MAX_FENCED] + 1, "fenced", MAX_FENCED)
    html = _Html()
    block: list[str] = []
    splits: list[int] = []  # where in the block the lines that split it start
    block_start = block_chars = definitions = abbreviations = footnotes = references = readings = 0
    table, most_marks = False, (0, 0)  # whether the block holds a table's separator row; its line of most marks
    index = 0
    while index <= len(lines):
        line = lines[index] if index < len(lines) else ""
        if index in fenced or not line.strip():
            if block:
                # Each split reads the rest of the block again.
                readings += len(splits) * block_chars - sum(splits)
                if readings > SPLIT_READINGS * len(text) + SPLIT_ALLOWANCE:
                    return Excess(block_start, "splits", 0)
                if table and most_marks[0] > MAX_LINE_MARKS:
                    # The table extension pairs each row's code marks with its bars, each with each.
                    return Excess(most_marks[1], "line_marks", MAX_LINE_MARKS)
                found = block_excess(block, block_start)
                if found:
                    return found
            block, splits, block_chars, definitions, table, most_marks = [], [], 0, 0, False, (0, 0)
            index = fenced.get(index, index) + 1
            continue
        number = index + 1
        if not block:
            block_start = number
        block.append(line)
        depth, start = _containers(line)
        if _SPLIT.match(line) or _SPLIT.match(line, start):
            splits.append(block_chars)
        block_chars += len(line) + 1
        if block_chars > MAX_BLOCK:
            return Excess(block_start, "block", MAX_BLOCK)
        marks = line.count("|") + line.count("`")
        if marks > most_marks[0]:
            most_marks = (marks, number)
        table = table or bool(_SEPARATOR.match(line, start))
        if line.startswith(": ", start):
            # Python-Markdown puts what follows a definition, up to the next blank line, inside it
            # (a list and an item: two levels).
            definitions += 2
        if depth + definitions > MAX_DEPTH:
            return Excess(number, "depth", MAX_DEPTH)
        if _ABBREVIATION.match(line, start):
            abbreviations += 1
            if abbreviations > MAX_ABBREVIATIONS:
                return Excess(number, "abbreviations", MAX_ABBREVIATIONS)
        if _FOOTNOTE.match(line, start):
            footnotes += 1  # Python-Markdown looks each one up in the list of all, for each reference
            if footnotes > MAX_FOOTNOTES:
                return Excess(number, "footnotes", MAX_FOOTNOTES)
        if "[^" in line:
            # The n-th reference to the same footnote counts its n-1 others to name itself.
            references += len(_FOOTNOTE_REFERENCE.findall(line))
            if references > MAX_FOOTNOTES:
                return Excess(number, "footnote_refs", MAX_FOOTNOTES)
        found = html.feed(line, number)
        if found:
            return found
        index += 1
    return html.end(len(lines))


def _containers(line: str) -> tuple[int, int]:
    """The levels of nesting a line's start opens (block quote marks, list markers, each with the
    indentation before it) and where its text starts."""
    depth = position = 0
    length = len(line)
    while True:
        text = position
        while text < length and line[text] == " ":
            text += 1
        indent = (text - position) // TAB
        if text < length and line[text] == ">":
            depth, position = depth + 1 + indent, text + 1
            continue
        marker = _LIST_MARKER.match(line, text)
        if marker:
            depth, position = depth + 1 + indent, marker.end()
            continue
        return depth, text


def _fences(lines: list[str]) -> tuple[dict[int, int], list[int]]:
    """Fenced code blocks as Python-Markdown's fenced_code finds them: {opening line: closing line}
    (0-based), and the opening lines that no fence closes (each is searched to the end of the text)."""
    closers: dict[str, int] = {}
    closing_of: dict[int, int | None] = {}
    for index in range(len(lines) - 1, -1, -1):  # backwards: the nearest closing fence below each line
        line = lines[index]
        if not line.startswith(("```", "~~~")):
            continue
        opening = _FENCE_OPEN.fullmatch(line)
        if opening:
            closing_of[index] = closers.get(opening.group(1))
        fence = _FENCE.match(line).group(0)
        if line.rstrip(" ") == fence:
            closers[fence] = index
    fenced, unclosed = {}, []
    index = 0
    for opening in sorted(closing_of):
        if opening < index:
            continue  # inside a block found above
        closing = closing_of[opening]
        if closing is None:
            unclosed.append(opening)
        else:
            fenced[opening], index = closing, closing + 1
    return fenced, unclosed


class _Html:
    """Raw HTML over the whole text: tags counted, and tags left open (a `<a` with no `>` before the next
    tag; Python-Markdown's HTML parser searches each to the end of the text)."""

    def __init__(self):
        self.tags = self.unclosed = 0
        self.open = False
        self.cdata = False

    def feed(self, line: str, number: int) -> Excess | None:
        for match in _HTML.finditer(line):
            if match.group(0) == ">":
                # A CDATA section ends at "]]>" only.
                if self.open and (not self.cdata or line[max(0, match.start() - 2):match.start()] == "]]"):
                    self.open = False
                continue
            self.tags += 1
            if self.tags > MAX_TAGS:
                return Excess(number, "tags", MAX_TAGS)
            if self.open:
                self.unclosed += 1
                if self.unclosed > MAX_OPEN:
                    return Excess(number, "open", MAX_OPEN, "<")
            self.open, self.cdata = True, line.startswith("<![", match.start())
        return None

    def end(self, lines: int) -> Excess | None:
        if self.open and self.unclosed + 1 > MAX_OPEN:
            return Excess(lines, "open", MAX_OPEN, "<")
        return None


