"""The floors: the fastest plain way to do each workload's work, to measure the workload against.

- completion report: one hand-written SQL statement with GROUP BY over the same enrolments, read with
  the figures kept on each enrolment (and per enrolment and quiz) in one pass (GROUPING SETS and
  percentile_cont on PostgreSQL; a UNION ALL and window functions on SQLite), giving the same figures, the
  counts per certification (from the certificates of every cycle) included, compared by
  `same_completion_figures`; for all institutions or one (a coordinator's); on PostgreSQL planned with parallel
  workers costed at nothing, as the product's reports are (`plan_in_parallel`);
- exports: the report's own SELECT run on a raw DB-API cursor (server-side on PostgreSQL) fed
  straight to `csv.writer`, or to XlsxWriter's `write_row` in constant-memory mode;
- quiz grading and bulk enrolment: the rows the service writes, inserted with one executemany per
  table.
"""
from __future__ import annotations

import csv
import tempfile
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import bindparam, event, text

# --- completion report -----------------------------------------------------------------------------

# The report reads the figures the application keeps on each enrolment (with its final assessment's and its
# certificates') and per enrolment and quiz (quiz_figures: lms.learning.figures), so the fastest hand-written query
# for the same result reads them too: one pass over the enrolments in scope, less the few retired items' share,
# the final's own row only where the kept final is not the course's final any more, plus the attempts at a final
# still in progress past their deadline.
_COMMON = """
WITH live_quiz AS (
  SELECT q.id, q.course_id, q.is_final, m.position AS mpos, q.position AS qpos
  FROM quizzes q JOIN modules m ON m.id = q.module_id
  WHERE NOT q.retired AND NOT m.retired
), final_quiz AS (
  SELECT id, course_id FROM (SELECT id, course_id, row_number() OVER (PARTITION BY course_id
                  ORDER BY is_final DESC, mpos DESC, qpos DESC, id DESC) AS rn FROM live_quiz) r WHERE rn = 1
), quiz_count AS (
  SELECT course_id, count(*) AS n FROM live_quiz GROUP BY course_id
), gone_quiz AS (
  SELECT f.enrolment_id, sum(f.attempts) AS attempts, sum(coalesce(f.best, 0)) AS score_sum
  FROM quiz_figures f JOIN quizzes q ON q.id = f.quiz_id JOIN modules m ON m.id = q.module_id
  WHERE q.retired OR m.retired
  GROUP BY f.enrolment_id
), gone_lesson AS (
  SELECT lp.enrolment_id, count(*) AS n
  FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id JOIN modules m ON m.id = l.module_id
  WHERE l.retired OR m.retired
  GROUP BY lp.enrolment_id
), overdue AS (
  SELECT a.enrolment_id FROM quiz_attempts a JOIN final_quiz f ON f.id = a.quiz_id
  WHERE a.status = 'in_progress' AND a.deadline_at < :limit
  GROUP BY a.enrolment_id
), e AS (
  SELECT u.institution_id, e.course_id, e.last_activity_at,
         CASE WHEN e.status = 'completed' THEN 2
              WHEN e.lessons_viewed - coalesce(gl.n, 0) > 0 OR e.attempts - coalesce(gq.attempts, 0) > 0 THEN 1
              ELSE 0 END AS state,
         CASE WHEN qc.n > 0 THEN (e.score_sum - coalesce(gq.score_sum, 0)) * 1.0 / qc.n END AS score,
         CASE WHEN o.enrolment_id IS NOT NULL THEN 1 WHEN fq.id IS NULL THEN 0
              WHEN e.final_quiz_id = fq.id THEN e.final_submitted
              ELSE coalesce((SELECT ff.submitted FROM quiz_figures ff
                             WHERE ff.enrolment_id = e.id AND ff.quiz_id = fq.id), 0) END AS fs,
         CASE WHEN fq.id IS NULL THEN 0 WHEN e.final_quiz_id = fq.id THEN e.final_passed
              ELSE coalesce((SELECT ff.passed FROM quiz_figures ff
                             WHERE ff.enrolment_id = e.id AND ff.quiz_id = fq.id), 0) END AS fp,
         CASE WHEN e.status = 'completed' THEN {days} END AS days,
         CASE WHEN e.certificates_held = 0 THEN 4 WHEN e.certificate_lasting = 1 THEN 0
              WHEN e.certificate_best_expiry IS NULL THEN 3 WHEN e.certificate_best_expiry <= :now THEN 2
              WHEN {days_left} <= i.expiry_notice_days THEN 1 ELSE 0 END AS cert
  FROM enrolments e
  JOIN users u ON u.id = e.user_id
  JOIN institutions i ON i.id = u.institution_id
  LEFT JOIN gone_lesson gl ON gl.enrolment_id = e.id
  LEFT JOIN gone_quiz gq ON gq.enrolment_id = e.id
  LEFT JOIN final_quiz fq ON fq.course_id = e.course_id
  LEFT JOIN overdue o ON o.enrolment_id = e.id
  LEFT JOIN quiz_count qc ON qc.course_id = e.course_id
  WHERE e.is_current AND u.role = 'trainee' AND e.status <> 'withdrawn' {{scope}}
)"""

