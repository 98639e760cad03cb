"""Every date and time a person reads goes through lms.core.when: no module formats one by itself."""
from __future__ import annotations

import re
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"

# Machine formats, each with its reason (file names, SQL, export cells, parsing).
ALLOWED = {
    "lms/core/when.py": "the one formatter",
    "lms/reports/exports.py": "export cells: ISO 8601 written fast per column kind",
    "lms/reports/downloads.py": "the export file name's stamp",
    "lms/gradebook/exports.py": "the gradebook export file name's stamp",
    "lms/reports/facts.py": "SQLite's strftime('%Y-%m') in SQL, grouping by month",
    "lms/privacy/services/download.py": "the personal-data file's name stamp",
    "lms/reports/record_files.py": "the training record file's name stamp",
    "lms/core/logs.py": "JSON log lines' time: UTC to the millisecond, for machines",
}
PYTHON = re.compile(r"\.strftime\(|\.isoformat\(|flask_babel import[^\n]*format_(date|datetime|time|timedelta)"
                    r"|flask_babel\.format_(date|datetime|time)")
TEMPLATE = re.compile(r"\.strftime\(|\.isoformat\(")


def test_no_module_formats_a_date_or_time_itself():
    offenders = []
    for path in sorted(LMS.rglob("*")):
        relative = path.relative_to(LMS.parent).as_posix()
        if relative in ALLOWED or path.suffix not in (".py", ".html"):
            continue
        pattern = PYTHON if path.suffix == ".py" else TEMPLATE
        offenders += [f"{relative}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                      if pattern.search(line)]
    assert offenders == [], "format dates and times with lms.core.when: " + ", ".join(offenders)
