"""The inline bounds of one block of a Markdown text (a paragraph, a list, a table: the lines between two
blank lines), in one pass of linear time: square brackets and link addresses open at once, code marks
that may be left open, and emphasis nested. See `lms.core.markdown.limits` for why.
"""
from __future__ import annotations

import re

from lms.core.markdown.bounds import MAX_DEPTH, MAX_OPEN, Excess

# What the renderer's Markdown lets a backslash escape (markdown.Markdown(...).ESCAPED_CHARS, with tables).
_ESCAPE = r"\\[\\`*_{}\[\]()>#+\-.!|]"
_INLINE = re.compile(_ESCAPE + r"|[\[\]()\"']|\*+|_+")
_TICKS = re.compile(r"`+")


def block_excess(lines: list[str], first: int) -> Excess | None:
    """The inline bounds of one block (its lines, the first numbered `first`): square brackets and
    link addresses open at once, and, where its code spans are not certain, lengths of backtick runs
    (Python-Markdown searches a run that nothing closes to the end of its paragraph)."""
    text = "\n".join(lines)
    code, certain, lengths = _code(text)
    if not certain and lengths > MAX_OPEN:
        return Excess(first, "open", MAX_OPEN, "`")
    brackets: list[int] = []  # where the square brackets open are
    links: list[_LinkScan] = []  # the link addresses being read, when the code spans are certain
    addresses = 0  # link addresses seen, when they are not: each may run to the end of the block
    opens_link = -1  # where the parenthesis after a closed bracket is
    emphasis = _Emphasis(text)
    region = 0  # the first code region that does not end before the position
    for match in _INLINE.finditer(text):
        position, mark = match.start(), match.group(0)
        if mark[0] == "\\":
            continue  # an escaped mark is plain text to Python-Markdown
        while region < len(code) and code[region][1] <= position:
            region += 1
        in_code = region < len(code) and code[region][0] <= position
        if in_code and certain:
            continue  # code: Python-Markdown reads no mark there
        if mark[0] in "*_":
            emphasis.run(position, match.end())
        elif mark == "[":
            brackets.append(position)
            if len(brackets) > MAX_OPEN:
                return Excess(first + text.count("\n", 0, position), "open", MAX_OPEN, "[")
        elif mark == "]":
            link = text.startswith("(", position + 1)
            if link and not certain:
                addresses += 1
                if addresses > MAX_OPEN:
                    return Excess(first + text.count("\n", 0, position), "open", MAX_OPEN, "](")
            if brackets and not in_code:
                brackets.pop()
                opens_link = position + 1 if link and certain else -1
        else:
            if links:
                last = _last_mark(text, position) if mark == ")" else ""
                links = [scan for scan in links if not scan.ends(mark, last)]
            if position == opens_link:
                links.append(_LinkScan())
                if len(links) > MAX_OPEN:
                    return Excess(first + text.count("\n", 0, position), "open", MAX_OPEN, "](")
    deepest = emphasis.deepest()
    if deepest is not None:
        return Excess(first + text.count("\n", 0, deepest), "depth", MAX_DEPTH)
    return None


class _Emphasis:
    """Emphasis nested in a block: runs of * and _ paired as opening and closing delimiters (CommonMark's
    flanking rules, which Python-Markdown's delimiter processor follows), and how deep the pairs nest.
    Runs never closed do not count: Python-Markdown reads them in linear time."""

    def __init__(self, text: str):
        self.text = text
        self.stack: list[tuple[str, int, int]] = []  # openers: (character, length, position)
        self.open = {"*": 0, "_": 0}  # openers of each character on the stack
        self.changes: list[tuple[int, int]] = []  # (position, +levels at an opener, -levels at its closer)

    def run(self, start: int, end: int) -> None:
        """Read the run of * or _ at text[start:end]."""
        text, char = self.text, self.text[start]
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        left = not after.isspace() and (after.isalnum() or before.isspace() or not before.isalnum())
        right = not before.isspace() and (before.isalnum() or after.isspace() or not after.isalnum())
        if char == "_":
            opens, closes = left and (not right or not before.isalnum()), right and (not left or not after.isalnum())
        else:
            opens, closes = left, right
        if closes and self.open[char]:
            while True:  # the openers above the nearest of the same character are never closed
                other, length, position = self.stack.pop()
                self.open[other] -= 1
                if other == char:
                    break
            levels = min(length, end - start)
            self.changes += [(position, levels), (start, -levels)]
            return
        if opens:
            self.stack.append((char, end - start, start))
            self.open[char] += 1

    def deepest(self) -> int | None:
        """Where the pairs nest deeper than MAX_DEPTH levels (their opener), or None."""
        depth = 0
        for position, change in sorted(self.changes):
            depth += change
            if depth > MAX_DEPTH:
                return position
        return None


