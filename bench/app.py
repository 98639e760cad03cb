"""The bench configuration of the app: the real application plus one bare route to compare pages with.

`/_bench/bare` returns a constant string through the same Flask app (the same before/after
request steps, headers and WSGI server) without touching the database or a template: the floor
of a page. It answers a POST too, after the same CSRF check as every form: the request part of the
quiz POSTs' floors (`bench.quizweb`), whose rows are then written by hand. It exists only in the app
built here, which production never uses (`wsgi.py` builds the plain app), and `create_bench_app`
refuses to build it when LMS_ENV=production.
"""
from __future__ import annotations

from flask import Flask

BARE_PATH = "/_bench/bare"
BARE_BODY = "bare"


def add_bare_route(app: Flask) -> None:
    """Add the constant-string route (the floor of the page workloads)."""
    if app.config.get("ENV") == "production":
        raise RuntimeError("the bench route is never added to a production app")

    def bare():
        return BARE_BODY

    app.add_url_rule(BARE_PATH, "bench_bare", bare, methods=["GET", "POST"])


def create_bench_app(config: dict | None = None) -> Flask:
    """The application as configured by the environment, with the bare route and quiet logs."""
    from lms import create_app

    # The export workloads time the one writer of the export files through an immediate download: past
    # LMS_EXPORT_JOB_ROWS the site writes the same file with the same writer in a background job instead.
    settings = {"LOG_LEVEL": "WARNING", "EXPORT_JOB_ROWS": 10**12}
    settings.update(config or {})
    app = create_app(settings)
    add_bare_route(app)
    return app
