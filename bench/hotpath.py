"""The hot path: B2Core's GET one event and list + filters against the bare-server ceiling.

Usage: .venv/bin/python bench/hotpath.py [--runs 3] [--seconds 4] [--base REF] [--mode served|inprocess]

``--mode served`` (default): each run starts fresh the bare server and the bare server behind our
intake front (``bench/ceiling.py``), ours as ``mockserver serve`` with its defaults (auth, request
validation and the access log on; the log goes to a pipe nobody reads past), and with ``--base``
ours again from that commit (exported with ``git archive``, served from this venv); then wrk
drives every workload against each in turn, the order rotating per run. It prints medians of the
runs, each server's CPU per request (``/proc/<pid>/stat`` around the wrk run) and the issue's two
targets with met / MISSED (both the req/s ratio and the CPU ratio must pass, as in ``peers.py``).

``--mode inprocess``: the Python side of one served request without sockets: the request is
handed to the intake front's RSGI entry the way granian hands it (a stand-in scope and protocol
object), the app built as ``serve`` builds it, the access log on (to /dev/null); CPU time per
request (``time.process_time``) over ``--calls`` calls, this tree and ``--base`` alternating in
separate processes. One process on one core: far less disturbed by the machine's other load.
Loopback only, bounded in time; every server it starts runs in its own process group.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
from benchkit import AUTH, Figures, Server, Targets, machine_note, median_figures, process_tree, wrk
from intake_ab import export

ROOT = peers.ROOT
WORKLOADS = [w for w in peers.WORKLOADS if w.name in ("GET one event", "list + filters")]
SHARES = {"GET one event": 0.35, "list + filters": 0.25}


def start_ours(name: str, source: Path | None) -> Server:
    server = Server(name)
    port = peers.free_port()
    env = {**os.environ, **({"PYTHONPATH": str(source)} if source else {})}
    server.procs.append(
        subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
            cwd=source or ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # the access log: written, then dropped
            start_new_session=True,
        )
    )
    server.urls = {"b2core": f"http://127.0.0.1:{port}/b2core"}
    peers.wait_up(f"http://127.0.0.1:{port}/__mock/health")
    status, body = peers.request(f"http://127.0.0.1:{port}/__mock/state", "PUT", peers._seed())
    if status != 200:
        raise RuntimeError(f"seeding {name} failed: {status} {body[:200]!r}")
    return server


def served(args: argparse.Namespace, work: Path, base: Path | None) -> None:
    names = ["ours"] + ["base"] * (base is not None)
    results: dict[tuple[str, str], list[Figures]] = {}

    def measure(workload: Any, server: Server) -> None:
        url = server.urls[workload.api] + workload.path
        wrk(url, workload, 1, args.threads, args.connections, work)  # warm-up, not recorded
        pids = [pid for proc in server.procs for pid in process_tree(proc.pid)]
        figures = wrk(url, workload, args.seconds, args.threads, args.connections, work, pids)
        if figures.errors:
            raise RuntimeError(f"{server.name} {workload.name}: {figures.errors} errors")
        results.setdefault((workload.name, server.name), []).append(figures)
        print(f"  {workload.name:16} {server.name:18} {figures.rps:8.0f} req/s {figures.cpu_us:7.1f} us CPU", flush=True)

    for run in range(args.runs):
        servers = [peers.start_ceiling(name, front=name != "bare server") for name in peers.CEILINGS]
        try:
            servers.append(start_ours("ours", None))
            if base is not None:
                servers.append(start_ours("base", base))
            for server in servers[:2]:
                peers.wait_up(server.urls["ceiling"] + "/")
            by_name = {s.name: s for s in servers}
            print(f"run {run + 1}:", flush=True)
            order = [*peers.CEILINGS, *names]
            shift = run % len(order)
            for name in order[shift:] + order[:shift]:
                for workload in [peers.CEILING] if name in peers.CEILINGS else WORKLOADS:
                    measure(workload, by_name[name])
        finally:
            for server in servers:
                server.stop()
    print(f"\nmedian of {args.runs} runs, wrk -t{args.threads} -c{args.connections} -d{args.seconds}s")
    bare = median_figures(results[(peers.CEILING.name, "bare server")])
    print(f"{'workload':16} {'server':18} {'req/s':>8} {'p99 ms':>7} {'CPU us':>7} {'rps/bare':>9} {'bare/CPU':>9}")
    rows = [(peers.CEILING.name, name) for name in peers.CEILINGS]
    rows += [(w.name, name) for w in WORKLOADS for name in names]
    for workload_name, name in rows:
        m = median_figures(results[(workload_name, name)])
        print(
            f"{workload_name:16} {name:18} {m.rps:8.0f} {m.p99_ms:7.2f} {m.cpu_us:7.1f}"
            f" {m.rps / bare.rps:8.2f}x {bare.cpu_us / m.cpu_us:8.2f}x"
        )
    targets = Targets()
    for workload in WORKLOADS:
        m, share = median_figures(results[(workload.name, "ours")]), SHARES[workload.name]
        ratio, by_cpu = m.rps / bare.rps, bare.cpu_us / m.cpu_us
        targets.add(
            f"{workload.name}: {ratio:.2f}x the bare server's req/s, {by_cpu:.2f}x by CPU per request"
            f" ({m.cpu_us:.0f} vs {bare.cpu_us:.0f} us; both >= {share}x)",
            ratio >= share and by_cpu >= share,
        )
    targets.print()


# --- in process --------------------------------------------------------------------------------


class _Scope:
    """What granian's RSGI scope offers the front (the attributes ``intake.py`` reads)."""

    proto = "http"
    http_version = "1.1"
    scheme = "http"
    method = "GET"
    server = "127.0.0.1:8000"
    client = "127.0.0.1:50000"

    def __init__(self, path: str, query: str) -> None:
        self.path, self.query_string = path, query
        self.headers = {"host": "127.0.0.1:8000", "authorization": AUTH, "user-agent": "wrk"}


