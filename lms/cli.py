"""The `lms` command: Flask's own commands (`run`, `shell`, `db`) and the platform's (`lms.commands`).

Errors a user can make (a bad option, an unknown institution, a duplicate email, a weak password)
end with a one-line message on stderr and a non-zero exit code, never a traceback: the group ends
that way whether it runs as the `lms` program or under click's CliRunner (`lms.core.commandline`).
"""
from __future__ import annotations

import logging

import click
from flask.cli import FlaskGroup

from lms import create_app
from lms.commands import COMMANDS
from lms.core.commandline import OneLineErrors, run_with_one_line_errors

log = logging.getLogger("lms.cli")


def _create_app(*_args, **_kwargs):
    return create_app()


class LmsGroup(OneLineErrors, FlaskGroup):
    """Flask's command group (`run`, `shell`, `db`, the app's commands), ending with one-line errors."""


@click.group(cls=LmsGroup, create_app=_create_app, add_version_option=False,
             help="The IBM training platform. Run `lms init`, then `lms demo`, then `lms run`.")
def cli():
    """Top-level group."""


for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point with one-line errors."""
    run_with_one_line_errors(cli, "lms", log)
