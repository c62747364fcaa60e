"""Hostile clients against a real `mockserver serve` with its default settings (loopback, bounded).

Usage: .venv/bin/python bench/hostile.py [--runs 3] [--stalled 50] [--slow 50]

1. Latency: a normal client's GET p50/p99 (200 sequential requests on one keep-alive connection)
   with nothing else open, then while ``--stalled`` connections sit in a request body
   (Content-Length 1,000,000, 10 bytes sent) and ``--slow`` sit in their headers. Target: p99
   <= 50 ms. Medians of the runs, and the ratio to the quiet p99 of the same run.
2. Size cap: a 100 MB body (declared, then streamed) and a 100 MB chunked body; the worker's peak
   RSS while it is refused, against a fresh worker's RSS + 2x the cap (target: below).
3. Memory that comes back: RSS of a fresh worker, after a flood of large requests (near-cap
   bodies, some stored, 1 MB fractional seconds, long LIKE patterns), and after a reset
   (target: within 25 % of fresh).
4. CPU time: every case of the hostile corpus (tests/hostile_corpus.py) and the costliest searches
   the limits allow, in-process against 1,000 records per API; the slowest (target <= 0.5 s).
5. Concurrency: 16 threads x 1,000 mixed writes (create, update, delete) beside 200 admin merges
   against `mockserver serve --threads 1` and `--threads 4`: lost updates, resurrections,
   duplicate ids (target: 0 each).

``--only 1,4`` runs some sections.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
import benchkit  # bench/ is a folder of scripts, not a package

CAP = 10 * 2**20
LIST = "/b2core/api/v2/calendars/events"
AUTH = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}


def start(*extra: str) -> tuple[benchkit.Server, int]:
    server = benchkit.Server("ours")
    port = benchkit.free_port()
    server.start([str(benchkit.BIN / "mockserver"), "serve", "--port", str(port), *extra])
    benchkit.wait_up(f"http://127.0.0.1:{port}/__mock/health")
    return server, port


def worker_rss_mb(server: benchkit.Server) -> float:
    """RSS of the process holding the state: granian's worker (the largest of the tree)."""
    pids = [pid for proc in server.procs for pid in benchkit.process_tree(proc.pid)]
    return max(benchkit.rss_kb(pid) for pid in pids) / 1024


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
    def __init__(self, server: benchkit.Server) -> None:
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


def seeded_client() -> Any:
    """An in-process app (serve's defaults) holding 1,000 records per API."""
    from mockserver import create_app
    from tests.hostile_corpus import seed

    client = create_app({"log_requests": False}).test_client()
    seed(client, 1000, {"Authorization": AUTH["Authorization"]})
    return client


def costliest_legal() -> list[Any]:
    """Searches at the limits PERSCOM's spec allows."""
    from tests.hostile_corpus import Case

    search = "/perscom/v2/events/search?limit=1"
    dates = [f"2024-01-{d:02d}T10:00:00Z" for d in range(1, 29)] * 4
    bodies = {
        "legal-50-date-in-100": {
            "filters": [{"field": "starts", "operator": "in", "value": dates[:100]}] * 50
        },
        "legal-50-text-in-100": {
            "filters": [{"field": "name", "operator": "not in", "value": [str(i) for i in range(100)]}] * 50
        },
        "legal-50-or-like-1000": {
            "filters": [{"type": "or", "field": "description", "operator": "like", "value": "%d" * 500}] * 50
        },
        "legal-keyword-1000": {"search": {"value": "d_" * 500, "case_sensitive": False}},
        "legal-20-sorts": {
            "sort": [{"field": f, "direction": "desc"} for f in ("name", "starts", "calendar.name", "id") * 5]
        },
    }
    return [
        (
            "perscom",
            Case(name, "POST", search, json.dumps(body).encode(), {"Content-Type": "application/json"}),
        )
        for name, body in bodies.items()
    ]


def cpu_times() -> None:
    from tests.hostile_corpus import CORPUS

    client = seeded_client()
    cases = [(api, case) for api, cases in CORPUS.items() for case in cases] + costliest_legal()
    timings = []
    for api, case in cases:
        headers = {**{"Authorization": AUTH["Authorization"]}, **case.headers}
        started = time.thread_time()
        response = client.open(case.path, method=case.method, data=case.body, headers=headers)
        response.get_data()
        timings.append((time.thread_time() - started, f"{api} {case.name} -> {response.status_code}"))
    timings.sort(reverse=True)
    slowest = timings[0][0]
    print(
        f"4. CPU time over {len(cases)} hostile and limit-sized requests (1,000 records per API): slowest "
        f"{slowest:.3f} s ({timings[0][1]}); target <= 0.5 s: {'met' if slowest <= 0.5 else 'NOT met'}"
    )
    for seconds, name in timings[:5]:
        print(f"   {seconds:.3f} s  {name}")


def concurrency(threads: int, writers: int = 16, writes: int = 1200, merges: int = 200) -> dict[str, Any]:
    """tests/test_concurrency.py's hammer at full size; one keep-alive connection per thread."""
    from tests.test_concurrency import _hammer

    server, port = start("--threads", str(threads))
    local = threading.local()

    def call(method: str, path: str, body: Any) -> tuple[int, Any]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        data = json.dumps(body) if body is not None else None
        local.conn.request(method, path, body=data, headers=AUTH)
        response = local.conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    try:
        started = time.perf_counter()
        found = _hammer(call, writers=writers, writes=writes, merges=merges)
        found["seconds"] = round(time.perf_counter() - started, 1)
        return found
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stalled", type=int, default=50)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--only", default="1,2,3,4,5")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "4" in only:
        cpu_times()
    if "5" in only:
        for threads in (1, 4):
            found = concurrency(threads)
            bad = len(found["lost"]) + len(found["resurrected"]) + found["duplicates"]
            print(
                f"5. --threads {threads}: 16 x 1,000 writes + 200 merges in {found['seconds']} s: "
                f"{len(found['lost'])} lost, {len(found['resurrected'])} resurrected, {found['duplicates']} "
                f"duplicate ids, {found['fixtures']}/200 fixtures kept: {'met' if bad == 0 else 'NOT met'}"
            )
    if "1" in only:
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
    if "2" in only:
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
    if "3" in only:
        rows = []
        for _ in range(args.runs):
            server, port = start()
            try:
                fresh = worker_rss_mb(server)
                flood(port)
                flooded = worker_rss_mb(server)
                benchkit.request(f"http://127.0.0.1:{port}/__mock/reset", "POST")
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
