"""One contract run: its configuration and everything it holds for its length.

A :class:`Run` is built once per pytest session from :class:`~contracts.options.RunConfig` and
kept on ``config.stash`` (:func:`install`); the suites' fixtures and the report read it from
there. It holds the rate limiter and makes the ledger on first use; the target and the suite of
every API are made once each by ``contracts.target.run_target`` and ``contracts.suite.suite_of``
and kept on the run's own ``stash``. Nothing of a run outlives it, so several runs can follow each other in
one process (the harness's own tests run the suites in-process).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contracts.ledger import Ledger, cleanup_ledger
from contracts.options import RunConfig
from contracts.ratelimit import RateLimiter
from mockserver.config import DEV_TOKEN

LEDGER_DIR = Path(".contracts")


@dataclass
class Run:
    config: RunConfig
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    live_url: str | None = None  # --live-server: the URL of the server this run started
    interrupted: bool = False
    _limiter: RateLimiter | None = field(default=None, repr=False)
    _ledger: Ledger | None = field(default=None, repr=False)
    # what the layers above keep per run (contracts.target's targets, contracts.suite's suites),
    # each under its own typed key: the run never imports them
    stash: pytest.Stash = field(default_factory=pytest.Stash, repr=False)

    def __post_init__(self) -> None:
        if self.config.rate_limit:
            self._limiter = RateLimiter(self.config.rate_limit)

    @property
    def limiter(self) -> RateLimiter | None:
        return self._limiter

    @property
    def prefix(self) -> str:
        """Put in front of every client-chosen key the run sends (12Twenty's ExternalId)."""
        return f"ct{self.run_id}-"

    def key(self, name: str) -> str:
        return self.prefix + name

    # --- targets ------------------------------------------------------------------------------

    def token(self, api: str) -> str:
        return self.config.token(api) or DEV_TOKEN

    def base_url(self, api: str) -> str | None:
        urls = dict(self.config.base_urls)
        if self.live_url and not urls:
            urls["*"] = self.live_url
        if api in urls:
            return urls[api].rstrip("/")
        if "*" in urls:  # a mockserver root: each API lives under /<api>
            return f"{urls['*'].rstrip('/')}/{api}"
        return None

    # --- the ledger -------------------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            path = self.config.ledger or LEDGER_DIR / f"ledger-{stamp}-{self.run_id}.jsonl"
            self._ledger = Ledger(path)
        return self._ledger

    @property
    def has_ledger(self) -> bool:
        return self._ledger is not None

    def cleanup(self, report: Callable[[str], None]) -> None:
        """Delete what the run created on live targets; say what could not be deleted."""
        if self._ledger is None or not self._ledger.pending:
            return
        for line in cleanup_ledger(self._ledger, self.token):
            report(line)


def in_process_app(factory: str | None) -> Any:
    """The strict in-process mock, or the app ``--app module:factory`` builds (the harness's
    own tests point the suites at deliberately broken variants of the mock, tests/planted.py)."""
    if factory:
        import importlib

        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)()
    from mockserver import create_app

    return create_app({"strict": True, "log_requests": False})


RUN_KEY = pytest.StashKey["Run"]()
_ACTIVE: list[Run] = []
_STANDALONE: list[Run] = []


def install(config: pytest.Config, run: Run) -> None:
    config.stash[RUN_KEY] = run
    _ACTIVE.append(run)


def uninstall(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None and run in _ACTIVE:
        _ACTIVE.remove(run)


def active_runs() -> list[Run]:
    return list(_ACTIVE)


def of(config: pytest.Config) -> Run:
    return config.stash[RUN_KEY]


def active() -> Run:
    """The run of the pytest session in progress (the innermost, when runs nest); outside any
    session, one with the default configuration (for code used on its own, as in tests)."""
    if _ACTIVE:
        return _ACTIVE[-1]
    if not _STANDALONE:
        _STANDALONE.append(Run(RunConfig()))
    return _STANDALONE[0]
