"""What a virtual trainee reads in a page, as a browser would: its forms (action, method, every field with its
type, value and whether it is checked), its links and, on a quiz's review, the result shown.

Python's own `html.parser`: no third-party parser, and only the pages a trainee acts on are parsed (the
sign-in, quiz, attempt, confirmation and review pages), so the load generator spends its time waiting, not
parsing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser


@dataclass
class Field:
    """One input of a form (a button is a field too: it is sent only when it is the one pressed)."""

    name: str
    kind: str  # the input's type ("hidden", "radio", "checkbox", "text", "submit", ...)
    value: str
    checked: bool = False


@dataclass
class Form:
    """A form as the browser holds it."""

    action: str
    method: str
    classes: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)

    def hidden(self) -> list[tuple[str, str]]:
        """The hidden fields, in page order (the CSRF token, the page number, the questions shown)."""
        return [(f.name, f.value) for f in self.fields if f.kind == "hidden"]

    def value(self, name: str) -> str | None:
        """The first field called `name`'s value (None if the form has none)."""
        return next((f.value for f in self.fields if f.name == name), None)

    def options(self, name: str) -> list[Field]:
        """The fields called `name` (a question's choices, or its text input)."""
        return [f for f in self.fields if f.name == name]


@dataclass
class Review:
    """What a review page shows: the score, out of, the percentage, passed or not, and each question
    marked right (True) or not, in the order shown."""

    score: Decimal | None = None
    max_score: Decimal | None = None
    percent: Decimal | None = None
    passed: bool | None = None
    questions: list[bool] = field(default_factory=list)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self.review = Review()
        self._in_result = False
        self._result_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = Form(attributes.get("action", ""), attributes.get("method", "get").lower(),
                              attributes.get("class", ""), attributes)
            self.forms.append(self._form)
        elif tag in ("input", "button") and self._form is not None and attributes.get("name"):
            kind = attributes.get("type", "submit" if tag == "button" else "text").lower()
            self._form.fields.append(Field(attributes["name"], kind, attributes.get("value", ""),
                                           "checked" in attributes))
        elif tag == "p" and "result" in attributes.get("class", "").split():
            self._in_result = True
            self.review.passed = "result-ok" in attributes["class"].split()
        elif tag == "li" and "question" in attributes.get("class", "").split():
            classes = attributes["class"].split()
            self.review.questions.append("right" in classes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "p" and self._in_result:
            self._in_result = False

    def handle_data(self, data):
        if self._in_result:
            self._result_text.append(data)

    def close(self):
        super().close()
        numbers = [Decimal(n.replace(",", ".")) for n in _NUMBER.findall("".join(self._result_text))]
        if len(numbers) >= 3:  # "You scored 4 of 5 points (80%)." then the pass mark
            self.review.score, self.review.max_score, self.review.percent = numbers[:3]


def forms(html: str) -> list[Form]:
    """Every form of the page."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def links(html: str) -> list[str]:
    """The targets of the page's links, in page order."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.links


def form_to(html: str, action_ends: str) -> Form | None:
    """The page's form whose action ends with `action_ends` (None if it has none)."""
    return next((f for f in forms(html) if f.action.split("?")[0].endswith(action_ends)), None)


def review(html: str) -> Review:
    """The result a review page shows (fields None when the page shows none)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.review
