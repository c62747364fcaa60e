"""Staging-safe runs against a live URL: ``--read-only``, ``--rate-limit`` and the ledger.

Every request the suites send to a live target — schemathesis cases, its checks' follow-up
requests, the scenarios — goes through one :class:`GuardedSession` per API, which

* waits for the run-wide rate limit;
* under ``--read-only`` refuses anything that could change state;
* otherwise refuses writes that name a record this run did not create (a stray generated or
  captured id must never touch a shared staging fixture);
* records every record the run creates, and every one it deletes, in a ledger file.

At the end of the run — after a failure or Ctrl-C too — what is still in the ledger is deleted.
A run killed outright leaves the ledger behind; ``contracts cleanup LEDGER`` finishes the job.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from contracts.resources import RESOURCES, Resources, pointer_values, replace_values
from mockserver.config import DEV_TOKEN
from mockserver.errors import ApiError
from mockserver.routing import Router
from mockserver.spec import SPECS_DIR, Operation, Spec

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # RFC 9110 §9.2.1
LEDGER_DIR = Path(".contracts")


class RefusedRequest(RuntimeError):
    """The harness would not send this request to a live target (read-only or not ours)."""


@dataclass(frozen=True)
class RunOptions:
    read_only: bool = False
    rate_limit: float | None = None
    ledger: Path | None = None
    # A live mock that belongs to this run (--live-server, --reset): reset it between scenarios.
    reset: bool = False

    @classmethod
    def from_env(cls) -> RunOptions:
        rate = os.environ.get("CONTRACTS_RATE_LIMIT")
        ledger = os.environ.get("CONTRACTS_LEDGER")
        return cls(
            read_only=os.environ.get("CONTRACTS_READ_ONLY", "") not in ("", "0"),
            rate_limit=float(rate) if rate else None,
            ledger=Path(ledger) if ledger else None,
            reset=os.environ.get("CONTRACTS_RESET", "") not in ("", "0"),
        )


class RateLimiter:
    """At most ``rate`` requests per second, spaced evenly, across every thread of the run."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass
class Entry:
    api: str
    record: str
    delete: dict[str, Any] | None  # {"method", "url", "query"}; None: the API cannot delete it


@dataclass
class Ledger:
    """What the run created on live targets; one JSON line per event, appended as it happens."""

    path: Path
    pending: dict[tuple[str, str], Entry] = field(default_factory=dict)
    owned: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def created(self, *entries: Entry) -> None:
        """Record created records; a batch's records go to the file in one append."""
        if not entries:
            return
        with self._lock:
            for entry in entries:
                key = (entry.api, entry.record)
                self.owned.add(key)
                self.pending[key] = entry
            self._append(*({"event": "created", **entry.__dict__} for entry in entries))

    def gone(self, api: str, record: str) -> None:
        with self._lock:
            if self.pending.pop((api, record), None) is not None:
                self._append({"event": "gone", "api": api, "record": record})

    def owns(self, api: str, record: str) -> bool:
        return (api, record) in self.owned

    def _append(self, *events: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        at = datetime.now(UTC).isoformat()
        with self.path.open("a", encoding="utf-8") as sink:
            sink.writelines(json.dumps({"at": at, **event}) + "\n" for event in events)

    @classmethod
    def load(cls, path: Path) -> Ledger:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            key = (event["api"], event["record"])
            if event["event"] == "created":
                ledger.owned.add(key)
                ledger.pending[key] = Entry(event["api"], event["record"], event["delete"])
            else:
                ledger.pending.pop(key, None)
        return ledger

    def cleanup(self, token_for: Callable[[str], str]) -> CleanupResult:
        """Delete every pending record; a 404 counts as already gone."""
        result = CleanupResult()
        with requests.Session() as session:
            for (api, record), entry in list(self.pending.items()):
                if entry.delete is None:
                    result.kept.append(entry)
                    continue
                try:
                    response = session.request(
                        entry.delete["method"],
                        entry.delete["url"],
                        params=entry.delete.get("query") or None,
                        headers={"Authorization": f"Bearer {token_for(api)}"},
                        timeout=30,
                    )
                except requests.RequestException as exc:
                    result.failed.append((entry, str(exc)))
                    continue
                if response.status_code < 300 or response.status_code in (404, 410):
                    self.gone(api, record)
                    result.deleted.append(entry)
                else:
                    result.failed.append((entry, f"{response.status_code} {response.text[:200]}"))
        return result


@dataclass
class CleanupResult:
    deleted: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)
    kept: list[Entry] = field(default_factory=list)

    def lines(self, ledger: Path) -> Iterator[str]:
        if self.deleted:
            yield f"contracts: cleanup deleted {len(self.deleted)} record(s) the run created"
        for entry, reason in self.failed:
            yield f"contracts: cleanup could NOT delete {entry.api} record {entry.record}: {reason}"
        if self.kept:
            by_api: dict[str, list[str]] = {}
            for entry in self.kept:
                by_api.setdefault(entry.api, []).append(entry.record)
            for api, records in by_api.items():
                shown = ", ".join(records[:5]) + (f" and {len(records) - 5} more" if len(records) > 5 else "")
                yield f"contracts: {api} offers no delete; the run left {len(records)} record(s): {shown}"
        if self.failed or self.kept:
            yield f"contracts: the ledger of this run is {ledger} (`contracts cleanup {ledger}` retries)"


