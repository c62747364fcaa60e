"""The run report of the contract suites: progress lines, an end-of-run summary and ``--report``.

A pytest plugin (registered by ``contracts/conftest.py``) that watches the suites
``contracts/test_<api>.py`` only:

- schemathesis cases through *global* schemathesis hooks (``after_call`` and
  ``after_network_error`` count a case, ``after_validate`` keeps each failed check with a ``curl``
  line reproducing it), attributed to the pytest item running at the time:
  ``test_schema[<operation>]`` or the stateful workflow (counted per operation);
- the scenarios' own requests through ``contracts.target.REQUEST_OBSERVERS`` (the last few of the
  running test, so a failed scenario comes with ``curl`` lines);
- every item's outcome (a failure in setup, call or teardown fails it; a skip keeps its reason).

While the run goes on, each finished operation prints one line (cases, failures, time); at the
end a summary per API and operation is printed and, with ``--report PATH``, written as Markdown
(``.md``) or HTML (``.html``/``.htm``). JUnit XML stays pytest's own ``--junitxml``: one testcase
per operation, per stateful workflow and per scenario.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from schemathesis.generation.stateful.state_machine import StatefulSchemaMark
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from contracts.harness import PROFILES, active_settings, run_target
from contracts.target import APIS, REQUEST_OBSERVERS, Response, SentRequest

Kind = Literal["operation", "stateful", "scenario"]
Outcome = Literal["passed", "failed", "skipped"]

PLUGIN_NAME = "contracts-report"
FORMATS = {".md": "markdown", ".html": "html", ".htm": "html"}
# Requests kept per scenario (the report shows them all, the terminal the last one).
KEPT_REQUESTS = 3
# A curl line longer than this (a 1000-item batch) is cut, saying how much was left out.
CURL_LIMIT = {"terminal": 400, "file": 4000}
FILTERED = "[Filtered]"
# Query parameters whose names say they carry a secret (schemathesis masks the same markers).
_SECRET_QUERY = re.compile(
    r"([?&][^=&\s']*(?:token|key|secret|password|passwd|auth|session|credential)[^=&\s']*=)[^&\s']*", re.I
)
_AUTH_HEADER = re.compile(r"((?:Authorization|Proxy-Authorization|Cookie|X-Api-Key): )[^']*", re.I)
_REPRODUCE = re.compile(r"Reproduce with:\s*\n\s*(curl [^\n]+)")


def add_report_options(parser: pytest.Parser) -> None:
    parser.getgroup("contracts").addoption(
        "--report",
        metavar="PATH",
        default=None,
        help="write the run report here: Markdown (.md) or HTML (.html)",
    )


def configure_report(config: pytest.Config) -> RunReport:
    """Register the plugin once per run (called from the suites' ``pytest_configure``)."""
    existing = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(existing, RunReport):
        return existing
    path = config.getoption("--report")
    report = RunReport(config, Path(path) if path else None)
    config.pluginmanager.register(report, PLUGIN_NAME)
    return report


def report_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise pytest.UsageError(
            f"--report {path}: the file name must end in .md (Markdown) or .html (HTML)"
        ) from None


def get_report(config: pytest.Config) -> RunReport | None:
    """This run's report, for callers that want the numbers (None outside the contract suites)."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin if isinstance(plugin, RunReport) else None


# --- what is collected ----------------------------------------------------------------------


@dataclass
class CheckFailure:
    """One distinct failure of a schemathesis check (the last, i.e. shrunk, example is kept)."""

    operation: str
    check: str
    title: str
    message: str
    curl: str


@dataclass
class Row:
    """One pytest item of a contract suite."""

    nodeid: str
    api: str
    kind: Kind
    name: str
    outcome: Outcome = "passed"
    duration: float = 0.0
    cases: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], CheckFailure] = field(default_factory=dict)
    error: str | None = None
    error_curl: str | None = None
    skip_reason: str | None = None
    requests: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_REQUESTS))

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    @property
    def failure_count(self) -> int:
        """Distinct check failures; a failed item without any (an exception) counts as one."""
        if self.outcome != "failed":
            return 0
        return len(self.failures) or 1


def classify(item: pytest.Item) -> tuple[str, Kind, str] | None:
    """(API, kind, name) of an item of ``contracts/test_<api>.py``; None for any other test."""
    stem = Path(str(item.path)).stem
    api = stem.removeprefix("test_")
    if not stem.startswith("test_") or api not in APIS or Path(str(item.path)).parent.name != "contracts":
        return None
    label = getattr(item, "operation_label", None)
    if isinstance(label, str):
        return api, "operation", label
    cls = getattr(item, "cls", None)
    if cls is not None and StatefulSchemaMark.get(cls) is not None:
        return api, "stateful", "stateful"
    return api, "scenario", item.nodeid.split("::", 1)[-1]


def first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def run_secrets() -> list[str]:
    """Token and key values of this run (``--token`` lands in the environment), longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if name.startswith(("CONTRACTS_TOKEN", "CONTRACTS_API_KEY")) and len(value) >= 4
    }
    for value in values.copy():  # an API=TOKEN pair left whole in CONTRACTS_TOKEN
        name, sep, rest = value.partition("=")
        if sep and name in APIS and len(rest) >= 4:
            values.add(rest)
    return sorted(values, key=len, reverse=True)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """Hide credentials in a curl line or a message: auth headers, secret query values, tokens."""
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + FILTERED, text)
    text = _SECRET_QUERY.sub(lambda m: m.group(1) + FILTERED, text)
    for secret in secrets:
        text = text.replace(secret, FILTERED)
    return text


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]} […{len(text) - limit} more characters]"


