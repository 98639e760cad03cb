"""Ids beyond what the database holds are "not found" on every route, as any unknown id is.

Every `<int:...>` argument of the URL map refuses a number above lms.core.urls.INT_MAX, so a typed or
crafted address such as /attempts/9223372036854775808 is a 404 page, not an error of the database
(SQLite cannot bind a number past 2**63 - 1; PostgreSQL's ids stop at 2**31 - 1).
"""
from __future__ import annotations

import re

import pytest
from werkzeug.routing.converters import IntegerConverter

from lms.api.services import create_token
from lms.core.urls import INT_MAX
from tests.helpers import csrf_token

pytestmark = pytest.mark.db

TOO_LARGE = (2**63, 2**31)  # past SQLite's integers, past PostgreSQL's
ARGUMENT = re.compile(r"<(?:[^:<>]+(?:\([^)]*\))?:)?([^<>]+)>")


def int_routes(app) -> list:
    """Every rule of the URL map with an integer argument."""
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())]


def test_every_integer_route_argument_is_bounded_once(app):
    """The rules exist (the walk below is not empty), and each integer argument stops at INT_MAX."""
    rules = int_routes(app)
    assert len(rules) >= 9, [r.rule for r in rules]
    for rule in rules:
        for converter in rule._converters.values():
            if isinstance(converter, IntegerConverter):
                assert converter.max == INT_MAX, rule.rule


@pytest.mark.parametrize("number", TOO_LARGE)
def test_ids_beyond_the_integer_range_are_not_found(app, client, auth, world, number):
    """An admin, who may open everything, gets 404 for every route with an id too large, by GET and by a
    form post with a valid CSRF token."""
    auth.login(world["admin"].email)
    token = csrf_token(client.get("/profile").get_data(as_text=True))
    _, api_token = create_token(world["admin"], "routes")
    api = {"Authorization": f"Bearer {api_token}"}  # the API reads tokens, never the session
    failures = []
    for rule in int_routes(app):
        values = {name: number if isinstance(converter, IntegerConverter) else "x"
                  for name, converter in rule._converters.items()}
        path = ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule.rule)  # url_for would refuse the values
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            headers = api if path.startswith("/api/") else {}
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                response = client.post(path, data={"csrf_token": token}, headers=headers)
            if response.status_code != 404:
                failures.append((method, path, response.status_code))
    assert not failures

