"""Requests without a Prefer header cost no more than before: same-run A/B of GET req/s.

A is ``main`` (or ``--base REF``) exported with ``git archive`` to a temporary directory, B is this
working tree; both run from the same venv, one at a time, interleaved A B, B A, A B ... (so neither always runs second) Two modes:

* ``--mode served`` (default): ``mockserver serve`` (granian, defaults) under wrk ``-t2 -c16`` for
  ``--seconds`` per workload. Needs ``wrk`` (``apt-get install wrk``). Loopback only.
* ``--mode cost``: in this tree only, what the new step adds to a request without ``Prefer``
  (``ResponseControl.preferences`` and the rules' truth test) against the whole WSGI call, each
  timed in small interleaved batches, best of many: the ratio is what noise cannot hide.
* ``--mode wsgi``: the same GETs called straight on the WSGI app in one process (no sockets, no
  access log), ``--calls`` each: a single-threaded CPU loop, far less disturbed by other jobs on a
  shared machine than wrk's 16 connections.
* ``--mode instructions``: the same loop under ``valgrind --tool=callgrind``, which counts machine
  instructions instead of timing them, so the figure is the same whatever else the machine runs.
  Each tree is run with ``--calls`` and with ``2 × --calls`` requests per path; the difference
  divided by ``--calls`` is the cost of one request, start-up cancelled out. Needs ``valgrind``.

Prints per-run figures and the medians with the ratio B/A.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from wsgi_servers import running, wait_up, wrk  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
PATHS = {
    "B2Core list": "/b2core/api/v2/calendars/events",
    "PERSCOM list": "/perscom/v2/events",
}
AUTH_SCRIPT = 'wrk.headers["Authorization"] = "Bearer dev-token"\n'


def export(ref: str, into: Path) -> Path:
    archive = into / "base.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "archive", ref], cwd=ROOT, stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "base", filter="data")
    return into / "base"


def measure(tree: Path, port: int, seconds: int) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with running([sys.executable, "-m", "mockserver", "serve", "--port", str(port)], tree, env):
        wait_up(port)
        return {name: wrk(f"http://127.0.0.1:{port}{path}", AUTH_SCRIPT, seconds) for name, path in PATHS.items()}


WSGI_LOOP = """
import sys, time
from mockserver import create_app
app = create_app({"log_requests": False})
environ_base = {"REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1", "QUERY_STRING": "",
                "HTTP_AUTHORIZATION": "Bearer dev-token", "wsgi.input": None}
def call(path):
    import io
    env = dict(environ_base, PATH_INFO=path, **{"wsgi.input": io.BytesIO()})
    b"".join(app.wsgi_app(env, lambda s, h: None))
for path in sys.argv[2:]:
    for _ in range(500):
        call(path)
    best = float("inf")
    for _ in range(int(sys.argv[1]) // 250):  # best batch of 250: what other jobs' noise cannot slow
        started = time.perf_counter()
        for _ in range(250):
            call(path)
        best = min(best, (time.perf_counter() - started) / 250)
    print(1 / best)
"""


def measure_wsgi(tree: Path, calls: int) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}  # same dict layouts in A and B
    out = subprocess.run(
        [sys.executable, "-c", WSGI_LOOP, str(calls), *PATHS.values()],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    return {name: (float(value), 0.0) for name, value in zip(PATHS, out, strict=True)}


COUNT_LOOP = """
import io, sys
from mockserver import create_app
app = create_app({"log_requests": False})
environ_base = {"REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1", "QUERY_STRING": "",
                "HTTP_AUTHORIZATION": "Bearer dev-token"}
for _ in range(int(sys.argv[1])):
    b"".join(app.wsgi_app(dict(environ_base, PATH_INFO=sys.argv[2], **{"wsgi.input": io.BytesIO()}), lambda s, h: None))
"""


def instructions(tree: Path, path: str, calls: int) -> int:
    """Instructions callgrind counted for a process that starts the app and makes ``calls`` GETs."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", COUNT_LOOP,
         str(calls), path],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def measure_instructions(trees: dict[str, Path], calls: int) -> None:
    per_request: dict[str, dict[str, float]] = {name: {} for name in trees}
    for workload, path in PATHS.items():
        for name, tree in trees.items():
            once, twice = instructions(tree, path, calls), instructions(tree, path, 2 * calls)
            per_request[name][workload] = (twice - once) / calls
            print(f"{name:14} {workload:13} {per_request[name][workload]:12,.0f} instructions per request", flush=True)
    print()
    for workload in PATHS:
        a, b = (per_request[name][workload] for name in trees)
        print(f"{workload:13}  A {a:12,.0f}   B {b:12,.0f}   B/A {b / a:.3f} (instructions per request)")


def measure_cost(batches: int = 200, size: int = 200) -> None:
    import io
    import timeit

    from werkzeug.wrappers import Request

    from mockserver import create_app
    from mockserver.control import uncontrolled

    app = create_app({"log_requests": False})
    mock = app.extensions["mockserver"]
    for name, path in PATHS.items():
        environ = {
            "REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1", "QUERY_STRING": "limit=10",
            "HTTP_AUTHORIZATION": "Bearer dev-token", "PATH_INFO": path,
        }

        def whole(environ: dict[str, object] = environ) -> None:
            b"".join(app.wsgi_app({**environ, "wsgi.input": io.BytesIO()}, lambda s, h: None))

        request = Request({**environ, "wsgi.input": io.BytesIO()})

        def added(request: Request = request) -> None:
            if uncontrolled(request.environ, mock.chaos):  # the step runtime.py takes per request
                pass

        best = {"whole": float("inf"), "added": float("inf")}
        for _ in range(batches):
            best["whole"] = min(best["whole"], timeit.timeit(whole, number=size) / size)
            best["added"] = min(best["added"], timeit.timeit(added, number=size) / size)
        share = best["added"] / best["whole"]
        print(f"{name:13}  request {best['whole'] * 1e6:7.1f} µs   added step {best['added'] * 1e6:5.2f} µs"
              f"   share {share:.2%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--base", default="main")
    parser.add_argument("--port", type=int, default=18750)
    parser.add_argument("--mode", choices=("served", "wsgi", "cost", "instructions"), default="served")
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    if args.mode == "cost":
        measure_cost()
        return
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"A (base)": export(args.base, Path(scratch)), "B (this tree)": ROOT}
        if args.mode == "instructions":
            measure_instructions(trees, min(args.calls, 2000))
            return
        results: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in trees}
        for run in range(args.runs):
            order = list(trees.items()) if run % 2 == 0 else list(trees.items())[::-1]  # A B, B A, ...
            for name, tree in order:
                index = list(trees).index(name)
                if args.mode == "wsgi":
                    found = measure_wsgi(tree, args.calls)
                else:
                    found = measure(tree, args.port + index, args.seconds)
                results[name].append(found)
                shown = "  ".join(f"{w} {rps:7.0f} req/s p99 {p99:5.1f} ms" for w, (rps, p99) in found.items())
                print(f"run {run + 1} {name:14} {shown}", flush=True)
    print()
    for workload in PATHS:
        medians = {name: statistics.median(r[workload][0] for r in runs) for name, runs in results.items()}
        a, b = medians.values()
        print(f"{workload:13}  A {a:7.0f} req/s   B {b:7.0f} req/s   B/A {b / a:.3f}")


if __name__ == "__main__":
    main()
