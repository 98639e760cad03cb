"""Every error of /api/v1 is JSON with the OpenAPI description's Error schema (`error`, `message`), whatever
raised it: the API's own checks, the routing (an unknown address, an id out of range, a method the API
does not take), the request's size, the rate limits, a fault of the code, or a database that does not answer."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import TooManyRequests

from lms.api.services import create_token

pytestmark = pytest.mark.db


@pytest.fixture()
def tokens(db, world):
    return {who: create_token(world[who], f"test {who}")[1] for who in ("admin", "trainee")}


def call(client, tokens, path, who="admin", method="GET", **kwargs):
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
    return client.open(path, method=method, headers=headers, **kwargs)


def assert_json_error(response, status: int, code: str | None = None):
    """The answer a program reading the API can parse: the status, JSON, and the Error schema."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str) and body["message"], body
    assert "<html" not in response.get_data(as_text=True).lower()
    if code:
        assert body["error"] == code, body
    assert response.headers["Cache-Control"] == "no-store"


def test_400_bad_parameters_and_characters_no_one_types(client, tokens):
    assert_json_error(call(client, tokens, "/api/v1/courses?page=first"), 400, "invalid_parameters")
    assert_json_error(call(client, tokens, "/api/v1/courses?page=%00"), 400, "bad_request")


def test_401_without_a_valid_token(client, tokens):
    response = call(client, tokens, "/api/v1/courses", who=None)
    assert_json_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_403_for_a_user_who_may_not_see_reports(client, tokens):
    assert_json_error(call(client, tokens, "/api/v1/reports/completion", who="trainee"), 403, "forbidden")


@pytest.mark.parametrize("path", [
    "/api/v1/trainees/2147483648/enrolments", "/api/v1/trainees/9223372036854775808/enrolments",
    "/api/v1/trainees/2147483647/enrolments", "/api/v1/nothing/here", "/api/v1/", "/api/v1",
])
def test_404_for_every_address_that_names_nothing(client, tokens, path):
    assert_json_error(call(client, tokens, path), 404, "not_found")


def test_405_for_a_method_the_api_does_not_take(client, tokens):
    response = call(client, tokens, "/api/v1/reports/completion", method="DELETE")
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_413_for_a_request_larger_than_the_site_accepts(app, client, tokens, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = call(client, tokens, "/api/v1/courses", method="POST", data={"x": "y" * 4096})
    assert_json_error(response, 413, "too_large")


def test_429_when_a_limit_is_reached(app, client, tokens, monkeypatch):
    def limited(**_kwargs):
        raise TooManyRequests("10 per 1 minute")

    monkeypatch.setitem(app.view_functions, "api_v1.courses", limited)
    response = call(client, tokens, "/api/v1/courses")
    assert_json_error(response, 429, "too_many_requests")
    assert "10 per 1 minute" in response.get_json()["message"]


def test_500_names_the_logged_error_and_reveals_nothing(app, client, tokens, monkeypatch, caplog):
    def broken(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "api_v1.courses", broken)
    response = call(client, tokens, "/api/v1/courses")
    assert_json_error(response, 500, "internal_error")
    body = response.get_json()
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["error_id"] and body["error_id"] in caplog.text  # the log has it, for whoever is asked


def test_503_when_the_database_does_not_answer(app, client, tokens, monkeypatch, caplog):
    def unreachable(**_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection failed: Connection refused"))

    monkeypatch.setitem(app.view_functions, "api_v1.courses", unreachable)
    response = call(client, tokens, "/api/v1/courses")
    assert_json_error(response, 503, "unavailable")
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert "Connection refused" not in response.get_data(as_text=True)
    assert body["error_id"] and f"error {body['error_id']} on GET /api/v1/courses" in caplog.text


def test_the_description_documents_the_error_schema_for_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["components"]["schemas"]["Error"]["properties"]) >= {"error", "message"}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            default = operation["responses"]["default"]
            assert default["content"]["application/json"]["schema"]["$ref"].endswith("/Error"), path
