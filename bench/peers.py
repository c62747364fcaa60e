"""Our mock against Prism and Mockoon CLI on the same specs and the same wrk load; then our scale.

Usage: .venv/bin/python bench/peers.py [--runs 3] [--seconds 5] [--scale-seconds 4]

Loopback only, bounded in time. Installs what it needs when missing: Prism 5.14.x and Mockoon CLI
9.x from the npm registry into bench/.cache (ignored by git), and wrk from Debian's packages
(when running as root; otherwise it says what to install). Every server it starts runs in its own
process group and is killed on the way out.

Part 1, peers: each run starts every server fresh (ours as ``mockserver serve`` with its defaults:
auth and request validation on, per-request access log on, not strict; ours again with the access
log off; Prism ``prism mock`` per spec; Mockoon CLI importing the specs), seeds ours through the
admin API, then drives each workload against each server in turn (the order rotates per run), so
ours and the peers share the machine's noise. Medians of the runs; ratios against Prism.

Part 2, scale (ours only): a fresh server per size loads 1k, 10k and 100k Kona events through
``PUT /__mock/state``, reads the RSS of the granian worker (the process holding the state) and
times a one-day ``date_range_start/end`` list and a get-by-id with one connection.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CACHE = ROOT / "bench" / ".cache"
NODE_BIN = CACHE / "node_modules" / ".bin"
PEER_PACKAGES = {"@stoplight/prism-cli": "5.14", "@mockoon/cli": "9"}
AUTH = "Bearer dev-token"
APIS = ("b2core", "twelvetwenty", "perscom")  # the APIs the workloads use
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- workloads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    api: str
    method: str
    path: str  # below the API's root
    body: Any = None
    connections: int | None = None  # None: the command line's -c


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _batch(size: int) -> list[dict[str, Any]]:
    start = datetime(2018, 6, 10, 20, tzinfo=UTC)
    return [
        {
            "ExternalId": f"bench-{i}",
            "UserId": 124,
            "TypeId": 1,
            "StartTime": _iso(start + timedelta(hours=i)),
            "EndTime": _iso(start + timedelta(hours=i, minutes=90)),
            "Title": f"Course {i}: Fin. Meas., Analysis & Rept.",
        }
        for i in range(size)
    ]


WORKLOADS = (
    Workload("GET one event", "b2core", "GET", "/api/v2/calendars/events/1"),
    Workload(
        "list + filters",
        "b2core",
        "GET",
        "/api/v2/calendars/events?filter%5BstartDate%5D=2024-01-01T00:00:00Z"
        "&filter%5BendDate%5D=2024-02-01T00:00:00Z&sort_by=startDate&sort_order=desc&limit=10",
    ),
    Workload(
        "PERSCOM search",
        "perscom",
        "POST",
        "/v2/events/search?limit=10",
        {
            "scopes": [{"name": "datePeriod", "parameters": ["2023-11-01", "2023-11-30"]}],
            "filters": [{"field": "name", "operator": "like", "value": "%drill%"}],
            "sort": [{"field": "starts", "direction": "desc"}],
        },
    ),
    Workload(
        "POST create",
        "b2core",
        "POST",
        "/api/v2/calendars/events",
        {
            "caption": "Quarterly review",
            "description": "Bench",
            "startDate": "2024-03-01T10:00:00Z",
            "endDate": "2024-03-01T11:00:00Z",
            "notifications": ["PT2H"],
            "recipients": ["user@example.com"],
        },
    ),
    # One client sending batches back to back (a sync job, a contract run): latency, not queueing.
    Workload("12Twenty batch 1000", "twelvetwenty", "PUT", "/api/v2/calendar-events/batch", _batch(1000), 1),
)


def _seed() -> dict[str, Any]:
    """What ours holds before the workloads: the GET id and events inside the list/search windows."""
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    b2core = [
        {
            "caption": f"Event {i}",
            "description": "Seeded",
            "startDate": _iso(start + timedelta(hours=7 * i)),
            "endDate": _iso(start + timedelta(hours=7 * i + 1)),
            "recipients": ["user@example.com"],
        }
        for i in range(200)
    ]
    november = datetime(2023, 11, 1, 9, tzinfo=UTC)
    perscom = [
        {
            "name": f"{'Drill' if i % 3 else 'Briefing'} {i}",
            "calendar_id": 123,
            "author_id": 123,
            "starts": _iso(november + timedelta(hours=5 * i)),
            "ends": _iso(november + timedelta(hours=5 * i + 2)),
        }
        for i in range(200)
    ]
    return {"b2core": {"events": b2core}, "perscom": {"events": perscom}}


# --- tools -------------------------------------------------------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is missing; install it with `sudo apt-get install -y wrk`")
    print("bench: installing wrk (apt-get)", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, stdout=subprocess.DEVNULL, check=True)


def _installed_version(package: str) -> str | None:
    manifest = CACHE / "node_modules" / package / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


def ensure_peers() -> dict[str, str]:
    """Prism and Mockoon CLI in bench/.cache at the pinned lines; returns their versions."""
    wanted = {
        pkg: line
        for pkg, line in PEER_PACKAGES.items()
        if not (_installed_version(pkg) or "").startswith(line + ".")
    }
    if wanted:
        if not shutil.which("npm"):
            raise SystemExit("bench: npm is missing (Node 20 and npm are needed for Prism and Mockoon)")
        specs = [f"{pkg}@{line}" for pkg, line in wanted.items()]
        print(f"bench: npm install --prefix {CACHE} {' '.join(specs)}", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error", *specs],
            check=True,
        )
    return {pkg: _installed_version(pkg) or "?" for pkg in PEER_PACKAGES}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One started tool: its processes and where each API is served."""

    name: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # api -> base URL

    def start(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def rss_mb(self) -> float:
        """Resident memory of every process the tool started, children included."""
        return sum(rss_kb(pid) for proc in self.procs for pid in process_tree(proc.pid)) / 1024


def process_tree(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += process_tree(int(child))
    return found


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def request(url: str, method: str = "GET", body: Any = None, timeout: float = 300) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": AUTH, "Content-Type": "application/json"}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} after {seconds:.0f}s")


def start_ours(name: str, quiet: bool, config_dir: Path) -> Server:
    server = Server(name)
    port = free_port()
    command = [str(BIN / "mockserver"), "serve", "--port", str(port)]
    if quiet:
        config = config_dir / "quiet.json"
        config.write_text(json.dumps({"log_requests": False}))
        command += ["--config", str(config)]
    server.start(command)
    server.urls = {api: f"http://127.0.0.1:{port}/{api}" for api in APIS}
    wait_up(f"http://127.0.0.1:{port}/__mock/health")
    status, body = request(f"http://127.0.0.1:{port}/__mock/state", "PUT", _seed())
    if status != 200:
        raise RuntimeError(f"seeding {name} failed: {status} {body[:200]!r}")
    return server


def start_prism() -> Server:
    server = Server("Prism")
    for api in APIS:
        port = free_port()
        server.start(
            [str(NODE_BIN / "prism"), "mock", "-h", "127.0.0.1", "-p", str(port), f"specs/{api}.yaml"]
        )
        server.urls[api] = f"http://127.0.0.1:{port}"
    return server


def start_mockoon() -> Server:
    server = Server("Mockoon")
    ports = [free_port() for _ in APIS]
    command = [str(NODE_BIN / "mockoon-cli"), "start", "--disable-log-to-file"]
    command += ["--data", *(f"specs/{api}.yaml" for api in APIS)]
    command += ["--port", *map(str, ports), "--hostname", *("127.0.0.1" for _ in APIS)]
    server.start(command)
    server.urls = {api: f"http://127.0.0.1:{port}" for api, port in zip(APIS, ports, strict=True)}
    return server


# --- wrk ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses + socket errors
    requests: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _latency(out: str, percentile: str) -> float:
    found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if found is None:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{out}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def wrk(url: str, workload: Workload, seconds: float, threads: int, connections: int, work: Path) -> Figures:
    slug = re.sub(r"\W+", "-", workload.name)
    script = work / f"{slug}.lua"
    lines = [f'wrk.method = "{workload.method}"', f'wrk.headers["Authorization"] = "{AUTH}"']
    if workload.body is not None:
        body_file = work / f"{slug}.json"
        body_file.write_text(json.dumps(workload.body))
        lines += [
            'wrk.headers["Content-Type"] = "application/json"',
            f'local f = assert(io.open("{body_file}", "rb"))',
            "wrk.body = f:read('*a')",
            "f:close()",
        ]
    script.write_text("\n".join(lines) + "\n")
    connections = workload.connections or connections
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--timeout", "10s", "--latency", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if rps is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Figures(float(rps.group(1)), _latency(out, "50"), _latency(out, "99"), errors, int(total.group(1)))


def median_figures(samples: list[Figures]) -> Figures:
    return Figures(
        statistics.median(s.rps for s in samples),
        statistics.median(s.p50_ms for s in samples),
        statistics.median(s.p99_ms for s in samples),
        int(statistics.median(s.errors for s in samples)),
        int(statistics.median(s.requests for s in samples)),
    )


# --- part 1: peers -----------------------------------------------------------------------------


@contextmanager
def started(starters: list[Callable[[], Server]]) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for starter in starters:
            servers.append(starter())
        for server in servers:
            for api, url in server.urls.items():
                wait_up(url + _probe(api))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _probe(api: str) -> str:
    return {
        "b2core": "/api/v2/calendars/events/1",
        "twelvetwenty": "/api/client/generateAuthenticationToken",
    }.get(api, "/v2/events")


def check_answers(server: Server) -> dict[str, int]:
    """The status each workload gets once, so a table never hides a tool answering errors."""
    return {w.name: request(server.urls[w.api] + w.path, w.method, w.body)[0] for w in WORKLOADS}


def run_peers(args: argparse.Namespace, work: Path) -> None:
    versions = ensure_peers()
    print(f"peers: Prism {versions['@stoplight/prism-cli']}, Mockoon CLI {versions['@mockoon/cli']}")
    starters: dict[str, Callable[[], Server]] = {
        "ours": lambda: start_ours("ours", False, work),
        "ours, no access log": lambda: start_ours("ours, no access log", True, work),
        "Prism": start_prism,
        "Mockoon": start_mockoon,
    }
    tools = list(starters)
    results: dict[tuple[str, str], list[Figures]] = {}
    rss: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}
    for run in range(args.runs):
        with started(list(starters.values())) as servers:
            by_name = {s.name: s for s in servers}
            if run == 0:
                statuses = {name: check_answers(by_name[name]) for name in tools}
            for index, workload in enumerate(WORKLOADS):
                order = tools[(run + index) % len(tools) :] + tools[: (run + index) % len(tools)]
                for name in order:
                    url = by_name[name].urls[workload.api] + workload.path
                    if args.warmup:  # JITs (Node) and caches warm up first; not recorded
                        wrk(url, workload, args.warmup, args.threads, args.connections, work)
                    figures = wrk(url, workload, args.seconds, args.threads, args.connections, work)
                    results.setdefault((workload.name, name), []).append(figures)
                    print(
                        f"  run {run + 1} {workload.name:20} {name:20} {figures.rps:9.0f} req/s", flush=True
                    )
            for name in tools:
                rss.setdefault(name, []).append(by_name[name].rss_mb())
    print_peer_table(results, tools, args)
    print("\nstatus of one request per workload (before the load):")
    for name in tools:
        print(f"  {name:20} {statuses[name]}")
    print("\nRSS after the workloads, every process of the tool (median MB): ", end="")
    print(", ".join(f"{name} {statistics.median(values):.0f}" for name, values in rss.items()))


