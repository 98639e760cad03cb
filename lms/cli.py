"""The `lms` command: Flask's own commands (`run`, `shell`, `db`) and the platform's.

Errors a user can make (a bad option, an unknown institution, a duplicate email) end with a
one-line message on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

log = logging.getLogger("lms.cli")

DEMO_INSTITUTIONS = [
    ("DEMO-UA", "Demo Border Guard Academy (Ukraine)", "UA"),
    ("DEMO-GE", "Demo Border Police Training Centre (Georgia)", "GE"),
    ("DEMO-MD", "Demo Border Police College (Moldova)", "MD"),
    ("DEMO-AM", "Demo Border Guard Training Centre (Armenia)", "AM"),
    ("DEMO-PL", "Demo Border Guard Training Centre (Poland)", "PL"),
]
# (email, name, role, institution code, password): fixed and documented, for trying the site.
DEMO_USERS = [
    ("admin@demo.example", "Olena Admin", "admin", None, "demo-admin-pass"),
    ("instructor@demo.example", "Giorgi Beridze", "instructor", None, "demo-instructor-pass"),
    ("coordinator@demo.example", "Ion Rusu", "coordinator", "DEMO-MD", "demo-coordinator-pass"),
    ("trainee@demo.example", "Anna Hovhannisyan", "trainee", "DEMO-MD", "demo-trainee-pass"),
]


def _create_app(*_args, **_kwargs):
    from lms import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             help="The IBM training platform. Run `lms init`, then `lms demo`, then `lms run`.")
def cli():
    """Top-level group."""


def main() -> None:
    """Console-script entry point with one-line errors."""
    import os

    from config import ConfigError

    # Commands print what matters themselves; the log's INFO lines would drown it.
    os.environ.setdefault("LMS_LOG_LEVEL", "WARNING")
    try:
        cli.main(standalone_mode=False, prog_name="lms")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code or 1)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the details
        log.debug("command failed", exc_info=True)
        click.echo(f"Error: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        sys.exit(1)


def _link(token: str) -> str:
    from lms.core.urls import external_url

    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return external_url("auth.set_password", token=token)


@cli.command("init")
@click.option("--no-courses", is_flag=True, help="Only migrate; do not import courses/.")
@with_appcontext
def init_command(no_courses: bool):
    """Create or upgrade the database, then import and publish the shipped courses. Safe to run twice."""
    from pathlib import Path

    from flask_migrate import upgrade

    upgrade()
    click.echo("Database is at the latest schema.")
    courses_dir = Path(current_app.config["COURSES_DIR"])
    if no_courses or not courses_dir.is_dir():
        return
    from lms.packages.cli import import_and_report

    if not import_and_report(courses_dir, publish=True):
        raise click.ClickException("some course packages were refused (see above)")


@cli.command("demo")
@click.option("--force", is_flag=True, help="Allow demo accounts even when LMS_ENV=production.")
@with_appcontext
def demo_command(force: bool):
    """Add demo institutions and one account per role, and print how to sign in. Safe to run twice."""
    from lms.auth.queries import user_by_email
    from lms.institutions.queries import institution_by_code
    from lms.institutions.services import create_institution
    from lms.people.services import create_user, set_password

    if current_app.config["ENV"] == "production" and not force:
        raise click.ClickException("refusing to add demo accounts with fixed passwords in production (use --force)")
    for code, name, country in DEMO_INSTITUTIONS:
        if institution_by_code(code) is None:
            create_institution(code, name, country)
    click.echo("Demo accounts (sign in at http://127.0.0.1:5000/login):")
    for email, name, role, code, password in DEMO_USERS:
        user = user_by_email(email)
        if user is None:
            institution = institution_by_code(code) if code else None
            create_user(email, name, role, institution.id if institution else None, password=password)
        else:
            set_password(user, password)
        click.echo(f"  {role:<12} {email:<28} password: {password}")
    _demo_staff()


def _demo_staff() -> None:
    """The demo instructor owns the shipped courses, so the authoring pages can be tried at once."""
    from sqlalchemy import select

    from lms.auth.queries import user_by_email
    from lms.authoring.services import add_staff
    from lms.catalog.models import Course
    from lms.extensions import db

    instructor = user_by_email("instructor@demo.example")
    for course in db.session.scalars(select(Course)).all():
        add_staff(course, instructor, "owner", None)


@cli.group("users")
def users_group():
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["trainee", "instructor", "coordinator", "admin"]))
@click.option("--institution", "institution_code", help="Institution code; required for trainees and coordinators.")
@click.option("--password", help="Set this password instead of printing a one-time link.")
@click.option("--locale", type=click.Choice(["en", "uk"]))
@with_appcontext
def users_create(email, name, role, institution_code, password, locale):
    """Create an account and print its one-time set-password link."""
    from lms.institutions.queries import institution_by_code
    from lms.people.services import PeopleError, create_user

    institution_id = None
    if institution_code:
        institution = institution_by_code(institution_code)
        if institution is None:
            raise click.BadParameter(f"no institution with code {institution_code!r}", param_hint="--institution")
        institution_id = institution.id
    try:
        user, token = create_user(email, name, role, institution_id, locale, password=password)
    except PeopleError as exc:
        messages = {
            "email_invalid": "not a valid email address", "email_taken": "an account with this email exists",
            "institution_required": "trainees and coordinators need --institution",
            "name_invalid": "the name is empty or too long",
        }
        raise click.ClickException(messages.get(exc.code, exc.code)) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if token:
        click.echo(f"One-time set-password link: {_link(token)}")


@cli.group("institutions")
def institutions_group():
    """Manage institutions."""


@institutions_group.command("add")
@click.option("--code", required=True, help="Short identifier, e.g. UA-NABGSU.")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. UA.")
@with_appcontext
def institutions_add(code, name, country):
    """Add an institution."""
    from lms.institutions.services import InstitutionError, create_institution

    try:
        institution = create_institution(code, name, country)
    except InstitutionError as exc:
        messages = {"code": "the code must be 2-32 letters, digits, - or _",
                    "name": "the name is empty or too long",
                    "country": "the country must be a two-letter ISO code such as UA",
                    "duplicate": "an institution with this code exists"}
        raise click.ClickException(messages[str(exc)]) from exc
    click.echo(f"Added institution {institution.code}: {institution.name} ({institution.country}).")


from lms.packages.cli import courses_group  # noqa: E402

cli.add_command(courses_group)
# Command groups of feature packages, added to `lms` and to `flask --app`.
EXTRA_COMMANDS: list = [courses_group]

from lms.privacy.cli import data_group  # noqa: E402  (lms data prune / export / anonymise)

cli.add_command(data_group)
EXTRA_COMMANDS.append(data_group)


@cli.group("attempts")
def attempts_group():
    """Quiz attempts."""


@attempts_group.command("close-expired")
@with_appcontext
def close_expired_command():
    """Close and grade every attempt past its time limit (run every few minutes from cron or a timer)."""
    from lms.quizzes.services import close_expired

    closed = close_expired()
    click.echo(f"closed {closed} expired attempt(s)")


def register(app) -> None:
    """Attach the feature packages' command groups to the app (for `flask --app`)."""
    for command in (init_command, demo_command, users_group, institutions_group, attempts_group, *EXTRA_COMMANDS):
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
