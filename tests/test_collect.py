"""Schema tests are built when they run, not when they are collected (contracts/collect.py)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from hypothesis import is_hypothesis_test

from contracts.collect import build

ROOT = Path(__file__).resolve().parent.parent


class Collected:
    def __init__(self) -> None:
        self.items: list[pytest.Item] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)


def test_collection_builds_no_schema_test_and_setup_builds_each_with_the_fixtures_it_was_given() -> None:
    collected = Collected()
    args = [str(ROOT / "contracts/test_twelvetwenty.py"), "--collect-only", "-q", "-p", "no:cacheprovider"]
    assert pytest.main(args, plugins=[collected]) == 0
    schema_tests: list[Any] = [item for item in collected.items if getattr(item, "originalname", "") == "test_schema"]
    assert len(schema_tests) == 2, [item.nodeid for item in collected.items]
    for item in schema_tests:
        assert not is_hypothesis_test(item.obj)  # nothing generated yet: no coverage cases either
        fixtures = list(item.fixturenames)
        build(item)
        assert is_hypothesis_test(item.obj)
        assert list(inspect.signature(item.obj).parameters) == ["suite"]  # what pytest gave the stand-in
        assert list(item.fixturenames) == fixtures
        build(item)  # once only
        assert is_hypothesis_test(item.obj)
