"""Named reads of practical assessments: a course's practicals and their criteria, a trainee's records, and the
list of trainees an assessor sees with each one's status (one statement), and a practical's texts in a language
version of its course."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import aliased, selectinload

from lms.auth.models import User
from lms.catalog.items import live
from lms.catalog.models import Course, Module
from lms.extensions import db
from lms.institutions.models import Institution
from lms.languages import queries as language_queries
from lms.languages.queries import Said
from lms.learning.models import Enrolment
from lms.practicals.models import Criterion, Evidence, Practical, Record, Result
from lms.runs.models import CourseRun

# The statuses of a trainee in a practical, as the assessors' list shows them.
STATUSES = ("not_assessed", "passed", "not_yet_competent", "held")
# How many trainees one list shows at most (a run is far smaller).
MAX_TRAINEES = 2000


def practical_by_slug(course: Course, slug: str, *, live_only: bool = True) -> Practical | None:
    """The course's practical of this slug (live only, unless `live_only` is False)."""
    query = select(Practical).join(Module, Module.id == Practical.module_id).where(
        Practical.course_id == course.id, Practical.slug == slug)
    if live_only:
        query = query.where(live(Practical))
    return db.session.scalar(query)


def live_practicals(course: Course) -> list[Practical]:
    """The course's live practicals in the course's order."""
    return list(db.session.scalars(select(Practical).join(Module, Module.id == Practical.module_id).where(
        Practical.course_id == course.id, live(Practical)).order_by(Module.position, Practical.position)))


def live_criteria(practical: Practical) -> list[Criterion]:
    """The checklist as it is now: the practical's criteria that are not retired, in order."""
    return [c for c in practical.criteria if not c.retired]


@dataclass(frozen=True)
class ShownPractical:
    """A practical's texts as a language version shows them (the original's where the version has none)."""

    title: Said
    instructions: Said
    criteria: dict[int, Said]  # by criterion id


def shown_texts(practical: Practical, criteria: list[Criterion], original: str,
                language: str | None) -> ShownPractical:
    """The practical's title, instructions and the texts of its `criteria` in the version `language` (None: the
    original, written in `original`), each text the original's where the version gives none (a version holds
    the criteria's texts by slug)."""
    found = language_queries.text_of("practical", practical.id, language) if language else None
    data = (found.data if found is not None else None) or {}
    ours = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    return ShownPractical(
        language_queries.said(found.title if found else None, practical.title, language, original),
        language_queries.said(found.body if found else None, practical.instructions, language, original),
        {c.id: language_queries.said(ours.get(c.slug), c.text, language, original) for c in criteria})


def used_criterion_ids(practical: Practical) -> set[int]:
    """The ids of the practical's criteria some record has a result for (they are retired, never deleted)."""
    return set(db.session.scalars(select(Result.criterion_id).distinct().join(Criterion).where(
        Criterion.practical_id == practical.id)))


def _with_details(query):
    return query.options(selectinload(Record.results).selectinload(Result.criterion),
                         selectinload(Record.evidence), selectinload(Record.assessor))


def current_record(practical_id: int, enrolment_id: int, *, released_only: bool = False) -> Record | None:
    """The enrolment's current record in the practical (the one not superseded), with its results, evidence and
    assessor; None if there is none (or, with `released_only`, while it is held back)."""
    query = select(Record).where(Record.practical_id == practical_id, Record.enrolment_id == enrolment_id,
                                 Record.is_current)
    if released_only:
        query = query.where(Record.is_released)
    return db.session.scalar(_with_details(query))


def records_of(practical_id: int, enrolment_id: int) -> list[Record]:
    """Every record of the enrolment in the practical, the latest first (the earlier ones superseded)."""
    return list(db.session.scalars(_with_details(select(Record).where(
        Record.practical_id == practical_id, Record.enrolment_id == enrolment_id)).order_by(Record.id.desc())))


def evidence_by_id(evidence_id: int) -> Evidence | None:
    """An evidence file with its record."""
    return db.session.get(Evidence, evidence_id)


def status_of(record: Record | None) -> str:
    """A trainee's status in a practical from their current record."""
    if record is None:
        return "not_assessed"
    if not record.is_released:
        return "held"
    return "passed" if record.passed else "not_yet_competent"


@dataclass(frozen=True)
class TraineeRow:
    """A trainee on an assessor's list of a practical."""

    enrolment_id: int
    user_id: int
    name: str
    institution: str | None
    run_code: str | None
    status: str
    percent: object  # Decimal or None
    assessed_on: object  # date or None


def run_condition(run_filter: str | int | None):
    """SQL condition on the enrolment's run: None or "all" for every run, "none" for those in no run, else a
    run's id."""
    if run_filter in (None, "all"):
        return true()
    if run_filter == "none":
        return Enrolment.run_id.is_(None)
    return Enrolment.run_id == int(run_filter)


def trainees(practical: Practical, scope, run_filter=None) -> list[TraineeRow]:
    """The trainees of the practical's course an assessor may assess (`scope`: the SQL condition
    `lms.access.assess_scope` gives on `Enrolment.run_id`), holding a place, with their status; one statement."""
    current = aliased(Record)
    status = case((current.id.is_(None), "not_assessed"), (~current.is_released, "held"),
                  (current.passed.is_(True), "passed"), else_="not_yet_competent")
    query = (select(Enrolment.id, User.id, User.name, Institution.name, CourseRun.code, status, current.percent,
                    current.assessed_on)
             .join(User, User.id == Enrolment.user_id)
             .outerjoin(Institution, Institution.id == User.institution_id)
             .outerjoin(CourseRun, CourseRun.id == Enrolment.run_id)
             .outerjoin(current, and_(current.enrolment_id == Enrolment.id, current.practical_id == practical.id,
                                      current.is_current))
             .where(Enrolment.course_id == practical.course_id, Enrolment.is_current.is_(True),
                    Enrolment.status != "withdrawn", Enrolment.waiting_since.is_(None), scope,
                    run_condition(run_filter))
             .order_by(User.name, User.id).limit(MAX_TRAINEES))
    return [TraineeRow(*row) for row in db.session.execute(query)]


def enrolment_of_practical(practical: Practical, enrolment_id: int) -> Enrolment | None:
    """The enrolment, if it is a current one of the practical's course holding a place (the only ones assessed)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != practical.course_id or not enrolment.is_current \
            or enrolment.status == "withdrawn" or enrolment.waiting_since is not None:
        return None
    return enrolment


def held_records(practical: Practical, scope, run_filter=None) -> list[Record]:
    """The current records of the practical held back, of the enrolments in `scope` and the run filter."""
    return list(db.session.scalars(
        select(Record).join(Enrolment, Enrolment.id == Record.enrolment_id)
        .where(Record.practical_id == practical.id, Record.is_current, ~Record.is_released,
               scope, run_condition(run_filter)).order_by(Record.id)))


def counts(rows: list[TraineeRow]) -> dict[str, int]:
    """How many trainees of a list are in each status."""
    found = {status: 0 for status in STATUSES}
    for row in rows:
        found[row.status] += 1
    return found


def runs_of_course(course: Course) -> list[CourseRun]:
    """The course's runs, the latest first (the list's filter)."""
    return list(db.session.scalars(select(CourseRun).where(CourseRun.course_id == course.id)
                                   .order_by(CourseRun.starts_on.desc(), CourseRun.id.desc())))


def record_count(practical: Practical) -> int:
    """How many records the practical has (any enrolment, any state)."""
    return db.session.scalar(select(func.count()).select_from(Record).where(Record.practical_id == practical.id))
