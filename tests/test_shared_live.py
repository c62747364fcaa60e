"""``mockserver serve --store redis --workers 2`` as a user runs it: two worker processes behind
one port (the kernel spreads connections over them), a private redis-server started and stopped
with the mock, a worker killed with SIGKILL while clients write."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.live import LiveServer
from mockserver.cli import main
from mockserver.oplog import DOWN_SECONDS

pytestmark = pytest.mark.live
AUTH = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}
EVENTS = "/b2core/api/v2/calendars/events"
EVENT = {"caption": "x", "startDate": "2026-01-01T10:00:00Z", "endDate": "2026-01-01T11:00:00Z"}


@pytest.fixture(scope="module")
def server(redis_server: object) -> Iterator[LiveServer]:  # redis_server: skip without redis-server
    live = LiveServer.start(strict=True, extra=["--store", "redis", "--workers", "2", "--access-log", "off"])
    yield live
    live.stop()


def _call(server: LiveServer, method: str, path: str, body: object = None) -> tuple[int, object]:
    """One request on a connection of its own (so it may reach either worker)."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, None if body is None else json.dumps(body), AUTH)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def _workers(server: LiveServer) -> list[int]:
    """The granian worker processes (the mock's other child is its redis-server)."""
    found = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    children = [int(pid) for pid in found.stdout.split()]
    return [pid for pid in children if "redis" not in Path(f"/proc/{pid}/comm").read_text()]


def test_both_workers_serve_one_state(server: LiveServer) -> None:
    assert _call(server, "POST", "/__mock/reset")[0] == 200
    ids = [_call(server, "POST", EVENTS, EVENT)[1]["id"] for _ in range(20)]  # type: ignore[index]
    assert sorted(ids) == list(range(1, 21))  # no id given twice by the two workers
    for _ in range(10):
        status, listed = _call(server, "GET", EVENTS + "?limit=100")
        assert status == 200 and len(listed) == 20  # type: ignore[arg-type]
    status, health = _call(server, "GET", "/__mock/health")
    assert status == 200 and health["store"]["kind"] == "redis"  # type: ignore[index]


def test_a_worker_killed_while_clients_write_loses_nothing_acknowledged(server: LiveServer) -> None:
    assert _call(server, "POST", "/__mock/reset")[0] == 200
    workers = _workers(server)
    assert len(workers) >= 2, workers
    acknowledged = []
    for number in range(60):
        if number == 20:
            os.kill(workers[0], 9)
        try:
            status, body = _call(server, "POST", EVENTS, EVENT)
        except (OSError, http.client.HTTPException):
            continue  # the killed worker's connection: not acknowledged
        if status == 201:
            acknowledged.append(body["id"])  # type: ignore[index]
    status, body = _call(server, "GET", EVENTS + "?limit=100")
    assert status == 200, body
    listed = [event["id"] for event in body]  # type: ignore[union-attr]
    assert set(acknowledged) <= set(listed) and len(set(listed)) == len(listed)
    assert len(acknowledged) >= 50


def test_redis_paused_under_the_served_mock_means_503_within_a_second_then_service(server: LiveServer) -> None:
    """The event loop's head check (shared.py admission): requests waiting on a paused Redis,
    and those queued behind them, each get a 503 within 1 s; back at once after SIGCONT."""
    assert _call(server, "POST", "/__mock/reset")[0] == 200
    assert _call(server, "POST", EVENTS, EVENT)[0] == 201
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    redis = [int(pid) for pid in children.stdout.split() if "redis" in Path(f"/proc/{pid}/comm").read_text()]
    assert len(redis) == 1, children.stdout
    answers: list[tuple[int, float]] = []

    def timed(method: str, body: object = None) -> None:
        started = time.monotonic()
        status, _ = _call(server, method, EVENTS, body)
        answers.append((status, time.monotonic() - started))

    os.kill(redis[0], signal.SIGSTOP)
    try:
        clients = [threading.Thread(target=timed, args=("GET",)) for _ in range(6)]
        clients.append(threading.Thread(target=timed, args=("POST", EVENT)))
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    finally:
        os.kill(redis[0], signal.SIGCONT)
        resumed = time.monotonic()
    assert len(answers) == 7 and all(status == 503 and took < 1.0 for status, took in answers), answers
    deadline = resumed + 2
    while (found := _call(server, "GET", EVENTS))[0] != 200:
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    assert len(found[1]) == 1  # type: ignore[arg-type]  # nothing lost, nothing half applied
    # A worker that saw Redis fail answers 503 at once for DOWN_SECONDS after its last failure,
    # which came before the resume: past that, both workers answer (the first 200 may be one's)
    time.sleep(max(0.0, resumed + DOWN_SECONDS + 0.2 - time.monotonic()))
    statuses = [_call(server, "GET", EVENTS)[0] for _ in range(16)]
    assert statuses == [200] * 16, statuses


def test_every_answered_request_reaches_the_one_journal_though_no_request_follows(server: LiveServer) -> None:
    """Served, an entry leaves with the next head check of its worker; a worker's last entries
    (no request after them) go with a check of their own, sent by the event loop's timer."""
    assert _call(server, "POST", "/__mock/reset")[0] == 200
    assert _call(server, "DELETE", "/__mock/journal")[0] == 200
    paths = [f"{EVENTS}/{n}" for n in range(1, 31)]
    for path in paths:
        assert _call(server, "GET", path)[0] == 404
    time.sleep(0.1)  # FLUSH_AFTER is 3 ms
    status, journal = _call(server, "GET", "/__mock/journal?api=b2core")
    assert status == 200
    entries = journal["entries"]  # type: ignore[index]
    assert sorted(entry["path"] for entry in entries) == sorted(paths)
    seqs = [entry["seq"] for entry in entries]
    assert seqs == list(range(seqs[0], seqs[0] + 30))  # numbered by Redis, in the order kept


def test_workers_on_the_memory_store_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "2", "--port", "1"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("mockserver: --workers 2 needs a shared store")
    assert said.strip().endswith("(use --store redis or --store redis://HOST:PORT/DB)")
    assert main(["serve", "--store", "mem", "--port", "1"]) == 2
    assert "'mem' is neither 'memory' nor redis://HOST:PORT/DB" in capsys.readouterr().err


def test_stopping_the_mock_stops_its_redis(server: LiveServer) -> None:  # last: it stops the server
    started = re.search(r"redis-server on 127\.0\.0\.1:(\d+)", server.log.read_text())
    assert started, server.log.read_text()
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(started.group(1))), timeout=1):
        pass
