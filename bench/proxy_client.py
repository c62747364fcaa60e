"""Why the validating proxy uses urllib3: the cost of one upstream round trip per client.

Against a loopback upstream (werkzeug, threaded, a 200-byte JSON answer), N sequential GETs with:
urllib3's pool (keep-alive), requests.Session (urllib3 underneath, plus its own layers), and
http.client with a new connection per request (the stdlib without a pool of our own).
Prints the median per-request time of 5 rounds and each as a ratio to urllib3.

    .venv/bin/python bench/proxy_client.py [N]
"""

from __future__ import annotations

import http.client
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from werkzeug.serving import make_server

BODY = b'{"calendar_events": [{"id": 1, "name": "Kickoff", "start_at": 1477900800000}]}' * 3


def upstream(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    server = make_server("127.0.0.1", 0, upstream, threaded=True)
    server.protocol_version = "HTTP/1.1"  # keep-alive, as a real upstream offers it
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/calendar_events/1"
    pool = urllib3.PoolManager()
    session = requests.Session()

    def fresh() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        conn.request("GET", "/api/calendar_events/1")
        conn.getresponse().read()
        conn.close()

    clients: dict[str, Callable[[], Any]] = {
        "urllib3 pool": lambda: pool.request("GET", url, retries=False, timeout=10).data,
        "requests.Session": lambda: session.get(url, timeout=10).content,
        "http.client, new connection": fresh,
    }
    rounds: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(5):
        for name, call in clients.items():
            started = time.perf_counter()
            for _ in range(count):
                call()
            rounds[name].append((time.perf_counter() - started) / count * 1e6)
    base = statistics.median(rounds["urllib3 pool"])
    for name, times in rounds.items():
        median = statistics.median(times)
        print(f"{name:<30} {median:8.0f} µs/request  {median / base:5.2f}x")
    server.shutdown()


if __name__ == "__main__":
    main()
