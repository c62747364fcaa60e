"""No client waits for another's delay: wrk's p99 on a GET, alone and beside a 10 s delayed request.

Starts ``mockserver serve`` (this tree), then per run: wrk ``-t2 -c16`` on B2Core's list for
``--seconds`` alone, and again while one other client holds a ``Prefer: delay=10000`` request
open (started just before wrk). Runs interleaved, medians of req/s and p99, ratio beside/alone.
Needs ``wrk``. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

from wsgi_servers import running, wait_up, wrk  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
PATH = "/b2core/api/v2/calendars/events"
AUTH_SCRIPT = 'wrk.headers["Authorization"] = "Bearer dev-token"\n'


def delayed(url: str, finished: list[float]) -> None:
    request = urllib.request.Request(url, headers={"Authorization": "Bearer dev-token", "Prefer": "delay=10000"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    finished.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--port", type=int, default=18760)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}{PATH}"
    results: dict[str, list[tuple[float, float]]] = {"alone": [], "beside a 10 s delay": []}
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(args.port)]
    with running(command, ROOT, dict(os.environ)):
        wait_up(args.port)
        for run in range(args.runs):
            results["alone"].append(wrk(url, AUTH_SCRIPT, args.seconds))
            finished: list[float] = []
            slow = threading.Thread(target=delayed, args=(url, finished))
            slow.start()
            time.sleep(0.2)
            results["beside a 10 s delay"].append(wrk(url, AUTH_SCRIPT, args.seconds))
            slow.join()
            print(f"run {run + 1}: alone {results['alone'][-1]}, beside {results['beside a 10 s delay'][-1]},"
                  f" delayed request took {finished[0]:.2f} s", flush=True)
    base_rps = statistics.median(r for r, _ in results["alone"])
    base_p99 = statistics.median(p for _, p in results["alone"])
    for name, values in results.items():
        rps = statistics.median(r for r, _ in values)
        p99 = statistics.median(p for _, p in values)
        print(f"{name:22} {rps:8.0f} req/s ({rps / base_rps:.2f})   p99 {p99:6.2f} ms ({p99 / base_p99:.2f})")


if __name__ == "__main__":
    main()
