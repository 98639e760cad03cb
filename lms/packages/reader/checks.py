"""The checks of a course package that need the whole course read (`PackageReader.read` runs them): slugs unique
per kind across modules, at most one final assessment and where it sits, availability rules that name other items,
and some content at all."""
from __future__ import annotations

from lms.packages.availability import check_course as check_availability
from lms.packages.spec import CourseSpec, Problem


def check_course_wide(reader, course: CourseSpec) -> None:
    """Add to the problems of `reader` (the `PackageReader` that read `course`, which passes itself in: this module
    sits below it) what only the whole course shows: duplicate slugs, the final's place, missing content,
    availability across items."""
    seen: dict[tuple[str, str], str] = {}

    def unique(kind: str, slug: str, where, line: int | None = None) -> None:
        key = (kind, slug)
        where = where if isinstance(where, str) else reader.rel(where)
        if slug and key in seen:
            reader.problems.append(Problem(where, line, f"duplicate {kind} slug '{slug}' (also in {seen[key]})",
                                           code="duplicate_slug", subject=kind, slug=slug, field="slug"))
        else:
            seen[key] = where + (f":{line}" if line else "")

    finals = []
    for module in course.modules:
        folder = reader.module_folder(module)
        unique("module", module.slug, folder)
        for lesson in module.lessons:
            unique("lesson", lesson.slug, lesson.file)
        for assignment in module.assignments:
            unique("assignment", assignment.slug, assignment.file)
        for practical in module.practicals:
            unique("practical", practical.slug, practical.file)
        for quiz in module.quizzes:
            unique("quiz", quiz.slug, quiz.file)
            for question in quiz.questions:
                unique("question", question.slug, question.file, question.line)
            if quiz.final:
                finals.append((module, quiz))
    if len(finals) > 1:
        reader.problem(reader.folder, f"a course has at most one final assessment; found {len(finals)}",
                       code="several_finals", subject="course", slug=course.slug, count=len(finals),
                       quizzes=[quiz.slug for _module, quiz in finals])
    if finals:
        module, quiz = finals[0]
        final = {"subject": "quiz", "slug": quiz.slug, "field": "final", "module": module.slug}
        if module is not course.modules[-1]:
            reader.problem(reader.module_folder(module), "the final assessment must be in the course's last module",
                           code="final_not_last", **final)
        elif module.lessons or len(module.quizzes) > 1:
            reader.problem(reader.module_folder(module), "the final assessment sits alone in its module",
                           code="final_not_alone", **final)
    elif course.completion_quizzes == "final":
        reader.problem(reader.folder / "course.yaml", "completion needs the final assessment, but there is none",
                       code="no_final", subject="course", slug=course.slug, field="completion.quizzes")
    check_availability(course, reader.problems)
    if not any(m.lessons or m.quizzes or m.assignments or m.practicals for m in course.modules):
        reader.problem(reader.folder, "the course has no lessons and no quizzes", code="no_content", subject="course",
                       slug=course.slug)
