"""The platform's own commands of `lms` (besides Flask's `run` and `shell`): set up, demo data,
accounts, institutions, quiz attempts, course packages, personal data, backups and restores, and `db`:
Flask-Migrate's migration commands with a downgrade that refuses to lose data unless told to
(`lms.core.migrating`).

`create_app` adds them to the application's command line (`flask --app lms ...`), and `lms.cli` to
the `lms` command. Errors a user can make end with a one-line English message and a non-zero exit
code (`lms.core.commandline`); every command runs in English (`in_english`).
"""
from __future__ import annotations

from pathlib import Path

import click
import flask_migrate.cli
from alembic import command as alembic_command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate import upgrade

from lms.auth.queries import user_by_email
from lms.authoring.services import add_staff
from lms.backups.cli import backup_command, restore_command
from lms.catalog.queries import all_courses
from lms.core.commandline import in_english
from lms.core.i18n import available_languages
from lms.core.migrating import ACCEPT_ARGUMENT, DataLossRefused
from lms.core.urls import external_url
from lms.extensions import db
from lms.institutions.queries import institution_by_code
from lms.institutions.services import InstitutionError, create_institution
from lms.jobs.cli import jobs_group, worker_command
from lms.messages.cli import messages_group
from lms.mfa import services as mfa
from lms.packages.cli import courses_group, import_and_report
from lms.packages.reader import package_folders
from lms.people.services import PeopleError, create_user, set_password
from lms.privacy.cli import data_group
from lms.quizzes.services import close_expired
from lms.reports.cli import reports_group

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
    ("assessor@demo.example", "Tetiana Marchenko", "instructor", None, "demo-assessor-pass"),
    ("coordinator@demo.example", "Ion Rusu", "coordinator", "DEMO-MD", "demo-coordinator-pass"),
    ("trainee@demo.example", "Anna Hovhannisyan", "trainee", "DEMO-MD", "demo-trainee-pass"),
]
# The course staff the demo accounts are on every course (lms.catalog.models.STAFF_ROLES): the instructor owns
# the courses (the authoring pages can be tried at once), the assessor marks their assessed work. The demo
# assessor is an instructor account, as every assessor is, shown by its staff role.
DEMO_STAFF = {"instructor@demo.example": "owner", "assessor@demo.example": "assessor"}


# The refusals of account data (lms.people.services.PeopleError codes), as the command line words them.
PEOPLE_ERRORS = {
    "email_invalid": "not a valid email address (--email)",
    "email_taken": "an account with this email address already exists (--email)",
    "institution_required": "trainees and coordinators belong to an institution: give --institution CODE",
    "institution_unknown": "no such institution (--institution)",
    "name_invalid": "the name is empty, longer than 200 characters or holds a control character (--name)",
    "role_invalid": "unknown role (--role)",
    "locale_invalid": "unknown language (--locale): use one of " + ", ".join(available_languages()),
}

# The refusals of institution data (lms.institutions.services.InstitutionError), as the command line words them.
INSTITUTION_ERRORS = {
    "code": "the code must be 2-32 letters, digits, - or _ (--code)",
    "name": "the name is empty, longer than 200 characters or holds a control character (--name)",
    "country": "{country!r} is not a country code of ISO 3166-1 (--country): use two letters such as UA, GE or MD",
    "duplicate": "an institution with the code {code!r} already exists (--code)",
    "timezone": "{timezone!r} is not a time zone (--timezone): use an IANA name such as Europe/Kyiv",
    "timezone_required": "{country!r} has several time zones: give the institution's with --timezone",
    "expiry_notice_days": "the expiring notice is 1 to 730 days (--expiry-notice-days)",
}


def served_at_options(command):
    """`--host` and `--port`: where `lms run` serves the site, for the links a command prints. They read
    FLASK_RUN_HOST and FLASK_RUN_PORT as `lms run` does, so both agree when those are set."""
    unless = "for the printed links (unless LMS_PUBLIC_URL is set)"
    command = click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True,
                           envvar="FLASK_RUN_PORT", help=f"The port `lms run` serves on, {unless}.")(command)
    return click.option("--host", default="127.0.0.1", show_default=True, envvar="FLASK_RUN_HOST",
                        help=f"The host `lms run` serves on, {unless}.")(command)


