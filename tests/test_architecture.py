"""ARCHITECTURE.md's import rules, checked over every import of every module (``ast``, so the
imports under ``if TYPE_CHECKING:`` and inside functions count as much as the others), and its
tables checked to list every module of ``mockserver/`` and ``contracts/``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
PACKAGES = ("mockserver", "contracts")


# --- what ARCHITECTURE.md says ---------------------------------------------------------------


def _tables(text: str) -> list[tuple[str, list[list[str]]]]:
    """The Markdown tables in order: (header row's cells joined by "|", each row's cells)."""
    tables: list[tuple[str, list[list[str]]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
        elif not re.fullmatch(r"\|[-| ]+\|", line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if current is None:
                current = []
                tables.append(("|".join(cells), current))
            else:
                current.append(cells)
    return tables


def _names(cell: str) -> list[str]:
    """The module names of a cell: its code spans, without what a parenthesis explains."""
    return re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell))


@dataclass(frozen=True)
class Rules:
    layers: dict[str, dict[str, int]]  # package → module → its layer's rank
    api_modules: frozenset[str]  # the file names every API package shares
    own_modules: dict[str, frozenset[str]]  # API → the modules only it has
    contracts_may_import: frozenset[str]  # modules of mockserver the harness may import


def _rules(text: str) -> Rules:
    section = text.split("## What may import what", 1)[1].split("\n## ", 1)[0]
    found = _tables(section)
    tables = dict(found)
    layer_tables = [rows for header, rows in found if header == "Layer|Modules"]
    assert len(layer_tables) == len(PACKAGES), "ARCHITECTURE.md: one Layer|Modules table per package"
    layers = {
        package: {name: rank for rank, row in enumerate(rows) for name in _names(row[1])}
        for package, rows in zip(PACKAGES, layer_tables, strict=True)
    }
    shared = frozenset(_names(row[0])[0] for row in tables["Module|Concept"])
    own = {_names(row[0])[0]: frozenset(_names(row[1])) for row in tables["API|Its own modules"]}
    [allowed] = tables["`contracts/` may import from `mockserver/`"]
    return Rules(layers, shared, own, frozenset(_names(allowed[0])))


RULES = _rules(ARCHITECTURE.read_text())


# --- what the code does -------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str  # dotted: mockserver.apis.kona.records
    path: Path

    @property
    def package(self) -> str:
        return self.name.split(".")[0]

    @property
    def short(self) -> str:
        """The name ARCHITECTURE.md's tables use: relative to its package, ``/`` between parts."""
        parts = self.name.split(".")[1:]
        if self.path.name == "__init__.py":
            parts.append("__init__")
        return "/".join(parts)


