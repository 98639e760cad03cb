"""How a command-line program of the platform ends: errors a user can make (a bad option, an unknown
institution, a duplicate email, a bad setting) give one line on stderr and a non-zero exit code,
never a traceback; the log keeps the details."""
from __future__ import annotations

import logging
import os
import sys

import click

from config import ConfigError


def run_with_one_line_errors(group: click.Group, prog_name: str, log: logging.Logger) -> None:
    """Run `group` as the program `prog_name` and exit with its status."""
    # Commands print what matters themselves; the log's INFO lines would drown it.
    os.environ.setdefault("LMS_LOG_LEVEL", "WARNING")
    try:
        group.main(standalone_mode=False, prog_name=prog_name)
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
