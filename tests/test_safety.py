"""Staging safety of `contracts run` against a live URL: read-only, rate limit, guard and cleanup.

A real `mockserver serve` process stands in for a shared staging deployment; its admin API is
the observer that tells whether the run changed anything.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from contracts.cli import main
from contracts.guard import SAFE_METHODS, GuardedSession, RefusedRequest
from contracts.ledger import CleanupResult, Entry, Ledger
from contracts.live import LiveServer
from contracts.options import RunConfig
from contracts.ratelimit import RateLimiter
from contracts.resources import pointer_values
from contracts.run import Run
from tests.servers import mock_app, serve, static_app

pytestmark = pytest.mark.live
SHARED_TWELVETWENTY_EVENT = {
    "ExternalId": "someone-elses-123",
    "UserId": 124,
    "TypeId": 1,
    "StartTime": "2018-06-10T20:00:00Z",
    "EndTime": "2018-06-10T22:00:00Z",
    "Title": "Not the run's",
}
SHARED_B2CORE_EVENT = {
    "caption": "Shared fixture",
    "startDate": "2022-01-01T00:00:00Z",
    "endDate": "2022-01-02T00:00:00Z",
}


def call(url: str, method: str = "GET", body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        method=method,
        data=data,
        headers={"Authorization": "Bearer dev-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start(strict=True)
    yield live
    live.stop()


def seed_shared(url: str) -> None:
    """One shared fixture per API a run could damage (12Twenty's: an event of another client)."""
    call(f"{url}/b2core/api/v2/calendars/events", "POST", SHARED_B2CORE_EVENT)
    call(
        f"{url}/perscom/v2/events",
        "POST",
        {
            "name": "shared",
            "calendar_id": 123,
            "author_id": 123,
            "all_day": False,
            "starts": "2023-11-07T05:31:56Z",
            "ends": "2023-11-07T06:31:56Z",
        },
    )
    call(
        f"{url}/kona/api/calendar_events",
        "POST",
        {"calendar_events": [{"name": "shared", "start_at": 1478250000000, "end_at": 1478253600000}]},
    )
    call(f"{url}/twelvetwenty/api/v2/calendar-events/batch", "PUT", [SHARED_TWELVETWENTY_EVENT])


@pytest.fixture
def staging(server: LiveServer) -> str:
    """The live mock, reset, holding one shared fixture per API a run could damage."""
    call(f"{server.url}/__mock/reset", "POST")
    seed_shared(server.url)
    call(f"{server.url}/__mock/journal", "DELETE")
    return server.url


@dataclass
class Result:
    returncode: int
    stdout: str


def contracts(capsys: pytest.CaptureFixture[str], *args: str, ledger: Path | None = None) -> Result:
    """``contracts run --profile quick ARGS`` in this process (as a user runs it, without the
    seconds a new interpreter costs)."""
    extra = [f"--ledger={ledger}"] if ledger else []
    code = main(["run", "--profile", "quick", *extra, *args])
    out, err = capsys.readouterr()
    return Result(code, out + err)


def journal(url: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = call(f"{url}/__mock/journal?limit=100000")["entries"]
    return entries


def received(server: LiveServer) -> list[tuple[str, str]]:
    """Every request the server answered, admin API included, from its access log."""
    # The access log is written every 0.1 s, later on a loaded machine: read until it stops growing
    # (a request counted late would look like one the run sent).
    lines: list[str] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = Path(server.log).read_text().splitlines()
        if now == lines:
            break
        lines = now
    return [
        (m.group(1), m.group(2)) for line in lines if (m := re.search(r'"([A-Z]+) (/[^" ]*)[^"]*" \d{3}', line))
    ]


def test_a_read_only_run_sends_no_unsafe_request_at_all(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every request the target receives is recorded (its access log), the admin API included."""
    call(f"{server.url}/__mock/reset", "POST")
    seed_shared(server.url)
    before = call(f"{server.url}/__mock/state")
    already = len(received(server))
    result = contracts(capsys, "--base-url", server.url, "--read-only")
    sent = received(server)[already:]
    assert call(f"{server.url}/__mock/state") == before
    assert result.returncode == 0, result.stdout[-3000:]
    search = re.compile(r"/perscom/[^/]+/events/search")  # PERSCOM's search only reads
    unsafe = [(m, p) for m, p in sent if m not in SAFE_METHODS and not search.fullmatch(p.split("?")[0])]
    assert unsafe == [], unsafe[:10]
    methods = Counter(method for method, _ in sent)
    assert methods["GET"] > 100 and methods["POST"] > 10, methods  # it did run: PERSCOM's search reads
    assert {path.split("/")[1] for _, path in sent} >= {"perscom", "b2core", "twelvetwenty", "kona"}


def test_a_write_run_deletes_what_it_created_and_spares_the_shared_fixture(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = call(f"{staging}/__mock/state/b2core")["b2core"]
    ledger = tmp_path / "ledger.jsonl"
    result = contracts(
        capsys, "--api", "b2core", "--base-url", staging, "-k", "test_schema and POST", ledger=ledger
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "cleanup deleted" in result.stdout
    assert call(f"{staging}/__mock/state/b2core")["b2core"]["events"] == before["events"]
    assert not ledger.exists()  # everything went, so the ledger did too
    touched = {e["path"] for e in journal(staging) if e["method"] in ("PUT", "PATCH", "DELETE")}
    assert "/b2core/api/v2/calendars/events/1" not in touched  # the shared fixture's id


def test_an_interrupted_run_still_cleans_up(staging: str, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contracts.cli",
            "run",
            "--api",
            "perscom",
            "--base-url",
            staging,
            f"--ledger={ledger}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not ledger.exists() or ledger.read_text().count("created") < 5):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output[-3000:]
    assert "cleanup deleted" in output, output[-3000:]
    assert re.search(r"^INTERRUPTED: \d+ tests", output, re.M), output[-3000:]
    assert "PASSED" not in output
    events = call(f"{staging}/__mock/state/perscom")["perscom"]["events"]
    assert [e["name"] for e in events] == ["shared"]


def test_a_killed_run_is_cleaned_up_from_its_ledger(staging: str, tmp_path: Path) -> None:
    created = call(
        f"{staging}/b2core/api/v2/calendars/events", "POST", {**SHARED_B2CORE_EVENT, "caption": "left"}
    )
    ledger = tmp_path / "ledger.jsonl"
    url = f"{staging}/b2core/api/v2/calendars/events/{created['id']}"
    Ledger(ledger).created(Entry("b2core", str(created["id"]), {"method": "DELETE", "url": url, "query": {}}))
    result = subprocess.run(
        [sys.executable, "-m", "contracts.cli", "cleanup", str(ledger)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [e["caption"] for e in call(f"{staging}/__mock/state/b2core")["b2core"]["events"]] == [
        "Shared fixture"
    ]
    assert not ledger.exists()


def test_rate_limit_caps_requests_per_second(staging: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = contracts(
        capsys,
        "--api",
        "twelvetwenty",
        "--base-url",
        staging,
        "--rate-limit",
        "20",
        "-k",
        "generateAuthenticationToken",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    times = sorted(datetime.fromisoformat(e["time"]).timestamp() for e in journal(staging))
    assert len(times) > 20
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 21  # 20 per second, plus one for clock granularity at the window's edge


# --- the guard itself, without a server ------------------------------------------------------------


class Recorder(GuardedSession):
    """A GuardedSession whose network is a stub answering each request from a table."""

    def __init__(self, api: str, answers: dict[tuple[str, str], tuple[int, Any]], run: Run) -> None:
        super().__init__(api, "http://staging.invalid/" + api, run)
        self.answers = answers
        self.sent: list[str] = []

    def _answer(self, request: requests.PreparedRequest) -> requests.Response:
        path = (request.url or "").split(self.base_url, 1)[1].split("?")[0]
        status, body = self.answers.get((request.method or "", path), (404, None))
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.request = request
        self.sent.append(f"{request.method} {path}")
        return response


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return Run(RunConfig(ledger=tmp_path / "ledger.jsonl"))


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recorder]]:
    monkeypatch.setattr(requests.Session, "send", lambda self, request, **kw: self._answer(request))
    yield Recorder


def test_guard_sends_writes_only_to_records_the_run_created(guarded: type[Recorder], run: Run) -> None:
    session = guarded("perscom", {("POST", "/v2/events"): (201, {"data": {"id": 77}})}, run)
    with pytest.raises(RefusedRequest, match="12 that this run did not create"):
        session.request("DELETE", f"{session.base_url}/v2/events/12")
    with pytest.raises(RefusedRequest, match="5"):
        session.request(
            "PATCH", f"{session.base_url}/v2/events/batch", json={"resources": {"5": {"name": "x"}}}
        )
    session.request("POST", f"{session.base_url}/v2/events", json={"name": "mine"})
    session.request("PATCH", f"{session.base_url}/v2/events/77", json={"name": "x"})
    session.request("DELETE", f"{session.base_url}/v2/events/batch", json={"resources": [77, "not-an-id"]})
    assert session.sent == ["POST /v2/events", "PATCH /v2/events/77", "DELETE /v2/events/batch"]
    assert run.ledger.owns("perscom", "77")


def test_read_only_refuses_every_write_but_lets_safe_reads_through(guarded: type[Recorder]) -> None:
    session = guarded("perscom", {}, Run(RunConfig(read_only=True)))
    session.request("GET", f"{session.base_url}/v2/events")
    session.request("POST", f"{session.base_url}/v2/events/search", json={})
    for method, url in (
        ("POST", f"{session.base_url}/v2/events"),
        ("DELETE", f"{session.base_url}/v2/events/1"),
        ("PUT", f"{session.base_url}/nowhere"),
        ("DELETE", "http://staging.invalid/__mock/clock"),  # the mock's admin API too
        ("POST", "http://staging.invalid/__mock/reset"),
    ):
        with pytest.raises(RefusedRequest, match="--read-only"):
            session.request(method, url)
    assert session.sent == ["GET /v2/events", "POST /v2/events/search"]


def test_twelvetwenty_keys_get_the_run_prefix_and_unprefixed_ones_are_refused(
    guarded: type[Recorder], run: Run
) -> None:
    session = guarded("twelvetwenty", {}, run)
    batch = f"{session.base_url}/api/v2/calendar-events/batch"
    with pytest.raises(RefusedRequest, match="'xyz-123' lack this run's prefix"):
        session.request("PUT", batch, json=[{"ExternalId": run.key("ok")}, {"ExternalId": "xyz-123"}])
    session.request("PUT", batch, json=[{"ExternalId": run.key("ok")}, {"ExternalId": 5}])
    assert session.sent == ["PUT /api/v2/calendar-events/batch"]
    body = [{"ExternalId": "a"}, {"ExternalId": 5}, {"Title": "no key"}]
    session.isolate(body)
    prefix = run.prefix
    assert pointer_values(body, "/*/ExternalId") == [prefix + "a", 5]
    session.isolate(body)  # idempotent: a replayed case is not prefixed twice
    assert body[0]["ExternalId"] == prefix + "a"


def test_ledger_replays_to_what_is_still_pending(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    ledger.created(Entry("kona", "1", {"method": "DELETE", "url": "u1", "query": {}}))
    ledger.created(Entry("kona", "2", {"method": "DELETE", "url": "u2", "query": {}}))
    ledger.created(Entry("twelvetwenty", "x", None))
    ledger.gone("kona", "1")
    again = Ledger.load(ledger.path)
    assert sorted(again.pending) == [("kona", "2"), ("twelvetwenty", "x")]
    assert again.owns("kona", "1")  # created by the run, even though it is gone


def test_rate_limiter_spaces_requests_evenly() -> None:
    limiter = RateLimiter(50)
    start = time.monotonic()
    for _ in range(11):
        limiter.wait()
    assert time.monotonic() - start >= 10 / 50 * 0.95
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_an_interrupt_waits_until_the_created_record_is_in_the_ledger() -> None:
    from contracts.cli import _interrupt
    from contracts.interrupts import interrupts_deferred

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        steps = []
        with pytest.raises(KeyboardInterrupt):
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGTERM)  # the answer has arrived ...
                steps.append("recorded")  # ... and its ledger line is still written
        assert steps == ["recorded"]
        assert signal.getsignal(signal.SIGTERM) is _interrupt  # the handler is back

        with pytest.raises(KeyboardInterrupt):  # a second signal is not held: never unkillable
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                os.kill(os.getpid(), signal.SIGTERM)
                steps.append("not reached")
        assert steps == ["recorded"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_check_leftovers_passes_a_run_that_cleans_up_and_fails_one_that_does_not(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--api", "perscom", "--base-url", staging, "--check-leftovers", "-k", "batch_update_lists"]
    clean = contracts(capsys, *args, ledger=tmp_path / "clean.jsonl")
    assert clean.returncode == 0, clean.stdout[-3000:]
    assert "the targets' state after the run equals their state before it" in clean.stdout
    monkeypatch.setattr(Ledger, "cleanup", lambda self, token_for: CleanupResult())  # deletes nothing
    left = contracts(capsys, *args, ledger=tmp_path / "left.jsonl")
    assert left.returncode == 1, left.stdout[-3000:]
    assert re.search(r"LEFT BEHIND on perscom: events added: \d+, \d+$", left.stdout, re.M), left.stdout[-3000:]
    assert re.search(r"^FAILED: 1 test \(1 passed", left.stdout, re.M), left.stdout[-3000:]


def test_check_leftovers_needs_a_mockserver_and_no_reset(capsys: pytest.CaptureFixture[str]) -> None:
    mock = mock_app()

    def vendor(environ: dict[str, Any], start_response: Any) -> Any:  # the API without the admin API
        if environ["PATH_INFO"].startswith("/__mock"):
            return static_app("404 Not Found", b"{}", "application/json")(environ, start_response)
        return mock(environ, start_response)

    with serve(vendor) as target:
        result = contracts(capsys, "--api", "b2core", "--base-url", f"b2core={target.url}/b2core", "--check-leftovers")
    assert result.returncode == 2, result.stdout
    assert "--check-leftovers needs a mockserver target" in result.stdout
    mixed = contracts(capsys, "--base-url", "http://127.0.0.1:9", "--check-leftovers", "--reset")
    assert mixed.returncode == 2
    assert mixed.stdout.strip() == "contracts: --check-leftovers with --reset: a reset would wipe what the check looks for"


def test_kona_window_scenarios_find_their_events_behind_a_full_first_page(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a target the run does not reset, earlier events that span the window sort first
    and fill page 1: a scenario reading only page 1 missed its own events (the flaky Kona runs)."""
    spanning = {"name": "spans", "start_at": 1478131200000, "end_at": 1478736000000}  # 2016-11-03..10
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer dev-token"
        for _ in range(101):
            session.post(f"{staging}/kona/api/calendar_events", json={"calendar_events": [spanning]}).raise_for_status()
    listed = call(f"{staging}/kona/api/calendar_events?date_range_start=1478512800000&per_page=100")
    assert len(listed["calendar_events"]) == 100  # page 1 holds none of a later create
    result = contracts(
        capsys, "--api", "kona", "--base-url", staging, "-k", "window_returns_overlapping", ledger=tmp_path / "l.jsonl"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"^PASSED: 1 test \(1 passed", result.stdout, re.M), result.stdout[-3000:]
