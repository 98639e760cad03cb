"""`lms courses check | import | export | list`, and the import that `lms init` runs."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.catalog.queries import course_by_slug
from lms.core.commandline import in_english
from lms.packages.exporter import ExportError, export_course
from lms.packages.importer import import_course, import_shipped_course
from lms.packages.queries import course_summaries
from lms.packages.reader import package_folders, read_package


def _courses_path(path: str | None) -> Path:
    target = Path(path or current_app.config["COURSES_DIR"])
    if not target.is_dir():
        raise click.BadParameter(f"{target} is not a folder", param_hint="PATH")
    return target


def _folders(target: Path) -> list[Path]:
    folders = package_folders(target)
    if not folders:
        raise click.ClickException(f"no course packages (folders with course.yaml) in {target}")
    return folders


def check_folders(folders: list[Path], base: Path) -> dict[Path, list]:
    """Problems per package folder (an empty list when the package is fine)."""
    return {folder: read_package(folder, base)[1] for folder in folders}


def import_and_report(target: Path, publish: bool, shipped: bool = False) -> bool:
    """Import every package at `target`, printing one line per course and every problem; True if all imported.

    `shipped` is `lms init`'s rule (`importer.import_shipped_course`): new courses are published, a
    changed package updates its course (status kept), and a course changed in the browser is kept,
    with one line saying so. Otherwise every package replaces its course (`import_course`).
    """
    base = target.parent if (target / "course.yaml").is_file() else target
    all_ok = True
    for folder in _folders(target):
        spec, problems = read_package(folder, base)
        if spec is None:
            all_ok = False
            click.echo(f"refused    {folder.name}: {len(problems)} problem(s), nothing imported", err=True)
            for problem in problems:
                click.echo(f"  {problem}", err=True)
            continue
        result = import_shipped_course(spec) if shipped else import_course(spec, publish=publish)
        if result.outcome == "kept":
            click.echo(f"{'kept':<10} {spec.slug}: {result.reason}; not overwritten "
                       f"(`lms courses import {folder}` would replace it)")
            continue
        extra = f", {result.completed} enrolment(s) completed" if result.completed else ""
        click.echo(f"{result.outcome:<10} {spec.slug}{extra}")
    return all_ok


@click.group("courses")
def courses_group():
    """Course packages: check, import, export, list."""


@courses_group.command("check")
@click.argument("path", required=False)
@with_appcontext
@in_english
def check_command(path):
    """Check the packages at PATH (default: the courses folder) and list every problem."""
    target = _courses_path(path)
    base = target if not (target / "course.yaml").is_file() else target.parent
    results = check_folders(_folders(target), base)
    total = 0
    for folder, problems in results.items():
        total += len(problems)
        for problem in problems:
            click.echo(str(problem))
        if not problems:
            click.echo(f"ok         {folder.name}")
    if total:
        click.echo(f"{total} problem(s) in {sum(1 for p in results.values() if p)} package(s)", err=True)
        raise SystemExit(1)


@courses_group.command("import")
@click.argument("path", required=False)
@click.option("--publish", is_flag=True, help="Publish the imported courses (draft otherwise).")
@with_appcontext
@in_english
def import_command(path, publish):
    """Import or update the packages at PATH (default: the courses folder). Safe to run twice."""
    if not import_and_report(_courses_path(path), publish):
        raise SystemExit(1)


@courses_group.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
@in_english
def export_command(slug, directory):
    """Write the course SLUG as a package into DIRECTORY/SLUG."""
    course = course_by_slug(slug)
    if course is None:
        raise click.BadParameter(f"no course with slug {slug!r}", param_hint="SLUG")
    try:
        folder = export_course(course, Path(directory))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or directory}: {exc.strerror or exc}") from exc
    click.echo(f"exported {slug} to {folder}")


@courses_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
@in_english
def list_command(as_json):
    """List the courses with their counts of modules, lessons, quizzes and questions."""
    rows = course_summaries()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No courses. Import some with: lms courses import")
        return
    click.echo(f"{'slug':<32} {'lang':<5} {'status':<10} {'mod':>4} {'les':>4} {'quiz':>4} {'ques':>5}  title")
    for r in rows:
        click.echo(f"{r['slug']:<32} {r['language']:<5} {r['status']:<10} {r['modules']:>4} {r['lessons']:>4} "
                   f"{r['quizzes']:>4} {r['questions']:>5}  {r['title']}")
