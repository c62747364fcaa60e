"""pytest options choosing the target; they run before the suites are imported."""

from __future__ import annotations

import os

import pytest

from contracts.live import LiveServer
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


def pytest_configure(config: pytest.Config) -> None:
    for option, variable in (("--base-url", "CONTRACTS_BASE_URL"), ("--token", "CONTRACTS_TOKEN")):
        for value in config.getoption(option) or ():
            name, sep, rest = value.partition("=")
            key = f"{variable}_{name.upper()}" if sep and name in APIS else variable
            os.environ[key] = rest if key != variable else value
    if config.getoption("--profile"):
        os.environ["CONTRACTS_PROFILE"] = config.getoption("--profile")
    if config.getoption("--live-server"):
        server = LiveServer.start(strict=True)
        config.stash[_SERVER] = server
        os.environ["CONTRACTS_BASE_URL"] = server.url


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()


_SERVER = pytest.StashKey[LiveServer]()
