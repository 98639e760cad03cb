"""Language versions of a course package: `<course>/<lang>/`, a mirror of the original with its texts translated.

A version folder holds the same module folders and item files as the original, under the same names; each
file is the original's with its texts translated (titles, the summary, outcomes and topics, lesson bodies,
question texts, explanations and choices, short-text answers, instructions, rubric and criteria texts) and
everything else as in the original. The reader reads a version as it reads a package (same bounds, same
problems, with file and line), then `compare` refuses anything of it that is not a text and differs from the
original: a missing or extra item, another order, other settings, another answer key. A short-text
question's `accepted` answers are the version's own (in its language): an attempt in the version is graded
against them and the original's. Images are the original's: a version's lessons name the images of the
original's module folder, and a version folder holds none.

The version's `course.yaml` says who translated it and how (`translation:`), which the course page shows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from lms.languages.models import MAX_CREDIT, MAX_VERSIONS  # noqa: F401 - the bounds of a version, written once
from lms.packages import yamlfile
from lms.packages.fields import LANGUAGE_RE, FileReader
from lms.packages.spec import CourseSpec, Problem

# Keys of `translation:` in a version's course.yaml.
TRANSLATION_KEYS = {"from", "by", "reviewed", "note"}

# The fields that are text, per kind of spec (everything else of a version must equal the original's).
TEXT_FIELDS = {
    "CourseSpec": {"title", "summary", "outcomes", "topics"},
    "ModuleSpec": {"title"},
    "LessonSpec": {"title", "body"},
    "QuizSpec": {"title"},
    "QuestionSpec": {"text", "explanation", "accepted"},
    "ChoiceSpec": {"text"},
    "AssignmentSpec": {"title", "instructions"},
    "PracticalSpec": {"title", "instructions"},
    "CriterionSpec": {"text"},
}
# Inside an assignment's rubric (plain dicts): the criteria's and levels' texts.
RUBRIC_TEXT = {"title", "description"}
# Never compared: where an item was read from, and what the comparison is of.
IGNORED = {"file", "line", "fingerprint", "assets", "versions", "language", "position_in_quiz", "position"}


@dataclass
class VersionSpec:
    """One language version read from `<course>/<language>/`: who translated it and how, and its texts as a
    CourseSpec whose structure and settings equal the original's."""

    language: str
    translated_from: str
    translated_by: str
    reviewed: bool
    note: str
    course: CourseSpec


def is_version_folder(path: Path) -> bool:
    """A folder of a course package named by a language tag (`uk`, `pt-BR`) rather than NN-slug."""
    return path.is_dir() and LANGUAGE_RE.match(path.name) is not None and not path.name[0].isdigit()


def read_translation(problems: list[Problem], file: str, data, course_slug: str) -> tuple[str, str, bool, str]:
    """The `translation:` mapping of a version's course.yaml: (from, by, reviewed, note)."""
    r = FileReader(problems, file, data, "course", course_slug)
    raw = data.get("translation")
    if not isinstance(raw, yamlfile.LineDict):
        r.problem("a language version's course.yaml needs 'translation:' with 'from', 'by' and 'reviewed' (who "
                  "translated it and how)", "translation", code="required")
        return "", "", False, ""
    t = FileReader(problems, file, raw, "course", course_slug, prefix="translation.")
    t.unknown_keys(TRANSLATION_KEYS, "translation")
    source = t.text("from", "translation")
    if source and not LANGUAGE_RE.match(source):
        t.problem(f"'from' must be a language tag such as en, got {source!r}", "from", code="not_language")
    return (source, t.text("by", "translation", max_length=MAX_CREDIT), t.boolean("reviewed", "translation", False),
            t.text("note", "translation", required=False, max_length=MAX_CREDIT))


