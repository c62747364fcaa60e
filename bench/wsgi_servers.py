"""Compare WSGI servers for `mockserver serve`: the same app, the same wrk load, loopback only.

Usage: .venv/bin/python bench/wsgi_servers.py [--runs 3] [--seconds 5]
Needs `wrk` (Debian package). Prints requests/s and p99 per server, median of the runs,
and the ratio to granian measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PUT_SCRIPT = """
wrk.method = "PUT"
wrk.headers["Authorization"] = "Bearer dev-token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '[{"ExternalId":"bench-1","UserId":124,"TypeId":1,"StartTime":"2018-06-10T20:00:00Z","EndTime":"2018-06-10T22:00:00Z","Title":"t"}]'
"""
SERVERS = {
    "granian": lambda port: [str(BIN / "mockserver"), "serve", "--port", str(port), "--threads", "4"],
    "waitress": lambda port: [
        str(BIN / "waitress-serve"),
        "--threads",
        "4",
        f"--port={port}",
        "--host=127.0.0.1",
        "--call",
        "mockserver.serving:app_from_environment",
    ],
    "gunicorn": lambda port: [
        str(BIN / "gunicorn"),
        "-w",
        "1",
        "--threads",
        "4",
        "-b",
        f"127.0.0.1:{port}",
        "mockserver.serving:app_from_environment()",
    ],
}
WORKLOADS = {
    "GET token": ("/twelvetwenty/api/client/generateAuthenticationToken?key=dev-api-key", None),
    "PUT batch(1)": ("/twelvetwenty/api/v2/calendar-events/batch", PUT_SCRIPT),
}


@contextmanager
def running(command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """A server process for the length of the block, killed with its children afterwards."""
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def wait_up(port: int) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__mock/health", timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def wrk(url: str, script: str | None, seconds: int) -> tuple[float, float]:
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script or "")
    if script:
        args[1:1] = ["-s", handle.name]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "MOCKSERVER_SERVE_OPTIONS": json.dumps({"api": None})}
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for run in range(args.runs):
        for name, command in SERVERS.items():
            port = 18100 + run * 10 + list(SERVERS).index(name)
            with running(command(port), ROOT, env):
                wait_up(port)
                for workload, (path, script) in WORKLOADS.items():
                    results.setdefault((name, workload), []).append(
                        wrk(f"http://127.0.0.1:{port}{path}", script, args.seconds)
                    )
    print(f"{'server':10} {'workload':14} {'req/s':>9} {'p99 ms':>8} {'vs granian':>10}")
    for (name, workload), values in results.items():
        rps = statistics.median(v[0] for v in values)
        p99 = statistics.median(v[1] for v in values)
        ref = statistics.median(v[0] for v in results[("granian", workload)])
        print(f"{name:10} {workload:14} {rps:9.0f} {p99:8.2f} {rps / ref:10.2f}")


if __name__ == "__main__":
    main()
