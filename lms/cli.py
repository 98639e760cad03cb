"""The `lms` command: Flask's own commands (`run`, `shell`, `db`) and the platform's (`lms.commands`).

Errors a user can make (a bad option, an unknown institution, a duplicate email) end with a
one-line message on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import logging
import os
import sys

import click
from flask.cli import FlaskGroup

from config import ConfigError
from lms import create_app
from lms.commands import COMMANDS

log = logging.getLogger("lms.cli")


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             help="The IBM training platform. Run `lms init`, then `lms demo`, then `lms run`.")
def cli():
    """Top-level group."""


for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point with one-line errors."""
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