def _modules() -> dict[str, Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = Module(".".join(parts), path)
    return found


MODULES = _modules()


def imports_of(module: Module) -> Iterator[tuple[str, int]]:
    """(imported module of mockserver/ or contracts/, line) for every import statement anywhere."""
    tree = ast.parse(module.path.read_text(), str(module.path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.name.split(".")
                if module.path.name != "__init__.py":
                    here.pop()
                here = here[: len(here) - node.level + 1]
                base = ".".join([*here, *([node.module] if node.module else [])])
            # ``from package import submodule`` imports the submodule; a name imports its module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module.name:
                yield target, node.lineno


GRAPH = {name: sorted(set(imports_of(module))) for name, module in MODULES.items()}


# --- the checks ---------------------------------------------------------------------------------


def _api_of(name: str) -> str | None:
    """The API a module belongs to: mockserver.apis.<api>.*, contracts.apis.<api>."""
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "apis" else None


def layer_of(module: Module) -> int | None:
    layers = RULES.layers[module.package]
    if _api_of(module.name) is not None:
        key = "apis/<name>/" if module.package == "mockserver" else "apis/<name>"
        return layers.get(key)
    if module.package == "contracts" and re.fullmatch(r"test_\w+", module.short):
        return layers.get("test_<name>")
    return layers.get(module.short)


def test_every_module_is_in_a_layer_and_every_entry_is_a_module() -> None:
    unlisted = [m.path.relative_to(ROOT).as_posix() for m in MODULES.values() if layer_of(m) is None]
    assert unlisted == [], "add these to a layer table of ARCHITECTURE.md"
    patterns = {"apis/<name>/", "apis/<name>", "test_<name>"}
    for package, layers in RULES.layers.items():
        present = {m.short for m in MODULES.values() if m.package == package}
        stale = sorted(set(layers) - present - patterns)
        assert stale == [], f"ARCHITECTURE.md lists {package} modules that do not exist"


def test_every_module_of_an_api_package_is_a_shared_concept_or_listed_as_its_own() -> None:
    for module in MODULES.values():
        api = _api_of(module.name)
        if module.package != "mockserver" or api is None:
            continue
        name = module.short.split("/")[-1]
        assert api in RULES.own_modules, f"{api}: no row in ARCHITECTURE.md's table of API-own modules"
        assert name in RULES.api_modules | RULES.own_modules[api], (
            f"{module.path.relative_to(ROOT)}: not a module every API names alike "
            f"({', '.join(sorted(RULES.api_modules))}) nor one listed as {api}'s own in ARCHITECTURE.md"
        )
    for api, own in RULES.own_modules.items():
        present = {m.short.split("/")[-1] for m in MODULES.values() if _api_of(m.name) == api}
        assert own <= present, f"ARCHITECTURE.md lists {api} modules that do not exist: {sorted(own - present)}"


def layering_violations() -> list[str]:
    found = []
    for name, imports in GRAPH.items():
        module = MODULES[name]
        for target, line in imports:
            imported = MODULES[target]
            where = f"{name} (line {line}) imports {target}"
            mine, theirs = layer_of(module), layer_of(imported)
            if module.package != imported.package:
                if module.package == "mockserver":
                    found.append(f"{where}: mockserver/ never imports contracts/")
                elif imported.short not in RULES.contracts_may_import:
                    found.append(f"{where}: not one of the mockserver modules contracts/ may import")
                continue
            if mine is not None and theirs is not None and theirs > mine:
                found.append(f"{where}: a higher layer")
            api, their_api = _api_of(name), _api_of(target)
            if their_api is not None and api is not None and their_api != api:
                found.append(f"{where}: another API's module")
            is_list = name == "mockserver.apis"
            if module.package == "mockserver" and api is None and their_api is not None and not is_list:
                found.append(f"{where}: the core imports only the list of APIs, mockserver.apis")
    return found


def test_imports_follow_the_layers() -> None:
    assert layering_violations() == []


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target, _line in GRAPH[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in GRAPH:
        if name not in index:
            visit(name)
    return found


def test_there_is_no_import_cycle() -> None:
    assert cycles() == []


@pytest.mark.parametrize(
    ("source", "importer", "problem"),
    [
        ("from mockserver.app import create_app\n", "mockserver.runtime", "a higher layer"),
        ("from mockserver.apis.kona import messages\n", "mockserver.apis.b2core.records", "another API"),
        ("from mockserver.apis.kona.records import KonaRecord\n", "mockserver.journal", "only the list"),
        ("from contracts.run import Run\n", "mockserver.cli", "never imports contracts"),
        ("from mockserver.runtime import ApiRuntime\n", "contracts.target", "contracts/ may import"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mockserver.mock import MockServer\n",
            "mockserver.spec",
            "a higher layer",
        ),
        ("def f():\n    from contracts.suite import Suite\n", "contracts.run", "a higher layer"),
    ],
)
def test_a_forbidden_import_is_reported(
    source: str, importer: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks above fail on each kind of import ARCHITECTURE.md forbids."""
    module = MODULES[importer]
    planted = tmp_path / module.path.name
    planted.write_text(module.path.read_text() + "\n" + source)
    monkeypatch.setitem(MODULES, importer, Module(importer, planted))
    monkeypatch.setitem(GRAPH, importer, sorted(set(imports_of(MODULES[importer]))))
    assert [v for v in layering_violations() if problem in v and v.startswith(f"{importer} ")]


def test_a_planted_cycle_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = MODULES["mockserver.registry"]
    planted = tmp_path / "registry.py"
    planted.write_text(module.path.read_text() + "\nfrom mockserver.store import InMemoryStore\n")
    monkeypatch.setitem(MODULES, module.name, Module(module.name, planted))
    monkeypatch.setitem(GRAPH, module.name, sorted(set(imports_of(MODULES[module.name]))))
    assert ["mockserver.registry", "mockserver.store"] in cycles()
