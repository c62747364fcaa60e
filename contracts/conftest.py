"""The contract run as a pytest plugin: its options, its :class:`~contracts.run.Run` on
``config.stash``, the preflight, the suites built at collection, and the cleanup."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from schemathesis.pytest.plugin import SchemaHandleMark

from contracts import run as runs
from contracts.apis import APIS
from contracts.checks import unknown_checks
from contracts.collect import DeferredCase, build
from contracts.harness import honour_seed
from contracts.leftovers import check as check_leftovers
from contracts.leftovers import left_behind, preflight
from contracts.live import LIVE_SERVER_ARGS, LiveServer
from contracts.options import RunConfig, UsageError, add_pytest_options, option_values
from contracts.preflight import TargetUnusable
from contracts.report import configure_report
from contracts.suite import Suite, schema_test_of, suite_of
from contracts.target import run_target

_SERVER = pytest.StashKey[LiveServer]()
_PROFILE = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_pytest_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "read_only: a scenario that sends only requests that cannot change state (runs under --read-only)",
    )
    if runs.RUN_KEY in config.stash:  # handed over by `contracts run`, which built and checked it
        start(config, runs.of(config))
        return
    seed = config.getoption("--hypothesis-seed", None)
    try:
        run_config = RunConfig.build(option_values(config), os.environ, seed=seed)
    except UsageError as exc:
        raise pytest.UsageError(f"contracts: {exc}") from None
    start(config, runs.Run(run_config))
    try:
        preflight(runs.of(config))
    except TargetUnusable as exc:
        pytest.exit(f"contracts: {exc}", returncode=2)


def start(config: pytest.Config, run: runs.Run) -> None:
    """Put ``run`` on ``config`` for this session (and start the server it asked for)."""
    if reason := unknown_checks(run.config.excluded_checks):  # schemathesis' names: known only now
        raise pytest.UsageError(f"contracts: {reason}")
    config.stash[_PROFILE] = settings.get_current_profile_name()
    honour_seed(run.config.seed)
    if run.config.live_server and run.live_url is None:
        # e.g. "--store redis --workers 2": python3 dev.py test runs the live pass that way
        server = LiveServer.start(strict=True, extra=shlex.split(os.environ.get(LIVE_SERVER_ARGS, "")))
        config.stash[_SERVER] = server
        run.live_url = server.url
    runs.install(config, run)
    configure_report(config)  # progress lines, summary, --report (contracts/report.py)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> Any:
    """``@schema_test(api)`` functions: schemathesis' collector over the run's schema, built now."""
    declared = schema_test_of(obj)
    if declared is None or not isinstance(collector, pytest.Module | pytest.Class):
        return None
    api, prepare = declared
    suite = suite_of(runs.of(collector.config), api, prepare=prepare)
    test = suite.parametrize(obj)
    return DeferredCase.from_parent(collector, test_function=test, name=name, schema=SchemaHandleMark.get(test))


def api_of(path: Path | str) -> str | None:
    """The API of a contract suite module (``contracts/test_<api>.py``), else None."""
    stem = Path(str(path)).stem
    api = stem.removeprefix("test_")
    return api if stem.startswith("test_") and api in APIS and Path(str(path)).parent.name == "contracts" else None


@pytest.fixture(scope="session")
def run(request: pytest.FixtureRequest) -> runs.Run:
    """The run in progress."""
    return runs.of(request.config)


@pytest.fixture(scope="module")
def suite(request: pytest.FixtureRequest) -> Suite:
    """The schema-driven suite of the module's API."""
    api = api_of(request.path)
    assert api is not None, f"{request.path} is not a contract suite"
    return suite_of(runs.of(request.config), api)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Only the APIs asked for run. Under --read-only only the schema tests (already cut to safe
    operations) and the scenarios marked ``read_only`` run; a scenario that writes is skipped,
    never half-run."""
    run_config = runs.of(config).config
    kept = [item for item in items if api_of(item.path) in (None, *run_config.apis)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    if not run_config.read_only:
        return
    writes = pytest.mark.skip(reason="it writes; skipped under --read-only")
    for item in items:
        contract = api_of(item.path) is not None
        schema = getattr(item, "originalname", "") == "test_schema"
        if contract and not schema and item.get_closest_marker("read_only") is None:
            item.add_marker(writes)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A schema test is built now, as it runs (``contracts.collect``). Each operation's schema test starts from the API's seed state when the run owns the
    target, as the workflow and every scenario do: what one operation created (a PERSCOM batch
    holds up to 1,000 events) neither slows nor changes the next one's cases, and a ``-k``
    selection meets the state the whole run meets. A shared target is never reset."""
    build(item)
    api = api_of(item.path)
    if api is not None and getattr(item, "originalname", None) == "test_schema":
        target = run_target(runs.of(item.config), api)
        if target.resettable:
            target.reset()


def pytest_keyboard_interrupt() -> None:
    for run in runs.active_runs():
        run.interrupted = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Runs after a failure and after Ctrl-C too: whatever the run created on a live target goes.
    if runs.RUN_KEY not in session.config.stash:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    run = runs.of(session.config)
    say = reporter.write_line if reporter else print
    run.cleanup(report=say)
    for line in check_leftovers(run):  # --check-leftovers: the state now against before the run
        say(line)
    if left_behind(run) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()
    runs.uninstall(config)
    if _PROFILE in config.stash:
        settings.load_profile(config.stash[_PROFILE])  # a seeded profile ends with its run
