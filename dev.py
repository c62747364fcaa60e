#!/usr/bin/env python3
"""Quick start without anything but Python: `python3 dev.py serve` / `python3 dev.py test`.

Each command creates `.venv` (ignored by git) on first use, installs the project into it, and
reinstalls when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing the project and its dependencies into .venv", flush=True)
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"])
    STAMP.write_text(wanted)


def run(args: list[str]) -> None:
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def serve(extra: list[str]) -> None:
    os.execv(str(BIN / "mockserver"), [str(BIN / "mockserver"), "serve", *extra])


def test(extra: list[str]) -> None:
    """Lint and type-check, then every suite in-process, then the contract suites against a real server."""
    run([str(PYTHON), "-m", "ruff", "check", "mockserver", "contracts", "tests", "bench", "dev.py"])
    run([str(PYTHON), "-m", "mypy"])
    run([str(PYTHON), "-m", "pytest", "tests", "contracts", *extra])
    run([str(PYTHON), "-m", "pytest", "contracts", "--live-server", *extra])


COMMANDS = {"serve": serve, "test": test}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        raise SystemExit(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]")
    ensure_environment()
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
