"""A long subject in Cyrillic, Georgian or Armenian arrives with every space it had (Python's header folding
drops the space where it breaks a line between two encoded words)."""
from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from lms.mail.delivery import build
from lms.mail.models import OutboxMessage

SUBJECTS = [
    "У вас є місце: курс «Sample course», потік 2027-A",
    "Новий час: Document checks (курс «Integrated border management: strategic planning»)",
    "ადგილი გაქვთ: კურსი „საზღვრის ინტეგრირებული მართვის სტრატეგიული დაგეგმვა“, ნაკადი 2027-A",
    "Դուք տեղ ունեք՝ «Սահմանի ինտեգրացված կառավարում» դասընթաց, հոսք 2027-A",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_long_subject_keeps_its_spaces(app, subject):
    message = OutboxMessage(id=1, key="k:1", to_address="olena@example.org", subject=subject, text_body="Text",
                            html_body="<p>Text</p>", created_at=datetime(2026, 12, 6, tzinfo=UTC))
    with app.app_context():
        raw = build(message).as_bytes()
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
