"""Reading an assignment file of a package (`NN-slug.assignment.md`): the settings in its front matter, the
instructions in its Markdown body, and the rubric (read by `lms.assignments.rubrics.validate`, the one reader
of rubrics), every problem recorded with its line. A package carries no due date: dates belong to runs, and
the due date is set on the platform."""
from __future__ import annotations

from lms.assignments import rubrics
from lms.assignments.models import ACCEPTS, DEFAULT_FILE_KINDS, MAX_FILE_MB, MAX_FILES, MAX_RESUBMISSIONS
from lms.core.markdown.limits import MAX_TEXT, excess
from lms.core.markdown.limits import problem as bound_problem
from lms.core.uploads import KINDS
from lms.packages import yamlfile
from lms.packages.fields import MISSING, FileReader, slug_in
from lms.packages.spec import AssignmentSpec, Problem

ASSIGNMENT_KEYS = {"slug", "title", "accepts", "file_kinds", "max_file_mb", "max_files", "late_allowed",
                   "resubmissions", "max_score", "pass_mark", "hide_names", "hold_marks", "rubric"}
# What a rubric's refusal says in a package's own words.
RUBRIC_PROBLEMS = {
    "no_criteria": "the rubric has no criteria", "too_many_criteria": "a rubric has at most {maximum} criteria",
    "too_many_levels": "a criterion has at most {maximum} levels", "no_levels": "a criterion has no levels",
    "title_missing": "a title is missing", "title_too_long": f"a title is longer than {rubrics.MAX_TITLE} characters",
    "description_too_long": f"a description is longer than {rubrics.MAX_DESCRIPTION} characters",
    "points_invalid": "points must be a number from 0 to 1000 with at most two decimals",
}


def read_assignment(problems: list[Problem], file: str, data: yamlfile.LineDict, body: str, body_line: int,
                    number: int, file_slug: str) -> AssignmentSpec:
    """An assignment file's settings (front matter `data`) and instructions (`body`, from line `body_line`),
    recording every problem in `problems`."""
    r = FileReader(problems, file, data, "assignment", slug_in(data, file_slug))
    r.unknown_keys(ASSIGNMENT_KEYS | {"due_on", "due"}, "the front matter")
    if "due_on" in data or "due" in data:
        r.problem("a package carries no due date: set it on the platform (dates belong to runs)",
                  "due_on" if "due_on" in data else "due", code="not_content", name="due_on")
    found = excess(body, MAX_TEXT)
    if found and found.code == "length":
        r.problem(f"the instructions are longer than {MAX_TEXT} characters", "body", line=body_line, code="too_long",
                  max=MAX_TEXT)
    elif found:
        r.problem(bound_problem(found, translate=False), "body", line=body_line + found.line - 1, code="markdown",
                  **found.details())
    return AssignmentSpec(
        slug=r.slug("slug", "front matter", required=False, default=file_slug),
        title=r.text("title", "front matter", max_length=200), position=number, instructions=body,
        accepts=r.choice("accepts", "front matter", ACCEPTS, "both"), file_kinds=_kinds(r),
        max_file_mb=r.integer("max_file_mb", "front matter", 10, minimum=1, maximum=MAX_FILE_MB),
        max_files=r.integer("max_files", "front matter", 3, minimum=1, maximum=MAX_FILES),
        late_allowed=r.boolean("late_allowed", "front matter", True),
        resubmissions=r.integer("resubmissions", "front matter", 1, minimum=0, maximum=MAX_RESUBMISSIONS),
        max_score=r.integer("max_score", "front matter", 100, minimum=1, maximum=1000),
        pass_mark=r.integer("pass_mark", "front matter", 50, minimum=0, maximum=100),
        hide_names=r.boolean("hide_names", "front matter", False),
        hold_marks=r.boolean("hold_marks", "front matter", False),
        rubric=_rubric(r), file=file)


def _kinds(r: FileReader) -> list[str]:
    value = r.raw("file_kinds", False, "front matter")
    if value is MISSING:
        return DEFAULT_FILE_KINDS.split(",")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        r.problem("'file_kinds' must be a non-empty list of kinds of file, e.g. [pdf, docx]", "file_kinds",
                  code="not_list")
        return DEFAULT_FILE_KINDS.split(",")
    unknown = [v for v in value if v.strip().lower() not in KINDS]
    if unknown:
        r.problem(f"unknown kinds of file in 'file_kinds': {', '.join(unknown)} (known: {', '.join(KINDS)})",
                  "file_kinds", code="not_one_of", options=list(KINDS))
    wanted = {v.strip().lower() for v in value}
    return [kind for kind in KINDS if kind in wanted]


def _rubric(r: FileReader) -> list | None:
    value = r.raw("rubric", False, "front matter")
    if value is MISSING:
        return None
    try:
        return rubrics.validate(value)
    except rubrics.RubricError as exc:
        where = f"criterion {exc.params['criterion']}: " if "criterion" in exc.params else ""
        r.problem(f"rubric, {where}{RUBRIC_PROBLEMS[exc.code].format(**exc.params)}", "rubric",
                  code=f"rubric_{exc.code}", **exc.params)
        return None
