"""The wheel's package list and data files cover the source tree (the wheel itself: test_wheel.py)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from importlib import metadata, resources
from pathlib import Path

import setuptools

from mockserver.spec import SPECS_DIR

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _source_dir(package: str) -> Path:
    mapped = SETUPTOOLS.get("package-dir", {}).get(package)
    return ROOT / (mapped or package.replace(".", "/"))


def test_every_package_of_the_tree_is_listed() -> None:
    found = setuptools.find_packages(str(ROOT), include=["mockserver*", "contracts*"])
    assert sorted(SETUPTOOLS["packages"]) == sorted([*found, "mockserver.specs"])


def test_every_data_file_is_package_data() -> None:
    patterns = SETUPTOOLS["package-data"]
    missing = []
    for package in SETUPTOOLS["packages"]:
        for path in _source_dir(package).iterdir():
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                if not any(fnmatch(path.name, p) for p in patterns.get(package, ())):
                    missing.append(f"{package}: {path.name}")
    assert missing == []


def test_specs_are_found_as_package_data() -> None:
    assert SPECS_DIR == Path(str(resources.files("mockserver.specs")))
    assert SPECS_DIR.resolve() == (ROOT / "specs").resolve()  # the checkout's top-level documents
    assert sorted(p.stem for p in SPECS_DIR.glob("*.yaml")) == ["b2core", "kona", "perscom", "twelvetwenty"]


def test_metadata_is_complete() -> None:
    meta = metadata.metadata("calendar-mockserver")
    assert meta["License-Expression"] == "MIT" and meta["Summary"] and meta["Requires-Python"]
    assert meta["Description-Content-Type"] == "text/markdown"
    assert any(c.startswith("Topic :: Software Development :: Testing") for c in meta.get_all("Classifier"))
    extras = set(meta.get_all("Provides-Extra"))
    assert extras == {"contracts", "dev"}
    plain = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert not any(r.startswith(("schemathesis", "pytest", "hypothesis", "mypy", "ruff")) for r in plain)
