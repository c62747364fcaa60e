"""Run-wide target choice, shared by the pytest suites and the ``contracts`` CLI."""

from __future__ import annotations

import os
import uuid

import pytest

from contracts.target import Target, make_target, parse_pairs

PROFILES = {"quick": 10, "ci": 25, "deep": 100}


def run_target(api: str) -> Target:
    """The target of this run for ``api`` (module level: decided before collection)."""
    return make_target(api, parse_pairs(None, "CONTRACTS_BASE_URL"), parse_pairs(None, "CONTRACTS_TOKEN"))


def max_examples() -> int:
    return PROFILES[os.environ.get("CONTRACTS_PROFILE", "ci")]


def fresh_target(api: str) -> Target:
    """A target whose state is clean: a new in-process app, or a reset live mock.

    A live URL without the mock's admin API (a real vendor deployment) is never reset; the
    scenarios then rely on unique ids instead.
    """
    target = run_target(api)
    if target.live and target.has_admin():
        target.reset()
    return target


def require_admin(target: Target) -> None:
    if not target.has_admin():
        pytest.skip("the target has no mock admin API (a real vendor deployment)")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