def site_address(host: str, port: int) -> str:
    """Where people reach the site: LMS_PUBLIC_URL when it is set, else the development server's address
    (a server listening on every interface is reached on 127.0.0.1 from this machine)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/")
    host = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _link(token: str, base: str) -> str:
    with current_app.test_request_context(base_url=base):
        return external_url("auth.set_password", token=token)


def _people_error(exc: PeopleError) -> click.ClickException:
    if exc.code == "password_weak":
        rules = " ".join(str(problem) for problem in exc.problems)  # lazy texts, rendered in English
        return click.ClickException(f"the password is refused (--password): {rules}")
    return click.ClickException(PEOPLE_ERRORS.get(exc.code, f"refused: {exc.code}"))


def _migrate() -> str:
    """Upgrade the database to the latest schema; one sentence on what was done."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    head = script.get_current_head()
    with db.engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_heads()
    try:
        for revision in before:
            script.get_revision(revision)
    except CommandError as exc:
        raise click.ClickException(
            f"the database is at schema revision {', '.join(before)}, which this version of the platform "
            "does not know (was it upgraded by a newer version?); nothing was changed") from exc
    if before == (head,):
        return f"Database is already at the latest schema (revision {head}); nothing to migrate."
    upgrade()
    if not before:
        return f"Database created: migrated from nothing to the latest schema (revision {head})."
    return f"Database upgraded from schema revision {', '.join(before)} to the latest (revision {head})."


@click.command("init")
@click.option("--no-courses", is_flag=True, help="Only migrate; do not import courses/.")
@with_appcontext
@in_english
def init_command(no_courses: bool):
    """Create or upgrade the database, then import the shipped courses that are new or changed. Safe to run twice.

    A new course is published; a course whose package changed is updated and keeps its status; a course
    edited in the browser since its last import is kept as it is (`lms courses import` overwrites it).
    """
    click.echo(_migrate())
    if no_courses:
        return
    courses_dir = Path(current_app.config["COURSES_DIR"])
    if not courses_dir.is_dir() or not package_folders(courses_dir):
        # Not an error: the schema is in place, and courses can be imported later.
        missing = "" if courses_dir.is_dir() else " (no such folder)"
        click.echo(f"No course packages found in {courses_dir}{missing}; set LMS_COURSES_DIR "
                   "or run `lms courses import PATH`.", err=True)
        return
    if not import_and_report(courses_dir, publish=True, shipped=True):
        raise click.ClickException("some course packages were refused (see above)")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow demo accounts even when LMS_ENV=production.")
@served_at_options
@with_appcontext
@in_english
def demo_command(force: bool, host: str, port: int):
    """Add demo institutions, one account per role and an assessor, and print how to sign in. Safe to run twice.

    The sign-in address is LMS_PUBLIC_URL when it is set, else http://HOST:PORT (`make run` passes the
    HOST and PORT it serves on).
    """
    if current_app.config["ENV"] == "production" and not force:
        raise click.ClickException("refusing to add demo accounts with fixed passwords in production (use --force)")
    for code, name, country in DEMO_INSTITUTIONS:
        if institution_by_code(code) is None:
            create_institution(code, name, country)
    click.echo(f"Demo accounts (sign in at {site_address(host, port)}/login):")
    for email, name, role, code, password in DEMO_USERS:
        user = user_by_email(email)
        if user is None:
            institution = institution_by_code(code) if code else None
            create_user(email, name, role, institution.id if institution else None, password=password)
        else:
            set_password(user, password)
        shown = "assessor" if DEMO_STAFF.get(email) == "assessor" else role
        click.echo(f"  {shown:<12} {email:<28} password: {password}")
    _demo_staff()


def _demo_staff() -> None:
    """The demo instructor owns the courses, so the authoring pages can be tried at once; the demo assessor
    marks their assignments and signs off their practical assessments (the staff role "assessor")."""
    courses = all_courses()
    for email, staff_role in DEMO_STAFF.items():
        user = user_by_email(email)
        for course in courses:
            add_staff(course, user, staff_role, None)


@click.group("users")
def users_group():
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["trainee", "instructor", "coordinator", "admin"]))
@click.option("--institution", "institution_code", help="Institution code; required for trainees and coordinators.")
@click.option("--password", help="Set this password instead of printing a one-time link.")
@click.option("--locale", type=click.Choice(list(available_languages())))
@served_at_options
@with_appcontext
@in_english
def users_create(email, name, role, institution_code, password, locale, host, port):
    """Create an account and print its one-time set-password link (on LMS_PUBLIC_URL when it is set,
    else on http://HOST:PORT)."""
    institution_id = None
    if institution_code:
        institution = institution_by_code(institution_code)
        if institution is None:
            raise click.BadParameter(f"no institution with code {institution_code!r}", param_hint="--institution")
        institution_id = institution.id
    try:
        user, token = create_user(email, name, role, institution_id, locale, password=password)
    except PeopleError as exc:
        raise _people_error(exc) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if token:
        click.echo(f"One-time set-password link: {_link(token, site_address(host, port))}")


@users_group.command("reset-mfa")
@click.option("--email", required=True, help="The account whose second factor to take away.")
@with_appcontext
@in_english
def users_reset_mfa(email):
    """Take away an account's second factors and recovery codes (a sole admin who lost the phone or key):
    its sessions end, and it signs in with the password (enrolling a new factor if its role must). Audited."""
    user = user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no account with the email {email!r}", param_hint="--email")
    count = mfa.reset(user, None)
    click.echo(f"Removed {count} second factor(s) of {user.email}; its sessions have ended. It signs in with "
               "its password" + (" and sets up a new second factor." if mfa.required(user) else "."))


