"""Lighter transfers: compressed responses where no secret can leak (never HTML pages), static files and
course images under versioned addresses cached for a year, and downloads that resume after a cut."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask import url_for
from sqlalchemy import select

from lms.core import static_files
from lms.core.downloads import send_stored
from lms.core.static_files import IMMUTABLE
from lms.core.storage import current_storage
from lms.learning.models import Certificate
from tests.helpers import make_staff, take_quiz

pytestmark = pytest.mark.db

BOTH = "gzip, deflate, br"


def decoded(response) -> bytes:
    """The body as the browser reads it, whatever the Content-Encoding."""
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)


def stylesheet_url(app) -> str:
    with app.test_request_context():
        return url_for("static", filename="css/site.css")


# --- compression --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "encoding"), [("br", "br"), ("gzip", "gzip"), (BOTH, "br"),
                                                  ("gzip;q=1, br;q=0.5", "gzip"), ("", None), ("identity", None)])
def test_the_style_sheet_comes_compressed_as_the_browser_asks(app, client, accept, encoding):
    plain = client.get(stylesheet_url(app)).get_data()
    response = client.get(stylesheet_url(app), headers={"Accept-Encoding": accept})
    assert response.status_code == 200 and response.headers.get("Content-Encoding") == encoding
    assert decoded(response) == plain and b".lesson img" in plain
    if encoding:
        assert len(response.get_data()) < len(plain) / 2
        assert "Accept-Encoding" in response.headers["Vary"]


def test_a_page_with_a_form_is_never_compressed(client, auth, world):
    """BREACH: every page carries the CSRF token beside text the visitor chose (the address itself is
    written back into the language switcher's form): not one HTML page is compressed, signed in or not."""
    for url in ("/login", "/courses/?q=reflected-text"):
        response = client.get(url, headers={"Accept-Encoding": BOTH})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert 'name="csrf_token"' in html and "Content-Encoding" not in response.headers
    assert "reflected-text" in html
    auth.login(world["trainee"].email)
    profile = client.get("/profile", headers={"Accept-Encoding": BOTH})
    assert profile.status_code == 200 and "Content-Encoding" not in profile.headers
    assert profile.headers["Cache-Control"] == "no-store"


def test_the_api_description_json_is_compressed(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": BOTH})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Encoding"] == "br"
    assert b'"openapi"' in decoded(response)


def test_a_small_json_answer_is_not_worth_compressing(client):
    response = client.get("/healthz", headers={"Accept-Encoding": BOTH})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def test_a_streamed_csv_export_is_compressed_and_still_streams(app, client, auth, world):
    auth.login(world["admin"].email)
    plain = client.get("/reports/enrolments/export.csv")
    for accept, encoding in (("br", "br"), ("gzip", "gzip")):
        response = client.get("/reports/enrolments/export.csv", headers={"Accept-Encoding": accept})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == encoding
        # Streamed: no length known in advance, the rows compressed as they are written.
        assert response.is_streamed and "Content-Length" not in response.headers
        assert decoded(response) == plain.get_data()
        assert "attachment" in response.headers["Content-Disposition"]
        assert "Accept-Encoding" in response.headers["Vary"]
    # Read outside the request: the stream holds nothing of it (the suite's client gives each request a
    # context of its own, so a stream that kept the request's context could not be read here at all).
    assert client.get("/reports/enrolments/export.csv", headers={"Accept-Encoding": "br"}).get_data()


def test_the_compressed_stream_is_sent_in_pieces_and_closes_its_source(app):
    from lms.core.compression import compress_response

    closed = []

    def rows():
        try:
            for number in range(20_000):
                yield f"{number},officer {number},Border Academy\n".encode()
        finally:
            closed.append(True)

    with app.test_request_context(headers={"Accept-Encoding": "gzip"}):
        response = compress_response(app.response_class(rows(), mimetype="text/csv"))
        pieces = list(response.response)
    assert len(pieces) > 1 and closed == [True]  # sent while it is written, not gathered first
    assert gzip.decompress(b"".join(pieces)).count(b"\n") == 20_000


def test_compression_can_be_switched_off(app, tmp_path):
    """LMS_COMPRESSION=0, for a reverse proxy that compresses itself: nothing is compressed."""
    from lms import create_app

    plain = create_app({"TESTING": True, "SECRET_KEY": "test", "COMPRESSION": False, "INSTANCE_PATH": str(tmp_path),
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    response = plain.test_client().get("/static/css/site.css", headers={"Accept-Encoding": BOTH})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


# --- versioned static files ---------------------------------------------------------------------------------

def test_static_addresses_name_the_content_and_are_cached_for_a_year(app, client):
    url = stylesheet_url(app)
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{12}", url)
    page = client.get("/login").get_data(as_text=True)
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    # Without the version, or with an old one: revalidated each time, never kept for a year.
    for other in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        response = client.get(other)
        assert response.status_code == 200 and "immutable" not in response.headers["Cache-Control"]
        assert "no-cache" in response.headers["Cache-Control"]


def test_every_static_address_is_versioned_and_a_missing_file_is_not(app):
    with app.test_request_context():
        assert re.fullmatch(r"/static/js/quiz\.js\?v=[0-9a-f]{12}", url_for("static", filename="js/quiz.js"))
        assert url_for("static", filename="no-such-file.css") == "/static/no-such-file.css"


def test_a_changed_file_gets_a_new_address(app, tmp_path, monkeypatch):
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    sheet = folder / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    monkeypatch.setattr(app, "static_folder", str(folder))
    with app.test_request_context():
        first = url_for("static", filename="css/site.css")
        assert url_for("static", filename="css/site.css") == first
        sheet.write_text("body { color: navy; }")
        second = url_for("static", filename="css/site.css")
    assert first != second and first.split("?")[0] == second.split("?")[0]
    client = app.test_client()
    assert client.get(second).headers["Cache-Control"] == IMMUTABLE
    assert "immutable" not in client.get(first).headers["Cache-Control"]  # the old version: not kept a year
    static_files._versions.clear()


def test_the_same_compressed_static_file_is_revalidated_with_its_encoded_etag(app, client):
    first = client.get("/static/css/site.css", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"].endswith(':br"')
    again = client.get("/static/css/site.css",
                       headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


# --- signed-in pages stay out of every cache ------------------------------------------------------------------

def test_signed_in_pages_keep_no_store_while_static_files_are_cached(app, client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    lesson = client.get("/courses/sample/lessons/intro")
    assert lesson.headers["Cache-Control"] == "no-store"
    image = re.search(r'<img alt="a pixel" src="([^"]+)"', lesson.get_data(as_text=True)).group(1)
    assert client.get(image).headers["Cache-Control"] == IMMUTABLE
    assert client.get(stylesheet_url(app)).headers["Cache-Control"] == IMMUTABLE


# --- course images --------------------------------------------------------------------------------------------

def test_a_course_image_named_with_its_version_is_kept_a_year_and_a_new_image_gets_a_new_name(
        client, auth, world, course, db):
    from lms.catalog import assets
    from lms.catalog.models import CourseAsset

    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    src = re.search(r'<img alt="a pixel" src="([^"]+)"', client.get("/courses/sample/lessons/intro").get_data(
        as_text=True)).group(1)
    path, version = src.split("?v=")
    assert client.get(src).headers["Cache-Control"] == IMMUTABLE
    assert client.get(path).headers["Cache-Control"] == "public, max-age=86400"  # no version: a day
    assert client.get(f"{path}?v=000000000000").headers["Cache-Control"] == "public, max-age=86400"
    image = db.session.scalar(select(CourseAsset).where(CourseAsset.path == "basics/pixel.png"))
    with_new_content = open_bytes_changed(client.get(src).get_data())
    assets.put(course.id, image.path, with_new_content, "image/png", image)
    db.session.commit()
    new_src = re.search(r'<img alt="a pixel" src="([^"]+)"', client.get("/courses/sample/lessons/intro").get_data(
        as_text=True)).group(1)
    assert new_src.startswith(path + "?v=") and new_src != src
    assert client.get(new_src).get_data() == with_new_content


def open_bytes_changed(png: bytes) -> bytes:
    """The same PNG with a byte of text appended after its end (still an image; other content)."""
    return png + b"changed"


# --- resumable downloads --------------------------------------------------------------------------------------

def package_url(course) -> str:
    return f"/author/{course.slug}/package.zip"


def test_a_course_package_download_resumes(client, auth, world, course):
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    whole = client.get(package_url(course), headers={"Accept-Encoding": BOTH})
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in whole.headers  # a zip: compressed already, and ranges count its own bytes
    data, etag = whole.get_data(), whole.headers["ETag"]
    assert int(whole.headers["Content-Length"]) == len(data) and data[:2] == b"PK"
    # The download was cut after 100 bytes: the rest, and only the rest.
    rest = client.get(package_url(course), headers={"Range": "bytes=100-", "If-Range": etag, "Accept-Encoding": BOTH})
    assert rest.status_code == 206 and rest.get_data() == data[100:]
    assert rest.headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
    assert int(rest.headers["Content-Length"]) == len(data) - 100 and "Content-Encoding" not in rest.headers
    middle = client.get(package_url(course), headers={"Range": "bytes=10-19"})
    assert middle.status_code == 206 and middle.get_data() == data[10:20]
    # The package changed meanwhile (another ETag): the whole new file, never a mix of the two.
    changed = client.get(package_url(course), headers={"Range": "bytes=100-", "If-Range": '"an-older-version"'})
    assert changed.status_code == 200 and changed.get_data() == data
    # Past the end: 416, saying how long the file is.
    beyond = client.get(package_url(course), headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    # Already complete in the browser: nothing sent again.
    assert client.get(package_url(course), headers={"If-None-Match": etag}).status_code == 304


def test_a_certificate_download_resumes(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    certificate = db.session.scalar(select(Certificate))
    url = f"/certificates/{certificate.code}.pdf"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.mimetype == "application/pdf"
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Cache-Control"] == "no-store"
    # The same certificate is the same PDF: a download resumed later continues the same bytes.
    again = client.get(url, headers={"Range": "bytes=1000-", "If-Range": whole.headers["ETag"]})
    assert again.status_code == 206 and whole.get_data()[:1000] + again.get_data() == whole.get_data()


def test_a_stored_file_resumes_from_any_byte(app, db):
    storage = current_storage()
    storage.put("exports/resume-test.csv", b"0123456789" * 1000)
    try:
        with app.test_request_context(headers={"Range": "bytes=9995-"}):
            response = send_stored("exports/resume-test.csv", "export.csv", "text/csv")
            assert response.status_code == 206 and b"".join(response.response) == b"56789"
            assert response.headers["Content-Range"] == "bytes 9995-9999/10000"
        with app.test_request_context(headers={"Range": "bytes=20000-"}):
            from werkzeug.exceptions import RequestedRangeNotSatisfiable

            with pytest.raises(RequestedRangeNotSatisfiable):
                send_stored("exports/resume-test.csv", "export.csv", "text/csv")
        with app.test_request_context():
            whole = send_stored("exports/resume-test.csv", "export.csv", "text/csv")
            assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
            assert whole.headers["Content-Length"] == "10000"
    finally:
        storage.delete("exports/resume-test.csv")
