"""`python -m bench ...`: generate a data set, empty the database, run the benchmarks, measure throughput.

These commands write a great deal of made-up data: point LMS_DATABASE_URL at a database of its
own (`make bench` uses instance/bench/bench-SIZE.sqlite3 unless LMS_DATABASE_URL is set). Every
one refuses to run when LMS_ENV=production.

The group is not part of the `lms` command (the installed product has no bench in it): it builds
the application with `lms.create_app`, as `lms` does, so the same LMS_* settings apply.
"""
from __future__ import annotations

import logging
import os
import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from lms import create_app

log = logging.getLogger("bench.cli")


def _not_production() -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException("the bench commands never run with LMS_ENV=production")


def _size(name: str):
    from bench.sizes import size_named

    try:
        return size_named(name)
    except KeyError:
        raise click.BadParameter(f"unknown size {name!r}: choose S, M, L or XL", param_hint="--size") from None


class BenchGroup(click.Group):
    """A click group whose commands get the application through `with_appcontext`, as in `lms`.

    Flask's FlaskGroup would do it too, but it also lists every command of the app (`init`, `db`,
    `users`, ...) under `python -m bench`; this group offers only its own."""

    def make_context(self, info_name, args, parent=None, **extra):
        # A fresh ScriptInfo per invocation: the app is built from the environment of this run.
        # No debug flag from FLASK_DEBUG: the benchmarks measure the app as production runs it.
        extra.setdefault("obj", ScriptInfo(create_app=create_app, set_debug_flag=False))
        return super().make_context(info_name, args, parent=parent, **extra)


@click.group("bench", cls=BenchGroup)
def bench_group():
    """Generated data and benchmarks (a database of its own, never production)."""


@bench_group.command("generate")
@click.option("--size", "size_name", default="S", show_default=True, help="S, M, L or XL (XL: PostgreSQL only).")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed and day, same data.")
@click.option("--anchor", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Day the generated history ends (default: today, UTC).")
@click.option("--force", is_flag=True, help="Delete everything in a non-empty database first.")
@with_appcontext
def generate_command(size_name: str, seed: int, anchor, force: bool):
    """Migrate the database, then fill it with a deterministic data set (refuses a non-empty one)."""
    from flask_migrate import upgrade

    from bench.generator import GenerationRefused, generate
    from lms.extensions import db

    _not_production()
    size = _size(size_name)
    if size.postgres_only and db.engine.dialect.name != "postgresql":
        raise click.ClickException(f"size {size.name} needs PostgreSQL (set LMS_DATABASE_URL=postgresql://...)")
    upgrade()
    try:
        generate(db.engine, size, seed, force=force, anchor=anchor.date() if anchor else None,
                 out=lambda line: click.echo(line))
    except GenerationRefused as exc:
        raise click.ClickException(str(exc)) from exc


@bench_group.command("drop")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def drop_command(yes: bool):
    """Delete every row of every table (the generated data and anything else in this database)."""
    from bench.generator import table_rows, wipe
    from lms.extensions import db

    _not_production()
    total = sum(table_rows(db.engine).values())
    if not yes:
        click.confirm(f"Delete all {total:,} rows of {db.engine.url.render_as_string(hide_password=True)}?",
                      abort=True)
    wipe(db.engine)
    click.echo(f"deleted {total:,} rows")


@bench_group.command("run")
@click.option("--size", "size_name", default="M", show_default=True,
              help="Generate this size first when the database is empty.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--repeat", default=None, type=int, help="Repetitions of each workload and floor (default by size).")
@click.option("--only", multiple=True, help="Run only the workloads with these names (repeatable).")
@click.option("--throughput/--no-throughput", default=True, show_default=True,
              help="Also serve with gunicorn and load with wrk on 127.0.0.1.")
@click.option("--duration", default=5, show_default=True, type=int, help="Seconds of each wrk run.")
@click.option("--rounds", default=3, show_default=True, type=int,
              help="Turns of the bare route, catalogue and lesson page (ratios are taken within a round).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the results to this file.")
@with_appcontext
def run_command(size_name: str, seed: int, repeat: int | None, only: tuple[str, ...], throughput: bool,
                duration: int, rounds: int, json_path: str | None):
    """Run every workload against its floor and print the table (what `make bench` does)."""
    from bench.runner import run_all

    _not_production()
    ok = run_all(_size(size_name), seed=seed, repeat=repeat, only=only, throughput=throughput, duration=duration,
                 rounds=rounds, json_path=json_path, out=lambda line: click.echo(line))
    if not ok:
        raise click.ClickException("a workload failed (see above)")


@bench_group.command("throughput")
@click.option("--duration", default=5, show_default=True, type=int, help="Seconds of each wrk run.")
@click.option("--rounds", default=3, show_default=True, type=int,
              help="Turns of the bare route, catalogue and lesson page (ratios are taken within a round).")
@click.option("--connections", default=8, show_default=True, type=int)
@with_appcontext
def throughput_command(duration: int, rounds: int, connections: int):
    """Serve the bench app with 2 gunicorn workers on 127.0.0.1 and load three routes with wrk."""
    from bench.throughput import run_throughput
    from bench.workloads import find_context, page_urls
    from lms.extensions import db

    _not_production()
    lesson = page_urls(find_context(current_app))["lesson page"]
    environ = {"LMS_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
               "LMS_INSTANCE_PATH": current_app.config["INSTANCE_PATH"]}
    for line in run_throughput(duration=duration, connections=connections, lesson_path=lesson,
                               environ=environ, rounds=rounds).lines():
        click.echo(line)


def main() -> None:
    """Entry point of `python -m bench`, with one-line errors as `lms` gives them."""
    from config import ConfigError

    # Commands print what matters themselves; the log's INFO lines would drown it.
    os.environ.setdefault("LMS_LOG_LEVEL", "WARNING")
    try:
        bench_group.main(standalone_mode=False, prog_name="python -m bench")
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