def compare(original: CourseSpec, version: VersionSpec, folder: str, problems: list[Problem],
            folders: dict[str, str] | None = None) -> None:
    """Record a problem for each way the version differs from the original other than in its texts: the
    first difference within each item, named by the item's file in the version. `folder` is the course
    folder as problems name it, `folders` the module folders' names by module slug."""
    folders = folders or {}
    course = version.course
    where = f"{folder}/{version.language}"
    if version.language == original.language:
        problems.append(Problem(f"{where}/course.yaml", None, f"the version's language {version.language!r} is the "
                                f"course's own language", code="same_language", subject="course", slug=original.slug,
                                field="language"))
    if version.translated_from and version.translated_from != original.language and version.translated_from not in (
            v.language for v in original.versions):
        problems.append(Problem(f"{where}/course.yaml", None, f"translation.from {version.translated_from!r} is "
                                "neither the course's language nor one of its versions", code="unknown_source",
                                subject="course", slug=original.slug, field="translation.from"))
    _differs(skeleton(original), skeleton(course), f"{where}/course.yaml", "course", problems, original.slug)
    mine = {m.slug: m for m in course.modules}
    theirs = [m.slug for m in original.modules]
    if [m.slug for m in course.modules] != theirs:
        missing = [s for s in theirs if s not in mine]
        extra = [m.slug for m in course.modules if m.slug not in theirs]
        problems.append(Problem(where, None, _set_message("module", missing, extra), code="version_structure",
                                subject="course", slug=original.slug, details={"missing": missing, "extra": extra}))
    for module in original.modules:
        other = mine.get(module.slug)
        if other is None:
            continue
        _differs(skeleton(module, items=False), skeleton(other, items=False),
                 f"{where}/{folders.get(module.slug, module.slug)}/module.yaml", "module", problems, module.slug)
        ours = _items(module)
        found = _items(other)
        if list(ours) != list(found):
            missing = [f"{k} {s}" for k, s in ours if (k, s) not in found]
            extra = [f"{k} {s}" for k, s in found if (k, s) not in ours]
            problems.append(Problem(f"{where}/{folders.get(module.slug, module.slug)}", None,
                                    _set_message("item", missing, extra), code="version_structure", subject="module",
                                    slug=module.slug, details={"missing": missing, "extra": extra}))
        for key, item in ours.items():
            translated = found.get(key)
            if translated is not None:
                _differs(skeleton(item), skeleton(translated), translated.file or where, key[0], problems, key[1])


def _set_message(what: str, missing: list[str], extra: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"missing {what}s of the original: {', '.join(missing)}")
    if extra:
        parts.append(f"{what}s the original does not have: {', '.join(extra)}")
    return ("; ".join(parts) or f"the {what}s are in another order than the original's") + \
        " (a version holds the same items in the same order)"


def _items(module) -> dict[tuple[str, str], object]:
    """The module's items in course order, keyed by (kind, slug)."""
    items = [("lesson", i) for i in module.lessons] + [("quiz", i) for i in module.quizzes] + \
        [("assignment", i) for i in module.assignments] + [("practical", i) for i in module.practicals]
    items.sort(key=lambda pair: pair[1].position)
    return {(kind, item.slug): item for kind, item in items}


def skeleton(spec, items: bool = True):
    """`spec` as plain data with every text blanked: what a version must share with its original."""
    kind = type(spec).__name__
    data = asdict(spec)
    if not items:
        for key in ("lessons", "quizzes", "assignments", "practicals"):
            data.pop(key, None)
    if kind == "CourseSpec":
        data.pop("modules", None)
    return _blank(data, kind)


def _blank(value, kind: str | None):
    if isinstance(value, dict):
        texts = TEXT_FIELDS.get(kind or "", set())
        out = {}
        for key, item in value.items():
            if key in IGNORED:
                continue
            if key in texts:
                out[key] = None
            elif key == "questions":
                out[key] = [_blank(q, "QuestionSpec") for q in item]
            elif key == "choices":
                out[key] = [_blank(c, "ChoiceSpec") for c in item]
            elif key == "criteria":
                out[key] = [_blank(c, "CriterionSpec") for c in item]
            elif key == "rubric" and isinstance(item, list):
                out[key] = [_blank_rubric(c) for c in item]
            else:
                out[key] = _blank(item, None) if isinstance(item, (dict, list)) else item
        return out
    if isinstance(value, list):
        return [_blank(item, kind) for item in value]
    return value


def _blank_rubric(criterion):
    if not isinstance(criterion, dict):
        return criterion
    out = {k: (None if k in RUBRIC_TEXT else v) for k, v in criterion.items() if k != "levels"}
    out["levels"] = [{k: (None if k in RUBRIC_TEXT else v) for k, v in level.items()}
                     for level in criterion.get("levels") or [] if isinstance(level, dict)]
    return out


def _differs(original, version, file: str, subject: str, problems: list[Problem], slug: str) -> None:
    """Record the first place where two skeletons differ, as "<path>: the original has X, this version Y"."""
    path = _first_difference(original, version, "")
    if path is None:
        return
    where, theirs, ours = path
    problems.append(Problem(file, None, f"{where or subject} differs from the original's ({_show(theirs)} there, "
                            f"{_show(ours)} here): a version changes texts only", code="version_differs",
                            subject=subject, slug=slug, field=where or None))


def _first_difference(a, b, path: str):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path, f"{len(a)} entries", f"{len(b)} entries"
        for index, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{path}[{index + 1}]")
            if found:
                return found
        return None
    return None if a == b else (path, a, b)


def _show(value) -> str:
    return value if isinstance(value, str) and value.endswith("entries") else repr(value)
