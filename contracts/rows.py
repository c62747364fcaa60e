"""What a contract run's report is made of: one :class:`Row` per pytest item of a suite.

The plugin (``contracts.report``) fills the rows as the run goes; the terminal summary and the
Markdown and HTML renderers (``contracts.render``) only lay them out. Every text that came from
the target or from generated data passes :func:`clean` (secrets masked, control characters
escaped) before it is stored, so no renderer can print it raw.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from contracts.apis import APIS
from contracts.harness import active_settings
from contracts.leftovers import left_behind
from contracts.options import PROFILES
from contracts.run import Run
from contracts.text import escaped

Kind = Literal["operation", "stateful", "scenario"]
Outcome = Literal["passed", "failed", "skipped"]

# Requests kept per scenario (the report shows them all, the terminal the last one).
KEPT_REQUESTS = 3
FILTERED = "[Filtered]"
# Query parameters whose names say they carry a secret (schemathesis masks the same markers).
_SECRET_QUERY = re.compile(
    r"([?&][^=&\s']*(?:token|key|secret|password|passwd|auth|session|credential)[^=&\s']*=)[^&\s']*", re.I
)
_AUTH_HEADER = re.compile(r"((?:Authorization|Proxy-Authorization|Cookie|X-Api-Key): )[^']*", re.I)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """Hide credentials in a curl line or a message: auth headers, secret query values, tokens."""
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + FILTERED, text)
    text = _SECRET_QUERY.sub(lambda m: m.group(1) + FILTERED, text)
    for secret in secrets:
        text = text.replace(secret, FILTERED)
    return text


def clean(text: str, secrets: Iterable[str] = ()) -> str:
    """Fit to print: secrets masked, control characters (newlines too) escaped."""
    return escaped(mask(text, secrets))


def first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]} […{len(text) - limit} more characters]"


@dataclass
class CheckFailure:
    """One distinct failure of a schemathesis check (the last, i.e. shrunk, example is kept)."""

    operation: str
    check: str
    code: str  # schemathesis' stable failure code, e.g. ST108 (ST901: one of ours)
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
    # operation label → how many answers were 2xx; and how many of each status
    successes: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], CheckFailure] = field(default_factory=dict)
    error: str | None = None
    error_curl: str | None = None
    skip_reason: str | None = None
    requests: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_REQUESTS))

    def to_wire(self) -> dict[str, Any]:
        """The row as plain data, for a worker process of ``--jobs`` to send to the main one."""
        return {
            **{name: getattr(self, name) for name in _SCALARS},
            "cases": list(self.cases.items()),
            "successes": list(self.successes.items()),
            "statuses": [(label, list(counts.items())) for label, counts in self.statuses.items()],
            "failures": [astuple(failure) for failure in self.failures.values()],
            "requests": list(self.requests),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Row:
        failures = [CheckFailure(*fields) for fields in data["failures"]]
        return cls(
            **{name: data[name] for name in _SCALARS},
            cases=Counter(dict(data["cases"])),
            successes=Counter(dict(data["successes"])),
            statuses={label: Counter(dict(counts)) for label, counts in data["statuses"]},
            failures={(f.operation, f.check, f.code): f for f in failures},
            requests=deque(data["requests"], maxlen=KEPT_REQUESTS),
        )

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    @property
    def total_successes(self) -> int:
        return sum(self.successes.values())

    def answered(self, label: str, status: int) -> None:
        """One answer to a case (status 0: no answer, a network error)."""
        self.cases[label] += 1
        if 200 <= status < 300:
            self.successes[label] += 1
        self.statuses.setdefault(label, Counter())[status] += 1

    def not_exercised(self) -> str | None:
        """Why an operation's schema test tested nothing (no answer was a 2xx), or None."""
        if self.kind != "operation" or self.total_successes or not self.total_cases:
            return None
        seen: Counter[int] = Counter()
        for counts in self.statuses.values():
            seen.update(counts)
        shown = ", ".join(f"{status or 'no answer'} ×{count}" for status, count in seen.most_common(5))
        return f"not exercised: none of its {plural(self.total_cases, 'answer')} was a 2xx ({shown})"

    @property
    def exercised(self) -> bool:
        return self.kind == "operation" and self.total_successes > 0

    @property
    def failure_count(self) -> int:
        """Distinct check failures; a failed item without any (an exception) counts as one."""
        if self.outcome != "failed":
            return 0
        return len(self.failures) or 1


