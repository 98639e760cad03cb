"""URLs: absolute links for things shown outside the page, which "next" addresses may be followed, and
the `int` of every route's arguments."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from werkzeug.routing.converters import IntegerConverter

# The largest id a route accepts: the largest value of an INTEGER column on PostgreSQL (int4), where the
# ids are smallest. A larger number names nothing, so it is "not found" before any query runs.
INT_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` as Werkzeug reads it, but at most INT_MAX unless the route says otherwise: an id beyond
    the database's integers is a 404 instead of an error of the database (SQLite cannot bind a number past
    2**63 - 1, PostgreSQL refuses one past INT_MAX in an INTEGER comparison)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app: Flask) -> None:
    """Make every `<int:...>` route argument bounded; before any route is added (rules bind their
    converters when they are added)."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, on LMS_PUBLIC_URL when it is set, else on the request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
