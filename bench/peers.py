"""Our mock against Prism and Mockoon CLI on the same specs and the same wrk load; then our scale.

Usage: .venv/bin/python bench/peers.py [--runs 3] [--seconds 5] [--scale-seconds 4] [--only PART]
       [--workloads NAMES] [--baseline TREE]

Loopback only, bounded in time. Installs what it needs when missing: Prism 5.14.x and Mockoon CLI
9.x from the npm registry into bench/.cache (ignored by git), and wrk from Debian's packages
(when running as root; otherwise it says what to install). Every server it starts runs in its own
process group and is killed on the way out.

Part 1, peers: each run starts every server fresh (ours as ``mockserver serve`` with its defaults:
auth and request validation on, per-request access log on, not strict; ours again with the access
log off; Prism ``prism mock`` per spec; Mockoon CLI importing the specs; and the bare-server
ceiling, ``bench/ceiling.py``: a fixed 22-byte answer from a minimal WSGI app on granian with our
settings, bare and behind our intake front), seeds ours through the admin API, then drives each
workload against each server in turn (the order rotates per run), so every tool shares the
machine's noise; medians, ratios against Prism, Mockoon and the ceiling of the same runs, and each
server's CPU per request. Part 2 (``bench/scale.py``): start-up, and ours with 1k/10k/100k Kona
events. Last, every target of issue 16 with its figure, its same-run reference and met / MISSED.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchkit import (
    BIN,
    ROOT,
    Figures,
    Server,
    Targets,
    Workload,
    ensure_wrk,
    free_port,
    machine_note,
    median_figures,
    process_tree,
    request,
    wait_up,
    wrk,
)
from scale import run_scale, run_startup
from workloads import BATCH, WORKLOADS, _seed, chosen_workloads

CACHE = ROOT / "bench" / ".cache"
NODE_BIN = CACHE / "node_modules" / ".bin"
PEER_PACKAGES = {"@stoplight/prism-cli": "5.14", "@mockoon/cli": "9"}
APIS = ("b2core", "twelvetwenty", "perscom")  # the APIs the workloads use
CEILING = Workload("bare server", "ceiling", "GET", "/")  # a fixed answer from bench/ceiling.py
CEILINGS = ("bare server", "bare + our front")


# --- tools -------------------------------------------------------------------------------------


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


def start_ours(name: str, quiet: bool, config_dir: Path, tree: Path | None = None) -> Server:
    """``mockserver serve`` from this checkout, or with ``tree``'s ``mockserver`` package first
    on the path (``--baseline``: an exported older version, to compare before and after in one run)."""
    server = Server(name)
    port = free_port()
    command = [str(BIN / "mockserver"), "serve", "--port", str(port)]
    if quiet:
        config = config_dir / "quiet.json"
        config.write_text(json.dumps({"log_requests": False}))
        command += ["--config", str(config)]
    server.start(command, {"PYTHONPATH": str(tree)} if tree else None)
    server.urls = {api: f"http://127.0.0.1:{port}/{api}" for api in APIS}
    wait_up(f"http://127.0.0.1:{port}/__mock/health")
    status, body = request(f"http://127.0.0.1:{port}/__mock/state", "PUT", _seed())
    if status != 200:
        raise RuntimeError(f"seeding {name} failed: {status} {body[:200]!r}")
    return server


def start_ceiling(name: str, front: bool) -> Server:
    """bench/ceiling.py: the bare granian server (or it behind our intake front) with our settings."""
    server = Server(name)
    port = free_port()
    server.start(
        [str(BIN / "python"), str(ROOT / "bench" / "ceiling.py"), "--port", str(port)] + ["--front"] * front
    )
    server.urls = {"ceiling": f"http://127.0.0.1:{port}"}
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


def run_peers(args: argparse.Namespace, work: Path, targets: Targets) -> None:
    versions = ensure_peers()
    print(f"peers: Prism {versions['@stoplight/prism-cli']}, Mockoon CLI {versions['@mockoon/cli']}")
    starters: dict[str, Callable[[], Server]] = {
        "ours": lambda: start_ours("ours", False, work),
        "ours, no access log": lambda: start_ours("ours, no access log", True, work),
        "Prism": start_prism,
        "Mockoon": start_mockoon,
        "bare server": lambda: start_ceiling("bare server", front=False),
        "bare + our front": lambda: start_ceiling("bare + our front", front=True),
    }
    if args.baseline:
        starters["ours @ baseline"] = lambda: start_ours("ours @ baseline", False, work, args.baseline)
    workloads = chosen_workloads(args.workloads)
    if not {"GET one event", "list + filters"} & {w.name for w in workloads}:  # the ceiling's users
        for name in CEILINGS:
            del starters[name]
    tools = [name for name in starters if name not in CEILINGS]
    results: dict[tuple[str, str], list[Figures]] = {}
    rss: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}

    def measure(workload: Workload, server: Server) -> None:
        url = server.urls[workload.api] + workload.path
        if args.warmup:  # JITs (Node) and caches warm up first; not recorded
            wrk(url, workload, args.warmup, args.threads, args.connections, work)
        pids = [pid for proc in server.procs for pid in process_tree(proc.pid)]
        figures = wrk(url, workload, args.seconds, args.threads, args.connections, work, pids)
        results.setdefault((workload.name, server.name), []).append(figures)
        print(f"  {workload.name:20} {server.name:20} {figures.rps:9.0f} req/s", flush=True)

    for run in range(args.runs):
        with started(list(starters.values())) as servers:
            by_name = {s.name: s for s in servers}
            if run == 0:
                statuses = {name: check_answers(by_name[name]) for name in tools}
            print(f"run {run + 1}:", flush=True)
            ceilings = [name for name in CEILINGS if name in by_name]
            for name in ceilings:  # before the workloads and after them: the machine's load drifts
                measure(CEILING, by_name[name])
            for index, workload in enumerate(workloads):
                order = tools[(run + index) % len(tools) :] + tools[: (run + index) % len(tools)]
                for name in order:
                    measure(workload, by_name[name])
            for name in reversed(ceilings):
                measure(CEILING, by_name[name])
            for name in tools:
                rss.setdefault(name, []).append(by_name[name].rss_mb())
    print_peer_table(results, tools, workloads, args)
    print("\nstatus of one request per workload (before the load):")
    for name in tools:
        print(f"  {name:20} {statuses[name]}")
    print("\nRSS after the workloads, every process of the tool (median MB): ", end="")
    print(", ".join(f"{name} {statistics.median(values):.0f}" for name, values in rss.items()))
    peer_targets(results, targets)


def print_peer_table(
    results: dict[tuple[str, str], list[Figures]], tools: list[str], workloads: list[Workload], args: Any
) -> None:
    print(
        f"\nmedian of {args.runs} runs, wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
        f"after {args.warmup}s unrecorded (batch: -c1); ratios against Prism in the same runs"
    )
    header = f"{'workload':20} {'server':20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header + f" {'req/s vs Prism':>15} {'p99 vs Prism':>13} {'CPU us/req':>11}")
    for workload in workloads:
        prism = median_figures(results[(workload.name, "Prism")])
        for name in tools:
            m = median_figures(results[(workload.name, name)])
            print(
                f"{workload.name:20} {name:20} {m.rps:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d}"
                f" {m.rps / prism.rps:14.2f}x {m.p99_ms / prism.p99_ms:12.2f}x {m.cpu_us:11.1f}"
            )
    if (CEILING.name, CEILINGS[0]) not in results:
        return
    bare = median_figures(results[(CEILING.name, CEILINGS[0])])
    for name in CEILINGS:
        m = median_figures(results[(CEILING.name, name)])
        print(
            f"{'fixed 22-byte answer':20} {name:20} {m.rps:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d}"
            f" {m.rps / bare.rps:14.2f}x of the bare server {m.cpu_us:11.1f}"
        )


def peer_targets(results: dict[tuple[str, str], list[Figures]], targets: Targets) -> None:
    def ours(name: str, tool: str = "ours") -> Figures:
        return median_figures(results[(name, tool)])

    def ran(*names: str) -> bool:
        return all((name, "ours") in results for name in names)

    for name, share in (("GET one event", 0.35), ("list + filters", 0.25)):
        if not ran(name):
            continue
        bare = ours(CEILING.name, CEILINGS[0])
        ratio = ours(name).rps / bare.rps
        # on a loaded machine every server gets a slice of a core and the ratio of throughputs
        # flatters the slower one; the ratio of CPU per request does not move much: both must pass
        by_cpu = bare.cpu_us / ours(name).cpu_us
        targets.add(
            f"{name}: {ours(name).rps:.0f} req/s = {ratio:.2f}x the bare server's {bare.rps:.0f};"
            f" CPU per request {ours(name).cpu_us:.0f} us vs its {bare.cpu_us:.0f} us = {by_cpu:.2f}x"
            f" (both >= {share}x)",
            ratio >= share and by_cpu >= share,
        )
    if ran("PERSCOM search"):
        search, prism = ours("PERSCOM search"), ours("PERSCOM search", "Prism")
        targets.add(
            f"PERSCOM search: {search.rps:.0f} req/s = {search.rps / prism.rps:.2f}x Prism's {prism.rps:.0f}"
            f" (>= 3x); CPU per request {search.cpu_us:.0f} us",
            search.rps >= 3 * prism.rps,
        )
    if ran("POST create"):
        post, prism = ours("POST create"), ours("POST create", "Prism")
        targets.add(
            f"POST create (store growing): p99 {post.p99_ms:.1f} ms = {post.p99_ms / prism.p99_ms:.2f}x Prism's"
            f" {prism.p99_ms:.1f} ms (<= 0.5x)",
            post.p99_ms <= 0.5 * prism.p99_ms,
        )
    if ran(BATCH):
        batch, mockoon = ours(BATCH), ours(BATCH, "Mockoon")
        targets.add(
            f"{BATCH}: {batch.rps:.0f} req/s = {batch.rps / mockoon.rps:.2f}x Mockoon's {mockoon.rps:.0f}"
            f" (>= 1.5x); CPU per request {batch.cpu_us:.0f} us",
            batch.rps >= 1.5 * mockoon.rps,
        )
        targets.add(f"{BATCH}: p99 {batch.p99_ms:.1f} ms (<= 30 ms)", batch.p99_ms <= 30)
    for name in ("GET one event", "list + filters", "POST create"):  # issue 7's, kept
        if ran(name):
            ratio = ours(name).rps / ours(name, "Prism").rps
            targets.add(f"(issue 7) {name}: {ratio:.2f}x Prism's req/s (>= 3x)", ratio >= 3)


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per workload and server")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded wrk seconds before each")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale-seconds", type=int, default=4)
    parser.add_argument("--only", choices=["peers", "scale", "startup"], help="run one part only")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="peers: also serve the mockserver package found in this tree (e.g. `git archive main mockserver"
        " specs`, with specs/ moved into mockserver/), as 'ours @ baseline'",
    )
    parser.add_argument(
        "--workloads", help="peers: only these workloads, comma-separated names or their starts (perscom,12twenty)"
    )
    args = parser.parse_args()
    ensure_wrk()
    print(f"bench/peers.py: {machine_note()}", flush=True)
    targets = Targets()
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        work = Path(tmp)
        if args.only in (None, "peers"):
            run_peers(args, work, targets)
        if args.only in (None, "startup"):
            run_startup(args, targets)
        if args.only in (None, "scale"):
            run_scale(args, work, targets)
    targets.print()
    print(f"\ndone: {machine_note()}")


if __name__ == "__main__":
    main()