# --- the plugin ------------------------------------------------------------------------------


class RunReport:
    """Collects the rows of a run, prints progress and the summary, writes ``--report``."""

    def __init__(self, config: pytest.Config, path: Path | None) -> None:
        self.config = config
        self.path = path
        self.format = report_format(path) if path is not None else None
        self.rows: list[Row] = []
        self.started = time.time()
        self.finished: float | None = None
        self._current: Row | None = None
        self._secrets: list[str] | None = None  # read when needed: pytest_configure sets --token's
        self._targets: dict[str, str] = {}
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
            self._current.cases[case.operation.label] += 1

    def _after_network_error(self, context: Any, case: Any, request: Any) -> None:
        if self._current is not None:
            self._current.cases[case.operation.label] += 1

    def _after_validate(self, context: Any, case: Any, response: Any, results: list[Any]) -> None:
        row = self._current
        if row is None:
            return
        failed = [result for result in results if result.failure is not None]
        if not failed:
            return
        try:
            curl = case.as_curl_command(headers=dict(response.request.headers), verify=response.verify)
        except Exception as exc:  # the report must never fail the test it watches
            curl = f"(no curl line: {exc})"
        curl = mask(first_line(curl), self.secrets)
        for result in failed:
            failure = result.failure
            title = f"{failure.code} {failure.title}"
            message = mask(first_line(failure.message), self.secrets)
            key = (case.operation.label, result.name, title)
            row.failures[key] = CheckFailure(case.operation.label, result.name, title, message, curl)

    def _observe_request(self, api: str, request: SentRequest, response: Response) -> None:
        if self._current is not None:
            self._current.requests.append(f"{mask(request.as_curl(), self.secrets)}  # → {response.status}")

    # -- pytest hooks -----------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        found = classify(item)
        if found is None:
            return (yield)
        api, kind, name = found
        self._current = Row(item.nodeid, api, kind, name)
        self.rows.append(self._current)
        try:
            return (yield)
        finally:
            self._current = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self._row(report.nodeid)
        if row is None:
            return
        row.duration += report.duration
        if report.failed:
            if row.outcome != "failed":  # keep the first error (call before teardown)
                text = report.longreprtext
                crash = getattr(report.longrepr, "reprcrash", None)
                message = getattr(crash, "message", None)
                row.error = mask(first_line(message if isinstance(message, str) else text), self.secrets)
                if crash is not None and getattr(crash, "lineno", None) is not None:
                    row.error += f" ({Path(crash.path).name}:{crash.lineno})"
                if report.when != "call":
                    row.error = f"error in {report.when}: {row.error}"
                if found := _REPRODUCE.search(text):
                    row.error_curl = mask(found.group(1).strip(), self.secrets)
            row.outcome = "failed"
        elif report.skipped and row.outcome != "failed":
            row.outcome = "skipped"
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            if hasattr(report, "wasxfail"):
                reason = f"xfail: {report.wasxfail}"
            row.skip_reason = reason.removeprefix("Skipped: ")

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        row = self._row(nodeid)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if row is None or row.kind == "scenario" or reporter is None or self._verbosity < 0:
            return
        # One line per finished operation; it is left open so that pytest's next dot or progress
        # percentage follows on a new line instead of after an empty one.
        reporter.ensure_newline()
        reporter.write(progress_line(row), **({"red": True} if row.outcome == "failed" else {}))
        reporter.currentfspath = -2

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.finished = time.time()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            render = render_markdown if self.format == "markdown" else render_html
            self.path.write_text(render(self), encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.rows or self._verbosity < -1:
            return
        terminalreporter.write_sep("=", "contract run summary")
        for line in summary_lines(self):
            terminalreporter.write_line(line)
        if self.path is not None:
            terminalreporter.write_line(f"report: {self.path}")

    def pytest_unconfigure(self) -> None:
        for _name, hook in self._hooks:
            GLOBAL_HOOK_DISPATCHER.unregister(hook)
        if self._observe_request in REQUEST_OBSERVERS:
            REQUEST_OBSERVERS.remove(self._observe_request)

    # -- numbers ----------------------------------------------------------------------------

    @property
    def _verbosity(self) -> int:
        verbose: int = self.config.get_verbosity()
        return verbose

    def _row(self, nodeid: str) -> Row | None:
        for row in reversed(self.rows):
            if row.nodeid == nodeid:
                return row
        return None

    @property
    def secrets(self) -> list[str]:
        if self._secrets is None:
            self._secrets = run_secrets()
        return self._secrets

    def target_of(self, api: str) -> str:
        if api not in self._targets:
            self._targets[api] = describe_target(api)
        return self._targets[api]

    @property
    def apis(self) -> list[str]:
        return list(dict.fromkeys(row.api for row in self.rows))

    def rows_of(self, api: str, *kinds: Kind) -> list[Row]:
        return [row for row in self.rows if row.api == api and row.kind in kinds]

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == "failed"]

    @property
    def total_cases(self) -> int:
        return sum(row.total_cases for row in self.rows)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started

    def totals_line(self) -> str:
        outcomes = Counter(row.outcome for row in self.rows)
        checks = sum(row.failure_count for row in self.rows)
        verdict = "FAILED" if outcomes["failed"] else "PASSED"
        return (
            f"{verdict}: {plural(len(self.rows), 'test')} ({outcomes['passed']} passed, "
            f"{outcomes['failed']} failed, {outcomes['skipped']} skipped), "
            f"{plural(self.total_cases, 'generated case')}, {plural(checks, 'failure')}, {self.elapsed:.1f} s"
        )

    def profile_line(self) -> str:
        profile = os.environ.get("CONTRACTS_PROFILE", "ci")
        return describe_profile(profile, self.config.getoption("--hypothesis-seed", None))


