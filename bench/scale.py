"""Ours alone, at scale and at start: Kona stores of 1k, 10k and 100k events, and the first answer.

Usage: .venv/bin/python bench/scale.py [--runs 3] [--scale-seconds 4]  (bench/peers.py runs it too)

Scale: a fresh server per size loads the events through ``PUT /__mock/state`` (timed), reads the
RSS of the granian worker (the process holding the state) and times a one-day
``date_range_start/end`` list and a get-by-id with one connection.
Start: ``mockserver serve`` from its exec to its first answer to an API request (a B2Core list,
with the dev token), with the CPU seconds the command and its worker used by then.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchkit import (
    AUTH,
    BIN,
    EPOCH,
    ROOT,
    Figures,
    Server,
    Targets,
    Workload,
    cpu_seconds,
    ensure_wrk,
    free_port,
    machine_note,
    median_figures,
    process_tree,
    request,
    rss_kb,
    wait_up,
    wrk,
)

SCALE_BASE = datetime(2024, 1, 1, tzinfo=UTC)
SCALE_STEP = timedelta(minutes=10)


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def kona_events(count: int) -> list[dict[str, Any]]:
    """``count`` events, one every 10 minutes, 1 h long; every 500th is a daily series of 5 days
    and the first repeats weekly without end. Every size has the same density per day (a one-day
    window holds the same events and series), so only the store's size differs."""
    events: list[dict[str, Any]] = []
    for i in range(count):
        start = SCALE_BASE + i * SCALE_STEP
        event: dict[str, Any] = {
            "id": i + 1,
            "name": f"Event {i}",
            "location": f"Room {i % 40}",
            "details": f"Agenda item {i}",
            "start_at": _ms(start),
            "end_at": _ms(start + timedelta(hours=1)),
        }
        if i % 500 == 499:
            event.update(period=1, frequency=1, series_end_at=_ms(start + timedelta(days=4)))
        if i == 0:
            event.update(period=2, frequency=1)
        events.append(event)
    return events


def run_scale(args: argparse.Namespace, work: Path, targets: Targets) -> None:
    sizes = (1_000, 10_000, 100_000)
    found: dict[tuple[int, str], list[Figures]] = {}
    memory: dict[int, list[tuple[float, float]]] = {}
    loads: dict[int, list[float]] = {}
    for _ in range(args.runs):
        for size in sizes:
            server = Server(f"ours {size}")
            port = free_port()
            root = f"http://127.0.0.1:{port}"
            try:
                # 100k events are ~15 MB of JSON, over the default 10 MB body cap
                server.start(
                    [str(BIN / "mockserver"), "serve", "--port", str(port), "--max-body", str(2**26)]
                )
                wait_up(f"{root}/__mock/health")
                document = {"kona": {"events": kona_events(size)}}
                began = time.perf_counter()
                status, body = request(f"{root}/__mock/state", "PUT", document)
                loads.setdefault(size, []).append(time.perf_counter() - began)
                if status != 200:
                    raise RuntimeError(f"loading {size} events failed: {status} {body[:200]!r}")
                del document
                middle = SCALE_BASE + size // 2 * SCALE_STEP
                day = middle.replace(hour=0, minute=0)
                window = f"date_range_start={_ms(day)}&date_range_end={_ms(day + timedelta(days=1))}"
                queries = {
                    "window list": Workload("window list", "kona", "GET", f"/api/calendar_events?{window}"),
                    "get by id": Workload("get by id", "kona", "GET", f"/api/calendar_events/{size // 2}"),
                }
                status, body = request(root + "/kona" + queries["window list"].path)
                listed = len(json.loads(body)["calendar_events"]) if status == 200 else -1
                if listed != 25:
                    raise RuntimeError(f"window list at {size}: status {status}, {listed} items")
                workers = process_tree(server.procs[0].pid)[1:]
                worker = max(workers, key=rss_kb) if workers else server.procs[0].pid
                memory.setdefault(size, []).append(
                    (rss_kb(worker) / 1024, rss_kb(server.procs[0].pid) / 1024)
                )
                for name, query in queries.items():
                    figures = wrk(root + "/kona" + query.path, query, args.scale_seconds, 1, 1, work)
                    found.setdefault((size, name), []).append(figures)
            finally:
                server.stop()
    print(f"\nscale: Kona store, one connection, wrk -d{args.scale_seconds}s, median of {args.runs} runs")
    print(
        f"{'events':>8} {'load s':>7} {'query':12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'p50 vs 1k':>10} {'worker RSS MB':>14} {'supervisor MB':>14}"
    )
    for size in sizes:
        worker_mb = statistics.median(m[0] for m in memory[size])
        parent_mb = statistics.median(m[1] for m in memory[size])
        for name in ("window list", "get by id"):
            fig = median_figures(found[(size, name)])
            base = median_figures(found[(sizes[0], name)])
            print(
                f"{size:8d} {statistics.median(loads[size]):7.1f} {name:12} {fig.rps:8.0f} {fig.p50_ms:8.2f}"
                f" {fig.p99_ms:8.2f} {fig.errors:7d} {fig.p50_ms / base.p50_ms:9.2f}x {worker_mb:14.0f} {parent_mb:14.0f}"
            )
    listing = median_figures(found[(sizes[-1], "window list")])
    window_1k = median_figures(found[(sizes[0], "window list")])
    worker_mb = statistics.median(m[0] for m in memory[sizes[-1]])
    load_s = statistics.median(loads[sizes[-1]])
    targets.add(f"load 100k Kona events (PUT /__mock/state): {load_s:.2f} s (<= 2 s)", load_s <= 2)
    targets.add(f"worker RSS with 100k Kona events: {worker_mb:.0f} MB (<= 100 MB)", worker_mb <= 100)
    targets.add(f"window list over 100k: p50 {listing.p50_ms:.2f} ms (<= 5 ms)", listing.p50_ms <= 5)
    ratio = listing.p50_ms / window_1k.p50_ms
    targets.add(
        f"window list over 100k: p50 {ratio:.2f}x its p50 over 1k ({window_1k.p50_ms:.2f} ms) (<= 2x)",
        ratio <= 2,
    )


