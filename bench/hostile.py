"""Hostile clients against a real `mockserver serve` with its default settings (loopback, bounded).

Usage: .venv/bin/python bench/hostile.py [--runs 3] [--stalled 50] [--slow 50]

1. Latency: a normal client's GET p50/p99 (200 sequential requests on one keep-alive connection)
   with nothing else open, then while ``--stalled`` connections sit in a request body
   (Content-Length 1,000,000, 10 bytes sent) and ``--slow`` sit in their headers. Target: p99
   <= 50 ms. Medians of the runs, and the ratio to the quiet p99 of the same run.
2. Size cap: a 100 MB body (declared, then streamed) and a 100 MB chunked body; the worker's peak
   RSS while it is refused, against a fresh worker's RSS + 2x the cap (target: below).
3. Memory that comes back: RSS of a fresh worker, after a flood of large requests (near-cap
   bodies that are stored, 1 MB fractional seconds, long LIKE patterns), and after a reset
   (target: within 25 % of fresh).
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # bench/ is a folder of scripts, not a package

CAP = 10 * 2**20
LIST = "/b2core/api/v2/calendars/events"
AUTH = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}


def start() -> tuple[peers.Server, int]:
    server = peers.Server("ours")
    port = peers.free_port()
    server.start([str(peers.BIN / "mockserver"), "serve", "--port", str(port)])
    peers.wait_up(f"http://127.0.0.1:{port}/__mock/health")
    return server, port


def worker_rss_mb(server: peers.Server) -> float:
    """RSS of the process holding the state: granian's worker (the largest of the tree)."""
    pids = [pid for proc in server.procs for pid in peers.process_tree(proc.pid)]
    return max(peers.rss_kb(pid) for pid in pids) / 1024


def latencies(port: int, count: int = 200) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", LIST + "?limit=10", headers=AUTH)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        out.append((time.perf_counter() - started) * 1000)
    conn.close()
    return out


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def hostile_connections(port: int, stalled: int, slow: int) -> list[socket.socket]:
    socks = []
    for _ in range(stalled):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            b"PUT /__mock/state HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000\r\n\r\n" + b'{"b2core":'
        )
        socks.append(sock)
    for _ in range(slow):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /__mock/health HTTP/1.1\r\nHost: 127")
        socks.append(sock)
    return socks


class PeakRss:
    def __init__(self, server: peers.Server) -> None:
        self.server = server
        self.peak = 0.0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, worker_rss_mb(self.server))
            time.sleep(0.005)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak


def send_big(port: int, chunked: bool, size: int = 100 * 2**20) -> str:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}".encode()
    sock.sendall(
        b"POST /kona/api/calendar_events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer dev-token\r\nContent-Type: application/json\r\n" + framing + b"\r\n\r\n"
    )
    block = b" " * 2**20
    sent = 0
    try:
        while sent < size:
            sock.sendall(b"100000\r\n" + block + b"\r\n" if chunked else block)
            sent += len(block)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        answer = sock.recv(200).split(b"\r\n", 1)[0].decode()
    except (ConnectionResetError, TimeoutError):
        answer = "(reset)"
    sock.close()
    return f"{answer} after {sent // 2**20} MB sent"


def flood(port: int) -> None:
    """20 rounds of: a near-cap B2Core create, a near-cap Kona create (its ``details`` may be
    stored), a search with 1 MB of fractional seconds and one with a 1 MB LIKE pattern."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    frac = "2024-01-01T00:00:00." + "1" * 2**20 + "Z"
    for i in range(20):
        kona = {"calendar_events": [{"name": f"k{i}", "details": "k" * (CAP - 1000)}]}
        conn.request("POST", "/kona/api/calendar_events", body=json.dumps(kona), headers=AUTH)
        conn.getresponse().read()
        event = {
            "caption": f"f{i}",
            "description": "d" * (CAP - 1000),
            "startDate": "2024-03-01T10:00:00Z",
            "endDate": "2024-03-01T11:00:00Z",
        }
        conn.request("POST", LIST, body=json.dumps(event), headers=AUTH)
        conn.getresponse().read()
        search = {"filters": [{"field": "starts", "operator": ">", "value": frac}]}
        conn.request("POST", "/perscom/v2/events/search", body=json.dumps(search), headers=AUTH)
        conn.getresponse().read()
        like = {"filters": [{"field": "name", "operator": "like", "value": "%" + "a" * 2**20 + "%"}]}
        conn.request("POST", "/perscom/v2/events/search", body=json.dumps(like), headers=AUTH)
        conn.getresponse().read()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stalled", type=int, default=50)
    parser.add_argument("--slow", type=int, default=50)
    args = parser.parse_args()
    quiet, loaded, ratios = [], [], []
    for _ in range(args.runs):
        server, port = start()
        try:
            latencies(port, 50)  # warm up
            calm = latencies(port)
            socks = hostile_connections(port, args.stalled, args.slow)
            time.sleep(0.2)
            busy = latencies(port)
            for sock in socks:
                sock.close()
        finally:
            server.stop()
        quiet.append(p99(calm))
        loaded.append(p99(busy))
        ratios.append(p99(busy) / p99(calm))
    print(
        f"1. GET p99 quiet {statistics.median(quiet):.2f} ms; with {args.stalled} stalled bodies + "
        f"{args.slow} slow headers open {statistics.median(loaded):.2f} ms "
        f"(x{statistics.median(ratios):.2f}; target <= 50 ms: {'met' if statistics.median(loaded) <= 50 else 'NOT met'})"
    )

    server, port = start()
    try:
        fresh = worker_rss_mb(server)
        for chunked in (False, True):
            peak = PeakRss(server)
            answer = send_big(port, chunked)
            top = peak.stop()
            limit = fresh + 2 * CAP / 2**20
            print(
                f"2. 100 MB {'chunked' if chunked else 'declared'} body: {answer}; peak RSS {top:.0f} MB, "
                f"fresh {fresh:.0f} MB + 2x cap = {limit:.0f} MB: {'met' if top <= limit else 'NOT met'}"
            )
    finally:
        server.stop()

    rows = []
    for _ in range(args.runs):
        server, port = start()
        try:
            fresh = worker_rss_mb(server)
            flood(port)
            flooded = worker_rss_mb(server)
            peers.request(f"http://127.0.0.1:{port}/__mock/reset", "POST")
            time.sleep(0.5)
            rows.append((fresh, flooded, worker_rss_mb(server)))
        finally:
            server.stop()
    fresh, flooded, after = (statistics.median(column) for column in zip(*rows, strict=True))
    ratio = statistics.median(row[2] / row[0] for row in rows)
    print(
        f"3. RSS fresh {fresh:.0f} MB, after flood {flooded:.0f} MB, after reset {after:.0f} MB "
        f"({ratio:.2f}x fresh, median of {args.runs}; target <= 1.25x: {'met' if ratio <= 1.25 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