_FIGURES = """count(*) AS enrolled,
  sum(CASE WHEN state = 0 THEN 1 ELSE 0 END) AS not_started,
  sum(CASE WHEN state = 1 THEN 1 ELSE 0 END) AS in_progress,
  sum(CASE WHEN state = 2 THEN 1 ELSE 0 END) AS completed,
  sum(fs) AS final_submitted, sum(fp) AS final_passed,
  avg(CASE WHEN state > 0 THEN score END) AS average_best_score,
  max(last_activity_at) AS last_activity_at,
  sum(CASE WHEN cert = 0 THEN 1 ELSE 0 END) AS certified, sum(CASE WHEN cert = 1 THEN 1 ELSE 0 END) AS expiring,
  sum(CASE WHEN cert = 2 THEN 1 ELSE 0 END) AS expired, sum(CASE WHEN cert = 3 THEN 1 ELSE 0 END) AS revoked,
  sum(CASE WHEN cert = 4 THEN 1 ELSE 0 END) AS never"""

POSTGRESQL = _COMMON.format(days="EXTRACT(EPOCH FROM (e.completed_at - e.enrolled_at)) / 86400.0",
                             days_left="EXTRACT(EPOCH FROM (e.certificate_best_expiry - :now)) / 86400.0") + f"""
SELECT g.institution_id, g.course_id, i.code, c.slug, g.enrolled, g.not_started, g.in_progress, g.completed,
       g.final_submitted, g.final_passed, g.average_best_score, g.median_days, g.last_activity_at,
       g.certified, g.expiring, g.expired, g.revoked, g.never
FROM (SELECT institution_id, course_id, {_FIGURES},
             percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
      FROM e GROUP BY GROUPING SETS ((institution_id, course_id), ())) g
LEFT JOIN institutions i ON i.id = g.institution_id LEFT JOIN courses c ON c.id = g.course_id
"""

# SQLite has neither GROUPING SETS nor percentile_cont: the totals are a second GROUP BY in the same
# statement, and the median the mean of the one or two middle rows numbered by window functions.
SQLITE = _COMMON.format(days="julianday(e.completed_at) - julianday(e.enrolled_at)",
                         days_left="julianday(e.certificate_best_expiry) - julianday(:now)") + f""",
ranked AS (
  SELECT e.*,
         row_number() OVER (PARTITION BY institution_id, course_id, days IS NULL ORDER BY days) AS rn_g,
         count(*) OVER (PARTITION BY institution_id, course_id, days IS NULL) AS n_g,
         row_number() OVER (PARTITION BY days IS NULL ORDER BY days) AS rn_t,
         count(*) OVER (PARTITION BY days IS NULL) AS n_t
  FROM e
)
SELECT r.institution_id, r.course_id, i.code, c.slug, {_FIGURES},
       avg(CASE WHEN days IS NOT NULL AND rn_g IN ((n_g + 1) / 2, (n_g + 2) / 2) THEN days END) AS median_days
FROM ranked r JOIN institutions i ON i.id = r.institution_id JOIN courses c ON c.id = r.course_id
GROUP BY r.institution_id, r.course_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, {_FIGURES},
       avg(CASE WHEN days IS NOT NULL AND rn_t IN ((n_t + 1) / 2, (n_t + 2) / 2) THEN days END)
FROM ranked
"""