def _last_mark(text: str, position: int) -> str:
    """The last character before `position` that is not a space (Python-Markdown's `last`)."""
    position -= 1
    while position >= 0 and text[position] == " ":
        position -= 1
    return text[position] if position >= 0 else ""


class _LinkScan:
    """Python-Markdown's reading of a link address after `](` (LinkInlineProcessor.getLink), reduced to
    when it stops: at the `)` that balances the parentheses, or, once a quote (a title) has begun, at a
    `)` that follows a closed quote. Unless it stops, it reads to the end of the paragraph."""

    __slots__ = ("depth", "backtrack", "quote", "closed", "other", "other_closed")

    def __init__(self):
        self.depth, self.backtrack = 1, 1
        self.quote = self.other = ""
        self.closed = self.other_closed = False

    def ends(self, mark: str, last: str) -> bool:
        """Read one of ( ) " ' (`last`: the mark before a `)`); True when the reading stops there."""
        in_title = bool(self.quote)
        if mark == "(":
            if not in_title:
                self.depth += 1
            elif self.backtrack > 0:
                self.backtrack -= 1
        elif mark == ")":
            if (self.closed and self.quote == last) or (self.other_closed and self.other == last):
                self.depth = 0
            elif not in_title:
                self.depth -= 1
            elif self.backtrack > 0:
                self.backtrack -= 1
        elif not self.quote:
            self.backtrack, self.depth, self.quote = self.depth, 1, mark
        elif mark != self.quote and not self.other:
            self.other = mark
        elif mark == self.quote:
            self.closed = True
        elif mark == self.other:
            self.other_closed = True
        return self.depth == 0


def _code(text: str) -> tuple[list[tuple[int, int]], bool, int]:
    """Where a block's code spans are: sorted (start, end) regions, whether they are certain, and how
    many lengths of backtick runs the block holds.

    A code span that stays within its line is found as Python-Markdown finds it: from a run of
    backticks to the next run of the same length. When a line holds a run that nothing closes on
    that line, the span may go on to a later line or end where a paragraph or a table cell ends,
    which this pass does not know: the regions are then everything between the first and the last
    run of each length, which holds every span Python-Markdown could find, and they are not certain.
    """
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    regions: list[tuple[int, int]] = []
    line: list[tuple[int, int]] = []
    line_end = -1
    for start, end in runs:
        if start > line_end:  # the first run of a line: pair the runs of the line before
            if line and not _pair(text, line, regions):
                break
            line = []
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
        line.append((start, end))
    else:
        if not line or _pair(text, line, regions):
            return regions, True, len({end - start for start, end in runs})
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for start, end in runs:
        first.setdefault(end - start, start)
        last[end - start] = end
    merged: list[tuple[int, int]] = []
    for start, end in sorted((first[length], last[length]) for length in first):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged, False, len(first)


def _pair(text: str, runs: list[tuple[int, int]], regions: list[tuple[int, int]]) -> bool:
    """Pair one line's backtick runs as Python-Markdown does (a run after a backslash opens with one
    backtick less) and add their code regions; False when a run that opens is not closed on the line."""
    closing: list[int | None] = [None] * len(runs)
    nearest: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):  # backwards: the nearest run below of the opening length
        start, end = runs[index]
        backslashes = 0
        while start - backslashes > 0 and text[start - backslashes - 1] == "\\":
            backslashes += 1
        opening = end - start - backslashes % 2
        closing[index] = nearest.get(opening) if opening else -1
        nearest[end - start] = index
    index = 0
    while index < len(runs):
        close = closing[index]
        if close is None:
            return False
        if close >= 0:
            regions.append((runs[index][0], runs[close][1]))
            index = close
        index += 1
    return True
