"""The availability rules of a package's lessons and quizzes (`available:`): reading them from a lesson's
front matter or a quiz file, and checking them across the course: every item named is in the package, no
course waits for itself, no items wait for each other. Every problem names its file, line and item.

```yaml
available:
  after:
    - lesson: what-ibm-means      # read
    - quiz: check-ibm-concept     # passed
      score: 80                   # with at least 80 %
    - course: ibm-basics          # any completed enrolment in that course
  from: 2027-03-03                # a date, or:
  days_after_start: 7             # days after the run's start
```
"""
from __future__ import annotations

from datetime import date, datetime

from lms.availability.rules import MAX_CONDITIONS, MAX_DAYS, first_cycle
from lms.core import when
from lms.packages import yamlfile
from lms.packages.fields import MISSING, SLUG_RE, FileReader
from lms.packages.spec import AfterSpec, AvailableSpec, CourseSpec, Problem

KEYS = {"after", "from", "days_after_start"}
AFTER_KINDS = ("lesson", "quiz", "course")


def read_available(r: FileReader) -> AvailableSpec | None:
    """The `available` mapping of the item `r` reads, or None when it has none; problems recorded."""
    raw = r.raw("available", False, "the item")
    if raw is MISSING:
        return None
    if not isinstance(raw, yamlfile.LineDict):
        r.problem("'available' must be a mapping with 'after', and 'from' or 'days_after_start'", "available",
                  code="not_mapping")
        return None
    a = FileReader(r.problems, r.file, raw, r.subject, r.subject_slug, prefix="available.")
    a.unknown_keys(KEYS, "'available'")
    spec = AvailableSpec(line=raw.line, days_after_start=a.integer("days_after_start", "'available'", None,
                                                                   minimum=0, maximum=MAX_DAYS))
    opens = raw.get("from")
    if isinstance(opens, date) and not isinstance(opens, datetime):  # YAML reads 2027-03-03 as a date
        spec.opens_on = when.iso(opens)
    elif opens is not None:
        try:
            spec.opens_on = when.iso(when.parse_day(str(opens)))
        except ValueError:
            a.problem(f"'from' must be a date written YYYY-MM-DD, got {opens!r}", "from", code="not_date")
    if spec.opens_on is not None and spec.days_after_start is not None:
        a.problem("give one date: 'from' or 'days_after_start', not both", "from", code="two_dates")
    after = raw.get("after")
    if after is None:
        after = yamlfile.LineList()
    if not isinstance(after, list):
        a.problem("'after' must be a list of items such as '- lesson: slug'", "after", code="not_list")
        return spec
    if len(after) + int(spec.opens_on is not None or spec.days_after_start is not None) > MAX_CONDITIONS:
        a.problem(f"an item waits for at most {MAX_CONDITIONS} conditions; found {len(after)}", "after",
                  code="too_many", max=MAX_CONDITIONS)
        return spec
    for index, entry in enumerate(after):
        line = after.line_of(index) if isinstance(after, yamlfile.LineList) else raw.line
        found = _after(a, entry, index + 1, line)
        if found is not None:
            if any((x.kind, x.slug) == (found.kind, found.slug) for x in spec.after):
                a.problem(f"'after' names {found.kind} '{found.slug}' twice", "after", line=line, code="same_item")
            spec.after.append(found)
    return spec


def _after(a: FileReader, entry, number: int, line: int) -> AfterSpec | None:
    """One entry of `after`: exactly one of lesson, quiz, course, and for a quiz optionally `score`."""
    if not isinstance(entry, dict) or len([k for k in entry if k in AFTER_KINDS]) != 1 or \
            any(k not in (*AFTER_KINDS, "score") for k in entry):
        a.problem(f"entry {number} of 'after' must name one item: lesson, quiz or course (and a quiz a score)",
                  "after", line=line, code="not_after", number=number)
        return None
    kind = next(k for k in entry if k in AFTER_KINDS)
    slug = entry[kind]
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        a.problem(f"entry {number} of 'after': {kind} must be a slug, got {slug!r}", "after", line=line,
                  code="not_slug", number=number)
        return None
    score = entry.get("score")
    if score is not None and (kind != "quiz" or isinstance(score, bool) or not isinstance(score, int)
                              or not 0 <= score <= 100):
        a.problem(f"entry {number} of 'after': a score is a whole percent from 0 to 100, of a quiz", "after",
                  line=line, code="bad_score", number=number)
        return None
    return AfterSpec(kind, slug, score, line)


def check_course(course: CourseSpec, problems: list[Problem]) -> None:
    """Record the rules' problems across the course: items named that the package does not hold, a course
    that waits for itself, and items that wait for each other (a cycle, named item by item)."""
    holders = [(kind, item) for module in course.modules
               for kind, items in (("lesson", module.lessons), ("quiz", module.quizzes)) for item in items]
    present = {(kind, item.slug) for kind, item in holders}
    files = {(kind, item.slug): item.file for kind, item in holders}
    waits_for: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, item in holders:
        if item.available is None:
            continue
        about = {"subject": kind, "slug": item.slug, "field": "available.after"}
        for after in item.available.after:
            if after.kind == "course":
                if after.slug == course.slug:
                    problems.append(Problem(item.file, after.line, f"{kind} '{item.slug}' waits for its own course "
                                            f"'{course.slug}'", code="own_course", **about))
                continue
            if (after.kind, after.slug) not in present:
                problems.append(Problem(item.file, after.line, f"{kind} '{item.slug}' waits for the {after.kind} "
                                        f"'{after.slug}', which is not in the package", code="missing_item",
                                        details={"kind": after.kind, "ref": after.slug}, **about))
                continue
            waits_for.setdefault((kind, item.slug), []).append((after.kind, after.slug))
    cycle = first_cycle(waits_for)
    if cycle is not None:
        first = cycle[0]
        path = " → ".join(f"{kind} '{slug}'" for kind, slug in cycle)
        problems.append(Problem(files[first], None, f"availability rules make items wait for each other, so none "
                                f"would ever open: {path}", code="cycle", subject=first[0], slug=first[1],
                                field="available.after", details={"path": [list(k) for k in cycle]}))
