"""Reading what a device sends about its saves: a "Download my answers" file (format "lms-answers/1"), a save's
sequence number and a device time. Pure functions, no database.

The file is JSON written by the attempt page's script:

    {"format": "lms-answers/1", "attempt": 17, "token": "…", "quiz": "final", "course": "sample",
     "seq": 12, "saved_at": "2026-12-06T21:04:05+02:00", "answers": {"q-1": ["42"], "q-2": []}}

Staff upload it; nothing in it is trusted beyond what the checks here and the quiz engine make of it. The
parser is bounded before anything is built: the size (MAX_BYTES), the nesting (MAX_DEPTH, counted in one
linear pass before `json.loads`, so a deeply nested file never reaches the recursive parser), the number of
answers and values and their length; its time grows linearly with the file.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

FORMAT = "lms-answers/1"
MAX_BYTES = 256 * 1024
# The file is an object of answers, each a list of values: three levels; one more is spare.
MAX_DEPTH = 4
MAX_ANSWERS = 1000
MAX_VALUES = 100
MAX_VALUE_CHARS = 2000
MAX_SLUG = 80
MAX_TOKEN = 64
MAX_TIME_CHARS = 40
# A sequence number fits the database's integer.
MAX_SEQ = 2**31 - 1
KEYS = {"format", "attempt", "token", "quiz", "course", "seq", "saved_at", "answers"}


class AnswerFileError(ValueError):
    """A file refused; `code` names why: too_big, not_json, too_deep, format."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class AnswerFile:
    """A file of answers as read: the attempt it names with its token, the device's last sequence number and
    time, and the answers as the page's form would send them ({question slug: [values]})."""

    attempt: int
    token: str
    quiz: str
    course: str
    seq: int
    saved_at: datetime
    answers: dict[str, list[str]]
    sha256: str


def read_seq(value) -> int | None:
    """A save's sequence number from a form value: None when absent or empty, ValueError when it is not a whole
    number from 1 to MAX_SEQ."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_SEQ:
        raise ValueError("seq")
    return int(text)


def read_device_time(value) -> datetime | None:
    """A device time (ISO 8601 with its offset, "Z" allowed): None when absent or empty, ValueError when it is
    not such a time (a time without an offset says nothing certain)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if len(text) > MAX_TIME_CHARS:
        raise ValueError("saved_at")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("saved_at")
    return moment


def nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, in one pass (brackets inside strings are
    not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _refuse_constant(_name):
    raise AnswerFileError("not_json")  # NaN and Infinity are not JSON


def read_answer_file(raw: bytes) -> AnswerFile:
    """The file's content, checked; AnswerFileError when it is too big, not JSON, nested too deep or not of the
    format (a field missing, unknown or of the wrong kind, a value out of bounds)."""
    if len(raw) > MAX_BYTES:
        raise AnswerFileError("too_big")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnswerFileError("not_json") from None
    if nesting(text) > MAX_DEPTH:
        raise AnswerFileError("too_deep")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise AnswerFileError("not_json") from None
    if not isinstance(data, dict) or set(data) != KEYS or data["format"] != FORMAT:
        raise AnswerFileError("format")
    attempt, seq = data["attempt"], data["seq"]
    if type(attempt) is not int or not 1 <= attempt <= MAX_SEQ or type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise AnswerFileError("format")
    for key, bound in (("token", MAX_TOKEN), ("quiz", MAX_SLUG), ("course", MAX_SLUG), ("saved_at", MAX_TIME_CHARS)):
        if not isinstance(data[key], str) or not data[key] or len(data[key]) > bound:
            raise AnswerFileError("format")
    try:
        saved_at = read_device_time(data["saved_at"])
    except ValueError:
        raise AnswerFileError("format") from None
    answers = data["answers"]
    if not isinstance(answers, dict) or len(answers) > MAX_ANSWERS:
        raise AnswerFileError("format")
    read: dict[str, list[str]] = {}
    for slug, values in answers.items():
        if len(slug) > MAX_SLUG or not isinstance(values, list) or len(values) > MAX_VALUES:
            raise AnswerFileError("format")
        if any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in values):
            raise AnswerFileError("format")
        texts = [str(v) for v in values]
        if any(len(v) > MAX_VALUE_CHARS for v in texts):
            raise AnswerFileError("format")
        read[slug] = texts
    return AnswerFile(attempt=attempt, token=data["token"], quiz=data["quiz"], course=data["course"], seq=seq,
                      saved_at=saved_at, answers=read, sha256=hashlib.sha256(raw).hexdigest())
