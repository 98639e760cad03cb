"""The CSV export's floor: a hand-written SELECT that gives every cell as the export writes it, read and
written the fastest way each database allows, into a file.

- PostgreSQL: `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)` through psycopg's copy, its chunks written to
  the file as they come (the server formats every cell and the row; Python only moves bytes). COPY ends rows
  with a line feed where the export ends them with CR LF (as RFC 4180 asks), so each chunk's line feeds are
  doubled into CR LF on the way (the generated data has no line break inside a cell);
- SQLite: the same SELECT (SQLite's functions) on a raw sqlite3 cursor, `fetchmany` batches handed to
  `csv.writer.writerows`.

The SELECT is written for speed, not taken from the product: one pass over the attempts per (enrolment, quiz),
one over the lesson views, one over the certificates, each grouped once and joined by enrolment id. The cells
come out as text in the export's forms (dates as YYYY-MM-DD, instants in UTC as YYYY-MM-DDTHH:MM:SSZ, the
best score rounded half up to one decimal, a text that a spreadsheet would take for a formula behind an
apostrophe), so the two files can be compared byte for byte (`same_file`). The generated data has no
assignments, practical assessments or training sessions: the floor leaves their parts of the figures out
(the progress counts lessons and quizzes, the attendance cells stay empty); on such data the product's joins
over those empty tables cost it next to nothing.
"""
from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lms.quizzes.models import GRACE_SECONDS
from lms.reports.columns import ENROLMENT_COLUMNS

HEADER = ",".join(c.name for c in ENROLMENT_COLUMNS) + "\r\n"

_SELECT = """
WITH per_quiz AS (
  SELECT a.enrolment_id, a.quiz_id, count(*) AS attempts,
         max(CASE WHEN a.status <> 'in_progress' OR a.deadline_at < {limit}
                  THEN coalesce(a.percent, 0) END) AS best,
         max(CASE WHEN a.passed THEN 1 ELSE 0 END) AS passed
  FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id JOIN modules m ON m.id = q.module_id
  WHERE NOT q.retired AND NOT m.retired
  GROUP BY a.enrolment_id, a.quiz_id
), per_enrolment AS (
  SELECT enrolment_id, sum(attempts) AS attempts, sum(coalesce(best, 0)) AS score_sum, sum(passed) AS passed
  FROM per_quiz GROUP BY enrolment_id
), viewed AS (
  SELECT lp.enrolment_id, count(*) AS n
  FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id JOIN modules m ON m.id = l.module_id
  WHERE NOT l.retired AND NOT m.retired
  GROUP BY lp.enrolment_id
), lesson_total AS (
  SELECT l.course_id, count(*) AS n FROM lessons l JOIN modules m ON m.id = l.module_id
  WHERE NOT l.retired AND NOT m.retired GROUP BY l.course_id
), quiz_total AS (
  SELECT q.course_id, count(*) AS n FROM quizzes q JOIN modules m ON m.id = q.module_id
  WHERE NOT q.retired AND NOT m.retired GROUP BY q.course_id
), held AS (
  SELECT e.id AS enrolment_id, count(*) AS n,
         max(CASE WHEN c.revoked_at IS NULL AND c.expires_at IS NULL THEN 1 ELSE 0 END) AS lasting,
         max(CASE WHEN c.revoked_at IS NULL THEN c.expires_at END) AS best_expiry
  FROM certificates c JOIN enrolments e ON e.user_id = c.user_id AND e.course_id = c.course_id
  WHERE e.is_current AND e.status <> 'withdrawn'
  GROUP BY e.id
), rows AS (
  SELECT i.code AS icode, i.name AS iname, i.country, c.slug, c.title, u.name, u.email, e.id,
         CASE WHEN e.status = 'completed' THEN 'completed'
              WHEN coalesce(v.n, 0) > 0 OR coalesce(pe.attempts, 0) > 0 THEN 'in_progress'
              ELSE 'not_started' END AS state,
         coalesce(v.n, 0) + coalesce(pe.passed, 0) AS done, coalesce(lt.n, 0) + coalesce(qt.n, 0) AS items,
         CASE WHEN coalesce(qt.n, 0) > 0 THEN coalesce(pe.score_sum, 0) * 1.0 / qt.n END AS score,
         coalesce(pe.attempts, 0) AS attempts, e.enrolled_at, e.due_on, e.completed_at, e.last_activity_at,
         ct.code AS certificate_code,
         CASE WHEN coalesce(h.n, 0) = 0 THEN 'never' WHEN h.lasting = 1 THEN 'certified'
              WHEN h.best_expiry IS NULL THEN 'revoked' WHEN h.best_expiry <= {now} THEN 'expired'
              WHEN {days_left} <= i.expiry_notice_days THEN 'expiring' ELSE 'certified' END AS certification,
         r.code AS run_code
  FROM enrolments e
  JOIN users u ON u.id = e.user_id
  JOIN institutions i ON i.id = u.institution_id
  JOIN courses c ON c.id = e.course_id
  LEFT JOIN viewed v ON v.enrolment_id = e.id
  LEFT JOIN per_enrolment pe ON pe.enrolment_id = e.id
  LEFT JOIN lesson_total lt ON lt.course_id = e.course_id
  LEFT JOIN quiz_total qt ON qt.course_id = e.course_id
  LEFT JOIN held h ON h.enrolment_id = e.id
  LEFT JOIN certificates ct ON ct.enrolment_id = e.id
  LEFT JOIN course_runs r ON r.id = e.run_id
  WHERE e.is_current AND u.role = 'trainee' AND e.status <> 'withdrawn'
)
SELECT {t_icode}, {t_iname}, {t_country}, {t_slug}, {t_title}, {t_name}, {t_email}, state,
       CASE WHEN items = 0 THEN 0 WHEN done >= items THEN 100 ELSE (done * 100) / items END,
       {score}, attempts, {enrolled_on}, {due_on}, {completed_on}, {last_activity}, {t_code}, certification,
       NULL, {t_run}, NULL, NULL
FROM rows
ORDER BY icode, lower(name), id
"""