def print_peer_table(results: dict[tuple[str, str], list[Figures]], tools: list[str], args: Any) -> None:
    print(
        f"\nmedian of {args.runs} runs, wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
        f"after {args.warmup}s unrecorded (batch: -c1); ratios against Prism in the same runs"
    )
    header = f"{'workload':20} {'server':20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header + f" {'req/s vs Prism':>15} {'p99 vs Prism':>13}")
    for workload in WORKLOADS:
        prism = median_figures(results[(workload.name, "Prism")])
        for name in tools:
            m = median_figures(results[(workload.name, name)])
            print(
                f"{workload.name:20} {name:20} {m.rps:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d}"
                f" {m.rps / prism.rps:14.2f}x {m.p99_ms / prism.p99_ms:12.2f}x"
            )
    print("\ntargets (ours, with the access log on, as served by default):")
    for workload in WORKLOADS:
        ours = median_figures(results[(workload.name, "ours")])
        prism = median_figures(results[(workload.name, "Prism")])
        ratio, p99 = ours.rps / prism.rps, ours.p99_ms / prism.p99_ms
        if workload.name in ("GET one event", "list + filters"):
            verdict(
                f"{workload.name}: {ratio:.2f}x Prism's req/s (>= 3), p99 {p99:.2f}x Prism's (<= 0.5)",
                ratio >= 3 and p99 <= 0.5,
            )
        elif workload.name == "POST create":
            verdict(f"{workload.name}: {ratio:.2f}x Prism's req/s (>= 3)", ratio >= 3)
        elif workload.name.startswith("12Twenty"):
            verdict(f"{workload.name}: p50 {ours.p50_ms:.1f} ms (<= 50 ms)", ours.p50_ms <= 50)


