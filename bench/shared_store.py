"""The Redis store (``--store redis://…``) under load: correctness across workers and hosts, a
worker killed mid-write, Redis stopped mid-load, and speed against the memory store.

Parts (``--only`` one of them):

- ``consistency``: 16 threads x 1,000 mixed writes (B2Core create / update / delete, 12Twenty
  batch upserts, some trying to take another thread's ExternalId) against one ``serve --workers
  2``, against two separate ``serve`` processes on two ports sharing one Redis ("two hosts"),
  and against ``--workers 2`` with one worker SIGKILLed a third of the way in. Every request goes
  on a connection of its own, so the kernel (or the thread's choice of host) spreads them. Then,
  read back through every worker: lost updates (an event whose caption is not the last one
  acknowledged), resurrected deletes, duplicate ids, 12Twenty Ids that changed, owners that
  changed, and 5xx answers.
- ``redis-down``: 8 threads of mixed reads and writes against ``--workers 2``; Redis paused
  (SIGSTOP: unreachable) for 2 s, then killed and restarted 1 s later: the slowest 503, the
  count of other failures (must be 0), and how long after Redis is back the first 2xx comes.
- ``speed``: wrk (``-t2 -c16``, 5 s, the same client for every configuration) on a B2Core GET
  by id and a filtered list: memory 1 worker, Redis 1 worker, Redis 2 workers, interleaved,
  median of ``--runs``; with each, the CPU per request of every process (each worker, its event
  loop's thread apart, redis-server, wrk itself), from ``/proc`` and ``getrusage`` around the run;
  and a control: the same server with 2 workers and nothing shared (``bench/unshared.py``: the
  memory store, each worker its own copy of the seed; read-only workloads), whose ratio over the
  memory store's one worker is what a second worker can add on this machine with this client;
  then the 100k-event Kona one-day window list (``-t1 -c1``) with Redis, and the RSS of each
  worker. Redis over loopback TCP (as another host reaches it), or with ``--socket`` over its
  Unix socket (what ``serve --store redis`` uses).

``--baseline DIR`` serves the two Redis configurations a second time from another revision's code
(``git archive REV mockserver specs | tar -x -C DIR``, then ``DIR/specs`` moved to
``DIR/mockserver/specs``), in the same runs.

Run from the repository root: ``.venv/bin/python bench/shared_store.py --runs 3`` (needs Debian's
redis-server and wrk; ``python3 dev.py test`` installs the first, ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchkit import (
    Figures,
    Server,
    Workload,
    cpu_seconds,
    ensure_wrk,
    free_port,
    median_figures,
    process_tree,
    request,
    rss_kb,
    wait_up,
    wrk,
)
from scale import SCALE_BASE, SCALE_STEP, _ms, kona_events
from shared_writes import B2, _date, call, run_consistency, serve, workers_of

from mockserver.redisserver import LocalRedis

# --- Redis down --------------------------------------------------------------------------------


def run_redis_down(args: argparse.Namespace, redis: LocalRedis) -> None:
    server, port = serve("redis down", redis.url, f"bench-down-{os.getpid()}", workers=2)
    seen: list[tuple[float, int, float]] = []  # (when answered, status, seconds)
    slow: list[tuple[float, str, float]] = []  # (seconds, method, when sent) of each 503
    failures = Counter[str]()
    lock = threading.Lock()
    stop = threading.Event()
    began = time.perf_counter()

    def client(number: int) -> None:
        rng = random.Random(number)
        while not stop.is_set():
            body = {"caption": "c", "startDate": _date(number), "endDate": _date(number).replace("T10", "T11")}
            try:
                method, *rest = ("POST", B2, body) if rng.random() < 0.3 else ("GET", f"{B2}?limit=5")
                status, _, took = call(port, method, *rest)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures[type(exc).__name__] += 1
                continue
            with lock:
                seen.append((time.perf_counter() - began, status, took))
                if status == 503:
                    slow.append((took, method, time.perf_counter() - began - took))

    try:
        pool = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in pool:
            thread.start()
        time.sleep(2)
        os.kill(redis.process.pid, signal.SIGSTOP)
        paused = time.perf_counter() - began
        time.sleep(2)
        os.kill(redis.process.pid, signal.SIGCONT)
        resumed = time.perf_counter() - began
        time.sleep(1.5)
        redis.kill()
        killed = time.perf_counter() - began
        time.sleep(1)
        redis.restart()
        back = time.perf_counter() - began
        time.sleep(2)
        stop.set()
        for thread in pool:
            thread.join()
    finally:
        server.stop()
    unavailable = [took for _, status, took in seen if status == 503]
    others = Counter(status for _, status, _ in seen if status not in (200, 201, 503))
    first_ok_after = min((when for when, status, _ in seen if when > back and status < 300), default=None)
    first_ok_resumed = min((when for when, status, _ in seen if when > resumed and status < 300), default=None)
    print(f"\nRedis paused {paused:.1f}-{resumed:.1f} s, killed {killed:.1f} s, restarted {back:.1f} s; "
          f"{len(seen)} answers")  # fmt: skip
    print(f"  503 answers: {len(unavailable)}, slowest {max(unavailable, default=0):.3f} s, "
          f"median {statistics.median(unavailable) if unavailable else 0:.3f} s (target: each < 1 s)")  # fmt: skip
    print("  slowest 503s: " + ", ".join(f"{took:.3f} s ({method} sent at {when:.2f} s)" for took, method, when in sorted(slow)[-3:]))
    print(f"  other non-2xx: {dict(others)} (target: none, no 500); connection failures: {dict(failures)}")
    if first_ok_resumed is not None:
        print(f"  first 2xx {first_ok_resumed - resumed:.3f} s after SIGCONT")
    if first_ok_after is not None:
        print(f"  first 2xx {first_ok_after - back:.3f} s after the restart (no server restart)")


# --- speed -------------------------------------------------------------------------------------


def run_speed(args: argparse.Namespace, redis: LocalRedis, work: Path) -> None:
    ensure_wrk()
    seed = {"b2core": {"events": [{"caption": f"e{i}", "startDate": _date(i), "endDate": _date(i).replace("T10", "T11")}
                                  for i in range(200)]}}  # fmt: skip
    workloads = [
        Workload("GET one event", "b2core", "GET", "/api/v2/calendars/events/1"),
        Workload("list + filters", "b2core", "GET", "/api/v2/calendars/events?filter[startDate]=2026-01-05T00:00:00Z"
                 "&filter[endDate]=2026-01-20T00:00:00Z&sort_by=startDate&sort_order=desc&limit=10"),
    ]  # fmt: skip
    shared = redis.socket_url if args.socket else redis.url
    configs: dict[str, tuple[str | None, int, str | None]] = {
        "memory, 1 worker": (None, 1, None), "redis, 1 worker": (shared, 1, None), "redis, 2 workers": (shared, 2, None),
        CONTROL: (None, 2, UNSHARED),  # the same server, 2 workers, nothing shared (bench/unshared.py)
    }  # fmt: skip
    seed_file = work / "seed.json"
    seed_file.write_text(json.dumps(seed))
    if args.baseline:  # the same Redis configurations on the baseline's code, in the same runs
        configs |= {"base: redis, 1 worker": (shared, 1, args.baseline), "base: redis, 2 workers": (shared, 2, args.baseline)}
    found: dict[tuple[str, str], list[Figures]] = {}
    splits: dict[tuple[str, str], list[dict[str, float]]] = {}
    rss: dict[str, list[float]] = {}  # each worker's, after the last run's load
    for run in range(args.runs):
        for index, (name, (url, workers, code)) in enumerate(configs.items()):
            if code == UNSHARED:
                server, port = serve_unshared(workers, seed_file)
            else:
                server, port = serve(name, url, f"bench-speed-{os.getpid()}-{run}-{index}", workers, code=code)
            try:
                if code != UNSHARED:  # (each unshared worker loaded the seed file itself)
                    status, body = request(f"http://127.0.0.1:{port}/__mock/state", "PUT", seed)
                    assert status == 200, body
                for workload in workloads:
                    target = f"http://127.0.0.1:{port}/b2core{workload.path}"
                    wrk(target, workload, 1, 2, args.connections, work)  # warm-up, every worker caught up
                    # CPU per request of the mock's processes and of redis-server: less bent by the
                    # machine's other load than req/s
                    pids = [*process_tree(server.procs[0].pid), *([redis.process.pid] if url else [])]
                    parts = _parts(server, redis.process.pid if url else None)
                    before = {part: cpu_seconds(paths) for part, paths in parts.items()}
                    wrk_before = _children_cpu()
                    figures = wrk(target, workload, args.seconds, 2, args.connections, work, pids=pids)
                    split = {part: (cpu_seconds(paths) - before[part]) * 1e6 / figures.requests for part, paths in parts.items()}
                    split["wrk"] = (_children_cpu() - wrk_before) * 1e6 / figures.requests
                    found.setdefault((name, workload.name), []).append(figures)
                    splits.setdefault((name, workload.name), []).append(split)
                rss[name] = [rss_kb(pid) / 1024 for pid in workers_of(server) or [server.procs[0].pid]]
            finally:
                server.stop()
    print(f"\nspeed: wrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.runs} interleaved runs")
    for workload in workloads:
        memory = median_figures(found[("memory, 1 worker", workload.name)]).rps
        one = median_figures(found[("redis, 1 worker", workload.name)]).rps
        for name in configs:
            figures = median_figures(found[(name, workload.name)])
            print(f"  {workload.name:15} {name:23} {figures.rps:8.0f} req/s  CPU {figures.cpu_us:5.0f} us/req  p50 {figures.p50_ms:.2f} ms  "
                  f"errors {figures.errors}  x{figures.rps / memory:.2f} of memory")  # fmt: skip
        two = median_figures(found[("redis, 2 workers", workload.name)]).rps
        control = median_figures(found[(CONTROL, workload.name)]).rps / memory
        cpu = median_figures(found[("memory, 1 worker", workload.name)]).cpu_us
        cpu_one = median_figures(found[("redis, 1 worker", workload.name)]).cpu_us
        print(f"  {workload.name:15} by CPU per request (mock + redis-server): redis 1 worker = {cpu / cpu_one:.0%} of memory")
        print(f"  {workload.name:15} redis 1 worker / memory: {one / memory:.0%} (target >= 50%); "
              f"2 workers / 1: x{two / one:.2f} (target >= 1.2)")  # fmt: skip
        print(f"  {workload.name:15} control, nothing shared: 2 workers / 1 x{control:.2f} (what a second worker "
              f"can add on this machine with this client; redis reaches {(two / one) / control:.0%} of it)")  # fmt: skip
        if args.baseline:
            base_one = median_figures(found[("base: redis, 1 worker", workload.name)]).rps
            base_two = median_figures(found[("base: redis, 2 workers", workload.name)]).rps
            print(f"  {workload.name:15} baseline: redis 1 worker / memory {base_one / memory:.0%}; 2 workers / 1: x{base_two / base_one:.2f}")
        _print_split(workload.name, {name: splits[(name, workload.name)] for name in configs})
    print("  worker RSS: " + "; ".join(f"{name} {', '.join(f'{mb:.0f} MB' for mb in sizes)}" for name, sizes in rss.items()))
    if not args.no_kona:
        run_kona(args, redis, work)


CONTROL = "control: 2 workers, unshared"
UNSHARED = "unshared"  # the configurations' code for bench/unshared.py


def serve_unshared(workers: int, seed: Path) -> tuple[Server, int]:
    """The mock on the memory store with ``workers`` workers, each its own copy of ``seed``."""
    server, port = Server(CONTROL), free_port()
    server.start([sys.executable, str(Path(__file__).with_name("unshared.py")), "--port", str(port),
                  "--workers", str(workers), "--seed", str(seed)])  # fmt: skip
    wait_up(f"http://127.0.0.1:{port}/__mock/health")
    return server, port


def _parts(server: Any, redis_pid: int | None) -> dict[str, list[str]]:
    """The /proc entries whose CPU the speed part splits: each worker's event loop thread (its
    main thread, where the Python app runs) and its other threads (granian's), Redis."""
    workers = workers_of(server) or [server.procs[0].pid]
    parts: dict[str, list[str]] = {}
    for index, pid in enumerate(workers, 1):
        parts[f"worker {index} loop"] = [f"{pid}/task/{pid}"]
        parts[f"worker {index} other threads"] = [f"{pid}/task/{tid}" for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid]
    if redis_pid is not None:
        parts["redis-server"] = [str(redis_pid)]
    return parts


def _children_cpu() -> float:
    """CPU seconds of this process's finished children: wrk's, read around its run."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _print_split(workload: str, runs: dict[str, list[dict[str, float]]]) -> None:
    """CPU us per request of each process (medians), and what they mean for 2 workers: one
    worker is bound by its event loop's thread (one core at most), two by the machine's two
    cores, which every process shares: 2 / (all CPU per request with 2 workers) over 1 / (the
    loop thread's with 1) is the ratio two free cores allow."""
    medians = {name: {part: statistics.median(run[part] for run in found) for part in found[0]} for name, found in runs.items()}
    for name, parts in medians.items():
        shown = ", ".join(f"{part} {us:.0f}" for part, us in parts.items())
        print(f"  {workload:15} CPU us/req, {name}: {shown}; all {sum(parts.values()):.0f}")
    for base in ("", "base: "):
        one, two = medians.get(f"{base}redis, 1 worker"), medians.get(f"{base}redis, 2 workers")
        if one and two:
            bound = 2 * one["worker 1 loop"] / sum(two.values())
            print(f"  {workload:15} {base}2 workers / 1 that two free cores allow by this CPU: x{bound:.2f}")


def run_kona(args: argparse.Namespace, redis: LocalRedis, work: Path) -> None:
    size = 100_000
    # the 100k-event state document is ~15 MB, over the 10 MB default body cap
    server, port = serve("kona 100k", redis.url, f"bench-kona-{os.getpid()}", 2, "--max-body", "100000000")
    root = f"http://127.0.0.1:{port}"
    try:
        began = time.perf_counter()
        status, body = request(f"{root}/__mock/state", "PUT", {"kona": {"events": kona_events(size)}})
        assert status == 200, body[:200]
        loaded = time.perf_counter() - began
        middle = SCALE_BASE + size // 2 * SCALE_STEP
        day = middle.replace(hour=0, minute=0)
        path = f"/api/calendar_events?date_range_start={_ms(day)}&date_range_end={_ms(day + timedelta(days=1))}"
        workload = Workload("window list", "kona", "GET", path)
        for _ in range(40):  # fresh connections reach both workers: each replays the loaded state
            call(port, "GET", "/kona" + path, timeout=300)
        samples = [wrk(root + "/kona" + path, workload, args.seconds, 1, 1, work) for _ in range(args.runs)]
        figures = median_figures(samples)
        rss = [rss_kb(pid) / 1024 for pid in workers_of(server)]
        print(f"\nKona {size:,} events, Redis, 2 workers: load {loaded:.1f} s; one-day window list "
              f"p50 {figures.p50_ms:.2f} ms (target <= 5 ms), {figures.rps:.0f} req/s on one connection; "
              f"worker RSS {', '.join(f'{mb:.0f} MB' for mb in rss)}")  # fmt: skip
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["consistency", "redis-down", "speed"])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--writes", type=int, default=1000, help="writes per thread")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16, help="speed: wrk's connections (-c)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-kona", action="store_true", help="speed: skip the 100k-event Kona part")
    parser.add_argument("--socket", action="store_true", help="speed: Redis over its Unix socket, not TCP")
    parser.add_argument("--baseline", metavar="DIR", help="speed: also serve the Redis configurations from DIR's mockserver")
    args = parser.parse_args()
    redis = LocalRedis.start()
    print(f"redis-server {redis.url}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}", flush=True)
    try:
        with tempfile.TemporaryDirectory() as work:
            if args.only in (None, "consistency"):
                run_consistency(args, redis)
            if args.only in (None, "speed"):
                run_speed(args, redis, Path(work))
            if args.only in (None, "redis-down"):
                run_redis_down(args, redis)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
