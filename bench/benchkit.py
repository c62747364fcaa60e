"""What every benchmark script here shares: starting and stopping servers, wrk, figures, targets.

Loopback only; every server started runs in its own process group and is killed on the way out.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AUTH = "Bearer dev-token"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Workload:
    name: str
    api: str
    method: str
    path: str  # below the API's root
    body: Any = None
    connections: int | None = None  # None: the command line's -c


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


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses + socket errors
    requests: int
    cpu_us: float = math.nan  # server CPU (every process of it) per request, when its pids were given


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _latency(out: str, percentile: str) -> float:
    found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if found is None:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{out}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def cpu_seconds(pids: list[int] | list[str]) -> float:
    """User + system CPU seconds the processes have used so far (threads included); an entry
    may also name one thread, as ``"PID/task/TID"``."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str,
    workload: Workload,
    seconds: float,
    threads: int,
    connections: int,
    work: Path,
    pids: list[int] | None = None,
) -> Figures:
    """wrk's figures; with the server's ``pids``, also its CPU per request over the run, which the
    machine's other load inflates too, but far less than it cuts a starved server's throughput."""
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
    cpu_before = cpu_seconds(pids or [])
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    cpu = cpu_seconds(pids or []) - cpu_before
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if rps is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    requests = int(total.group(1))
    cpu_us = cpu * 1e6 / requests if pids and requests else math.nan
    return Figures(float(rps.group(1)), _latency(out, "50"), _latency(out, "99"), errors, requests, cpu_us)


def median_figures(samples: list[Figures]) -> Figures:
    return Figures(
        statistics.median(s.rps for s in samples),
        statistics.median(s.p50_ms for s in samples),
        statistics.median(s.p99_ms for s in samples),
        int(statistics.median(s.errors for s in samples)),
        int(statistics.median(s.requests for s in samples)),
        statistics.median(s.cpu_us for s in samples),
    )


@dataclass
class Targets:
    """The issue's targets as one run measured them: each with its figure, its reference and a verdict."""

    rows: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, text: str, met: bool) -> None:
        self.rows.append((text, met))

    def print(self) -> None:
        print("\ntargets (issue 16), same-run figures:")
        for text, met in self.rows:
            print(f"  [{'met' if met else 'MISSED'}] {text}")
        missed = sum(not met for _, met in self.rows)
        print(f"  {len(self.rows) - missed} met, {missed} missed")


def machine_note() -> str:
    meminfo = Path("/proc/meminfo").read_text().split()
    total_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc {os.cpu_count()}, {total_gib:.0f} GiB, load {load}"