class _Proto:
    status = 0

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status


def inprocess_child(calls: int) -> None:
    """Run in a child: print one JSON line, CPU microseconds per request for each workload."""
    from mockserver import serving
    from mockserver.accesslog import BufferedAccessLog

    intake = serving.intake_from_environment()
    mock = intake.wsgi_app.mock  # type: ignore[attr-defined]  # the Gateway
    mock.access_log = BufferedAccessLog(open(os.devnull, "w"), prefix=True)
    mock.store.load(peers._seed())
    out: dict[str, float] = {}
    for workload in WORKLOADS:
        path, _, query = ("/b2core" + workload.path).partition("?")
        scope, proto = _Scope(path, query), _Proto()

        def once(scope: _Scope = scope, proto: _Proto = proto) -> None:
            try:
                intake.__rsgi__(scope, proto).send(None)
            except StopIteration:
                pass
            assert proto.status == 200, proto.status

        for _ in range(min(calls, 2000)):
            once()
        started = time.process_time()
        for _ in range(calls):
            once()
        out[workload.name] = (time.process_time() - started) / calls * 1e6
    print(json.dumps(out))


def inprocess(args: argparse.Namespace, base: Path | None) -> None:
    sides: list[tuple[str, Path | None]] = [("ours", None)] + [("base", base)] * (base is not None)
    results: dict[tuple[str, str], list[float]] = {}
    for run in range(args.runs):
        for name, source in sides if run % 2 == 0 else sides[::-1]:
            env = {**os.environ, "MOCKSERVER_SERVE_OPTIONS": "{}"}
            if source is not None:
                env["PYTHONPATH"] = str(source)
            child = [sys.executable, str(Path(__file__).resolve()), "--child", str(args.calls)]
            out = subprocess.run(child, cwd=source or ROOT, env=env, capture_output=True, text=True, check=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            for workload, us in figures.items():
                results.setdefault((workload, name), []).append(us)
            print(f"  run {run + 1} {name:5} " + ", ".join(f"{k} {v:.1f} us" for k, v in figures.items()), flush=True)
    print(f"\nmedian CPU per request over {args.runs} runs of {args.calls} calls (in process, one thread)")
    for workload in WORKLOADS:
        line = f"  {workload.name:16}" + "".join(
            f" {name} {statistics.median(results[(workload.name, name)]):6.1f} us" for name, _ in sides
        )
        if base is not None:
            ratio = statistics.median(results[(workload.name, "ours")]) / statistics.median(
                results[(workload.name, "base")]
            )
            line += f"  ours/base {ratio:.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["served", "inprocess"], default="served")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--calls", type=int, default=20000, help="requests per workload in process")
    parser.add_argument("--base", help="also measure this commit (git archive of it) or source directory")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inprocess_child(args.child)
        return
    if args.mode == "served":
        peers.ensure_wrk()
    print(f"bench/hotpath.py --mode {args.mode}: {machine_note()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-") as tmp:
        work = Path(tmp)
        base = None
        if args.base:  # a commit, or a directory that already holds a tree
            base = Path(args.base) if Path(args.base).is_dir() else export(args.base, work / "base")
        if args.mode == "served":
            served(args, work, base)
        else:
            inprocess(args, base)
    print(f"done: {machine_note()}")


if __name__ == "__main__":
    main()