_SCALARS = ("nodeid", "api", "kind", "name", "outcome", "duration", "error", "error_curl", "skip_reason")


def classify(item: pytest.Item) -> tuple[str, Kind, str] | None:
    """(API, kind, name) of an item of ``contracts/test_<api>.py``; None for any other test."""
    path = Path(str(item.path))
    api = path.stem.removeprefix("test_")
    if not path.stem.startswith("test_") or api not in APIS or path.parent.name != "contracts":
        return None
    label = getattr(item, "operation_label", None)
    if isinstance(label, str):
        return api, "operation", label
    if getattr(item, "originalname", item.name) == "test_workflow":
        return api, "stateful", "stateful"
    return api, "scenario", item.nodeid.split("::", 1)[-1]


def describe_profile(profile: str, seed: object, derandomized: bool) -> str:
    """The profile, and how the run drew its cases: so a reader knows how to draw them again."""
    text = f"{profile} ({PROFILES.get(profile, '?')} generated cases per operation)"
    if seed is not None:
        return f"{text}, seed {seed}"
    if derandomized:
        return f"{text}, derandomized (Hypothesis' ci profile, loaded as CI is set: the same cases every run)"
    return f"{text}, a random seed (--seed N draws the same cases again)"


def progress_line(row: Row) -> str:
    failures = row.failure_count
    status = {"failed": "FAILED", "skipped": "skipped"}.get(row.outcome, "")
    ok = f" {row.total_successes:>5} 2xx" if row.kind == "operation" else " " * 9
    return (
        f"{row.api:<12} {row.name:<46} {row.total_cases:>5} cases{ok} {failures:>3} failure{'s' if failures != 1 else ' '}"
        f" {row.duration:>6.1f} s {status}"
    ).rstrip()


def scenario_counts(rows: list[Row]) -> str:
    outcomes = Counter(row.outcome for row in rows)
    return ", ".join(f"{outcomes[o]} {o}" for o in ("passed", "failed", "skipped"))


class Results:
    """A run's rows and the figures read from them: what the summary and both renderers print."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.rows: list[Row] = []
        self.started = time.time()
        self.finished: float | None = None

    def target_of(self, api: str) -> str:
        """Where ``api`` was checked: the live base URL, or the in-process app."""
        url = self.run.base_url(api)
        if url is not None:
            return clean(url)
        app = self.run.config.app
        return f"in-process app {app}" if app else "in-process mock (strict)"

    @property
    def apis(self) -> list[str]:
        """The APIs with rows, in the suites' order (as rows from parallel jobs arrive mixed)."""
        return [api for api in APIS if any(row.api == api for row in self.rows)]

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
        verdict = "FAILED" if outcomes["failed"] or left_behind(self.run) else "PASSED"
        if self.run.interrupted:
            verdict = "INTERRUPTED"
        operations = [row for row in self.rows if row.kind == "operation" and row.outcome != "skipped"]
        exercised = sum(row.exercised for row in operations)
        excluded = self.run.config.excluded_checks
        return (
            f"{verdict}: {plural(len(self.rows), 'test')} ({outcomes['passed']} passed, "
            f"{outcomes['failed']} failed, {outcomes['skipped']} skipped), "
            f"{exercised} of {plural(len(operations), 'operation')} exercised, "
            f"{plural(self.total_cases, 'generated case')}, {plural(checks, 'failure')}, {self.elapsed:.1f} s"
            + (f"; checks left out: {', '.join(excluded)}" if excluded else "")
        )

    def profile_line(self) -> str:
        config = self.run.config
        return describe_profile(config.profile, config.seed, active_settings().derandomize)