@dataclass
class Run:
    """Process-wide state of one contracts run."""

    options: RunOptions
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    limiter: RateLimiter | None = None
    _ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            path = self.options.ledger or LEDGER_DIR / f"ledger-{stamp}-{self.run_id}.jsonl"
            self._ledger = Ledger(path)
        return self._ledger

    @property
    def has_ledger(self) -> bool:
        return self._ledger is not None


@cache
def current_run() -> Run:
    options = RunOptions.from_env()
    return Run(options, limiter=RateLimiter(options.rate_limit) if options.rate_limit else None)


@cache
def router(api: str) -> Router:
    return Router(Spec.from_file(SPECS_DIR / f"{api}.yaml").operations)


def is_read_only(api: str, operation: Operation | None, method: str) -> bool:
    if method.upper() in SAFE_METHODS:
        return True
    return operation is not None and operation.operation_id in RESOURCES[api].read_only


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them as their handlers would.

    Only the main thread receives signals; elsewhere the block runs as it is. A second signal
    while one is held is acted on at once, so a stuck request never makes a run unkillable.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, FrameType | None]] = []
    previous: dict[int, Any] = {
        signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)
    }

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append((signum, frame))
        if len(held) > 1:
            _deliver(previous[signum], signum, frame)

    for signum in previous:
        signal.signal(signum, hold)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if held:
        _deliver(previous[held[0][0]], *held[0])


def _deliver(handler: Any, signum: int, frame: FrameType | None) -> None:
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_DFL and signum == signal.SIGINT:
        raise KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