@click.group("institutions")
def institutions_group():
    """Manage institutions."""


@institutions_group.command("add")
@click.option("--code", required=True, help="Short identifier, e.g. UA-NABGSU.")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. UA.")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Kyiv; default: the country's (required for a country "
                                 "with several zones).")
@click.option("--expiry-notice-days", type=int, help="A certificate expiring within this many days counts as "
                                                     "expiring (1-730; default 60).")
@with_appcontext
@in_english
def institutions_add(code, name, country, timezone, expiry_notice_days):
    """Add an institution."""
    try:
        institution = create_institution(code, name, country, timezone=timezone,
                                         expiry_notice_days=expiry_notice_days)
    except InstitutionError as exc:
        message = INSTITUTION_ERRORS[str(exc)].format(code=code.strip().upper(), country=country, timezone=timezone)
        raise click.ClickException(message) from exc
    click.echo(f"Added institution {institution.code}: {institution.name} ({institution.country}, "
               f"{institution.timezone}).")


@click.group("attempts")
def attempts_group():
    """Quiz attempts."""


@attempts_group.command("close-expired")
@with_appcontext
@in_english
def close_expired_command():
    """Close and grade every attempt past its time limit (run every few minutes from cron or a timer)."""
    closed = close_expired()
    click.echo(f"closed {closed} expired attempt(s)")


def _current_revision() -> str:
    with db.engine.connect() as connection:
        return ", ".join(MigrationContext.configure(connection).get_current_heads()) or "base"


def _reaches_base(script: ScriptDirectory, revision: str) -> bool:
    """Whether going down to `revision` (an id, `base`, or relative such as `-2`) drops the first revision's
    tables. A target alembic cannot read says no here: the downgrade itself then says what is wrong."""
    with db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    try:
        steps = list(script.iterate_revisions(heads, revision, select_for_downgrade=True))
    except (CommandError, RevisionError):
        return False
    return any(step.down_revision is None for step in steps)


@click.command("downgrade")
@click.option("-d", "--directory", default=None, help='Migration script directory (default is "migrations").')
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments consumed by the migrations' env.py.")
@click.option("--accept-data-loss", is_flag=True,
              help="Go down even where the older schema has no place for some data, which is then lost "
                   "(without it such a downgrade is refused, and changes nothing).")
@click.option("--yes", is_flag=True, help="Do not ask before going down to base, which drops every table.")
@click.argument("revision", default="-1")
@with_appcontext
@in_english
def downgrade_command(directory, x_arg, accept_data_loss: bool, yes: bool, revision: str):
    """Go down to an older schema REVISION (default -1: the one before), keeping the data it can hold.

    A step that would lose data the older schema has no place for refuses the whole downgrade, which
    then changes nothing and names every such loss, unless --accept-data-loss. Going down to base drops
    everything: it asks first (--yes does not), and the confirmation accepts the loss.
    """
    # As Flask-Migrate's commands: the group's -d and -x (kept in `g` by its callback) count too.
    config = current_app.extensions["migrate"].migrate.get_config(directory or getattr(g, "directory", None),
                                                                  x_arg=list(x_arg))
    if _reaches_base(ScriptDirectory.from_config(config), revision):
        if not yes:
            click.confirm("Going down to base drops every table of the platform, and everything in them. Continue?",
                          abort=True)
        accept_data_loss = True
    if accept_data_loss:
        config.cmd_opts.x.append(f"{ACCEPT_ARGUMENT}=yes")
    before = _current_revision()
    try:
        alembic_command.downgrade(config, revision)
    except DataLossRefused as exc:
        raise click.ClickException(str(exc).replace("REVISION", revision)) from exc
    except RuntimeError as exc:  # a migration's own refusal (a course image missing from the storage, say)
        raise click.ClickException(str(exc)) from exc
    except (CommandError, RevisionError) as exc:
        raise click.ClickException(f"cannot go down to {revision!r}: {exc}; nothing was changed") from exc
    click.echo(f"Database downgraded from schema revision {before} to {_current_revision()}.")


def _database_group() -> click.Group:
    """Flask-Migrate's `db` group (its options and commands) with `downgrade_command` for its downgrade."""
    group = click.Group("db", callback=flask_migrate.cli.db.callback, params=list(flask_migrate.cli.db.params),
                        help=flask_migrate.cli.db.help)
    for name, command in flask_migrate.cli.db.commands.items():
        group.add_command(command, name)
    group.add_command(downgrade_command)
    return group


database_group = _database_group()

# Every command group of the platform, in the order `lms --help` lists them.
COMMANDS = (init_command, demo_command, users_group, institutions_group, attempts_group, courses_group, data_group,
            messages_group, reports_group, database_group, backup_command, restore_command, worker_command, jobs_group)
