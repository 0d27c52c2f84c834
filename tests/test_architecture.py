"""docs/architecture.md tells the truth: its module table is the package, its layers are the imports."""

from __future__ import annotations

import ast
import re

from conftest import ROOT
from ivig_rules.engines import BUILT_IN
from test_registries import doc_table

PACKAGE = ROOT / "ivig_rules"

# docs/architecture.md's picture, bottom to top: a module imports only from its own layer or below.
LAYERS = (
    ("model", "errors", "_text", "_excerpt"),
    ("loading",),
    ("logic",),
    ("engines",),
    ("evaluation",),
    ("scenarios", "lint", "analysis", "graph", "export", "audit", "fhir", "server", "schemas", "output", "pytest_plugin"),
    ("cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _modules_table() -> dict[str, list[str]]:
    rows = doc_table("architecture.md", "## Modules")
    return {package.strip("`"): re.findall(r"`([\w.]+\.py)`", modules) for package, modules, _ in rows}


def test_the_module_table_lists_every_module_of_the_package():
    listed = _modules_table()
    actual = {"ivig_rules/": sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")}
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        actual[f"{folder.name}/"] = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")
    assert {package: sorted(modules) for package, modules in listed.items()} == actual


def test_every_top_level_part_has_a_layer():
    parts = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()
    }
    assert parts == set(RANK)


def _imports(path):
    """(line, top-level part of ivig_rules) for every relative import of a module, nested ones included."""
    parts = path.relative_to(PACKAGE).parts
    here = list(parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
            target = base + (node.module.split(".") if node.module else [node.names[0].name])
            if target:
                yield node.lineno, target[0]


def test_imports_point_down_the_layers():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        own = parts[0] if len(parts) > 1 else path.stem
        if own == "__init__":
            continue  # the public API names what it exports from every layer
        for line, target in _imports(path):
            if RANK.get(target, -1) > RANK[own]:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {target}")
    assert upward == []


def test_the_engines_table_is_the_registry():
    assert doc_table("architecture.md", "### Engines") == [[f"`{s.name}`", s.summary] for s in BUILT_IN]


def test_one_holds_evaluates_a_predicate():
    defined = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if re.search(r"^def holds\(", p.read_text(), re.M)]
    assert defined == ["logic/predicates.py"]
