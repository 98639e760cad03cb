"""Typed reading of YAML values: each reader records a problem and returns a default when wrong."""
from __future__ import annotations

import re

from lms.packages.spec import Problem
from lms.packages.yamlfile import LineDict

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
MISSING = object()


class FileReader:
    """Reads the keys of one YAML mapping of one file, collecting every problem."""

    def __init__(self, problems: list[Problem], file: str, data: LineDict):
        self.problems, self.file, self.data = problems, file, data

    def problem(self, message: str, key=None, line: int | None = None) -> None:
        if line is None:
            line = self.data.line_of(key) if key is not None else self.data.line
        self.problems.append(Problem(self.file, line or None, message))

    def unknown_keys(self, allowed: set[str], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.problem(f"unknown key '{key}' in {what}", key)

    def raw(self, key: str, required: bool, what: str):
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(f"missing field '{key}' in {what}")
            return MISSING
        return self.data[key]

    def text(self, key: str, what: str, required: bool = True, default: str = "", max_length: int | None = None) -> str:
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(f"'{key}' must be a non-empty text", key)
            return default
        if max_length and len(value.strip()) > max_length:
            self.problem(f"'{key}' is longer than {max_length} characters", key)
        return value.strip() if "\n" not in value.strip() else value.rstrip() + "\n"

    def slug(self, key: str, what: str, required: bool = True, default: str = "") -> str:
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 80:
            self.problem(f"'{key}' must be a slug (lower-case letters, digits and single hyphens), got {value!r}", key)
            return default
        return value

    def boolean(self, key: str, what: str, default: bool) -> bool:
        value = self.raw(key, False, what)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false, got {value!r}", key)
            return default
        return value

    def integer(self, key: str, what: str, default, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, allow_none: bool = False):
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"'{key}' must be a whole number, got {value!r}", key)
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(f"'{key}' must be {bounds}, got {value}", key)
            return default
        return value

    def number(self, key: str, what: str, default, required: bool = False, minimum: float | None = None,
               positive: bool = False):
        value = self.raw(key, required, what)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"'{key}' must be a number, got {value!r}", key)
            return default
        if positive and value <= 0:
            self.problem(f"'{key}' must be greater than 0, got {value}", key)
            return default
        if minimum is not None and value < minimum:
            self.problem(f"'{key}' must be at least {minimum}, got {value}", key)
            return default
        return float(value)

    def choice(self, key: str, what: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw(key, False, what)
        if value is MISSING:
            return default
        if value not in options:
            self.problem(f"'{key}' must be one of {', '.join(options)}, got {value!r}", key)
            return default
        return value

    def text_list(self, key: str, what: str, required: bool = False) -> list[str]:
        value = self.raw(key, required, what)
        if value is MISSING:
            return []
        if not isinstance(value, list) or not value:
            self.problem(f"'{key}' must be a non-empty list", key)
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.problem(f"item {index + 1} of '{key}' must be a non-empty text", line=value.line_of(index))
                continue
            result.append(item.strip())
        return result
