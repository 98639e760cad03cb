"""CSV for Excel: beside each plain UTF-8 CSV the report pages offer the same file with UTF-8's byte-order
mark, which is how Excel knows to read Cyrillic, Georgian and Armenian names as UTF-8. Both say their
charset once in the Content-Type, and the Excel variant is audited like the others.

(LibreOffice reading the Excel variant's Georgian and Armenian names: tests/reports/test_libreoffice.py.)
"""
from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.helpers import Auth
from tests.reports.conftest import UA

pytestmark = pytest.mark.db

BOM = b"\xef\xbb\xbf"
CONTENT_TYPE = "text/csv; charset=utf-8"


def links(page: str) -> dict[str, list[str]]:
    """The download links of a report page: link text -> addresses, in the page's order."""
    found: dict[str, list[str]] = {}
    block = re.search(r'<p class="report-links">(.*?)</p>', page, re.S).group(1)
    for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block):
        found.setdefault(text.strip(), []).append(htmllib.unescape(href))
    return found


def download(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.mark.parametrize("page_url", ["/reports/?course=sample", f"/reports/institutions/{UA}/courses/sample"])
def test_each_csv_link_has_an_excel_twin_with_a_byte_order_mark(reader, dataset, page_url):
    assert Auth(reader).login("admin@example.org").status_code == 302
    found = links(reader.get(page_url).get_data(as_text=True))
    assert len(found.get("CSV for Excel", [])) == len(found["CSV"]) >= 1, found
    assert "XLSX" in found
    for plain_url, excel_url in zip(found["CSV"], found["CSV for Excel"]):
        plain, excel = download(reader, plain_url), download(reader, excel_url)
        plain_bytes, excel_bytes = plain.get_data(), excel.get_data()
        assert excel_bytes.startswith(BOM) and not plain_bytes.startswith(BOM), excel_url
        assert excel_bytes[len(BOM):] == plain_bytes  # the same file otherwise, filters included
        assert "sample" in excel_url  # the page's filters travel with the link
        for response in (plain, excel):
            assert response.headers.getlist("Content-Type") == [CONTENT_TYPE]  # one charset, not two
            assert re.fullmatch(r'attachment; filename="[\w.-]+\.csv"', response.headers["Content-Disposition"])
        assert plain.headers["Content-Disposition"] != excel.headers["Content-Disposition"]


def test_every_csv_export_says_its_charset_once(reader, dataset):
    assert Auth(reader).login("admin@example.org").status_code == 302
    for url in ("/reports/completion/export", "/reports/enrolments/export",
                f"/reports/institutions/{UA}/courses/sample/export"):
        for fmt in ("csv", "csv-excel"):
            response = download(reader, f"{url}.{fmt}")
            assert response.headers["Content-Type"] == CONTENT_TYPE, (url, fmt)
            assert response.mimetype_params == {"charset": "utf-8"}


def test_the_excel_variant_is_audited_with_its_format(reader, dataset):
    assert Auth(reader).login("coord@example.org").status_code == 302
    download(reader, "/reports/enrolments/export.csv-excel?course=sample").get_data()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.enrolments")
                               .order_by(AuditEvent.id.desc()).limit(1)).one()
    assert event.actor_id == dataset["people"]["coordinator"] and event.institution_id == dataset["ua"]
    assert event.details == {"format": "csv-excel", "filters": {"course": "sample"}, "rows": 5, "via": "page"}