def completion_floor(connection, limit, now, institution_id: int | None = None) -> list:
    """The completion figures per institution and course, and the totals (institution None), by hand;
    `limit`: attempts in progress past it count as closed; `now`: the moment certificates are valid at;
    `institution_id`: one institution's trainees only (a coordinator's report), else every one."""
    from lms.core.types import UTCDateTime

    sql = POSTGRESQL if connection.dialect.name == "postgresql" else SQLITE
    if institution_id is None:
        sql = sql.replace("{scope}", "")
    else:
        sql = sql.replace("{scope}", "AND u.institution_id = :institution")
    statement = text(sql).bindparams(bindparam("limit", type_=UTCDateTime), bindparam("now", type_=UTCDateTime))
    parameters = {"limit": limit, "now": now}
    if institution_id is not None:
        parameters["institution"] = institution_id
    plan_in_parallel(connection)
    return list(connection.execute(statement, parameters))


def plan_in_parallel(connection) -> None:
    """PostgreSQL: for the rest of the connection's transaction, let the planner share a statement among parallel
    workers whenever it can (their costs set to nothing), as the product's reports do (`lms.core.db.parallel_plans`):
    a floor is the fastest way by hand, and by hand one would set them too."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL parallel_setup_cost = 0")
        connection.exec_driver_sql("SET LOCAL parallel_tuple_cost = 0")


# The charts page: the completion rate per institution and the completions per month, by hand: two GROUP BYs over the
# current enrolments of the trainees, with nothing but the counts the page shows.
CHARTS_BY_INSTITUTION = """
SELECT i.code, count(*) AS enrolled, count(CASE WHEN e.status = 'completed' THEN 1 END) AS completed
FROM enrolments e JOIN users u ON u.id = e.user_id JOIN institutions i ON i.id = u.institution_id
WHERE e.is_current AND u.role = 'trainee' AND e.status <> 'withdrawn'
GROUP BY i.code ORDER BY i.code
"""
CHARTS_PER_MONTH = """
SELECT {month} AS month, count(*)
FROM enrolments e JOIN users u ON u.id = e.user_id
WHERE e.is_current AND u.role = 'trainee' AND e.status = 'completed'
GROUP BY 1 ORDER BY 1
"""
_MONTH = {"postgresql": "to_char(timezone('UTC', e.completed_at), 'YYYY-MM')",
          "sqlite": "strftime('%Y-%m', e.completed_at)"}


def charts_floor(connection) -> tuple[list, list]:
    """((institution code, enrolled, completed) per institution, (month, completions) per month with any), by hand."""
    plan_in_parallel(connection)
    rates = [tuple(row) for row in connection.execute(text(CHARTS_BY_INSTITUTION))]
    month = _MONTH[connection.dialect.name]
    months = [tuple(row) for row in connection.execute(text(CHARTS_PER_MONTH.format(month=month)))]
    return rates, months


def same_chart_figures(product, floor_rows) -> None:
    """Raise AssertionError unless the charts page's figures are the floor's (months without completions, which the
    page shows as zero bars, are left out of the comparison)."""
    rates, months = product
    mine = ([(r.institution_code, r.enrolled, r.completed) for r in rates], [m for m in months if m[1]])
    theirs = ([(code, int(enrolled), int(done)) for code, enrolled, done in floor_rows[0]],
              [(month, int(n)) for month, n in floor_rows[1]])
    if mine != theirs:
        raise AssertionError(f"the charts and their floor differ: {str(mine)[:300]} / {str(theirs)[:300]}")


def _round(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _figures(code, slug, enrolled, not_started, in_progress, completed, final_submitted, final_passed, score,
             median, *certifications) -> tuple:
    return (code, slug, int(enrolled or 0), int(not_started or 0), int(in_progress or 0), int(completed or 0),
            int(final_submitted or 0), int(final_passed or 0), _round(score), _round(median),
            *(int(n or 0) for n in certifications))


_CERTIFICATIONS = ("certified", "expiring", "expired", "revoked", "never")


def report_figures(report) -> dict:
    """{(institution code, course slug): figures} of a CompletionReport, totals under (None, None)."""
    figures = {(r.institution_code, r.course_slug): _figures(
        r.institution_code, r.course_slug, r.enrolled, r.not_started, r.in_progress, r.completed,
        r.final_submitted, r.final_passed, r.average_best_score, r.median_days,
        *(getattr(r, name) for name in _CERTIFICATIONS)) for r in report.rows}
    t = report.totals
    figures[(None, None)] = _figures(None, None, t.enrolled, t.not_started, t.in_progress, t.completed,
                                     t.final_submitted, t.final_passed, t.average_best_score, t.median_days,
                                     *(getattr(t, name) for name in _CERTIFICATIONS))
    return figures


def floor_figures(rows) -> dict:
    """The same dict from the rows of `completion_floor`."""
    return {(r.code, r.slug): _figures(r.code, r.slug, r.enrolled, r.not_started, r.in_progress, r.completed,
                                       r.final_submitted, r.final_passed, r.average_best_score, r.median_days,
                                       *(getattr(r, name) for name in _CERTIFICATIONS))
            for r in rows}


def same_completion_figures(report, floor_rows) -> None:
    """Raise AssertionError unless the report and the floor give the same figures (means and medians
    to 0.1, as the report rounds them; a float sum may differ in its last bit)."""
    mine, theirs = report_figures(report), floor_figures(floor_rows)
    if mine.keys() != theirs.keys():
        raise AssertionError(f"report rows differ: {len(mine)} in the report, {len(theirs)} by hand")
    for key, figures in mine.items():
        other = theirs[key]
        for a, b in zip(figures, other, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                if abs(a - b) > 0.1001:
                    raise AssertionError(f"{key}: {figures} != {other}")
            elif a != b:
                raise AssertionError(f"{key}: {figures} != {other}")


# --- exports ---------------------------------------------------------------------------------------

class _Captured(Exception):
    pass


def capture_statement(engine, statement) -> tuple[str, object]:
    """The SQL text and DB-API parameters SQLAlchemy would send for `statement` (not executed)."""
    seen: dict = {}

    def grab(_conn, _cursor, sql, parameters, _context, _executemany):
        seen["sql"], seen["parameters"] = sql, parameters
        raise _Captured

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", grab)
        try:
            conn.execute(statement)
        except _Captured:
            pass
        finally:
            event.remove(conn, "before_cursor_execute", grab)
            conn.rollback()
    return seen["sql"], seen["parameters"]


class CountingSink:
    """A file-like object that only counts what is written (the floor's "network")."""

    def __init__(self):
        self.bytes = 0

    def write(self, data: str) -> int:
        self.bytes += len(data)
        return len(data)


def raw_rows(engine, sql: str, parameters, batch: int = 1000):
    """Iterate the rows of `sql` from a raw DB-API cursor (a server-side one on PostgreSQL)."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            cursor = raw.driver_connection.cursor(name="bench_floor")
            cursor.itersize = batch
        else:
            cursor = raw.cursor()
            cursor.arraysize = batch
        cursor.execute(sql, parameters)
        yield from cursor
        cursor.close()
    finally:
        raw.rollback()
        raw.close()


def csv_floor(engine, sql: str, parameters) -> int:
    """The export's rows from its own SELECT, written by csv.writer; returns the number of rows."""
    sink = CountingSink()
    writer = csv.writer(sink, lineterminator="\r\n")
    rows = 0
    for row in raw_rows(engine, sql, parameters):
        writer.writerow(row)
        rows += 1
    return rows


def xlsx_floor(engine, sql: str, parameters) -> int:
    """The same rows written by XlsxWriter directly (constant memory) to a temporary file."""
    import xlsxwriter

    with tempfile.TemporaryFile() as output:
        workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "remove_timezone": True})
        sheet = workbook.add_worksheet("Enrolments")
        rows = 0
        for rows, row in enumerate(raw_rows(engine, sql, parameters), start=1):
            sheet.write_row(rows, 0, row)
        workbook.close()
    return rows


def insert_rows(connection, table, rows: list[dict]) -> None:
    """One executemany of `rows` into `table` (Core insert, no ORM)."""
    if rows:
        connection.execute(table.insert(), rows)
