"""Run-wide target choice, shared by the pytest suites and the ``contracts`` CLI."""

from __future__ import annotations

import os
import uuid
from functools import cache

import pytest
from hypothesis import settings

from contracts.target import Target, make_target, parse_pairs

PROFILES = {"quick": 10, "ci": 25, "deep": 100}


@cache
def run_target(api: str) -> Target:
    """The target of this run for ``api``, one per API and run (decided before collection).

    The in-process mock is built once and shared by the schema tests, the workflow and the
    scenarios: each of them starts from a reset (``fresh_target``), as a live mock does.
    """
    return make_target(api, parse_pairs(None, "CONTRACTS_BASE_URL"), parse_pairs(None, "CONTRACTS_TOKEN"))


def max_examples() -> int:
    return PROFILES[os.environ.get("CONTRACTS_PROFILE", "ci")]


def honour_seed(seed: object) -> None:
    """Make ``--hypothesis-seed`` (``contracts run --seed``) decide the run, in CI too.

    Hypothesis loads its ``ci`` settings profile when it sees a CI environment (``CI`` set, as
    GitHub Actions, GitLab and most CI services do). That profile derandomizes: every test then
    draws from a seed derived from its own name, and a given seed is silently ignored, so a run
    could not be replayed outside CI, nor a CI run with another seed. With a seed, the active
    profile is kept and only ``derandomize`` is turned off.
    """
    if seed is not None and active_settings().derandomize:
        name = f"{settings.get_current_profile_name()}-seeded"
        settings.register_profile(name, parent=active_settings(), derandomize=False)
        settings.load_profile(name)


def active_settings() -> settings:
    """Hypothesis' settings of the run (its loaded profile)."""
    current = settings.default
    assert current is not None  # a profile is always loaded
    return current


def fresh_target(api: str) -> Target:
    """A target whose state is clean: the mock (in-process or live) reset, clock included.

    A live URL without the mock's admin API (a real vendor deployment) is never reset; the
    scenarios then rely on unique ids instead.
    """
    target = run_target(api)
    if target.resettable:
        target.reset()
        target.admin("DELETE", "/clock")
    return target


def require_admin(target: Target) -> None:
    if not target.has_admin():
        pytest.skip("the target has no mock admin API (a real vendor deployment)")


def require_clean_state(target: Target) -> None:
    """For scenarios that count or page through every record: they need a store the run resets."""
    if not target.resettable:
        pytest.skip("needs a store the run may reset: the in-process mock, --live-server or --reset")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
