"""Socket-level faults and delays at the TCP level: raw sockets, requests and curl see what a real
client would. ``faults.deliver`` runs under granian's ASGI and RSGI interfaces (tests/data/fault_app.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockserver.faults import GARBAGE
from tests.data.fault_app import BODY
from tests.servers import raw_exchange

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module", params=["asgi", "rsgi"])
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "granian", "--interface", request.param, "--host", "127.0.0.1",
               "--port", str(port), "--no-ws", "tests.data.fault_app:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/ok", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def raw(base: str, path: str) -> tuple[str, bytes]:
    return raw_exchange(base, path)


def test_reset_is_a_tcp_rst_before_any_byte(base: str) -> None:
    assert raw(base, "/reset") == ("RST", b"")
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(f"{base}/reset", timeout=5)
    assert "Connection reset by peer" in str(caught.value)


def test_empty_closes_without_a_byte(base: str) -> None:
    assert raw(base, "/empty") == ("EOF", b"")
    with pytest.raises(requests.ConnectionError, match="without response"):
        requests.get(f"{base}/empty", timeout=5)


def test_garbage_sends_bytes_that_are_no_http_then_closes(base: str) -> None:
    assert raw(base, "/garbage") == ("EOF", GARBAGE)
    with pytest.raises(requests.ConnectionError, match="BadStatusLine"):
        requests.get(f"{base}/garbage", timeout=5)


def test_truncate_sends_half_the_body_under_the_full_length(base: str) -> None:
    how, data = raw(base, "/truncate")
    head, _, body = data.partition(b"\r\n\r\n")
    assert how == "EOF" and head.startswith(b"HTTP/1.1 200")
    assert f"content-length: {len(BODY)}".encode() in head.lower()
    assert body == BODY[: len(BODY) // 2]
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        requests.get(f"{base}/truncate", timeout=5)


def test_dribble_sends_the_whole_body_in_timed_chunks(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    arrivals = []
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"GET /dribble HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        started = time.perf_counter()
        while chunk := conn.recv(65536):
            arrivals.append((time.perf_counter() - started, chunk))
    assert b"".join(c for _, c in arrivals).endswith(BODY)
    assert len(arrivals) >= 4 and arrivals[-1][0] >= 0.38  # 5 chunks 100 ms apart
    started = time.perf_counter()
    response = requests.get(f"{base}/dribble", timeout=5)
    assert response.content == BODY and time.perf_counter() - started >= 0.38


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize(
    ("path", "exit_code"),
    [("/ok", 0), ("/reset", 56), ("/empty", 52), ("/garbage", 1), ("/truncate", 18), ("/dribble", 0)],
    ids=["ok", "reset-recv-failure", "empty-reply", "garbage-http09", "truncate-partial", "dribble"],
)
def test_what_curl_sees(base: str, path: str, exit_code: int) -> None:
    result = subprocess.run(["curl", "-sS", "-m", "5", "-o", os.devnull, f"{base}{path}"], capture_output=True)
    assert result.returncode == exit_code, result.stderr


def test_a_delay_holds_no_one_else_up(base: str) -> None:
    slow = threading.Thread(target=lambda: requests.get(f"{base}/delay/1500", timeout=10))
    slow.start()
    time.sleep(0.2)
    latencies = []
    for _ in range(20):
        started = time.perf_counter()
        requests.get(f"{base}/ok", timeout=5)
        latencies.append(time.perf_counter() - started)
    assert slow.is_alive()  # the delayed request is still waiting ...
    assert max(latencies) < 1.0  # ... while every other one was answered
    slow.join()
