"""The `lms` command: Flask's own commands (`run`, `shell`, `db`) and the platform's (`lms.commands`).

Errors a user can make (a bad option, an unknown institution, a duplicate email) end with a
one-line message on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import logging

import click
from flask.cli import FlaskGroup

from lms import create_app
from lms.commands import COMMANDS
from lms.core.commandline import run_with_one_line_errors

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
    run_with_one_line_errors(cli, "lms", log)
