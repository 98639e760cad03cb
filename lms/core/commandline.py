"""How a command-line program of the platform ends: errors a user can make (a bad option, an unknown
institution, a duplicate email, a weak password, a bad setting, a database that does not answer) give
one readable English line on stderr and a non-zero exit code, never a traceback; the log keeps the
details.

Two ways in, one behaviour: `run_with_one_line_errors` runs a click group as a program (`lms`,
`python -m bench`), and a group built with the `OneLineErrors` mixin behaves the same when it is run
standalone, so click's `CliRunner` tests exactly what an operator sees. `in_english` runs a command
with the interface language forced to English: the command line is English, and a lazily translated
text (a password rule, say) can be rendered outside a request.
"""
from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

import click
from flask_babel import force_locale
from sqlalchemy import exc as sa_exc

from config import ConfigError

log = logging.getLogger("lms.cli")


def _line(text) -> str:
    """`text` on one line: every run of white space (newlines included) becomes one space."""
    return " ".join(str(text).split())


def one_line_error(error: BaseException) -> tuple[str, int]:
    """The one line to print for `error`, which ended a command, and the exit status."""
    if isinstance(error, click.Abort):
        return "Aborted.", 1
    if isinstance(error, click.ClickException):
        message = _line(error.format_message())
        if isinstance(error, click.UsageError) and not isinstance(error, click.BadParameter) and error.ctx:
            message += f" (see `{error.ctx.command_path} --help`)"
        return f"Error: {message}", error.exit_code or 1
    if isinstance(error, ConfigError):
        return f"Error: {_line(error)}", 2
    if isinstance(error, sa_exc.DBAPIError):
        # The driver's own message, without SQLAlchemy's statement dump and background link.
        reason = _line(str(error.orig).splitlines()[0] if str(error.orig) else type(error.orig).__name__)
        if isinstance(error, (sa_exc.OperationalError, sa_exc.ProgrammingError)) and _missing_table(reason):
            return f"Error: the database has no tables yet ({reason}): run `lms init` first", 1
        if error.statement is None:  # raised while connecting, before any statement was sent
            return f"Error: cannot connect to the database: {reason}", 1
        return f"Error: the database refused the command: {reason}", 1
    if isinstance(error, OSError) and error.strerror:
        where = f" {error.filename}" if error.filename else ""
        return f"Error: cannot use{where}: {error.strerror}", 1
    return f"Error: {type(error).__name__}: {_line(error)}", 1


def _missing_table(reason: str) -> bool:
    lowered = reason.lower()
    return "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered)


def _finish(run: Callable[[], object], error_log: logging.Logger) -> NoReturn:
    """Call `run` (a group's main, not standalone) and exit as a program: with its status, or with one line."""
    try:
        result = run()
    except SystemExit:
        raise
    except click.exceptions.NoArgsIsHelpError as exc:  # `lms users` alone asks for its help: not an error
        click.echo(exc.format_message())
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the details
        error_log.debug("command failed", exc_info=True)
        message, status = one_line_error(exc)
        click.echo(message, err=True)
        sys.exit(status)
    except KeyboardInterrupt:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    # A command that ends by `ctx.exit(n)` hands back its status; any other return value means success.
    sys.exit(result if type(result) is int else 0)


def run_with_one_line_errors(group: click.Group, prog_name: str, error_log: logging.Logger,
                             args: list[str] | None = None) -> NoReturn:
    """Run `group` as the program `prog_name` and exit with its status."""
    # Commands print what matters themselves; the log's INFO lines would drown it.
    os.environ.setdefault("LMS_LOG_LEVEL", "WARNING")
    _finish(lambda: group.main(args=args, prog_name=prog_name, standalone_mode=False), error_log)


class OneLineErrors:
    """Mixin for a click group: run standalone (as a program, or by click's CliRunner), it ends as
    `run_with_one_line_errors` does, with one line per error; not standalone, errors propagate."""

    error_log = log

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        parent = super()
        if not standalone_mode:
            return parent.main(args, prog_name, complete_var, standalone_mode=False, **extra)
        _finish(lambda: parent.main(args, prog_name, complete_var, standalone_mode=False, **extra), self.error_log)


def in_english(callback):
    """Decorate a command (below `with_appcontext`) to run it with the interface language forced to English."""
    @functools.wraps(callback)
    def english(*args, **kwargs):
        with force_locale("en"):
            return callback(*args, **kwargs)
    return english