def verdict(text: str, met: bool) -> None:
    print(f"  [{'met' if met else 'MISSED'}] {text}")


# --- part 2: scale -----------------------------------------------------------------------------

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


def run_scale(args: argparse.Namespace, work: Path) -> None:
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
                server.start([str(BIN / "mockserver"), "serve", "--port", str(port)])
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
            m = median_figures(found[(size, name)])
            base = median_figures(found[(sizes[0], name)])
            print(
                f"{size:8d} {statistics.median(loads[size]):7.1f} {name:12} {m.rps:8.0f} {m.p50_ms:8.2f}"
                f" {m.p99_ms:8.2f} {m.errors:7d} {m.p50_ms / base.p50_ms:9.2f}x {worker_mb:14.0f} {parent_mb:14.0f}"
            )
    window = median_figures(found[(sizes[-1], "window list")])
    window_1k = median_figures(found[(sizes[0], "window list")])
    worker_mb = statistics.median(m[0] for m in memory[sizes[-1]])
    print("\ntargets:")
    verdict(f"window list over 100k: p50 {window.p50_ms:.2f} ms (<= 5 ms)", window.p50_ms <= 5)
    ratio = window.p50_ms / window_1k.p50_ms
    verdict(f"window list over 100k: {ratio:.2f}x its p50 at 1k (<= 2)", ratio <= 2)
    verdict(
        f"RSS of the server process (granian worker) with 100k events: {worker_mb:.0f} MB (<= 150)",
        worker_mb <= 150,
    )


# --- main --------------------------------------------------------------------------------------


def machine_note() -> str:
    meminfo = Path("/proc/meminfo").read_text().split()
    total_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc {os.cpu_count()}, {total_gib:.0f} GiB, load {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per workload and server")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded wrk seconds before each")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale-seconds", type=int, default=4)
    parser.add_argument("--only", choices=["peers", "scale"], help="run one part only")
    args = parser.parse_args()
    ensure_wrk()
    print(f"bench/peers.py: {machine_note()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        work = Path(tmp)
        if args.only in (None, "peers"):
            run_peers(args, work)
        if args.only in (None, "scale"):
            run_scale(args, work)
    print(f"\ndone: {machine_note()}")


if __name__ == "__main__":
    main()
