#!/usr/bin/env python3
"""Quick start without anything but Python: `python3 dev.py serve` / `python3 dev.py test`.

Each command creates `.venv` (ignored by git) on first use, installs the project into it, and
reinstalls when pyproject.toml changes. `serve` installs only what serving needs (the plain
package); `test` adds the `[dev]` extra (the contract harness and the toolchain).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"


# tests/ in two worker processes (pytest-xdist), a test file at a time: the machines this runs on
# have two cores, and the contract runs beside it spend part of their time waiting on sockets
XDIST = ["-n", "2", "--dist", "loadfile"]
NO_TESTS = 5  # pytest.ExitCode.NO_TESTS_COLLECTED

# What each command needs installed, smallest first: an install of a later level covers the earlier.
LEVELS = {"serve": "", "test": "[dev]"}


def ensure_environment(command: str) -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    levels = list(LEVELS.values())
    wanted = LEVELS[command]
    if STAMP.exists() and PYTHON.exists():
        stamped_digest, _, stamped = STAMP.read_text().partition(" ")
        if stamped_digest == digest and stamped in levels and levels.index(stamped) >= levels.index(wanted):
            return
    if not PYTHON.exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    what = "the server" if not wanted else "the project with its test toolchain"
    print(f"dev.py: installing {what} into .venv", flush=True)
    if wanted:  # the bundled pip serves the server install fine; the toolchain gets a current one
        run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip"])
    # setuptools warns that an editable install maps specs/ through an import hook: that is the
    # intent (pyproject.toml's package-dir), not news for someone who asked to serve or test
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore:Editable installation"}
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}{wanted}"], quiet)
    STAMP.write_text(f"{digest} {wanted}")


def run(args: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def serve(extra: list[str]) -> None:
    if "redis" in extra or "--store=redis" in extra:  # a private redis-server, started by mockserver serve
        ensure_redis()
    os.execv(str(BIN / "mockserver"), [str(BIN / "mockserver"), "serve", *extra])


def ensure_chromium() -> None:
    """Debian's chromium for the browser tests (tests/browser), installed when it is missing.

    Playwright drives the system browser (it cannot download its own here). Installing takes root
    and apt-get (CI runs as root on Debian); anywhere else this says what to do, and the browser
    tests skip, except in CI, where they fail.
    """
    if os.environ.get("MOCKSERVER_CHROMIUM") or shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
        return
    apt_install("chromium", "the browser tests need it", "or set MOCKSERVER_CHROMIUM to a Chromium binary")


def have_redis() -> bool:
    return bool(os.environ.get("MOCKSERVER_REDIS_SERVER") or shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server"))


def ensure_redis() -> None:
    """Debian's redis-server for the shared-store tests and the Redis-backed live pass, and for
    `serve --store redis`; each starts its own on a free loopback port and stops it."""
    if have_redis():
        return
    apt_install("redis-server", "the shared store (--store redis) needs it", "or set MOCKSERVER_REDIS_SERVER")


def apt_install(package: str, why: str, otherwise: str) -> None:
    """Install a Debian package with apt-get when running as root; else say what to do."""
    apt = shutil.which("apt-get")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt is None or not root:
        print(f"dev.py: no {package}; {why}: `apt-get install {package}` as root, {otherwise}", flush=True)
        return
    print(f"dev.py: installing Debian's {package} ({why}; apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", package]):
        result = subprocess.run([apt, *args], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"dev.py: apt-get {args[0]} failed ({result.returncode})")


def test(extra: list[str]) -> None:
    """Lint and type-check (mypy while chromium is checked or installed), then, side by side:
    the tests of tests/ (the browser tests too) in two pytest-xdist workers, one test file per
    worker at a time (a module's fixtures, a served mock say, start once); the contract suites
    in-process (one session: the run's report and verdict are whole); and the contract suites
    against a real server used as staging is (no reset: its state after the run and its cleanup
    must equal its state before, --check-leftovers). The contract runs' output is printed after
    the tests' own."""
    run([str(PYTHON), "-m", "ruff", "check", "mockserver", "contracts", "tests", "bench", "dev.py"])
    with tempfile.TemporaryFile() as mypy_output:
        mypy = subprocess.Popen([str(PYTHON), "-m", "mypy"], cwd=ROOT, stdout=mypy_output, stderr=subprocess.STDOUT)
        try:
            ensure_chromium()
        finally:
            failed = mypy.wait()
        mypy_output.seek(0)
        sys.stdout.buffer.write(mypy_output.read())
        sys.stdout.flush()
    if failed:
        raise SystemExit(failed)
    ensure_redis()
    # the live pass runs the suites against a real server: two workers sharing a private Redis, so
    # they check the shared store's semantics too (the memory store's server: tests/test_live.py)
    live_env = dict(os.environ)
    if have_redis():
        live_env.setdefault("CONTRACTS_LIVE_SERVER_ARGS", "--store redis --workers 2")
    contract_runs = {
        "in-process": ([str(PYTHON), "-m", "pytest", "contracts", *extra], None),
        "against a live server": (
            [str(PYTHON), "-m", "pytest", "contracts", "--live-server", "--check-leftovers", *extra],
            live_env,
        ),
    }
    # the caller's own -n (or -p no:xdist) wins
    workers = [] if any(arg.startswith(("-n", "--numprocesses")) or "no:xdist" in arg for arg in extra) else XDIST
    with contextlib.ExitStack() as stack:
        started = {}
        for name, (args, env) in contract_runs.items():
            output = stack.enter_context(tempfile.TemporaryFile())
            started[name] = (output, subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT))
        try:
            tests = subprocess.run([str(PYTHON), "-m", "pytest", "tests", *workers, *extra], cwd=ROOT)
        except BaseException:  # Ctrl-C: stop the others too
            for _, process in started.values():
                process.kill()
                process.wait()
            raise
        failed = [tests.returncode]
        for name, (output, process) in started.items():
            failed.append(process.wait())
            output.seek(0)
            print(f"\ndev.py: the contract suites {name} (run beside the tests above):", flush=True)
            sys.stdout.buffer.write(output.read())
            sys.stdout.flush()
    # pytest's 5 is "no tests collected": a -k that selects only tests/ (or only contracts) is fine
    if all(code == NO_TESTS for code in failed) or any(code not in (0, NO_TESTS) for code in failed):
        raise SystemExit(next(code for code in failed if code))


COMMANDS = {"serve": serve, "test": test}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        raise SystemExit(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]")
    ensure_environment(sys.argv[1])
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