# --- rendering -------------------------------------------------------------------------------


def describe_profile(profile: str, seed: object) -> str:
    """The profile, and how the run drew its cases: so a reader knows how to draw them again."""
    text = f"{profile} ({PROFILES.get(profile, '?')} generated cases per operation)"
    if seed is not None:
        return f"{text}, seed {seed}"
    if active_settings().derandomize:
        return f"{text}, derandomized (Hypothesis' ci profile, loaded as CI is set: the same cases every run)"
    return f"{text}, a random seed (--seed N draws the same cases again)"


def progress_line(row: Row) -> str:
    failures = row.failure_count
    status = {"failed": "FAILED", "skipped": "skipped"}.get(row.outcome, "")
    return (
        f"{row.api:<12} {row.name:<46} {row.total_cases:>5} cases {failures:>3} failure{'s' if failures != 1 else ' '}"
        f" {row.duration:>6.1f} s {status}"
    ).rstrip()


def describe_target(api: str) -> str:
    """Where ``api`` was checked: the live base URL, or the in-process app."""
    target = run_target(api)
    if target.live:
        return target.base_url
    app = os.environ.get("CONTRACTS_APP")
    return f"in-process app {app}" if app else "in-process mock (strict)"


def scenario_counts(rows: list[Row]) -> str:
    outcomes = Counter(row.outcome for row in rows)
    return ", ".join(f"{outcomes[o]} {o}" for o in ("passed", "failed", "skipped"))


