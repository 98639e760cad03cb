"""`lms init` imports a course of the courses folder only when it is new or its package changed, never over
edits made in the browser, and never changes a course's status; `lms courses import` still replaces.
The package fingerprint follows what an import writes, so an exported course imports as "unchanged"."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, Lesson
from lms.packages.reader import package_folders, read_package
from tests.packages.sample import write_sample
from tests.packages.test_check import replace

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def shipped(app, monkeypatch, tmp_path):
    """A courses folder holding the sample package, as the folder `lms init` imports."""
    folder = write_sample(tmp_path / "courses")
    monkeypatch.setitem(app.config, "COURSES_DIR", str(tmp_path / "courses"))
    return folder


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(map(str, args)))
    assert result.exit_code == 0, result.output
    return result.output


def course_line(output: str, slug: str = "sample") -> str:
    return next(line for line in output.splitlines() if line.split()[1:2] in ([slug], [f"{slug}:"]))


def sample(db) -> Course:
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.slug == "sample"))


def intro_body(db) -> str:
    return db.session.scalar(select(Lesson.body).where(Lesson.slug == "intro"))


def test_init_keeps_a_course_edited_in_the_browser_and_import_still_replaces_it(app, db, shipped):
    from lms.authoring.services import update_lesson

    assert course_line(run(app, "init")).startswith("created")
    course = sample(db)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    update_lesson(lesson, course, "Introduction", 5, "Rewritten by the instructor in the browser.\n")

    output = run(app, "init")
    assert course_line(output) == (f"kept       sample: edited in the browser since its last import; not overwritten "
                                   f"(`lms courses import {shipped}` would replace it)")
    assert intro_body(db) == "Rewritten by the instructor in the browser.\n"
    # Still kept when the package changes too: the edits are not lost to a `make run`.
    replace(shipped / "01-basics/02-second.md", "More text.", "More text, updated.")
    assert course_line(run(app, "init")).startswith("kept       sample: edited in the browser")
    assert intro_body(db) == "Rewritten by the instructor in the browser.\n"

    # The explicit command keeps its behaviour: the package replaces the course.
    assert course_line(run(app, "courses", "import", shipped)).startswith("updated")
    assert "Read this" in intro_body(db)
    assert course_line(run(app, "init")).startswith("unchanged")


def test_init_keeps_a_package_uploaded_in_the_browser(app, db, shipped, world, tmp_path):
    from lms.authoring.services import upload_package

    run(app, "init")
    uploaded = write_sample(tmp_path / "upload")
    replace(uploaded / "01-basics/01-intro.md", "Read this", "Read the uploaded version")
    spec, problems = read_package(uploaded)
    assert not problems
    assert upload_package(spec, world["instructor"]).outcome == "updated"

    assert course_line(run(app, "init")).startswith(
        "kept       sample: a package was uploaded in the browser since its last import")
    assert "uploaded version" in intro_body(db)


def test_init_never_changes_a_status_and_updates_a_changed_package(app, db, shipped):
    from lms.authoring.services import set_status

    run(app, "init")
    assert sample(db).status == "published"
    set_status(sample(db), "draft", None)

    assert course_line(run(app, "init")) == "unchanged  sample"
    assert sample(db).status == "draft"  # it used to be published again at every `make run`

    replace(shipped / "01-basics/01-intro.md", "Read this", "Read this first")
    assert course_line(run(app, "init")) == "updated    sample"
    assert sample(db).status == "draft" and "Read this first" in intro_body(db)
    assert course_line(run(app, "init")) == "unchanged  sample"

    # The explicit command keeps its behaviour: --publish publishes the unchanged draft.
    assert course_line(run(app, "courses", "import", "--publish", shipped)) == "published  sample"
    assert sample(db).status == "published"


def test_an_exported_course_imports_again_as_unchanged(app, db, tmp_path):
    """The round trip: import, export, import the exported folder: nothing to do."""
    for folder in package_folders(ROOT / "courses"):
        run(app, "courses", "import", folder)
        out = run(app, "courses", "export", folder.name, tmp_path / "out")
        assert out.startswith("exported")
        assert course_line(run(app, "courses", "import", tmp_path / "out" / folder.name), folder.name) == (
            f"unchanged  {folder.name}")


def test_the_fingerprint_ignores_formatting_and_sees_every_change(tmp_path):
    folder = write_sample(tmp_path)
    original = read_package(folder)[0].fingerprint

    # How the files are written: quoting, comments, wrapping, topic order, numbering gaps.
    replace(folder / "course.yaml", "title: Sample course", "title: 'Sample course'  # shown in the catalogue")
    replace(folder / "course.yaml", "topics: [testing, strategy]", "topics:\n  - strategy\n  - testing")
    replace(folder / "01-basics/03-check.quiz.yaml", "    text: Which one?", "    text: >-\n      Which one?")
    (folder / "01-basics/03-check.quiz.yaml").rename(folder / "01-basics/07-check.quiz.yaml")
    assert read_package(folder)[0].fingerprint == original

    # What an import writes: each of these changes the print.
    changes = [
        ("01-basics/07-check.quiz.yaml", "accepted: [inter-agency, interagency]",
         "accepted: [inter-agency, interagency, inter agency]"),
        ("01-basics/07-check.quiz.yaml", "tolerance: 0.5", "tolerance: 0.25"),
        ("01-basics/01-intro.md", "continue.", "continue!"),
        ("course.yaml", "version: 1", "version: 2"),
        ("02-final/01-final.quiz.yaml", "draw: 2", "draw: 3"),
    ]
    prints = {original}
    for path, old, new in changes:
        replace(folder / path, old, new)
        prints.add(read_package(folder)[0].fingerprint)
    (folder / "01-basics/pixel.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))
    prints.add(read_package(folder)[0].fingerprint)
    assert len(prints) == len(changes) + 2
