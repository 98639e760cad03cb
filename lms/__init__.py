"""The IBM training platform: `create_app` builds the Flask application from its parts.

This is the top floor (see docs/architecture.md): it imports every feature's blueprint, commands and
signal receivers and puts them together, in the order the `register_*` steps below give.
"""
from __future__ import annotations

import logging

from flask import Flask
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l

from config import load_config
from lms import models  # noqa: F401  (every model, known to SQLAlchemy and Alembic before the first request)
from lms.access import JINJA_TESTS
from lms.api.v1 import bp as api_v1_bp
from lms.assignments.items import ASSIGNMENT
from lms.assignments.views import bp as assignments_bp
from lms.api.v1 import json_error as api_v1_error
from lms.announcements.views import bp as announcements_bp
from lms.assessing.views import bp as assessing_bp
from lms.api.views import bp as api_bp
from lms.audit.views import bp as audit_bp
from lms.auth.labels import role_label
from lms.auth.views import bp as auth_bp
from lms.auth.views import load_user
from lms.authoring.views import bp as authoring_bp
from lms.availability.labels import ended_text, reason_texts
from lms.catalog import items as course_items
from lms.catalog.labels import status_label
from lms.catalog.outline import watch_outline_changes
from lms.calendar.views import bp as calendar_bp
from lms.gradebook.views import bp as gradebook_bp
from lms.checklists.views import bp as practicals_bp
from lms.catalog.views import bp as catalog_bp
from lms.commands import COMMANDS
from lms.core.compression import init_compression
from lms.core.counters import init_counters
from lms.core.csrf_tokens import csrf_token
from lms.core.db import (
    configure_sqlite, end_read_only_requests_with_commit, init_kept_objects, ping_idle_connections, plan_without_jit,
    read_outside_transactions,
)
from lms.core.errors import init_errors
from lms.core.headers import apply_security_headers
from lms.core.i18n import available_languages, select_locale, template_translators
from lms.core.logs import formatter, init_request_ids
from lms.core.lowdata import low_data_mode
from lms.core.markdown import render_inline, render_markdown
from lms.core.metrics import init_metrics, watch_pool
from lms.core.numbers import number, percent, plural_count
from lms.core.proxies import session_identifier, trust_proxies
from lms.core.static_files import init_static_files
from lms.core.storage import init_storage
from lms.core.too_large import upload_limit_mb
from lms.core.urls import register_converters
from lms.core.when import (
    format_date, format_datetime, format_month, format_time, iso, select_timezone, viewer_zone, weekday_name,
    zone_label,
)
from lms.enrolments.views import bp as enrolments_bp
from lms.recorded.views import bp as recorded_bp
from lms.extensions import babel, csrf, db, login_manager, migrate
from lms.institutions.views import bp as institutions_bp
from lms.jobs.queue import init_jobs
from lms.jobs.services import keep_failure
from lms.jobs.views import bp as jobs_bp
from lms.privacy import jobs as privacy_jobs
from lms.quizzes import jobs as quiz_jobs
from lms.learning.services import connect_signals as connect_learning_signals
from lms.runs.services import connect_signals as connect_run_signals
from lms.runs.views import bp as runs_bp
from lms.sessions.signups import connect_signals as connect_session_signals
from lms.sessions.views import bp as sessions_bp
from lms.learning.views import bp as learning_bp
from lms.main.frame import script_stylesheet, site_frame
from lms.mail import delivery as mail_delivery
from lms.mail import digest as mail_digest
from lms.mail import security as mail_security
from lms.mail.queries import admin_warning_count
from lms.mail.views import bp as mail_bp
from lms.main.views import bp as main_bp
from lms.messages import jobs as message_jobs
from lms.messages.events import connect_signals as connect_message_signals
from lms.messages.views import bp as messages_bp
from lms.mfa.views import bp as mfa_bp
from lms.offline.views import bp as offline_bp
from lms.people.views import bp as people_bp
from lms.privacy.logmask import install_email_masking
from lms.privacy.views import bp as privacy_bp
from lms.practicals.items import PRACTICAL
from lms.quizzes.items import QUIZ
from lms.quizzes.labels import kind_label
from lms.quizzes.views import bp as quizzes_bp
from lms.reports.views import bp as reports_bp

# Feature blueprints, registered in this order.
BLUEPRINTS = (main_bp, auth_bp, mfa_bp, people_bp, institutions_bp, catalog_bp, learning_bp, quizzes_bp, authoring_bp,
              assignments_bp, runs_bp, sessions_bp, announcements_bp, assessing_bp, calendar_bp, mail_bp, audit_bp, privacy_bp, reports_bp,
              enrolments_bp, recorded_bp, jobs_bp, messages_bp, gradebook_bp, practicals_bp, offline_bp, api_bp, api_v1_bp)
