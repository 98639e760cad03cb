"""`python -m bench`: its own command beside `lms` (which has no bench in it), touching no database
it did not generate. A database holding rows without the bench's mark (here: accounts and
institutions made through the services, as a real platform holds them) is refused by every step
that writes or deletes, and keeps every row."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generator import table_rows
from bench.marker import MARKER_TABLE, is_empty, read_marker
from tests.bench.conftest import ANCHOR

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]


def _refusal(result) -> str:
    """The one line a refused command printed; fails unless it exited non-zero with exactly one line."""
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, (result.exit_code, result.output, result.exception)
    return lines[0]


def _real_rows(db) -> dict[str, int]:
    counts = table_rows(db.engine)
    assert counts["users"] == 6 and counts["institutions"] == 2  # the `world` fixture's
    return counts


def test_drop_refuses_a_database_the_bench_did_not_generate_and_deletes_nothing(bench_cli, db, world):
    before = _real_rows(db)
    line = _refusal(bench_cli("drop", "--yes"))
    assert line.startswith("Error: refusing to delete every row: ")
    assert db.engine.url.render_as_string(hide_password=True) in line and MARKER_TABLE in line
    assert table_rows(db.engine) == before


def test_generate_force_refuses_a_database_the_bench_did_not_generate(bench_cli, db, world):
    before = _real_rows(db)
    line = _refusal(bench_cli("generate", "--size", "tiny", "--force"))
    assert line.startswith("Error: refusing to delete every row for --force: ") and MARKER_TABLE in line
    assert "not empty" in _refusal(bench_cli("generate", "--size", "tiny"))
    assert table_rows(db.engine) == before
    assert read_marker(db.engine) is None


def test_run_refuses_a_database_the_bench_did_not_generate(bench_cli, db, world):
    before = _real_rows(db)
    line = _refusal(bench_cli("run", "--size", "tiny", "--no-throughput", "--repeat", "1", "--only", "catalogue"))
    assert line.startswith("Error: refusing to run the benchmarks (they write to the database): ")
    assert table_rows(db.engine) == before


def test_throughput_refuses_a_database_the_bench_did_not_generate(bench_cli, db, world):
    before = _real_rows(db)
    line = _refusal(bench_cli("throughput", "--duration", "1", "--rounds", "1"))
    assert line.startswith("Error: refusing to run the throughput run") and MARKER_TABLE in line
    assert table_rows(db.engine) == before


def test_loadmix_refuses_a_database_the_bench_did_not_generate(bench_cli, db, world):
    before = _real_rows(db)
    line = _refusal(bench_cli("loadmix", "--trainees", "1", "--duration", "1"))
    assert line.startswith("Error: refusing to run the load mix") and MARKER_TABLE in line
    assert table_rows(db.engine) == before


def test_generate_marks_the_database_and_drop_then_leaves_it_empty(bench_cli, db):
    generated = bench_cli("generate", "--size", "tiny", "--seed", "7", "--anchor", ANCHOR.isoformat())
    assert generated.exit_code == 0, generated.output
    assert "done:" in generated.output
    rows = sum(table_rows(db.engine).values())
    assert rows > 1000
    marker = read_marker(db.engine)
    assert (marker.size, marker.seed, marker.anchor) == ("tiny", 7, ANCHOR) and marker.finished_at is not None

    again = bench_cli("generate", "--size", "tiny", "--seed", "7", "--anchor", ANCHOR.isoformat(), "--force")
    assert again.exit_code == 0, again.output
    assert sum(table_rows(db.engine).values()) == rows

    dropped = bench_cli("drop", "--yes")
    assert dropped.exit_code == 0, dropped.output
    assert dropped.output.strip() == f"deleted {rows:,} rows"
    assert is_empty(db.engine) and sum(table_rows(db.engine).values()) == 0
    assert read_marker(db.engine) is None  # the mark went with the rows it vouched for


def test_the_mark_is_no_table_of_the_app_and_an_emptied_database_may_be_generated_into(bench_cli, db):
    assert bench_cli("generate", "--size", "tiny", "--anchor", ANCHOR.isoformat()).exit_code == 0
    assert MARKER_TABLE not in db.metadata.tables  # so neither the models nor the migrations know it
    assert MARKER_TABLE not in table_rows(db.engine)
    db.session.remove()
    with db.engine.begin() as conn:  # the app's rows gone, the mark left: empty, as generation sees it
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    assert is_empty(db.engine) and read_marker(db.engine) is not None


def test_production_is_still_refused_before_anything_else(bench_cli, db, world):
    before = _real_rows(db)
    result = bench_cli("drop", "--yes", LMS_ENV="production", LMS_SECRET_KEY="a-production-secret-" * 3)
    assert _refusal(result) == "Error: the bench commands never run with LMS_ENV=production"
    assert table_rows(db.engine) == before


@pytest.mark.slow
def test_python_m_bench_refuses_with_one_line_as_a_user_sees_it(db, world, database_url, tmp_path):
    before = _real_rows(db)
    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bench", "drop", "--yes"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert re.fullmatch(r"Error: refusing to delete every row: \S+ holds rows but no bench_marker table, .*\n",
                        done.stderr), done.stderr
    assert table_rows(db.engine) == before


def test_lms_has_no_bench_command(database_url, tmp_path):
    from lms.cli import cli
    from lms.commands import COMMANDS

    env = {"LMS_DATABASE_URL": database_url, "LMS_INSTANCE_PATH": str(tmp_path)}
    listing = CliRunner().invoke(cli, ["--help"], env=env, prog_name="lms")
    assert listing.exit_code == 0, listing.output
    commands = listing.output.split("Commands:", 1)[1]
    names = {line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line.split()}
    assert {"init", "demo", "users"} <= names and "bench" not in names
    assert "bench" not in {command.name for command in COMMANDS}
    unknown = CliRunner().invoke(cli, ["bench", "--help"], env=env, prog_name="lms")
    assert unknown.exit_code == 2 and "No such command 'bench'" in unknown.output


def test_python_m_bench_offers_only_its_own_commands():
    from bench.cli import bench_group

    listing = CliRunner().invoke(bench_group, ["--help"], prog_name="python -m bench")
    assert listing.exit_code == 0, listing.output
    commands = listing.output.split("Commands:", 1)[1]
    assert [line.split()[0] for line in commands.splitlines() if line.strip()] == [
        "drop", "generate", "loadmix", "run", "throughput"]


def test_nothing_in_lms_imports_bench():
    """Benchmarks stand outside the product: the installed `lms` package must work without them."""
    importers = []
    for path in (ROOT / "lms").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(n == "bench" or n.startswith("bench.") for n in names):
                importers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert importers == []
