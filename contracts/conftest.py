"""pytest options choosing the target; they run before the suites are imported."""

from __future__ import annotations

import os

import pytest

from contracts import safety
from contracts.harness import honour_seed
from contracts.live import LiveServer
from contracts.report import add_report_options, configure_report
from contracts.target import APIS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts")
    group.addoption(
        "--base-url",
        action="append",
        default=None,
        help="live target: URL of a mockserver root, or API=URL (repeatable)",
    )
    group.addoption("--token", action="append", default=None, help="bearer token: TOKEN or API=TOKEN")
    group.addoption(
        "--live-server",
        action="store_true",
        help="start `mockserver serve` on a free loopback port and target it",
    )
    group.addoption(
        "--profile",
        choices=["quick", "ci", "deep"],
        default=None,
        help="generated cases per operation: quick=10, ci=25, deep=100",
    )
    group.addoption(
        "--read-only",
        action="store_true",
        help="send only requests that cannot change state (safe methods and operations marked x-read-only)",
    )
    group.addoption(
        "--rate-limit",
        type=float,
        default=None,
        help="at most this many requests per second to a live target (all suites together)",
    )
    group.addoption(
        "--reset",
        action="store_true",
        help="the live target is a mockserver this run may reset between scenarios (--live-server implies it)",
    )
    group.addoption(
        "--ledger",
        default=None,
        help="file recording what the run created on a live target, for cleanup (default: .contracts/)",
    )
    add_report_options(parser)  # --report: the run report (contracts/report.py)


def pytest_configure(config: pytest.Config) -> None:
    configure_report(config)  # the run report plugin: progress lines, summary, --report
    honour_seed(config.getoption("--hypothesis-seed", None))
    for option, variable in (("--base-url", "CONTRACTS_BASE_URL"), ("--token", "CONTRACTS_TOKEN")):
        for value in config.getoption(option) or ():
            name, sep, rest = value.partition("=")
            key = f"{variable}_{name.upper()}" if sep and name in APIS else variable
            os.environ[key] = rest if key != variable else value
    config.addinivalue_line(
        "markers",
        "read_only: a scenario that sends only requests that cannot change state (runs under --read-only)",
    )
    if config.getoption("--profile"):
        os.environ["CONTRACTS_PROFILE"] = config.getoption("--profile")
    if config.getoption("--read-only"):
        os.environ["CONTRACTS_READ_ONLY"] = "1"
    if config.getoption("--rate-limit"):
        os.environ["CONTRACTS_RATE_LIMIT"] = str(config.getoption("--rate-limit"))
    if config.getoption("--ledger"):
        os.environ["CONTRACTS_LEDGER"] = config.getoption("--ledger")
    if config.getoption("--reset"):
        os.environ["CONTRACTS_RESET"] = "1"
    if config.getoption("--live-server"):
        os.environ["CONTRACTS_RESET"] = "1"
        server = LiveServer.start(strict=True)
        config.stash[_SERVER] = server
        os.environ["CONTRACTS_BASE_URL"] = server.url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --read-only only the schema tests (already cut to safe operations) and the scenarios
    marked ``read_only`` run; a scenario that writes is skipped, never half-run."""
    if not config.getoption("--read-only"):
        return
    writes = pytest.mark.skip(reason="it writes; skipped under --read-only")
    for item in items:
        if (
            item.get_closest_marker("read_only") is None
            and getattr(item, "originalname", "") != "test_schema"
        ):
            item.add_marker(writes)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Runs after a failure and after Ctrl-C too: whatever the run created on a live target goes.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    safety.cleanup_run(report=reporter.write_line if reporter else print)


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()


_SERVER = pytest.StashKey[LiveServer]()
