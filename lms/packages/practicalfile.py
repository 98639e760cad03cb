"""Reading a practical assessment file of a package (`NN-slug.practical.md`): YAML front matter (title,
pass_mark, hold_marks, slug, criteria) and a Markdown body, the instructions for the trainee and the assessor.
Every problem is recorded with its line and the practical it is about; the front matter's size is bounded by
the lesson file's bound (the reader checks it before reading), its criteria by MAX_CRITERIA."""
from __future__ import annotations

from lms.core.markdown.limits import MAX_TEXT, excess
from lms.core.markdown.limits import problem as bound_problem
from lms.packages import yamlfile
from lms.packages.fields import FileReader, slug_in
from lms.packages.spec import CriterionSpec, PracticalSpec, Problem
from lms.practicals.models import MAX_CRITERIA, MAX_CRITERION_TEXT

PRACTICAL_KEYS = {"slug", "title", "pass_mark", "hold_marks", "criteria"}
CRITERION_KEYS = {"slug", "text", "critical"}


def read_practical(problems: list[Problem], file: str, data: yamlfile.LineDict, body: str, body_line: int,
                   number: int, file_slug: str) -> PracticalSpec:
    """A practical's settings, criteria and instructions, recording every problem in `problems`."""
    r = FileReader(problems, file, data, "practical", slug_in(data, file_slug))
    r.unknown_keys(PRACTICAL_KEYS, "the front matter")
    practical = PracticalSpec(
        slug=r.slug("slug", "the front matter", required=False, default=file_slug),
        title=r.text("title", "the front matter", max_length=200), position=number,
        pass_mark=r.integer("pass_mark", "the front matter", 100, minimum=0, maximum=100),
        hold_marks=r.boolean("hold_marks", "the front matter", False),
        instructions=body, file=file)
    found = excess(body, MAX_TEXT)
    if found and found.code == "length":
        r.problem(f"the instructions are longer than {MAX_TEXT} characters", "instructions", line=body_line,
                  code="too_long", max=MAX_TEXT)
    elif found:
        r.problem(bound_problem(found, translate=False), "instructions", line=body_line + found.line - 1,
                  code="markdown", **found.details())
    criteria = data.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        r.problem("the practical has no criteria: add a 'criteria' list", "criteria",
                  line=None if "criteria" in data else data.line, code="no_criteria")
        return practical
    if len(criteria) > MAX_CRITERIA:
        r.problem(f"a practical has at most {MAX_CRITERIA} criteria", "criteria", code="too_many_criteria",
                  max=MAX_CRITERIA)
        return practical
    seen: set[str] = set()
    for index, item in enumerate(criteria):
        if not isinstance(item, yamlfile.LineDict):
            r.problem(f"criterion {index + 1} must be a mapping", "criteria", line=criteria.line_of(index),
                      code="not_mapping", number=index + 1)
            continue
        c = FileReader(problems, file, item, "practical", practical.slug, prefix="criteria.")
        c.unknown_keys(CRITERION_KEYS, f"criterion {index + 1}")
        slug = c.slug("slug", f"criterion {index + 1}")
        if slug in seen:
            c.problem(f"duplicate criterion slug '{slug}'", "slug", code="duplicate_slug")
        seen.add(slug)
        practical.criteria.append(CriterionSpec(
            slug=slug, text=c.text("text", f"criterion {index + 1}", max_length=MAX_CRITERION_TEXT),
            critical=c.boolean("critical", f"criterion {index + 1}", False)))
    return practical


def practical_text(title: str, pass_mark: int, hold_marks: bool, criteria: list[dict], instructions: str) -> str:
    """A practical file: front matter with every setting written out, then the instructions."""
    front = yamlfile.dump({"title": title, "pass_mark": pass_mark, "hold_marks": hold_marks, "criteria": criteria})
    body = instructions.strip("\n")
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"
