"""Throughput of this checkout against an older commit, side by side: GET, list and POST req/s.

Usage: .venv/bin/python bench/intake_ab.py [--base main] [--runs 3] [--seconds 4] [--threads 1]

The base commit is exported with ``git archive`` into a temporary directory and served with this
checkout's virtualenv (its source first on PYTHONPATH), so both sides run the same dependencies.
Each run starts both servers fresh, seeds them the same way (bench/peers.py's seed), then drives
every workload against the two in turn, the order alternating per run; medians of the runs and
the ratio new/base. Loopback only, bounded in time; wrk from Debian's packages.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers

ROOT = peers.ROOT
WORKLOADS = [w for w in peers.WORKLOADS if w.name in {"GET one event", "list + filters", "POST create"}]


def export(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def start(name: str, source: Path | None, threads: int, work: Path) -> peers.Server:
    server = peers.Server(name)
    port = peers.free_port()
    config = work / "quiet.json"
    config.write_text(json.dumps({"log_requests": False}))
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--config", str(config)]
    command += ["--threads", str(threads)]
    env = {"PYTHONPATH": str(source)} if source else {}
    server.procs.append(
        subprocess.Popen(
            command,
            cwd=source or ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )
    server.urls = {api: f"http://127.0.0.1:{port}/{api}" for api in peers.APIS}
    peers.wait_up(f"http://127.0.0.1:{port}/__mock/health")
    status, body = peers.request(f"http://127.0.0.1:{port}/__mock/state", "PUT", peers._seed())
    if status != 200:
        raise RuntimeError(f"seeding {name} failed: {status} {body[:200]!r}")
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    peers.ensure_wrk()
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = export(args.base, work / "base")
        for run in range(args.runs):
            sides = [("base", base), ("new", None)]
            if run % 2:
                sides.reverse()
            for workload in WORKLOADS:
                for side, source in sides:
                    server = start(side, source, args.threads, work)
                    try:
                        url = server.urls[workload.api] + workload.path
                        figures = peers.wrk(url, workload, args.seconds, 2, args.connections, work)
                    finally:
                        server.stop()
                    if figures.errors:
                        raise RuntimeError(f"{side} {workload.name}: {figures.errors} errors")
                    results.setdefault((side, workload.name), []).append(figures.rps)
    print(f"{args.base} (base) against this checkout (new), --threads {args.threads}, {args.runs} runs")
    print(f"{'workload':<16} {'base req/s':>11} {'new req/s':>11} {'new/base':>9}")
    for workload in WORKLOADS:
        old = statistics.median(results[("base", workload.name)])
        new = statistics.median(results[("new", workload.name)])
        print(f"{workload.name:<16} {old:>11.0f} {new:>11.0f} {new / old:>9.3f}")


if __name__ == "__main__":
    main()