# The kinds of item a course's modules hold besides lessons (lms.catalog.items).
COURSE_ITEMS = (QUIZ, ASSIGNMENT, PRACTICAL)
# The modules that declare periodic jobs (lms.jobs), imported so that the scheduler knows them.
JOB_MODULES = (quiz_jobs, privacy_jobs, mail_delivery, mail_digest, mail_security, message_jobs)
# The name of the stderr handler register_logging puts on the "lms" logger.
LOG_HANDLER = "lms.stderr"


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` entries override the environment (tests use it)."""
    settings = load_config(**(config or {}))
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.config.update(settings)
    register_logging(app)
    register_monitoring(app)
    trust_proxies(app)
    register_extensions(app)
    register_i18n(app)
    register_content()
    register_signals()
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_transfers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr at the configured level (gunicorn and systemd collect it), as text or as one JSON object a
    line (LMS_LOG_FORMAT)."""
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logger = logging.getLogger("lms")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.name = LOG_HANDLER
        logger.addHandler(handler)
    for handler in logger.handlers:
        if handler.name == LOG_HANDLER:
            handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    if logging.lastResort is not None:
        # What other libraries log where no handler is configured (Python's handler of last resort writes it
        # to stderr): JSON lines too, not stray text; as Python writes it (the message alone) otherwise.
        logging.lastResort.setFormatter(formatter("json") if app.config["LOG_FORMAT"] == "json" else None)
    # Personal data stays out of the log: emails are masked on "lms" and on the root handlers.
    install_email_masking(logger)


def register_monitoring(app: Flask) -> None:
    """An id for every request (in JSON log lines and the X-Request-Id header) and its metrics; before every
    other request hook, so that their lines carry the id and their time is counted."""
    init_request_ids(app)
    init_metrics(app)


def register_extensions(app: Flask) -> None:
    """Initialise the database, the file storage, migrations, sign-in and CSRF protection."""
    db.init_app(app)
    init_storage(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    init_counters(app)  # the sign-in throttle's counts: Redis or memory
    init_jobs(app, on_failure=keep_failure)  # the job queue's store; failures kept for the admins' page
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    # The address the trusted proxies vouch for, not the first X-Forwarded-For entry (lms.core.proxies).
    login_manager._session_identifier_generator = session_identifier
    # The account and its sign-in session, which may have ended (lms.auth.sessions).
    login_manager.user_loader(load_user)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
        plan_without_jit(db.engine)
        ping_idle_connections(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
        watch_pool(db.engine)  # the pool's gauges at /metrics
        end_read_only_requests_with_commit(app, db)
        read_outside_transactions(db)  # PostgreSQL: no BEGIN and COMMIT for a request that only reads
    init_kept_objects(db)  # the signed-in account stays loaded through a request's commits (lms.auth.queries)


def register_i18n(app: Flask) -> None:
    """Flask-Babel with the locale from the profile, the session, the browser, else English, and the
    viewer's time zone (lms.core.when). The languages are the catalogues present, unless the configuration
    names them."""
    if not app.config.get("LANGUAGES"):
        app.config["LANGUAGES"] = available_languages(app.config["BABEL_DEFAULT_LOCALE"])
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"


def register_content() -> None:
    """The kinds of course item besides lessons, and the outline stamps that follow their changes."""
    for kind in COURSE_ITEMS:
        course_items.register(kind)
    watch_outline_changes()


def register_signals() -> None:
    """Connect the features that react to others' events (lms.core.signals)."""
    connect_learning_signals()
    connect_run_signals()
    connect_session_signals()
    connect_message_signals()


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint, in the order of BLUEPRINTS, after the URL converters their
    routes use (ids beyond the database's integers are not found)."""
    register_converters(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages without stack traces; JSON errors under the API's prefix, whatever raised them."""
    init_errors(app, elsewhere={api_v1_bp.url_prefix: api_v1_error})


def register_template_helpers(app: Flask) -> None:
    """Markdown and number filters, permission tests, labels, links between course items and the page frame."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["markdown_inline"] = render_inline
    app.jinja_env.filters.update(number=number, percent=percent, plural_count=plural_count)
    app.jinja_env.tests.update(JINJA_TESTS)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        LANGUAGES=app.config["LANGUAGES"], role_label=role_label, status_label=status_label, kind_label=kind_label,
        item_url=course_items.item_url, site_frame=site_frame, format_date=format_date,
        format_datetime=format_datetime, format_time=format_time, iso=iso, viewer_zone=viewer_zone,
        zone_label=zone_label, format_month=format_month, weekday_name=weekday_name,
        lock_texts=reason_texts, ended_text=ended_text, mail_waiting=admin_warning_count,
        upload_limit_mb=upload_limit_mb, low_data_mode=low_data_mode, script_stylesheet=script_stylesheet,
        csrf_token=csrf_token)  # in place of Flask-WTF's: signed once per session (lms.core.csrf_tokens)

    @app.context_processor
    def layout_context():
        # Flask-WTF's own context processor gives templates its `csrf_token`; this one, registered after it, wins.
        return {"current_locale": str(get_locale() or "en"), "csrf_token": csrf_token,
                **template_translators(get_translations())}


def register_transfers(app: Flask) -> None:
    """Lighter transfers: static files under versioned addresses cached for a year, and brotli/gzip for what
    holds no secret (lms.core.compression: never HTML pages). Registered before the security headers, so
    that compression, which runs after them, sees the final response."""
    init_static_files(app)
    init_compression(app)


def register_security_headers(app: Flask) -> None:
    """Security headers on every response, and no caching of signed-in pages."""
    app.after_request(apply_security_headers)


def register_commands(app: Flask) -> None:
    """The platform's command groups, on the application's command line (`flask --app lms`)."""
    for command in COMMANDS:
        # `db` takes the place of the group Flask-Migrate registered: its commands, with a guarded downgrade.
        if command.name not in app.cli.commands or command.name == "db":
            app.cli.add_command(command)