_TEXT = {"t_icode": "icode", "t_iname": "iname", "t_country": "country", "t_slug": "slug", "t_title": "title",
         "t_name": "name", "t_email": "email", "t_code": "certificate_code", "t_run": "run_code"}


def _neutralised(column: str, chr_: str) -> str:
    """The cell of a text column: an apostrophe before a formula-like start, and NULL for an empty text (an
    empty cell in both writers: COPY would quote an empty string)."""
    return (f"CASE WHEN substr({column}, 1, 1) IN ('=', '+', '-', '@', {chr_}(9), {chr_}(13)) "
            f"THEN '''' || {column} ELSE nullif({column}, '') END")


def select_for(dialect: str, now: datetime) -> str:
    """The hand-written SELECT for `dialect` ("postgresql" or "sqlite") at the moment `now`."""
    limit = now - timedelta(seconds=GRACE_SECONDS)
    if dialect == "postgresql":
        def moment(value: datetime) -> str:
            return f"timestamptz '{value.astimezone(UTC).isoformat()}'"

        def utc(column: str, pattern: str) -> str:
            return f"to_char({column} AT TIME ZONE 'UTC', '{pattern}')"

        parts = {"limit": moment(limit), "now": moment(now),
                 "days_left": f"EXTRACT(EPOCH FROM (h.best_expiry - {moment(now)})) / 86400.0",
                 "score": "round(score::numeric, 1)::text",
                 "enrolled_on": utc("enrolled_at", "YYYY-MM-DD"), "due_on": "due_on::text",
                 "completed_on": utc("completed_at", "YYYY-MM-DD"),
                 "last_activity": utc("last_activity_at", 'YYYY-MM-DD"T"HH24:MI:SS"Z"')}
        parts.update({key: _neutralised(column, "chr") for key, column in _TEXT.items()})
    else:
        def moment(value: datetime) -> str:  # SQLite holds UTC text, YYYY-MM-DD HH:MM:SS.ffffff
            return "'" + value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "'"

        parts = {"limit": moment(limit), "now": moment(now),
                 "days_left": f"(julianday(h.best_expiry) - julianday({moment(now)}))",
                 "score": "CASE WHEN score IS NOT NULL THEN printf('%.1f', score) END", "enrolled_on": "substr(enrolled_at, 1, 10)", "due_on": "due_on",
                 "completed_on": "substr(completed_at, 1, 10)",
                 "last_activity": "substr(last_activity_at, 1, 10) || 'T' || substr(last_activity_at, 12, 8) || 'Z'"}
        parts.update({key: _neutralised(column, "char") for key, column in _TEXT.items()})
    return _SELECT.format(**parts)


def csv_floor(engine, path: Path, now: datetime | None = None) -> int:
    """Write the export's CSV with the hand-written SELECT to `path`, the fastest way for the engine's database;
    returns the bytes written."""
    now = now or datetime.now(UTC)
    sql = select_for(engine.dialect.name, now)
    raw = engine.raw_connection()
    try:
        with path.open("wb") as file:
            file.write(HEADER.encode())
            if engine.dialect.name == "postgresql":
                with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for chunk in copy:
                        file.write(bytes(chunk).replace(b"\n", b"\r\n"))
            else:
                _sqlite_rows(raw, sql, file)
            return file.tell()
    finally:
        raw.rollback()
        raw.close()


def _sqlite_rows(raw, sql: str, file, batch: int = 5000) -> None:
    """The rows of a raw sqlite3 cursor through csv.writer, a batch at a time, into the binary `file`."""
    import io

    text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    cursor = raw.cursor()
    cursor.execute(sql)
    while rows := cursor.fetchmany(batch):
        writer.writerows(rows)
    cursor.close()
    text.flush()
    text.detach()


def same_file(product: Path, floor: Path) -> int:
    """Raise AssertionError unless the two files hold the same bytes; returns their rows (line ends - 1)."""
    a, b = product.read_bytes(), floor.read_bytes()
    if a != b:
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        line = a.count(b"\n", 0, at) + 1
        raise AssertionError(f"the floor's CSV differs from the export's at byte {at} (line {line}): "
                             f"{a[max(0, at - 40):at + 60]!r} / {b[max(0, at - 40):at + 60]!r}")
    return a.count(b"\n") - 1
