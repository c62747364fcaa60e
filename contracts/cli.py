"""contracts run: the contract suites (schemathesis + scenarios) against the mock or a live URL.

Exit codes: 0 passed, 1 failures (an operation not exercised included), 2 a usage error or a
target that cannot be tested (unreachable, token refused, not the API), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from contracts import run as runs
from contracts.apis import APIS
from contracts.drift.arguments import DESCRIPTION as DRIFT
from contracts.drift.arguments import add_arguments as add_drift_arguments
from contracts.leftovers import preflight
from contracts.options import RunConfig, UsageError, add_cli_options, option_args
from contracts.preflight import TargetUnusable
from mockserver import package_version

HERE = Path(__file__).resolve().parent
PASSED, FAILED, UNUSABLE, INTERRUPTED = 0, 1, 2, 130
AUTO = 0  # --jobs auto
# pytest's exit status → ours (pytest: 2 interrupted, 3 internal error, 4 usage, 5 nothing collected)
EXIT_CODES = {0: PASSED, 1: FAILED, 2: INTERRUPTED, 3: FAILED, 4: UNUSABLE, 5: UNUSABLE}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        """One line (no usage block) and exit 2, as for every other mistake."""
        self.exit(UNUSABLE, f"contracts: {message} (see contracts {self.prog.split()[-1]} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="contracts", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="run the contract suites", description=__doc__)
    add_cli_options(run)
    run.add_argument("--seed", type=int, help="Hypothesis seed, for a reproducible run")
    run.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report here")
    run.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    run.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=AUTO,
        metavar="N",
        help="processes to run the API suites in, one suite to a process at a time (default auto: "
        "one per core, at most one per API, against the in-process mock; a live target runs in one, "
        "as its rate limit, ledger and leftovers check are the run's)",
    )
    drift = commands.add_parser(
        "drift", help="compare the mock with a live deployment, request by request", description=DRIFT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_drift_arguments(drift)
    cleanup = commands.add_parser(
        "cleanup",
        help="delete what an interrupted live run left behind, from its ledger file",
    )
    cleanup.add_argument("ledger", type=Path, help="the ledger file the run named")
    cleanup.add_argument("--token", action="append", help="TOKEN or API=TOKEN (or CONTRACTS_<API>_TOKEN)")
    return parser


def _jobs(text: str) -> int:
    if text == "auto":
        return AUTO
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number from 1, or auto, not {text!r}")
    return int(text)


def _cores() -> int:
    """The cores this process may run on (its affinity where the OS says it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def jobs_for(requested: int, config: RunConfig, suites: int) -> int:
    """How many processes the run uses. Raises UsageError for more than one against a live target:
    its requests would double, and its rate limit, ledger and leftovers check belong to one run."""
    live = bool(config.base_urls) or config.live_server
    if requested == AUTO:
        return 1 if live else max(1, min(_cores(), suites))
    if requested > 1 and live:
        raise UsageError("--jobs above 1 runs against the in-process mock only; a live target runs in one process")
    return requested


def suite_paths(args: argparse.Namespace) -> list[str]:
    apis = args.api or list(APIS)
    return [str(HERE / f"test_{api}.py") for api in apis if (HERE / f"test_{api}.py").exists()]


def pytest_args(args: argparse.Namespace, jobs: int = 1) -> list[str]:
    suites = suite_paths(args)
    argv = [*suites, "-p", "no:cacheprovider", "--rootdir", str(HERE.parent)]
    if jobs > 1:  # pytest-xdist: each API's suite whole in one process (its state and fixtures)
        argv += ["-n", str(jobs), "--dist", "loadfile"]
    else:
        argv += ["-p", "no:xdist"]
    argv += option_args(vars(args))
    if args.seed is not None:
        argv.append(f"--hypothesis-seed={args.seed}")
    if args.junit_xml:
        argv.append(f"--junitxml={args.junit_xml}")
    if args.keyword:
        argv += ["-k", args.keyword]
    return argv


class HandOver:
    """Gives the pytest session the run `contracts run` built and checked."""

    def __init__(self, run: runs.Run) -> None:
        self.run = run

    @pytest.hookimpl(tryfirst=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> None:
        config.stash[runs.RUN_KEY] = self.run


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (a CI job cancelled, `kill`) unwinds like Ctrl-C, so the run still cleans up.
    raise KeyboardInterrupt


def _say(line: str) -> None:
    print(f"contracts: {line}", file=sys.stderr)


def cleanup(ledger: Path, tokens: list[str] | None = None) -> int:
    from contracts.ledger import Ledger, cleanup_ledger
    from mockserver.config import DEV_TOKEN

    config = RunConfig.build({"token": tokens}, os.environ)
    if not ledger.is_file():
        _say(f"no ledger at {ledger}")
        return UNUSABLE
    loaded = Ledger.load(ledger)
    if not loaded.pending:
        print(f"contracts: nothing left to delete in {ledger}")
        ledger.unlink()
        return PASSED
    lines = cleanup_ledger(loaded, lambda api: config.token(api) or DEV_TOKEN)
    print("\n".join(lines))
    return FAILED if any("could NOT" in line for line in lines) else PASSED


def run(args: argparse.Namespace) -> int:
    config = RunConfig.build(vars(args), os.environ, seed=args.seed)
    jobs = jobs_for(args.jobs, config, len(suite_paths(args)))
    this_run = runs.Run(config)
    try:
        preflight(this_run)
    except TargetUnusable as exc:
        _say(str(exc))
        return UNUSABLE
    code = int(pytest.main(pytest_args(args, jobs), plugins=[HandOver(this_run)]))
    if code == 5:
        _say("no test matched (check -k and --api)")
    return EXIT_CODES.get(code, FAILED)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a mistake argparse found (2, one line printed)
        return int(exc.code or 0)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "cleanup":
            return cleanup(args.ledger, args.token)
        if args.command == "drift":
            from contracts.drift.command import drift

            return drift(args)
        return run(args)
    except UsageError as exc:
        _say(str(exc))
        return UNUSABLE
    except KeyboardInterrupt:
        _say("INTERRUPTED")
        return INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
