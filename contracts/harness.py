"""Helpers of the scenario suites over the run in progress (``contracts.run``), and the seed.

The suites' fixtures get the run from ``config.stash``; these helpers reach the same run for
code that has no fixture at hand.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import settings

from contracts import target as targets
from contracts.options import PROFILES
from contracts.run import active
from contracts.target import Target

__all__ = ["PROFILES", "fresh_target", "require_admin", "require_clean_state", "require_own_clock", "run_target", "unique"]


def run_target(api: str) -> Target:
    """The target of the run in progress for ``api``."""
    return targets.run_target(active(), api)


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
    """A target whose state is clean: the mock (in-process or live) reset, clock included, when
    the run owns it. A shared or real deployment is never reset; the scenarios then rely on
    unique ids instead."""
    return targets.fresh_target(active(), api)


def require_admin(target: Target) -> None:
    if not target.has_admin():
        pytest.skip("the target has no mock admin API (a real vendor deployment)")


def require_own_clock(target: Target) -> None:
    """For scenarios that move the mock's clock: never on a target the run does not own."""
    if not target.resettable:
        pytest.skip("moves the mock's clock: needs a target the run owns (in-process, --live-server, --reset)")


def require_clean_state(target: Target) -> None:
    """For scenarios that count or page through every record: they need a store the run resets."""
    if not target.resettable:
        pytest.skip("needs a store the run may reset: the in-process mock, --live-server or --reset")


def unique(prefix: str) -> str:
    """A fresh name carrying the run's prefix, so a record it names is known as the run's."""
    return f"{active().prefix}{prefix}-{uuid.uuid4().hex[:12]}"
