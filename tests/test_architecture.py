"""The floors of the code, checked on its import graph (grimp), so that they stay as docs/architecture.md
draws them.

Every module of `lms` belongs to a unit on a floor:

    0 core      lms.core.*, lms.extensions (knows no feature)
    1 domain    lms.<feature>.* but its web modules: models, queries, services and their helpers
    2 access    lms.access.* (permission rules of (user, object), importing the models they check)
    3 web       lms.<feature>.{views, forms, cli, tasks, ...}: pages, forms, the API and the command line, and
                the background jobs that act for a person as a page does (asking lms.access)
    4 app       lms (create_app), lms.commands and lms.cli (the `lms` command), lms.models: they assemble
                everything; lms.gunicorn_conf (gunicorn's settings and hooks)

A module imports only from its own floor or below, never above; a web module uses other features'
domain modules, never their web modules; the units (a feature's domain, a feature's web side, access,
core, app) import one another without a loop; no two modules import each other, directly or round
about; and no module imports `lms` inside a function unless a comment on that line says why.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "lms"
# The modules of a feature package that make up its web side (the top floor): by name, and these besides.
WEB_MODULES = {"views", "forms", "cli", "cards", "frame", "tasks"}
WEB_EXTRA = {"lms.api.v1", "lms.api.spec"}
APP_MODULES = {"lms", "lms.cli", "lms.commands", "lms.models", "lms.gunicorn_conf"}
FLOORS = {"core": 0, "domain": 1, "access": 2, "web": 3, "app": 4}


def unit_of(module: str) -> tuple[str, str]:
    """(unit name, floor name) of a module of the `lms` package."""
    parts = module.split(".")
    if module in APP_MODULES:
        return "app", "app"
    if parts[1] in ("core", "extensions"):
        return "core", "core"
    if parts[1] == "access":
        return "access", "access"
    feature = parts[1]
    if (len(parts) > 2 and parts[2] in WEB_MODULES) or module in WEB_EXTRA:
        return f"{feature}:web", "web"
    return feature, "domain"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE, include_external_packages=False, cache_dir=None)


def _edges(graph) -> list[tuple[str, str]]:
    return sorted((importer, imported) for importer in graph.modules
                  for imported in graph.find_modules_directly_imported_by(importer))


def test_no_module_imports_a_higher_floor(graph):
    upward = []
    for importer, imported in _edges(graph):
        (_, low), (_, high) = unit_of(importer), unit_of(imported)
        if FLOORS[high] > FLOORS[low]:
            upward.append(f"{importer} ({low}) imports {imported} ({high})")
    assert not upward, "imports that go up a floor:\n" + "\n".join(upward)


def test_core_knows_no_feature(graph):
    found = [f"{a} imports {b}" for a, b in _edges(graph)
             if unit_of(a)[0] == "core" and unit_of(b)[0] != "core"]
    assert not found, "\n".join(found)


def test_web_modules_use_no_other_features_web_modules(graph):
    found = []
    for importer, imported in _edges(graph):
        (unit_a, floor_a), (unit_b, floor_b) = unit_of(importer), unit_of(imported)
        if floor_a == floor_b == "web" and unit_a != unit_b:
            found.append(f"{importer} imports {imported}")
    assert not found, "views used as libraries by other features:\n" + "\n".join(found)


def _cycles(nodes, edges) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    successors: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        if a != b:
            successors[a].add(b)
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], [0]
    for root in sorted(successors):
        if root in index:
            continue
        work = [(root, iter(sorted(successors[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(successors[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_no_import_loop_between_modules(graph):
    loops = _cycles(graph.modules, _edges(graph))
    assert not loops, "modules that import each other:\n" + "\n".join(" <-> ".join(c) for c in loops)


def test_no_import_loop_between_units(graph):
    units = {unit_of(m)[0] for m in graph.modules}
    edges = {(unit_of(a)[0], unit_of(b)[0]) for a, b in _edges(graph)}
    loops = _cycles(units, edges)
    detail = []
    for component in loops:
        members = set(component)
        detail.append(" <-> ".join(component) + ":\n" + "\n".join(
            f"    {a} -> {b}" for a, b in _edges(graph)
            if unit_of(a)[0] in members and unit_of(b)[0] in members and unit_of(a)[0] != unit_of(b)[0]))
    assert not loops, "units that import each other:\n" + "\n".join(detail)


_WHY = re.compile(r"#.*\S")


def test_no_import_of_lms_hidden_in_a_function():
    hidden = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                if any(n == PACKAGE or n.startswith(PACKAGE + ".") for n in names):
                    line = lines[inner.lineno - 1]
                    if not _WHY.search(line):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {line.strip()}")
    assert not hidden, "imports of lms inside functions (move them to the top, or say why):\n" + "\n".join(hidden)


def test_the_checks_see_a_feature_import_in_core(tmp_path, monkeypatch):
    """The floor test is not vacuous: a copy of the package with `lms.core` importing a feature fails it."""
    import shutil
    import sys

    copy = tmp_path / "pkg"
    shutil.copytree(ROOT / PACKAGE, copy / PACKAGE, ignore=shutil.ignore_patterns("templates", "static", "translations",
                                                                                "fonts", "__pycache__"))
    clock = copy / PACKAGE / "core" / "clock.py"
    clock.write_text(clock.read_text(encoding="utf-8") + "\nfrom lms.learning import services  # noqa\n")
    monkeypatch.syspath_prepend(str(copy))
    saved = {name: module for name, module in sys.modules.items() if name == PACKAGE or name.startswith(PACKAGE + ".")}
    for name in saved:
        del sys.modules[name]
    try:
        tampered = grimp.build_graph(PACKAGE, include_external_packages=False, cache_dir=None)
    finally:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        sys.modules.update(saved)
    with pytest.raises(AssertionError, match="lms.core.clock imports lms.learning.services"):
        test_core_knows_no_feature(tampered)
