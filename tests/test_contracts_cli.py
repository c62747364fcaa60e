"""The `contracts run` command line builds the pytest run a user asked for."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import settings

from contracts.cli import _parser, pytest_args
from contracts.harness import honour_seed
from contracts.report import describe_profile
from contracts.suite import Suite


def test_options_become_pytest_arguments() -> None:
    args = _parser().parse_args(
        [
            "run",
            "--api",
            "twelvetwenty",
            "--base-url",
            "twelvetwenty=http://127.0.0.1:9/x",
            "--token",
            "twelvetwenty=secret",
            "--profile",
            "quick",
            "--seed",
            "7",
            "--junit-xml",
            "out.xml",
        ]
    )
    argv = pytest_args(args)
    assert argv[0].endswith("contracts/test_twelvetwenty.py")
    assert "--base-url=twelvetwenty=http://127.0.0.1:9/x" in argv
    assert "--token=twelvetwenty=secret" in argv
    assert {"--hypothesis-seed=7", "--junitxml=out.xml"} <= set(argv)
    assert argv[argv.index("--profile") + 1] == "quick"


def test_a_failing_target_makes_the_command_fail() -> None:
    # Port 9 (discard) has no HTTP server: every contract must fail, and the exit code says so.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "contracts.cli",
            "run",
            "--api",
            "twelvetwenty",
            "--base-url",
            "twelvetwenty=http://127.0.0.1:9",
            "-k",
            "empty_batch",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "1 failed" in result.stdout


def test_safety_and_report_options_reach_pytest() -> None:
    args = _parser().parse_args(
        ["run", "--read-only", "--rate-limit", "5", "--ledger", "l.jsonl", "--report", "r.md"]
    )
    argv = pytest_args(args)
    assert {"--read-only", "--rate-limit=5.0", "--ledger=l.jsonl", "--report=r.md"} <= set(argv)
    assert sum(arg.endswith(".py") for arg in argv) == 4  # every API by default


def test_a_rate_limit_must_be_positive() -> None:
    with pytest.raises(SystemExit, match="positive"):
        pytest_args(_parser().parse_args(["run", "--rate-limit", "0"]))


# --- a seed decides the run, in CI too ---------------------------------------------------------


@pytest.fixture
def ci_profile() -> Iterator[None]:
    """Hypothesis' own ``ci`` profile, as it loads itself when the environment says CI."""
    previous = settings.get_current_profile_name()
    settings.load_profile("ci")
    assert settings.default.derandomize  # what makes a CI run ignore --hypothesis-seed
    yield
    settings.load_profile(previous)


@pytest.mark.usefixtures("ci_profile")
def test_a_seed_turns_off_the_ci_profiles_derandomize() -> None:
    before = settings.default
    honour_seed(7)
    assert settings.default.derandomize is False
    for kept in ("max_examples", "database", "deadline", "print_blob", "suppress_health_check"):
        assert getattr(settings.default, kept) == getattr(before, kept), kept


@pytest.mark.usefixtures("ci_profile")
def test_without_a_seed_the_ci_profile_stays() -> None:
    honour_seed(None)
    assert settings.default.derandomize is True


@pytest.mark.usefixtures("ci_profile")
def test_the_stateful_workflow_follows_the_runs_profile() -> None:
    # schemathesis fixes the state machine's settings at import time, under whatever profile was
    # active then; the workflow must take derandomize from the run's profile instead.
    assert Suite("b2core").workflow().settings.derandomize is True
    honour_seed(7)
    assert Suite("b2core").workflow().settings.derandomize is False


def test_the_report_says_how_the_cases_were_drawn(ci_profile: None) -> None:
    assert describe_profile("quick", 7) == "quick (10 generated cases per operation), seed 7"
    assert "derandomized (Hypothesis' ci profile" in describe_profile("ci", None)
    settings.load_profile("default")
    assert describe_profile("deep", None).endswith("a random seed (--seed N draws the same cases again)")
