"""The layout's rules, checked on the source: dependencies point inward, each rule is defined once,
and product modules stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("service", "application", "matching", "graph_schema", "scripts")
# Who may import whom (besides the standard library and third-party packages).
ALLOWED = {
    "matching": {"matching"},
    "graph_schema": {"graph_schema", "matching"},
    "application": {"application", "graph_schema", "matching"},
    "service": {"service", "application", "graph_schema", "matching"},
    "scripts": {"scripts", "application", "graph_schema", "matching", "bench"},
}
MAX_LINES = 500
# Data generators and benchmarks may be longer (issue 10): they are scripts, not the product.
LONG_ALLOWED = ("scripts/demo/", "scripts/bench_")


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_inward(package):
    ours = set(PACKAGES) | {"bench", "tests"}
    for path in _modules(package):
        wrong = (_imports(path) & ours) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(REPO)} imports {sorted(wrong)}"


def test_the_application_layer_imports_no_flask():
    for path in _modules("application"):
        assert not _imports(path) & {"flask", "flask_openapi3", "werkzeug"}, path


def test_product_modules_stay_under_500_lines():
    for package in PACKAGES:
        for path in _modules(package):
            relative = path.relative_to(REPO).as_posix()
            if relative.startswith(LONG_ALLOWED):
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            assert lines <= MAX_LINES, f"{relative} has {lines} lines"


def _definitions(name: str) -> list[str]:
    """Where ``name`` is assigned or defined as a function at module level, across the product."""
    places = []
    for package in PACKAGES:
        for path in _modules(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                targets: list[ast.expr] = []
                if isinstance(node, ast.Assign):
                    targets = list(node.targets)
                elif isinstance(node, ast.AnnAssign):
                    targets = [node.target]
                elif isinstance(node, ast.FunctionDef) and node.name == name:
                    places.append(path.relative_to(REPO).as_posix())
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    places.append(path.relative_to(REPO).as_posix())
    return places


@pytest.mark.parametrize(("name", "home"), [
    ("PERSONAL_FIELDS", "matching/records.py"),
    ("FIRM_FIELDS", "matching/records.py"),
    ("haversine_km", "matching/catalog.py"),
    ("EARTH_RADIUS_KM", "matching/catalog.py"),
])
def test_each_rule_is_defined_once(name, home):
    assert _definitions(name) == [home]


def test_no_other_great_circle_formula():
    for package in PACKAGES:
        for path in _modules(package):
            if path.relative_to(REPO).as_posix() == "matching/catalog.py":
                continue
            text = path.read_text(encoding="utf-8")
            assert "arcsin" not in text and "6371" not in text, path


def test_the_fast_import_path_restates_no_bound():
    """FastRows reads FirmRecord's bounds; none of their numbers is written in it again."""
    from matching.records import CertificationHolding, FirmRecord, field_bounds

    bounds = {**field_bounds(FirmRecord), **{f"holding.{k}": v for k, v in field_bounds(CertificationHolding).items()}}
    values = {float(v) for b in bounds.values() for v in (b.min_length, b.max_length, b.ge, b.le)
              if v is not None and v > 2}
    tree = ast.parse((REPO / "matching" / "imports" / "fast_rows.py").read_text(encoding="utf-8"))
    constants = {float(node.value) for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, int | float)
                 and not isinstance(node.value, bool)}
    assert not constants & values, f"bounds restated in fast_rows.py: {sorted(constants & values)}"


def test_every_import_of_our_own_modules_resolves():
    """Imports inside functions (CLI commands, benchmarks) run only when called: a module moved in
    a refactor must not leave one behind that fails the first time someone runs the command."""
    import importlib

    ours = set(PACKAGES) | {"bench"}
    broken = []
    for package in PACKAGES:
        for path in _modules(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                    continue
                if node.module.split(".")[0] not in ours:
                    continue
                try:
                    module = importlib.import_module(node.module)
                except ImportError as error:
                    broken.append(f"{path.relative_to(REPO)}:{node.lineno} {node.module}: {error}")
                    continue
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            broken.append(f"{path.relative_to(REPO)}:{node.lineno} {node.module}.{alias.name}")
    assert not broken, "\n".join(broken)