# --- start-up ----------------------------------------------------------------------------------


def first_answer(port: int) -> tuple[float, float]:
    """Seconds from starting ``mockserver serve`` to its first API answer, and the CPU seconds its
    processes used by then (the part of the figure the machine's other load inflates least)."""
    url = f"http://127.0.0.1:{port}/b2core/api/v2/calendars/events"
    probe = urllib.request.Request(url, headers={"Authorization": AUTH})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as a user runs it
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "mockserver"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server("start-up", [process])
    try:
        while True:
            try:
                with urllib.request.urlopen(probe, timeout=5) as answer:
                    answer.read()
                break
            except urllib.error.HTTPError:
                break  # an answer all the same
            except OSError:
                if process.poll() is not None or time.perf_counter() - began > 60:
                    raise RuntimeError("mockserver serve gave no answer") from None
                time.sleep(0.002)
        seconds = time.perf_counter() - began
        return seconds, cpu_seconds(process_tree(process.pid))
    finally:
        server.stop()


def run_startup(args: argparse.Namespace, targets: Targets) -> None:
    first_answer(free_port())  # the first start writes the bytecode caches; not recorded
    runs = [first_answer(free_port()) for _ in range(max(args.runs, 5))]
    seconds = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(f"\nstart-up: mockserver serve to its first API answer, median of {len(runs)} starts")
    print("  " + ", ".join(f"{r[0]:.2f} s (CPU {r[1]:.2f} s)" for r in runs))
    targets.add(f"start to first API answer: {seconds:.2f} s, CPU {cpu:.2f} s (<= 0.5 s)", seconds <= 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale-seconds", type=int, default=4)
    parser.add_argument("--only", choices=["scale", "startup"], help="run one part only")
    args = parser.parse_args()
    ensure_wrk()
    print(f"bench/scale.py: {machine_note()}", flush=True)
    targets = Targets()
    if args.only in (None, "startup"):
        run_startup(args, targets)
    if args.only in (None, "scale"):
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            run_scale(args, Path(tmp), targets)
    targets.print()
    print(f"\ndone: {machine_note()}")


if __name__ == "__main__":
    main()