def summary_lines(report: RunReport) -> list[str]:
    """The terminal summary: per API its operations and scenarios, then each failure."""
    limit = CURL_LIMIT["terminal"]
    lines: list[str] = []
    for api in report.apis:
        lines.append(f"{api}: {report.target_of(api)}")
        operations = report.rows_of(api, "operation", "stateful")
        if operations:
            lines.append(f"  {'operation':<50} {'cases':>6} {'failures':>9} {'time':>8}")
            for row in operations:
                mark = {"failed": "  FAILED", "skipped": "  skipped"}.get(row.outcome, "")
                lines.append(
                    f"  {row.name:<50} {row.total_cases:>6} {row.failure_count:>9} {row.duration:>6.1f} s{mark}"
                )
                if row.kind == "stateful":
                    lines.extend(f"    {label:<48} {count:>6}" for label, count in sorted(row.cases.items()))
        scenarios = report.rows_of(api, "scenario")
        if scenarios:
            lines.append(f"  scenarios: {scenario_counts(scenarios)}")
    lines.append(report.totals_line())
    if report.failed:
        lines.append("failures:")
    for row in report.failed:
        lines.append(f"  {row.nodeid}")
        for failure in row.failures.values():
            lines.append(f"    {failure.title} [{failure.check}]: {shorten(failure.message, 200)}")
            lines.append(f"      {shorten(failure.curl, limit)}")
        if not row.failures:
            lines.append(f"    {shorten(row.error or 'failed', 200)}")
            curl = row.error_curl or (row.requests[-1] if row.requests else None)
            if curl:
                lines.append(f"      {shorten(curl, limit)}")
    return lines


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: RunReport) -> str:
    limit = CURL_LIMIT["file"]
    started = datetime.fromtimestamp(report.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = [
        "# Contract run report",
        "",
        f"- **Result:** {report.totals_line()}",
        f"- **Started:** {started}",
        f"- **Profile:** {report.profile_line()}",
        "- **Targets:**",
        *(f"  - {api}: {report.target_of(api)}" for api in report.apis),
        "",
        "Cases are the requests schemathesis generated and checked; a failure is one distinct failed",
        "check (or an error) of a test. Scenarios are the hand-written tests of rules a schema cannot state.",
    ]
    if any(report.target_of(api).startswith("in-process") for api in report.apis):
        out += [
            "",
            "The in-process mock has no socket: its curl lines name `http://localhost/<api>`. To replay one,",
            "serve the mock (`python3 dev.py serve`) and send it to `http://127.0.0.1:8080/<api>` instead.",
        ]
    for api in report.apis:
        out += ["", f"## {api}", "", f"Target: {report.target_of(api)}", ""]
        operations = report.rows_of(api, "operation", "stateful")
        if operations:
            out += ["| Operation | Cases | Failures | Time | Result |", "|---|---:|---:|---:|---|"]
            for row in operations:
                name = f"`{row.name}`" if row.kind == "operation" else "stateful (the spec's links)"
                out.append(
                    f"| {_md_cell(name)} | {row.total_cases} | {row.failure_count} | {row.duration:.1f} s | {row.outcome} |"
                )
                if row.kind == "stateful":
                    out += [f"| ↳ `{label}` | {count} | | | |" for label, count in sorted(row.cases.items())]
            out.append("")
        scenarios = report.rows_of(api, "scenario")
        if scenarios:
            out += [f"Scenarios: {scenario_counts(scenarios)}.", ""]
            out += ["| Scenario | Result | Time |", "|---|---|---:|"]
            for row in scenarios:
                result = row.outcome + (f": {row.skip_reason}" if row.skip_reason else "")
                out.append(f"| `{_md_cell(row.name)}` | {_md_cell(result)} | {row.duration:.2f} s |")
    out += ["", "## Failures", ""]
    if not report.failed:
        out.append("None.")
    for row in report.failed:
        out += [f"### {row.api}: `{row.name}`", "", f"Test: `{row.nodeid}`", ""]
        for failure in row.failures.values():
            out += [
                f"- **{failure.title}** (`{failure.check}`, `{failure.operation}`): {failure.message}",
                "",
                "  ```bash",
                f"  {shorten(failure.curl, limit)}",
                "  ```",
                "",
            ]
        if not row.failures:
            out += [f"- {row.error or 'failed'}", ""]
            curls = [row.error_curl] if row.error_curl else list(row.requests)
            if curls:
                label = "Reproduce with:" if row.error_curl else "Last requests of the test (oldest first):"
                out += [label, "", "```bash", *(shorten(curl, limit) for curl in curls), "```", ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def render_html(report: RunReport) -> str:
    limit = CURL_LIMIT["file"]
    e = html.escape
    started = datetime.fromtimestamp(report.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    body = [
        "<h1>Contract run report</h1>",
        "<ul>",
        f"<li><b>Result:</b> {e(report.totals_line())}</li>",
        f"<li><b>Started:</b> {e(started)}</li>",
        f"<li><b>Profile:</b> {e(report.profile_line())}</li>",
        "</ul>",
    ]
    for api in report.apis:
        body += [f"<h2>{e(api)}</h2>", f"<p>Target: {e(report.target_of(api))}</p>"]
        operations = report.rows_of(api, "operation", "stateful")
        if operations:
            body.append(
                "<table><tr><th>Operation</th><th>Cases</th><th>Failures</th><th>Time</th><th>Result</th></tr>"
            )
            for row in operations:
                name = (
                    f"<code>{e(row.name)}</code>"
                    if row.kind == "operation"
                    else "stateful (the spec's links)"
                )
                body.append(
                    f"<tr class='{row.outcome}'><td>{name}</td><td>{row.total_cases}</td>"
                    f"<td>{row.failure_count}</td><td>{row.duration:.1f} s</td><td>{row.outcome}</td></tr>"
                )
                if row.kind == "stateful":
                    body += [
                        f"<tr><td>&#8627; <code>{e(label)}</code></td><td>{count}</td><td></td><td></td><td></td></tr>"
                        for label, count in sorted(row.cases.items())
                    ]
            body.append("</table>")
        scenarios = report.rows_of(api, "scenario")
        if scenarios:
            body += [
                f"<p>Scenarios: {e(scenario_counts(scenarios))}.</p>",
                "<table><tr><th>Scenario</th><th>Result</th><th>Time</th></tr>",
            ]
            for row in scenarios:
                result = row.outcome + (f": {row.skip_reason}" if row.skip_reason else "")
                body.append(
                    f"<tr class='{row.outcome}'><td><code>{e(row.name)}</code></td><td>{e(result)}</td>"
                    f"<td>{row.duration:.2f} s</td></tr>"
                )
            body.append("</table>")
    body.append("<h2>Failures</h2>")
    if not report.failed:
        body.append("<p>None.</p>")
    for row in report.failed:
        body += [
            f"<h3>{e(row.api)}: <code>{e(row.name)}</code></h3>",
            f"<p>Test: <code>{e(row.nodeid)}</code></p>",
        ]
        for failure in row.failures.values():
            body.append(
                f"<p><b>{e(failure.title)}</b> (<code>{e(failure.check)}</code>, <code>{e(failure.operation)}</code>): "
                f"{e(failure.message)}</p><pre>{e(shorten(failure.curl, limit))}</pre>"
            )
        if not row.failures:
            curls = [row.error_curl] if row.error_curl else list(row.requests)
            body.append(f"<p>{e(row.error or 'failed')}</p>")
            if curls:
                body.append("<pre>" + e("\n".join(shorten(curl, limit) for curl in curls)) + "</pre>")
    style = (
        "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
        "tr.failed td{background:#fde2e2}tr.skipped td{color:#777}"
        "pre{background:#f5f5f5;padding:.5rem;white-space:pre-wrap;word-break:break-all}"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Contract run report</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
