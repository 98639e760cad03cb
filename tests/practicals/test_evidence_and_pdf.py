"""Evidence files on a record (checked by content, served as attachments to whoever may read the work) and the
printable checklists, read with pdftotext."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from sqlalchemy import select

from tests.images import diagram
from tests.practicals.conftest import sign_off_data

pytestmark = pytest.mark.db


def _sign_with_files(auth, drill, files):
    url = f"/courses/drill/practicals/{drill['practical'].slug}/assess/{drill['enrolment'].id}"
    data = sign_off_data(drill["practical"], ["met"] * 3)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return auth.post(url, data, content_type="multipart/form-data")


def test_evidence_is_kept_and_served_to_those_who_may_read_it(client, auth, db, world, drill):
    from lms.practicals.models import Evidence, Record

    auth.login("assessor@example.org")
    png = diagram(40, 30)
    response = _sign_with_files(auth, drill, [("seal.png", png), ("scan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF")])
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    files = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [(f.name, f.mime_type) for f in files] == [("seal.png", "image/png"), ("scan.pdf", "application/pdf")]
    url = f"/practicals/evidence/{files[0].id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == png
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "image/png"
    auth.logout()
    auth.login("trainee@example.org")  # the trainee, once released
    assert client.get(url).status_code == 200
    auth.logout()
    for email in ("trainee@example.ge", "coord@example.org"):  # another trainee; a coordinator
        auth.login(email)
        assert client.get(url).status_code == 404
        auth.logout()
    assert db.session.scalar(select(Record)).evidence


def test_a_file_of_another_kind_is_refused(client, auth, db, world, drill):
    from lms.practicals.models import Record

    auth.login("assessor@example.org")
    response = _sign_with_files(auth, drill, [("photo.png", b"MZ\x90\x00 not a picture at all")])
    assert response.status_code == 400
    assert "is not a photo (JPEG, PNG, WebP) or a PDF" in response.get_data(as_text=True)
    assert db.session.scalar(select(Record)) is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_printable_checklists(client, auth, db, world, drill, tmp_path):
    from lms.extensions import db as database

    world["trainee"].name = "Тарас Шевченко"
    database.session.commit()
    auth.login("assessor@example.org")
    slug = drill["practical"].slug
    one = client.get(f"/courses/drill/practicals/{slug}/assess/{drill['enrolment'].id}/checklist.pdf")
    assert one.status_code == 200 and one.headers["Content-Type"] == "application/pdf"
    assert one.headers["Content-Disposition"].startswith("attachment;")
    (tmp_path / "one.pdf").write_bytes(one.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "one.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Тарас Шевченко" in text and "Checks the seal number (Critical)" in text and "Signature" in text
    run = client.get(f"/courses/drill/practicals/{slug}/checklists.pdf?run=all")
    (tmp_path / "run.pdf").write_bytes(run.data)
    pages = subprocess.run(["pdftotext", str(tmp_path / "run.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    assert len([p for p in pages if p.strip()]) == 1  # the assessor's run has one trainee: one page
    auth.logout()
    auth.login("trainee@example.org")
    assert client.get(f"/courses/drill/practicals/{slug}/checklists.pdf").status_code == 403
