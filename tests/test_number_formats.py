"""Numbers read as each language writes them (lms.core.numbers, Babel), and no page writes one by itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms.core.numbers import number, percent, percent_writer, plural_count
from lms.core.i18n import available_languages

LMS = Path(__file__).resolve().parents[1] / "lms"


@pytest.mark.parametrize("locale, thousands, hours, score", [
    ("en", "1,234.5", "2.5", "85.5%"),
    ("uk", "1\u00a0234,5", "2,5", "85,5%"),
    ("ro", "1.234,5", "2,5", "85,5\u00a0%"),
    ("ka", "1\u00a0234,5", "2,5", "85,5%"),
    ("ru", "1\u00a0234,5", "2,5", "85,5\u00a0%"),
    ("sk", "1\u00a0234,5", "2,5", "85,5\u00a0%"),
])
def test_numbers_and_percentages_follow_the_readers_language(app, locale, thousands, hours, score):
    with app.test_request_context(), force_locale(locale):
        assert number(1234.5) == thousands
        assert number(2.5) == hours and number("2.50") == hours
        assert number(16) == "16" and number("16.00") == "16"  # never "16.00"
        assert percent(85.5, 1) == score
        assert percent(None) == "—" and number(None, empty="") == ""


def test_the_gradebooks_fast_writer_agrees_with_the_formatter_in_every_language(app):
    values = [0, 0.05, 7.25, 33.333, 66.6666, 99.95, 100]
    with app.test_request_context():
        for locale in available_languages():
            with force_locale(locale):
                write = percent_writer(1)
                assert [write(v) for v in values] == [percent(v, 1) for v in values], locale


def test_a_plural_form_is_chosen_by_the_whole_number(app):
    assert plural_count("2.50") == 2 and plural_count(1) == 1 and plural_count(None) == 0


@pytest.mark.db
def test_the_catalogue_writes_hours_in_the_visitors_language(client, course):
    # The sample course takes about 1.5 hours.
    assert "About 1.5 hours" in client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    ukrainian = client.get("/courses/", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "1,5" in ukrainian and "1.5" not in ukrainian


# Number formats written for machines, each with its reason.
ALLOWED = {
    "lms/core/numbers.py": "the one formatter",
    "lms/reports/record.py": "the training record's CSV cells: a point, for spreadsheets in any language",
    "lms/backups/archive.py": "the operator's progress line of a backup, on the command line",
}
PYTHON = re.compile(r"format_(decimal|percent|number)\b|:\.\d+f\}")
TEMPLATE = re.compile(r"\"%\.?\d*[df]%*\"\|format|\}\}\s?%|\|round\([^)]*\)\s*\}\}|\|string\b[^}]*\}\}\s*%")


def test_no_page_writes_a_number_itself():
    offenders = []
    for path in sorted(LMS.rglob("*")):
        relative = path.relative_to(LMS.parent).as_posix()
        if relative in ALLOWED or path.suffix not in (".py", ".html", ".txt") or "translations" in path.parts:
            continue
        pattern = PYTHON if path.suffix == ".py" else TEMPLATE
        offenders += [f"{relative}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                      if pattern.search(line)]
    assert offenders == [], "write numbers with lms.core.numbers (|number, |percent): " + ", ".join(offenders)
