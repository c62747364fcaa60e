"""Delays and faults on a real ``mockserver serve`` (its intake front carries them out): what raw
sockets, ``requests`` and the journal see, and that a delayed request holds no one else up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from contracts.live import LiveServer
from mockserver.faults import GARBAGE
from tests.servers import raw_exchange

pytestmark = pytest.mark.live
EVENTS = "/perscom/v2/events"
AUTH = {"Authorization": "Bearer dev-token"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start(strict=True)
    yield live
    live.stop()


@pytest.fixture
def url(server: LiveServer) -> str:
    requests.delete(f"{server.url}/__mock/chaos", timeout=5)
    return server.url


def raw(url: str, prefer: str) -> tuple[str, bytes]:
    return raw_exchange(url, EVENTS, f"Authorization: Bearer dev-token\r\nPrefer: {prefer}\r\n")


def test_socket_faults_as_raw_sockets_see_them(url: str) -> None:
    assert raw(url, "fault=reset") == ("RST", b"")
    assert raw(url, "fault=empty") == ("EOF", b"")
    assert raw(url, "fault=garbage") == ("EOF", GARBAGE)
    how, data = raw(url, "fault=truncate")
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(v for k, v in (line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
                      if k.lower() == b"content-length"))
    assert how == "EOF" and head.startswith(b"HTTP/1.1 200") and len(body) == length // 2


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ("reset", requests.ConnectionError, "Connection reset by peer"),
        ("empty", requests.ConnectionError, "without response"),
        ("garbage", requests.ConnectionError, "BadStatusLine"),
        ("truncate", requests.exceptions.ChunkedEncodingError, "IncompleteRead"),
    ],
    ids=["reset", "empty", "garbage", "truncate"],
)
def test_socket_faults_as_requests_sees_them(url: str, fault: str, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        requests.get(f"{url}{EVENTS}", headers={**AUTH, "Prefer": f"fault={fault}"}, timeout=5)


def test_dribble_and_delay_take_their_time_and_say_so(url: str) -> None:
    started = time.perf_counter()
    dribbled = requests.get(f"{url}{EVENTS}", headers={**AUTH, "Prefer": "fault=dribble(4,100)"}, timeout=5)
    assert dribbled.status_code == 200 and "data" in dribbled.json()
    assert time.perf_counter() - started >= 0.28  # 3 pauses of 100 ms between 4 chunks
    assert dribbled.headers["Preference-Applied"] == 'fault="dribble(4,100)"'
    started = time.perf_counter()
    delayed = requests.get(f"{url}{EVENTS}", headers={**AUTH, "Prefer": "delay=100-300, seed=4"}, timeout=5)
    waited = (time.perf_counter() - started) * 1000
    applied = int(delayed.headers["Preference-Applied"].split(",")[0].removeprefix("delay="))
    assert 100 <= applied <= 300 and waited >= applied - 5


def test_a_rule_faults_and_delays_its_matching_requests_and_journals_it(url: str) -> None:
    rule = {"api": "perscom", "fault": "reset", "skip": 1, "count": 1, "delay": 50, "seed": 3}
    assert requests.post(f"{url}/__mock/chaos", json=rule, timeout=5).status_code == 201
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(requests.get(f"{url}{EVENTS}", headers=AUTH, timeout=5).status_code)
        except requests.ConnectionError:
            outcomes.append("reset")
    assert outcomes == [200, "reset", 200]
    entries = requests.get(f"{url}/__mock/journal?limit=3", timeout=5).json()["entries"]
    (effect,) = entries[1]["effects"]
    assert (effect["fault"], effect["delay_ms"], effect["ordinal"], effect["seed"]) == ("reset", 50, 2, 3)


def test_a_delayed_request_holds_no_one_else_up(url: str) -> None:
    slow = threading.Thread(
        target=lambda: requests.get(f"{url}{EVENTS}", headers={**AUTH, "Prefer": "delay=2000"}, timeout=10)
    )
    slow.start()
    time.sleep(0.2)
    latencies = []
    for _ in range(20):
        started = time.perf_counter()
        assert requests.get(f"{url}{EVENTS}", headers=AUTH, timeout=5).status_code == 200
        latencies.append(time.perf_counter() - started)
    assert slow.is_alive() and max(latencies) < 1.0
    slow.join()
