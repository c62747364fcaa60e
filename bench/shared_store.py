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
- ``speed``: wrk (``-t2 -c16``, 5 s) on a B2Core GET by id and a filtered list: memory 1 worker,
  Redis 1 worker, Redis 2 workers, interleaved, median of ``--runs``; then the 100k-event Kona
  one-day window list (``-t1 -c1``) with Redis, and the RSS of each worker.

Run from the repository root: ``.venv/bin/python bench/shared_store.py --runs 3`` (needs Debian's
redis-server and wrk; ``python3 dev.py test`` installs the first, ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchkit import (
    BIN,
    Figures,
    Server,
    Workload,
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

from mockserver.redisserver import LocalRedis

HEADERS = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}
B2 = "/b2core/api/v2/calendars/events"
BATCH = "/twelvetwenty/api/v2/calendar-events/batch"


def serve(name: str, redis_url: str | None, prefix: str, workers: int = 1, *extra: str) -> tuple[Server, int]:
    server = Server(name)
    port = free_port()
    command = [str(BIN / "mockserver"), "serve", "--port", str(port), "--access-log", "off", *extra]
    if redis_url:
        command += ["--store", redis_url, "--store-prefix", prefix, "--workers", str(workers)]
    server.start(command)
    wait_up(f"http://127.0.0.1:{port}/__mock/health")
    return server, port


def call(port: int, method: str, path: str, body: Any = None, timeout: float = 10) -> tuple[int, Any, float]:
    """One request on a connection of its own: (status, parsed body, seconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, None if body is None else json.dumps(body), HEADERS)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    parsed = json.loads(data) if data and data[:1] in b"[{" else None
    return response.status, parsed, time.perf_counter() - started


# --- consistency -------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients were told (acknowledged), to check the final state against."""

    created: list[int] = field(default_factory=list)
    captions: dict[int, str] = field(default_factory=dict)  # B2Core id -> last acknowledged caption
    deleted: set[int] = field(default_factory=set)
    tt_ids: dict[str, int] = field(default_factory=dict)  # 12Twenty ExternalId -> its Id
    tt_owner: dict[str, int] = field(default_factory=dict)
    tt_titles: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    unacknowledged: int = 0  # connection errors (a killed worker)
    # writes whose answer was lost with the killed worker: applied or not, either is correct
    in_doubt: dict[int, set[str | None]] = field(default_factory=dict)  # id -> captions (None: deleted)
    hijacks: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # 5xx bodies
    id_changes: int = 0
    hijacks_let_through: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _date(n: int) -> str:
    return f"2026-01-{1 + n % 28:02d}T10:00:00Z"


def writer(number: int, ports: list[int], writes: int, ledger: Ledger, seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    mine: list[int] = []
    user = 5000 + number
    for step in range(writes):
        port = ports[rng.randrange(len(ports))]
        roll = rng.random()
        attempt: tuple[int, str | None] | None = None
        try:
            if roll < 0.4 or not mine:
                body = {"caption": f"t{number}-0", "startDate": _date(step), "endDate": _date(step).replace("T10", "T11")}
                status, answer, _ = call(port, "POST", B2, body)
                if status == 201:
                    with ledger.lock:
                        ledger.created.append(answer["id"])
                        ledger.captions[answer["id"]] = body["caption"]
                    mine.append(answer["id"])
            elif roll < 0.65:
                target = rng.choice(mine)
                caption = f"t{number}-{step}"
                attempt = (target, caption)
                status, answer, _ = call(port, "PATCH", f"{B2}/{target}", {"caption": caption})
                if status == 200:
                    with ledger.lock:
                        ledger.captions[target] = caption
            elif roll < 0.75:
                target = mine.pop(rng.randrange(len(mine)))
                attempt = (target, None)
                status, answer, _ = call(port, "DELETE", f"{B2}/{target}")
                if status in (200, 204):
                    with ledger.lock:
                        ledger.deleted.add(target)
                        ledger.captions.pop(target, None)
            else:
                status, answer = _upsert(number, step, port, rng, user, ledger)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.unacknowledged += 1
                if attempt is not None:
                    ledger.in_doubt.setdefault(attempt[0], set()).add(attempt[1])
            continue
        with ledger.lock:
            ledger.statuses[status] += 1
            if status >= 500:
                ledger.failures[json.dumps(answer)[:160]] += 1


def _upsert(number: int, step: int, port: int, rng: random.Random, user: int, ledger: Ledger) -> tuple[int, Any]:
    """A batch of 3 events (a group ``t<n>-<k>/a|b|c`` always written together, one title), or
    10% of the time one event under another thread's ExternalId (must be refused: ownership)."""
    with ledger.lock:
        others = [x for x, owner in ledger.tt_owner.items() if owner != user]
    hijack = bool(others) and rng.random() < 0.1
    group = f"t{number}-{rng.randrange(20)}"
    externals = [rng.choice(others)] if hijack else [f"{group}/{part}" for part in "abc"]
    title = f"{number}:{step}"
    items = [{"ExternalId": external, "UserId": user, "TypeId": 1, "StartTime": "2026-02-01T10:00:00Z",
              "EndTime": "2026-02-01T11:00:00Z", "Title": title} for external in externals]  # fmt: skip
    status, answer, _ = call(port, "PUT", BATCH, items)
    if status != 200:
        return status, answer
    with ledger.lock:
        ledger.hijacks += hijack
        for external, result in zip(externals, answer, strict=True):
            if hijack:
                ledger.hijacks_let_through += bool(result["IsSuccessful"])
            elif result["IsSuccessful"]:
                known = ledger.tt_ids.setdefault(external, result["Id"])
                ledger.id_changes += known != result["Id"]
                ledger.tt_owner[external] = user
                ledger.tt_titles[external] = title
    return status, answer


def check(ports: list[int], ledger: Ledger) -> dict[str, int]:
    """Read the final state through every port, several connections each (every worker)."""
    problems = Counter[str]()
    for port in ports:
        for _ in range(4):
            status, state, _ = call(port, "GET", "/__mock/state/b2core")  # every event (a list pages by 100)
            assert status == 200, status
            events = state["b2core"]["events"]
            ids = [event["id"] for event in events]
            problems["duplicate ids"] += len(ids) - len(set(ids))
            shown = {event["id"]: event["caption"] for event in events}
            problems["lost updates"] += sum(
                shown.get(i) != caption and shown.get(i) not in ledger.in_doubt.get(i, ())
                for i, caption in ledger.captions.items()
            )
            problems["resurrected deletes"] += sum(i in shown for i in ledger.deleted)
            for gone in sorted(ledger.deleted)[:25]:  # and through the API itself
                problems["resurrected deletes"] += call(port, "GET", f"{B2}/{gone}")[0] != 404
            status, state, _ = call(port, "GET", "/__mock/state/twelvetwenty")
            stored = {e["ExternalId"]: e for e in state["twelvetwenty"]["events"]}
            problems["12Twenty Id changed"] += sum(stored[x]["Id"] != i for x, i in ledger.tt_ids.items())
            problems["12Twenty owner changed"] += sum(stored[x]["UserId"] != u for x, u in ledger.tt_owner.items())
            problems["12Twenty lost updates"] += sum(stored[x]["Title"] != t for x, t in ledger.tt_titles.items())
            groups: dict[str, set[str]] = {}
            for external, event in stored.items():
                groups.setdefault(external.partition("/")[0], set()).add(event["Title"])
            problems["12Twenty batches half applied"] += sum(len(titles) > 1 for titles in groups.values())
    problems["duplicate ids acknowledged"] = len(ledger.created) - len(set(ledger.created))
    problems["12Twenty Id changed"] += ledger.id_changes
    problems[f"hijacks let through (of {ledger.hijacks} tried)"] = ledger.hijacks_let_through
    problems["5xx answers"] = sum(n for status, n in ledger.statuses.items() if status >= 500)
    return dict(problems)


def run_load(ports: list[int], threads: int, writes: int, seed: int, kill: int | None = None) -> tuple[Ledger, float]:
    ledger = Ledger()
    pool = [threading.Thread(target=writer, args=(n, ports, writes, ledger, seed)) for n in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    if kill is not None:
        total = threads * writes
        while sum(ledger.statuses.values()) < total // 3:
            time.sleep(0.05)
        os.kill(kill, signal.SIGKILL)
        print(f"  SIGKILLed worker {kill} after {sum(ledger.statuses.values())} writes", flush=True)
    for thread in pool:
        thread.join()
    return ledger, time.perf_counter() - began


def workers_of(server: Server) -> list[int]:
    return [pid for pid in process_tree(server.procs[0].pid)[1:] if "redis" not in Path(f"/proc/{pid}/comm").read_text()]


def run_consistency(args: argparse.Namespace, redis: LocalRedis) -> None:
    setups = ("2 workers", "2 hosts", "2 workers, one SIGKILLed")
    for index, setup in enumerate(setups):
        prefix = f"bench-{os.getpid()}-{index}"
        servers: list[Server] = []
        try:
            if setup == "2 hosts":
                ports = []
                for host in range(2):
                    server, port = serve(f"host {host}", redis.url, prefix)
                    servers.append(server)
                    ports.append(port)
            else:
                server, port = serve(setup, redis.url, prefix, workers=2)
                servers.append(server)
                ports = [port]
            kill = workers_of(servers[0])[0] if "SIGKILL" in setup else None
            ledger, seconds = run_load(ports, args.threads, args.writes, args.seed, kill)
            time.sleep(0.5)
            problems = check(ports, ledger)
            done = sum(ledger.statuses.values())
            print(f"\n{setup}: {done} writes answered in {seconds:.1f} s ({done / seconds:.0f}/s), "
                  f"{ledger.unacknowledged} connection errors (not acknowledged); statuses {dict(ledger.statuses)}")  # fmt: skip
            for body, count in ledger.failures.most_common(5):
                print(f"  {count} x 5xx: {body}")
            for name, count in sorted(problems.items()):
                print(f"  {name}: {count}" + ("" if count == 0 else "   <-- NOT MET"))
        finally:
            for server in servers:
                server.stop()


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
    configs = {"memory, 1 worker": (None, 1), "redis, 1 worker": (redis.url, 1), "redis, 2 workers": (redis.url, 2)}
    found: dict[tuple[str, str], list[Figures]] = {}
    rss: dict[str, list[float]] = {}  # each worker's, after the last run's load
    for run in range(args.runs):
        for name, (url, workers) in configs.items():
            server, port = serve(name, url, f"bench-speed-{os.getpid()}-{run}-{workers}", workers)
            try:
                status, body = request(f"http://127.0.0.1:{port}/__mock/state", "PUT", seed)
                assert status == 200, body
                for workload in workloads:
                    target = f"http://127.0.0.1:{port}/b2core{workload.path}"
                    wrk(target, workload, 1, 2, 16, work)  # warm-up, every worker caught up
                    # CPU per request of the mock's processes and of redis-server: less bent by the
                    # machine's other load than req/s
                    pids = [*process_tree(server.procs[0].pid), *([redis.process.pid] if url else [])]
                    figures = wrk(target, workload, args.seconds, 2, 16, work, pids=pids)
                    found.setdefault((name, workload.name), []).append(figures)
                rss[name] = [rss_kb(pid) / 1024 for pid in workers_of(server) or [server.procs[0].pid]]
            finally:
                server.stop()
    print(f"\nspeed: wrk -t2 -c16 -d{args.seconds}s, median of {args.runs} interleaved runs")
    for workload in workloads:
        memory = median_figures(found[("memory, 1 worker", workload.name)]).rps
        one = median_figures(found[("redis, 1 worker", workload.name)]).rps
        for name in configs:
            figures = median_figures(found[(name, workload.name)])
            print(f"  {workload.name:15} {name:17} {figures.rps:8.0f} req/s  CPU {figures.cpu_us:5.0f} us/req  p50 {figures.p50_ms:.2f} ms  "
                  f"errors {figures.errors}  x{figures.rps / memory:.2f} of memory")  # fmt: skip
        two = median_figures(found[("redis, 2 workers", workload.name)]).rps
        cpu = median_figures(found[("memory, 1 worker", workload.name)]).cpu_us
        cpu_one = median_figures(found[("redis, 1 worker", workload.name)]).cpu_us
        print(f"  {workload.name:15} by CPU per request (mock + redis-server): redis 1 worker = {cpu / cpu_one:.0%} of memory")
        print(f"  {workload.name:15} redis 1 worker / memory: {one / memory:.0%} (target >= 50%); "
              f"2 workers / 1: x{two / one:.2f} (target >= 1.2)")  # fmt: skip
    print("  worker RSS: " + "; ".join(f"{name} {', '.join(f'{mb:.0f} MB' for mb in sizes)}" for name, sizes in rss.items()))
    if not args.no_kona:
        run_kona(args, redis, work)


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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-kona", action="store_true", help="speed: skip the 100k-event Kona part")
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
