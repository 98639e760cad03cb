"""Typed reading of YAML values: each reader records a problem and returns a default when wrong.

Every problem is recorded twice over (see `Problem`): the package author's message with file and line,
and the facts behind it (the object the mapping describes, the key as its field, a code and details).
"""
from __future__ import annotations

import re

from lms.core.markdown.limits import excess, problem
from lms.languages.models import LANGUAGE_RE  # noqa: F401 - one definition of a language tag, read from here too
from lms.packages.spec import Problem
from lms.packages.yamlfile import LineDict

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MISSING = object()


def slug_in(data, default: str | None) -> str | None:
    """The slug a mapping gives itself, if it is one, else `default` (the file's): the object a problem is
    about is named even when its other fields are wrong."""
    slug = data.get("slug") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) and SLUG_RE.match(slug) else default


class FileReader:
    """Reads the keys of one YAML mapping of one file, collecting every problem.

    The mapping describes one object of the course (`subject` and its `slug`: the course, a lesson, a
    quiz, a question...); its keys are that object's fields, named with `prefix` when the mapping sits
    under a key of its own (the course's "completion." mapping).
    """

    def __init__(self, problems: list[Problem], file: str, data: LineDict, subject: str = "package",
                 slug: str | None = None, prefix: str = ""):
        self.problems, self.file, self.data = problems, file, data
        self.subject, self.subject_slug, self.prefix = subject, slug, prefix

    def problem(self, message: str, key=None, line: int | None = None, code: str = "invalid", **details) -> None:
        """Record a problem about `key` (a field of the object; None for the object as a whole)."""
        if line is None:
            line = self.data.line_of(key) if key is not None else self.data.line
        self.problems.append(Problem(self.file, line or None, message, code=code, subject=self.subject,
                                     slug=self.subject_slug, field=None if key is None else f"{self.prefix}{key}",
                                     details=details))

    def unknown_keys(self, allowed: set[str], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.problem(f"unknown key '{key}' in {what}", key, code="unknown_key", name=str(key))

    def raw(self, key: str, required: bool, what: str):
        if key not in self.data or self.data[key] is None:
            if required:
                # Recorded on the key, so the object's pages can point at the field; the line stays the
                # mapping's, where the key is missing.
                self.problem(f"missing field '{key}' in {what}", key, line=self.data.line, code="required")
            return MISSING
        return self.data[key]

    def text(self, key: str, what: str, required: bool = True, default: str = "", max_length: int | None = None) -> str:
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(f"'{key}' must be a non-empty text", key, code="required" if isinstance(value, str) else "not_text")
            return default
        if max_length and len(value.strip()) > max_length:
            self.problem(f"'{key}' is longer than {max_length} characters", key, code="too_long", max=max_length)
        return value.strip() if "\n" not in value.strip() else value.rstrip() + "\n"

    def markdown(self, key: str, value: str, max_length: int) -> None:
        """Record a problem when `value`, the Markdown text of `key`, is longer than `max_length` characters
        or passes the bounds within which it renders in linear time (lms.core.markdown.limits)."""
        found = excess(value, max_length)
        if found is None:
            return
        if found.code == "length":
            self.problem(f"'{key}' is longer than {max_length} characters", key, code="too_long", max=max_length)
            return
        line = self.data.line_of(key)
        if line and "\n" in value:
            line += found.line  # a block scalar: its text starts on the line after the key
        self.problem(f"'{key}', line {found.line} of its text: {problem(found, translate=False)}", key,
                     line=line or None, code="markdown", **found.details())

    def slug(self, key: str, what: str, required: bool = True, default: str = "") -> str:
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 80:
            self.problem(f"'{key}' must be a slug (lower-case letters, digits and single hyphens), got {value!r}", key,
                         code="not_slug")
            return default
        return value

    def boolean(self, key: str, what: str, default: bool) -> bool:
        value = self.raw(key, False, what)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false, got {value!r}", key, code="not_boolean")
            return default
        return value

    def integer(self, key: str, what: str, default, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, allow_none: bool = False):
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"'{key}' must be a whole number, got {value!r}", key, code="not_integer")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(f"'{key}' must be {bounds}, got {value}", key,
                         code="out_of_range" if maximum is not None else "below_minimum", minimum=minimum,
                         maximum=maximum)
            return default
        return value

    def number(self, key: str, what: str, default, required: bool = False, minimum: float | None = None,
               positive: bool = False):
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"'{key}' must be a number, got {value!r}", key, code="not_number")
            return default
        if positive and value <= 0:
            self.problem(f"'{key}' must be greater than 0, got {value}", key, code="not_positive")
            return default
        if minimum is not None and value < minimum:
            self.problem(f"'{key}' must be at least {minimum}, got {value}", key, code="below_minimum", minimum=minimum)
            return default
        return float(value)

    def choice(self, key: str, what: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw(key, False, what)
        if value is MISSING:
            return default
        if value not in options:
            self.problem(f"'{key}' must be one of {', '.join(options)}, got {value!r}", key, code="not_one_of",
                         options=list(options))
            return default
        return value

    def text_list(self, key: str, what: str, required: bool = False) -> list[str]:
        value = self.raw(key, required, what)
        if value is MISSING:
            return []
        if not isinstance(value, list) or not value:
            self.problem(f"'{key}' must be a non-empty list", key, code="required" if isinstance(value, list) else "not_list")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.problem(f"item {index + 1} of '{key}' must be a non-empty text", key, line=value.line_of(index),
                             code="empty_item", number=index + 1)
                continue
            result.append(item.strip())
        return result
