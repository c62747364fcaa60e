"""A new user's first ``python3 dev.py serve``: seconds from a fresh clone to the first answer.

Usage: python3 bench/first_serve.py [--runs 3] [--ref REF] [--port 18650]
Clones REF (default HEAD) of this repository into a temporary folder (no ``.venv``: the clone is
what a fresh machine has; pip's download cache is the machine's, as on a developer's laptop),
runs ``python3 dev.py serve`` there and polls ``/__mock/health`` until it answers. Prints each
run's seconds and the median. Compare two refs in one session: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_serve(ref: str, port: int, timeout: float = 600) -> float:
    with tempfile.TemporaryDirectory(prefix="first-serve-") as folder:
        clone = Path(folder) / "repo"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
        log = (Path(folder) / "serve.log").open("wb")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "dev.py", "serve", "--port", str(port)],
            cwd=clone,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.monotonic() - started < timeout:
                if process.poll() is not None:
                    raise SystemExit(f"dev.py serve exited {process.returncode}: see {log.name}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__mock/health", timeout=1):
                        return time.monotonic() - started
                except OSError:
                    time.sleep(0.2)
            raise SystemExit(f"no answer within {timeout} s")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh clones to time (default 3)")
    parser.add_argument("--ref", default="HEAD", help="git ref to clone (default HEAD)")
    parser.add_argument("--port", type=int, default=18650, help="port to serve on (default 18650)")
    args = parser.parse_args()
    seconds = []
    for run in range(args.runs):
        seconds.append(first_serve(args.ref, args.port))
        print(f"run {run + 1}: first answer after {seconds[-1]:.1f} s", flush=True)
    print(f"{args.ref}: median {statistics.median(seconds):.1f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
