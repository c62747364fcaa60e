"""The contract harness against a server that is not this project's code: Prism's mock of our specs.

Usage: .venv/bin/python bench/third_party.py [--api b2core --api kona] [--profile quick] [--seed 1]
                                            [--exclude-check ignored_auth] [--dynamic]

Loopback only, bounded in time. Installs Prism 5.14.x from the npm registry into bench/.cache
(ignored by git) when it is missing, starts ``prism mock`` on a free 127.0.0.1 port per spec,
runs ``contracts run`` against it — the spec-driven tests only (``test_schema``, ``test_workflow``;
the scenarios check vendor rules no example server implements) — with writes allowed: Prism keeps nothing, and the run's cleanup
deletes what it "created"); prints the failures the harness reported, grouped by check and
operation, and the run's exit code, then stops Prism.

Prism answers every request from the spec's examples (``--dynamic``: from data made up from the
schemas) and keeps no state, so a contract run must report the defects a stateless example
server has against these specs: a created record that a read does not return (another record
answers), an update a later read does not show, a delete after which the record is still there.
Prism also accepts any bearer token, and schemathesis stops each test at its first failure, so
``ignored_auth`` (ST401) hides those: ``--exclude-check ignored_auth`` (and, to see the update
and delete defects behind a failing read-back, ``--exclude-check created_is_readable``) lets
the run reach them. Every other failure would be the harness's, or a real Prism defect to be
read and explained (see the closing note of issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
PRISM = CACHE / "node_modules" / ".bin" / "prism"
PACKAGE = "@stoplight/prism-cli@5.14"


def ensure_prism() -> str:
    manifest = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not PRISM.exists() or not manifest.exists():
        if not shutil.which("npm"):
            raise SystemExit("third_party: npm is missing (Node 20 and npm are needed for Prism)")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
            check=True,
        )
    return str(json.loads(manifest.read_text())["version"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_prism(api: str, log: Path, dynamic: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PRISM), "mock", *(["-d"] if dynamic else []), "-h", "127.0.0.1", "-p", str(port), f"specs/{api}.yaml"],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"third_party: prism exited early:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
        except urllib.error.HTTPError:
            return process, url  # it answers (a 404 for /)
        except OSError:
            time.sleep(0.2)
            continue
        return process, url
    stop(process)
    raise SystemExit("third_party: prism did not start within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", action="append", help="APIs to check (default b2core and kona)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--exclude-check",
        action="append",
        default=[],
        help="passed to contracts run: a check that fails first on every case hides the ones after it",
    )
    parser.add_argument(
        "--dynamic",
        action="store_true",
        help="prism mock -d: answers made up from the schemas instead of the documented examples",
    )
    args = parser.parse_args()
    apis = args.api or ["b2core", "kona"]
    version = ensure_prism()
    mode = "dynamic (-d)" if args.dynamic else "static (examples)"
    print(f"third_party: Prism {version}, {mode}, loopback only", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="third-party-"))
    servers = {}
    try:
        for api in apis:
            servers[api] = start_prism(api, folder / f"prism-{api}.log", args.dynamic)
        command = [str(Path(sys.executable).parent / "contracts"), "run", "--profile", args.profile]
        command += ["--seed", str(args.seed), "--report", str(folder / "report.md")]
        command += ["--ledger", str(folder / "ledger.jsonl"), "-k", "test_schema or test_workflow"]
        command += [f"--exclude-check={name}" for name in args.exclude_check]
        for api, (_, url) in servers.items():
            command += ["--api", api, "--base-url", f"{api}={url}"]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
        seconds = time.monotonic() - started
    finally:
        for process, _ in servers.values():
            stop(process)
    output = done.stdout + done.stderr
    summary = output.split("contract run summary", 1)[-1]
    found: Counter[str] = Counter()
    for line in summary.splitlines():
        match = re.match(r"\s+(ST\d{3} .+?) \[(\w+)\]", line)
        if match:
            found[f"{match.group(1)} [{match.group(2)}]"] += 1
    print(f"third_party: contracts run exited {done.returncode} after {seconds:.0f} s")
    for line in summary.splitlines():
        if line.startswith(("PASSED", "FAILED", "INTERRUPTED", "contracts:")) or " FAILED" in line:
            print(f"  {line.strip()}")
    print("third_party: distinct failures by code and check (tests reporting each):")
    for failure, count in found.most_common():
        print(f"  {count:>3}  {failure}")
    print(f"third_party: report {folder / 'report.md'}, Prism logs in {folder}")


if __name__ == "__main__":
    main()
