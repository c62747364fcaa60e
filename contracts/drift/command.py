"""``contracts drift``: where does the mock differ from a live deployment?

The same requests go to live (twice) and to the in-process strict mock: first the spec's
documented examples, then the scenario suites' requests (``contracts/test_<api>.py`` without
the schemathesis tests), within the harness's safety rules — ``--read-only`` respected, every
record created on live in the run's ledger and deleted at the end, 12Twenty ExternalIds carrying
the run's prefix. The comparison (``contracts.drift.compare``) reports per operation; exit 0 when
there is no finding, 1 when a finding is not in the ``--ignore`` file, 2 for a usage error or a
target that cannot be reached (the same preflight as ``contracts run``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contracts.apis import APIS
from contracts.drift.answers import Sample
from contracts.drift.capture import Capture
from contracts.drift.compare import compare
from contracts.drift.documented import DocumentedRequests
from contracts.drift.ignore import IgnoreFileError, load_ignore_file, triage
from contracts.drift.render import FORMATS, DriftReport, text, write
from contracts.drift.spec import SpecEnums, spec_of
from contracts.drift.tee import Recorder, Tee
from contracts.options import RunConfig, UsageError
from contracts.preflight import TargetUnusable, preflight
from contracts.run import Run
from contracts.target import _TARGETS as TARGETS
from contracts.target import Target
from contracts.text import escaped
from mockserver.config import DEV_TOKEN

HERE = Path(__file__).resolve().parent.parent


class DriftRun(Run):
    """A run whose targets are :class:`Tee` lanes: live (``lives``), the mock, live again."""

    def __init__(self, config: RunConfig, recorder: Recorder) -> None:
        super().__init__(config)
        self.recorder = recorder
        self.lives: dict[str, Target] = {}
        self.mock: Any = None

    def lanes(self, api: str) -> Tee:
        """The API's lanes, installed as the run's target (what scenarios get from the run)."""
        targets = self.stash.setdefault(TARGETS, {})
        if api not in targets:
            if self.mock is None:
                self.mock = mock_app(self.config)
            mock = Target(api, f"http://localhost/{api}", DEV_TOKEN, self.mock, run=self)
            targets[api] = Tee(self.live_target(api), mock, self, self.recorder)
        found = targets[api]
        assert isinstance(found, Tee)
        return found

    def live_target(self, api: str) -> Target:
        url = self.base_url(api)
        assert url is not None
        return self.lives.setdefault(api, Target(api, url, self.token(api), run=self))


def mock_app(config: RunConfig) -> Any:
    """The strict in-process mock, taking the live run's 12Twenty API key too."""
    from mockserver import create_app

    settings: dict[str, Any] = {"strict": True, "log_requests": False}
    key = config.variables.get("CONTRACTS_TWELVETWENTY_API_KEY")
    if key:
        settings["api_keys"] = {"twelvetwenty": ["dev-api-key", key]}
    return create_app(settings, apis=config.apis)


class Outcomes:
    """The scenarios that did not finish (the mock lane answers them, so this means a refused
    or unanswered live request, or a mock that fails its own suite)."""

    def __init__(self) -> None:
        self.stopped: list[str] = []
        self.ran = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            if report.outcome == "failed":
                reason = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else ""
                self.stopped.append(f"{report.nodeid.split('::')[-1]}: {reason[:160]}")
            elif report.when == "call":
                self.ran += 1


class HandOver:
    def __init__(self, run: Run) -> None:
        self.run = run

    @pytest.hookimpl(tryfirst=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> None:
        from contracts import run as runs

        config.stash[runs.RUN_KEY] = self.run


def scenarios(run: DriftRun, apis: Iterable[str]) -> Outcomes:
    suites = [str(HERE / f"test_{api}.py") for api in apis]
    argv = [*suites, "-p", "no:cacheprovider", "-p", "no:terminal", "--rootdir", str(HERE.parent)]
    argv += ["-k", "not test_schema and not test_workflow", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    outcomes = Outcomes()
    pytest.main(argv, plugins=[HandOver(run), outcomes])
    return outcomes


def drift(args: argparse.Namespace) -> int:
    reports = [Path(p) for p in args.report or ()]
    for path in reports:
        if path.suffix.lower() not in FORMATS:
            raise UsageError(f"--report {path}: the name must end in one of {', '.join(FORMATS)}")
    entries: dict[str, str] = {}
    if args.ignore:
        try:
            entries = load_ignore_file(args.ignore)
        except IgnoreFileError as exc:
            raise UsageError(str(exc)) from None
    values = {k: getattr(args, k) for k in ("api", "base_url", "token", "read_only", "reset", "rate_limit", "ledger")}
    config = RunConfig.build(values, os.environ)
    if not config.base_urls:
        raise UsageError("drift needs the live target: --base-url URL (or CONTRACTS_BASE_URL)")
    recorder = Recorder()
    run = DriftRun(config, recorder)
    try:
        for api in config.apis:
            preflight(run.live_target(api), spec_of(api))
    except TargetUnusable as exc:
        print(f"contracts: {exc}", file=sys.stderr)
        return 2
    capture = Capture(owned=lambda api, record: run.has_ledger and run.ledger.owns(api, record)) if args.capture else None
    if capture is not None:
        recorder.on_sample.append(capture.observe)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    notes: list[str] = []
    outcomes: Outcomes | None = None
    try:
        if args.only != "scenarios":
            for api in config.apis:
                documented = DocumentedRequests(spec_of(api), api, run.lanes(api), config.read_only, config.variables)
                documented.run()
                notes += [f"not sent: {line}" for line in documented.skipped]
        if args.only != "examples":
            for api in config.apis:
                run.lanes(api)
            outcomes = scenarios(run, config.apis)  # its session's end cleans up, as contracts run's
            notes += [f"scenario stopped early: {line}" for line in outcomes.stopped]
    finally:
        if args.only == "examples" or outcomes is None:
            run.cleanup(lambda line: print(escaped(line), file=sys.stderr))
    notes += [f"live did not answer: {line}" for line in recorder.lost]
    report = report_of(recorder.samples, config, entries, started, notes)
    sys.stdout.write(text(report))
    for path in reports:
        write(report, path)
        print(f"report: {path}")
    if capture is not None and args.capture:
        count = capture.write(args.capture)
        print(f"capture: {count} record(s) read from live written to {args.capture} (mockserver serve --seed)")
    return 1 if report.failed else 0


def report_of(
    samples: list[Sample], config: RunConfig, entries: dict[str, str], started: str, notes: list[str]
) -> DriftReport:
    enums = {api: SpecEnums(spec_of(api)) for api in config.apis}

    def check(api: str, operation: str, status: int, body: Any) -> Any:
        return enums[api](api, operation, status, body) if api in enums else ()

    result = compare(samples, check)
    live = ", ".join(f"{api}={url}" if api != "*" else url for api, url in config.base_urls.items())
    meta = {
        "api": ", ".join(config.apis) if config.apis != APIS else "all APIs",
        "live": live,
        "started": started,
        "read_only": config.read_only,
        "notes": notes,
    }
    return DriftReport(result, triage(result.findings, entries), meta)
