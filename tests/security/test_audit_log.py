"""The audit log: security-relevant events recorded, viewable and filterable by admins, not editable."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


def test_admin_sees_and_filters_security_events(client, auth, world):
    auth.login("nobody@example.org", "x")  # a failed sign-in
    auth.login(world["admin"].email)
    page = client.get("/admin/audit/").get_data(as_text=True)
    for action in ("auth.login_failed", "auth.login", "user.created", "institution.created"):
        assert f"<code>{action}</code>" in page
    only_failed = client.get("/admin/audit/?action=auth.login_failed").get_data(as_text=True)
    assert "<code>auth.login_failed</code>" in only_failed and "<code>user.created</code>" not in only_failed
    sign_ins = client.get("/admin/audit/?action=auth.*").get_data(as_text=True)
    assert "<code>auth.login</code>" in sign_ins and "<code>institution.created</code>" not in sign_ins
    future = client.get("/admin/audit/?since=2999-01-01").get_data(as_text=True)
    assert "0 events" in future


def test_only_admins_read_it_and_nobody_changes_it(app, client, auth, world):
    for role in ("coordinator", "instructor", "trainee"):
        auth.login(world[role].email)
        assert client.get("/admin/audit/").status_code == 403
        auth.logout()
    auth.login(world["admin"].email)
    assert client.post("/admin/audit/").status_code in (400, 405)
    writable = [r.rule for r in app.url_map.iter_rules()
                if r.rule.startswith("/admin/audit") and r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert writable == []
