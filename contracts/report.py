"""The run report of the contract suites: progress lines, an end-of-run summary and ``--report``.

A pytest plugin (registered by ``contracts/conftest.py``) that watches the suites
``contracts/test_<api>.py`` only, filling one :class:`~contracts.rows.Row` per item:

- schemathesis cases through *global* schemathesis hooks (``after_call`` counts a case and its
  status, ``after_network_error`` a case without an answer, ``after_validate`` keeps each failed
  check with its code and a ``curl`` line of the request that failed it), attributed to the
  pytest item running at the time: ``test_schema[<operation>]`` or the stateful workflow;
- the scenarios' own requests through ``contracts.target.REQUEST_OBSERVERS``; a failed scenario
  is shown with the request whose answer failed it (the response its failing frame holds), not
  with whatever its teardown sent last;
- every item's outcome (a failure in setup, call or teardown fails it; a skip keeps its reason).

An operation whose cases all got an error status tested nothing: its item fails as *not
exercised* unless ``--allow-unexercised``. An interrupted run says INTERRUPTED. Layout lives in
``contracts.render`` (terminal, Markdown, HTML).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from contracts import run as runs
from contracts.render import render_html, render_markdown, summary_lines
from contracts.rows import (
    CheckFailure,
    Results,
    Row,
    classify,
    clean,
    first_line,
    progress_line,
)
from contracts.target import REQUEST_OBSERVERS, Response, SentRequest, curl_line

PLUGIN_NAME = "contracts-report"
FORMATS = {".md": "markdown", ".html": "html", ".htm": "html"}
WIRE = "contracts-row"  # the user property that carries a worker's row
KEPT_RESPONSES = 64  # per scenario: which request a failing response answered


def configure_report(config: pytest.Config) -> RunReport:
    """Register the plugin once per run (called from the suites' ``pytest_configure``)."""
    existing = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(existing, RunReport):
        return existing
    report = RunReport(config, runs.of(config))
    config.pluginmanager.register(report, PLUGIN_NAME)
    return report


def report_format(path: Path) -> str:
    return FORMATS[path.suffix.lower()]  # the suffix is checked when the run is configured


def get_report(config: pytest.Config) -> RunReport | None:
    """This run's report, for callers that want the numbers (``.results``; None outside the
    contract suites)."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin if isinstance(plugin, RunReport) else None


class RunReport:
    """Collects the rows of a run, prints progress and the summary, writes ``--report``."""

    def __init__(self, config: pytest.Config, run: runs.Run) -> None:
        self.config = config
        self.run = run
        # a worker process of a --jobs run (pytest-xdist): its rows go to the main process
        self.worker = hasattr(config, "workerinput")
        self.path = run.config.report
        self.format = report_format(self.path) if self.path is not None else None
        self.secrets = run.config.secrets
        self.results = Results(run)
        self.rows = self.results.rows
        self._current: Row | None = None
        self._phase = "setup"
        self._sent: dict[int, tuple[Response, str]] = {}  # id(response) → (response, curl line)
        # Bound methods are new objects on each access: keep the registered ones to unregister them.
        self._hooks: list[tuple[str, Callable[..., None]]] = [
            ("after_call", self._after_call),
            ("after_network_error", self._after_network_error),
            ("after_validate", self._after_validate),
        ]
        for name, hook in self._hooks:
            GLOBAL_HOOK_DISPATCHER.register_hook_with_name(hook, name)
        REQUEST_OBSERVERS.append(self._observe_request)

    # -- schemathesis and scenario requests -------------------------------------------------

    def _after_call(self, context: Any, case: Any, response: Any) -> None:
        if self._current is not None:
            self._current.answered(case.operation.label, response.status_code)

    def _after_network_error(self, context: Any, case: Any, request: Any) -> None:
        if self._current is not None:
            self._current.answered(case.operation.label, 0)

    def _after_validate(self, context: Any, case: Any, response: Any, results: list[Any]) -> None:
        row = self._current
        if row is None:
            return
        failed = [result for result in results if result.failure is not None]
        if not failed:
            return
        curl = clean(sent_curl(case, response), self.secrets)
        for result in failed:
            failure = result.failure
            message = clean(first_line(failure.message), self.secrets)
            key = (case.operation.label, result.name, failure.code)
            row.failures[key] = CheckFailure(
                case.operation.label, result.name, failure.code, clean(failure.title), message, curl
            )

    def _observe_request(self, api: str, request: SentRequest, response: Response) -> None:
        row = self._current
        if row is None:
            return
        line = f"{clean(request.as_curl(), self.secrets)}  # → {response.status}"
        if self._phase == "call":
            row.requests.append(line)
            self._sent[id(response)] = (response, line)
            while len(self._sent) > KEPT_RESPONSES:
                del self._sent[next(iter(self._sent))]

    # -- pytest hooks -----------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        found = classify(item)
        if found is None:
            return (yield)
        api, kind, name = found
        self._current = Row(item.nodeid, api, kind, name)
        self._phase = "setup"
        self._sent.clear()
        self.rows.append(self._current)
        try:
            return (yield)
        finally:
            self._current = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        self._phase = "call"
        try:
            return (yield)
        finally:
            self._phase = "teardown"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        row = self._current
        if row is not None and call.when == "teardown" and self.worker:
            # the item's last report carries its row, complete, to the main process (_hand_over)
            self._record(row, report)
            report.user_properties.append((WIRE, row.to_wire()))
        if row is None or call.when != "call":
            return report
        if report.failed and row.kind == "scenario" and call.excinfo is not None:
            row.error_curl = self._failing_request(call.excinfo)
        reason = row.not_exercised()
        if report.passed and reason and not self.run.config.allow_unexercised:
            report.outcome = "failed"
            report.longrepr = f"{reason}; nothing of {row.name} was tested (--allow-unexercised accepts that)"
            row.requests.clear()  # the checks' follow-up reads say nothing about it
        return report

    def _failing_request(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
        """The curl line of the request whose answer failed the scenario: the latest-sent response
        that a frame of the failure holds; else the scenario's last request."""
        held: list[int] = []
        for entry in excinfo.traceback:
            for value in entry.frame.f_locals.values():
                if id(value) in self._sent and self._sent[id(value)][0] is value:
                    held.append(id(value))
        if held:
            order = list(self._sent)
            return self._sent[max(held, key=order.index)][1]
        return None

    @pytest.hookimpl(tryfirst=True)  # before --junit-xml writes the report's user properties
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker and report.when == "teardown":
            return  # recorded as it was made (pytest_runtest_makereport)
        if not self.worker and self._hand_over(report):
            return
        row = self._row(report.nodeid)
        if row is not None:
            self._record(row, report)

    def _hand_over(self, report: pytest.TestReport) -> bool:
        """In the main process of a ``--jobs`` run (pytest-xdist): an item's row, as its worker
        filled it, arrives with the item's teardown report."""
        for index, (name, value) in enumerate(report.user_properties):
            if name == WIRE and isinstance(value, dict):
                del report.user_properties[index]  # ours: no property of the item's in --junit-xml
                self.rows.append(Row.from_wire(value))
                return True
        return False

    def _record(self, row: Row, report: pytest.TestReport) -> None:
        row.duration += report.duration
        if report.failed:
            if row.outcome != "failed":  # keep the first error (call before teardown)
                text = report.longreprtext
                crash = getattr(report.longrepr, "reprcrash", None)
                message = getattr(crash, "message", None)
                row.error = clean(first_line(message if isinstance(message, str) else text), self.secrets)
                if crash is not None and getattr(crash, "lineno", None) is not None:
                    row.error += f" ({Path(crash.path).name}:{crash.lineno})"
                if report.when != "call":
                    row.error = f"error in {report.when}: {row.error}"
                if row.error_curl is None and (found := _reproduce(text)):
                    row.error_curl = clean(found, self.secrets)
            row.outcome = "failed"
        elif report.skipped and row.outcome != "failed":
            row.outcome = "skipped"
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            if hasattr(report, "wasxfail"):
                reason = f"xfail: {report.wasxfail}"
            row.skip_reason = clean(reason.removeprefix("Skipped: "))

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        row = self._row(nodeid)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.worker or row is None or row.kind == "scenario" or reporter is None or self._verbosity < 0:
            return
        # One line per finished operation; it is left open so that pytest's next dot or progress
        # percentage follows on a new line instead of after an empty one.
        reporter.ensure_newline()
        reporter.write(progress_line(row), **({"red": True} if row.outcome == "failed" else {}))
        reporter.currentfspath = -2

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.results.finished = time.time()
        if self.path is not None and not self.worker:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            render = render_markdown if self.format == "markdown" else render_html
            self.path.write_text(render(self.results), encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.worker or not self.rows or self._verbosity < -1:
            return
        terminalreporter.write_sep("=", "contract run summary")
        for line in summary_lines(self.results):
            terminalreporter.write_line(line)
        if self.path is not None:
            terminalreporter.write_line(f"report: {self.path}")

    def pytest_unconfigure(self) -> None:
        for _name, hook in self._hooks:
            GLOBAL_HOOK_DISPATCHER.unregister(hook)
        if self._observe_request in REQUEST_OBSERVERS:
            REQUEST_OBSERVERS.remove(self._observe_request)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def _verbosity(self) -> int:
        verbose: int = self.config.get_verbosity()
        return verbose

    def _row(self, nodeid: str) -> Row | None:
        for row in reversed(self.rows):
            if row.nodeid == nodeid:
                return row
        return None


def sent_curl(case: Any, response: Any) -> str:
    """A curl line of the request as it was sent (its real body and headers), else the case's."""
    request = getattr(response, "request", None)
    try:
        if request is not None and getattr(request, "url", None):
            return curl_line(request.method, request.url, dict(request.headers), request.body)
        return first_line(case.as_curl_command(headers=dict(request.headers) if request else None))
    except Exception as exc:  # the report must never fail the test it watches
        return f"(no curl line: {exc})"


def _reproduce(text: str) -> str | None:
    marker = "Reproduce with:"
    if marker not in text:
        return None
    for line in text.split(marker, 1)[1].splitlines():
        if line.strip().startswith("curl "):
            return line.strip()
    return None