class GuardedSession(requests.Session):
    """The one HTTP session of an API on a live target (see the module docstring)."""

    def __init__(self, api: str, base_url: str) -> None:
        super().__init__()
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.resources: Resources = RESOURCES[api]
        self.run = current_run()

    def identify(self, url: str, method: str) -> tuple[Operation | None, dict[str, str]]:
        path = urlsplit(url).path
        if not path.startswith(self.base_path + "/") and path != self.base_path:
            return None, {}  # the mock's admin API, or another host
        try:
            return router(self.api).match(path[len(self.base_path) :] or "/", method.upper())
        except ApiError:
            return None, {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method = (request.method or "GET").upper()
        url = request.url or ""
        operation, path_args = self.identify(url, method)
        body = _json(request.body)
        self.guard(operation, method, url, path_args, body)
        if self.run.limiter is not None:
            self.run.limiter.wait()
        if operation is None:
            return super().send(request, **kwargs)
        # Between the target's answer and the ledger line, an interrupt would leave a record
        # nobody deletes: Ctrl-C / SIGTERM wait until it is written (a second one does not).
        with interrupts_deferred():
            response = super().send(request, **kwargs)
            self.record(operation, path_args, response)
        return response

    def guard(
        self, operation: Operation | None, method: str, url: str, path_args: Mapping[str, str], body: Any
    ) -> None:
        if urlsplit(url).path.startswith("/__mock"):
            return  # the mock's own admin API (health, state snapshots, reset)
        if self.run.options.read_only and not is_read_only(self.api, operation, method):
            raise RefusedRequest(f"--read-only: refused to send {method} {url}")
        if operation is None or self.run.options.read_only:
            return
        if foreign := self.foreign(operation.operation_id, path_args, body):
            raise RefusedRequest(
                f"refused {method} {url}: it names {self.api} record(s) {', '.join(foreign)}"
                " that this run did not create"
            )

    def foreign(self, operation_id: str, path_args: Mapping[str, Any], body: Any) -> list[str]:
        """Records a write names that this run did not create (it must not touch them)."""
        addressed = self.resources.addressed.get(operation_id)
        named = addressed({k: str(v) for k, v in path_args.items()}, body) if addressed else []
        return [r for r in named if self.resources.record_id(r) and not self.owns(r)]

    def owns(self, record: str) -> bool:
        return self.run.has_ledger and self.run.ledger.owns(self.api, record)

    def record(self, operation: Operation, path_args: Mapping[str, str], response: requests.Response) -> None:
        status = response.status_code
        pointer = self.resources.created.get(operation.operation_id)
        if pointer and 200 <= status < 300:
            body = _json(response.content)
            if self.resources.wrote(body):
                records = [
                    str(r)
                    for r in pointer_values(body, pointer)
                    if isinstance(r, str | int) and not isinstance(r, bool)
                ]
                self.run.ledger.created(*(Entry(self.api, r, self.delete_request(r)) for r in records))
        addressed = self.resources.addressed.get(operation.operation_id)
        if operation.method == "DELETE" and addressed and (status < 300 or status in (404, 410)):
            for record in addressed(path_args, _json(response.request.body)):
                if self.owns(record) and self.deletes_for_good(response):
                    self.run.ledger.gone(self.api, record)

    def deletes_for_good(self, response: requests.Response) -> bool:
        """A soft delete (PERSCOM without force) leaves the record on the target: keep it pending."""
        delete = self.resources.delete
        if delete is None or not delete.query or response.status_code in (404, 410):
            return True
        sent = dict(parse_qsl(urlsplit(response.request.url or "").query))
        return all(sent.get(name) == value for name, value in delete.query.items())

    def delete_request(self, record: str) -> dict[str, Any] | None:
        delete = self.resources.delete
        if delete is None:
            return None
        return {
            "method": delete.method,
            "url": self.base_url + delete.path.format(id=record),
            "query": dict(delete.query),
        }

    def isolate(self, body: Any) -> Any:
        """Prefix client-chosen keys with this run's id (live targets only)."""
        if self.resources.client_keys:
            prefix = f"ct{self.run.run_id}-"
            replace_values(
                body,
                self.resources.client_keys,
                lambda key: prefix + key if isinstance(key, str) and not key.startswith(prefix) else key,
            )
        return body


def _json(raw: Any) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def cleanup_run(report: Callable[[str], None]) -> None:
    """Delete what the run created on live targets; say what could not be deleted."""
    run = current_run()
    if not run.has_ledger or not run.ledger.pending:
        return
    for line in cleanup_ledger(run.ledger):
        report(line)


def cleanup_ledger(ledger: Ledger, token_args: list[str] | None = None) -> list[str]:
    """Delete the ledger's pending records with the run's tokens; the ledger file goes when empty."""
    from contracts.target import parse_pairs

    tokens = parse_pairs(token_args, "CONTRACTS_TOKEN")
    result = ledger.cleanup(lambda api: tokens.get(api) or tokens.get("*") or DEV_TOKEN)
    lines = list(result.lines(ledger.path))
    if not ledger.pending:
        ledger.path.unlink(missing_ok=True)
    return lines
