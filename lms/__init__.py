"""The IBM training platform: `create_app` builds the Flask application from its parts."""
from __future__ import annotations

import logging

from flask import Flask

from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

# Feature blueprints, registered in this order.
BLUEPRINTS = (
    "lms.main.views",
    "lms.auth.views",
    "lms.people.views",
    "lms.institutions.views",
    "lms.catalog.views",
    "lms.learning.views",
    "lms.quizzes.views",
    "lms.authoring.views",
    "lms.audit.views",
    "lms.privacy.views",
    "lms.reports.views",
    "lms.enrolments.views",
    "lms.api.views",
    "lms.api.v1",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` entries override the environment (tests use it)."""
    from config import load_config

    settings = load_config(**(config or {}))
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.config.update(settings)
    register_logging(app)
    register_extensions(app)
    register_i18n(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr at the configured level (gunicorn and systemd collect it)."""
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logger = logging.getLogger("lms")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    # Personal data stays out of the log: emails are masked on "lms" and on the root handlers.
    from lms.privacy.logmask import install_email_masking

    install_email_masking(logger)


def register_extensions(app: Flask) -> None:
    """Initialise the database, migrations, sign-in and CSRF protection."""
    import lms.models  # noqa: F401  (every model known to SQLAlchemy and Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from lms.auth.queries import signed_in_user

    login_manager.user_loader(signed_in_user)

    from lms.core.db import (
        configure_sqlite, end_read_only_requests_with_commit, ping_idle_connections, plan_without_jit,
    )

    with app.app_context():
        configure_sqlite(db.engine)
        plan_without_jit(db.engine)
        ping_idle_connections(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
        end_read_only_requests_with_commit(app, db)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def register_i18n(app: Flask) -> None:
    """Flask-Babel with the locale from the profile, the session, the browser, else English."""
    from lms.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint, in the order of BLUEPRINTS."""
    from importlib import import_module

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages without stack traces."""
    from lms.core.errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    """Markdown filter, permission tests and layout globals for the templates."""
    from lms.core import permissions
    from lms.core.markdown import render_inline, render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["markdown_inline"] = render_inline
    app.jinja_env.tests.update(permissions.JINJA_TESTS)
    app.jinja_env.globals["LANGUAGES"] = app.config["LANGUAGES"]
    from lms.auth.labels import role_label

    app.jinja_env.globals["role_label"] = role_label
    from lms.catalog.labels import status_label

    app.jinja_env.globals["status_label"] = status_label
    from lms.quizzes.labels import kind_label

    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.add_extension("jinja2.ext.do")
    from lms.core.layout import site_frame

    app.jinja_env.globals["site_frame"] = site_frame

    from flask_babel import format_date, format_datetime, get_locale, get_translations

    from lms.core.i18n import template_translators

    app.jinja_env.globals.update(format_date=format_date, format_datetime=format_datetime)

    @app.context_processor
    def layout_context():
        return {"current_locale": str(get_locale() or "en"), **template_translators(get_translations())}


def register_security_headers(app: Flask) -> None:
    """Security headers on every response, and no caching of signed-in pages."""
    from lms.core.headers import apply_security_headers

    app.after_request(apply_security_headers)


def register_commands(app: Flask) -> None:
    """The `lms` command groups."""
    from lms.cli import register

    register(app)
