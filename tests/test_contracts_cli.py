"""The `contracts run` command line builds the pytest run a user asked for."""

from __future__ import annotations

import subprocess
import sys

from contracts.cli import _parser, pytest_args


def test_options_become_pytest_arguments() -> None:
    args = _parser().parse_args(
        [
            "run",
            "--api",
            "twelvetwenty",
            "--base-url",
            "twelvetwenty=http://127.0.0.1:9/x",
            "--token",
            "twelvetwenty=secret",
            "--profile",
            "quick",
            "--seed",
            "7",
            "--junit-xml",
            "out.xml",
        ]
    )
    argv = pytest_args(args)
    assert argv[0].endswith("contracts/test_twelvetwenty.py")
    assert "--base-url=twelvetwenty=http://127.0.0.1:9/x" in argv
    assert "--token=twelvetwenty=secret" in argv
    assert {"--hypothesis-seed=7", "--junitxml=out.xml"} <= set(argv)
    assert argv[argv.index("--profile") + 1] == "quick"


def test_a_failing_target_makes_the_command_fail() -> None:
    # Port 9 (discard) has no HTTP server: every contract must fail, and the exit code says so.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "contracts.cli",
            "run",
            "--api",
            "twelvetwenty",
            "--base-url",
            "twelvetwenty=http://127.0.0.1:9",
            "-k",
            "empty_batch",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "1 failed" in result.stdout
