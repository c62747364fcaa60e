"""Admin merges against API writes from many threads: no lost update, no resurrection, no
duplicate id. In-process with real threads (and a short switch interval, so the GIL hands over
mid-operation), then a live server at --threads 1 and 4. The long version (16 threads x 1,000
writes beside 200 merges) is bench/hostile.py --only 5."""

from __future__ import annotations

import json
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from contracts.live import LiveServer
from mockserver import create_app

LIST = "/b2core/api/v2/calendars/events"
AUTH = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}
Call = Callable[[str, str, Any], tuple[int, Any]]


def _event(caption: str) -> dict[str, Any]:
    return {"caption": caption, "startDate": "2024-03-01T10:00:00Z", "endDate": "2024-03-01T11:00:00Z"}


def _hammer(call: Call, writers: int, writes: int, merges: int) -> dict[str, Any]:
    """Each writer creates, updates and deletes its own events; one thread merges fixtures."""
    expected: dict[int, str] = {}  # id -> final caption of every event that must survive
    deleted: set[int] = set()
    lock = threading.Lock()
    errors: list[str] = []

    def writer(n: int) -> None:
        for i in range(writes // 3):
            status, body = call("POST", LIST, _event(f"w{n}-{i}"))
            if status != 201:
                errors.append(f"create {status} {body}")
                continue
            event_id = body["id"]
            status, _ = call("PUT", f"{LIST}/{event_id}", _event(f"w{n}-{i}-final"))
            if status != 200:
                errors.append(f"update {status}")
            if i % 2:
                status, _ = call("DELETE", f"{LIST}/{event_id}", None)
                with lock:
                    deleted.add(event_id)
            else:
                with lock:
                    expected[event_id] = f"w{n}-{i}-final"

    def merger() -> None:
        for m in range(merges):
            status, body = call("POST", "/__mock/state", {"b2core": {"events": [_event(f"fixture-{m}")]}})
            if status != 200:
                errors.append(f"merge {status} {body}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    threads.append(threading.Thread(target=merger))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    status, state = call("GET", "/__mock/state/b2core", None)
    events = state["b2core"]["events"]
    ids = [e["id"] for e in events]
    by_id = {e["id"]: e for e in events}
    return {
        "lost": [i for i, caption in expected.items() if by_id.get(i, {}).get("caption") != caption],
        "resurrected": sorted(deleted & set(by_id)),
        "duplicates": len(ids) - len(set(ids)),
        "fixtures": sum(1 for e in events if e["caption"].startswith("fixture-")),
    }


@pytest.fixture
def fast_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_in_process_merges_lose_nothing(fast_switching: None) -> None:
    app = create_app({"log_requests": False})

    def call(method: str, path: str, body: Any) -> tuple[int, Any]:
        client = app.test_client()  # one per call: test clients are not thread-safe
        response = client.open(
            path, method=method, json=body, headers={"Authorization": AUTH["Authorization"]}
        )
        return response.status_code, response.get_json(silent=True)

    found = _hammer(call, writers=8, writes=90, merges=40)
    assert found == {"lost": [], "resurrected": [], "duplicates": 0, "fixtures": 40}


@pytest.mark.live
@pytest.mark.parametrize("threads", [1, 4])
def test_live_merges_lose_nothing(threads: int) -> None:
    live = LiveServer.start(strict=False, extra=["--threads", str(threads)])
    try:

        def call(method: str, path: str, body: Any) -> tuple[int, Any]:
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(live.url + path, data=data, method=method, headers=AUTH)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    raw = response.read()
                    return response.status, json.loads(raw) if raw else None
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        found = _hammer(call, writers=8, writes=60, merges=30)
        assert found == {"lost": [], "resurrected": [], "duplicates": 0, "fixtures": 30}
    finally:
        live.stop()
