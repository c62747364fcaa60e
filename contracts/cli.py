"""``contracts run``: the contract suites (schemathesis + scenarios) against the mock or a live URL."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import pytest

from contracts.target import APIS

HERE = Path(__file__).resolve().parent
TOKEN_HELP = "TOKEN or API=TOKEN; or set CONTRACTS_TOKEN / CONTRACTS_TOKEN_<API> instead"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the contract suites")
    run.add_argument("--api", action="append", choices=APIS, help="API to check (repeatable; default all)")
    run.add_argument(
        "--base-url",
        action="append",
        help="URL of a mockserver root, or API=URL (repeatable); default: the in-process mock",
    )
    run.add_argument(
        "--token",
        action="append",
        help=TOKEN_HELP,
    )
    run.add_argument(
        "--profile",
        choices=["quick", "ci", "deep"],
        default="ci",
        help="generated cases per operation: quick=10, ci=25, deep=100",
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed, for a reproducible run")
    run.add_argument(
        "--read-only",
        action="store_true",
        help="only operations that cannot change state (safe for a shared staging deployment)",
    )
    run.add_argument(
        "--reset",
        action="store_true",
        help="the live target is a mockserver of your own: reset its state between scenarios",
    )
    run.add_argument(
        "--rate-limit", type=float, metavar="N", help="at most N requests per second to live targets"
    )
    run.add_argument(
        "--ledger", metavar="PATH", help="where to record what a live run creates (default .contracts/)"
    )
    run.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report here")
    run.add_argument("--report", metavar="PATH", help="write the run report here: .md (Markdown) or .html")
    run.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    cleanup = commands.add_parser(
        "cleanup",
        help="delete what an interrupted live run left behind, from its ledger file",
    )
    cleanup.add_argument("ledger", type=Path, help="the ledger file the run named")
    cleanup.add_argument("--token", action="append", help=TOKEN_HELP)
    return parser


def pytest_args(args: argparse.Namespace) -> list[str]:
    apis = args.api or list(APIS)
    suites = [str(HERE / f"test_{api}.py") for api in apis if (HERE / f"test_{api}.py").exists()]
    if not suites:
        raise SystemExit(f"contracts: no suite yet for {', '.join(apis)}")
    argv = [*suites, "-p", "no:cacheprovider", "--rootdir", str(HERE.parent), "--profile", args.profile]
    argv += [f"--base-url={value}" for value in args.base_url or ()]
    argv += [f"--token={value}" for value in args.token or ()]
    if args.seed is not None:
        argv.append(f"--hypothesis-seed={args.seed}")
    if args.read_only:
        argv.append("--read-only")
    if args.reset:
        argv.append("--reset")
    if args.rate_limit is not None:
        if args.rate_limit <= 0:
            raise SystemExit("contracts: --rate-limit must be a positive number of requests per second")
        argv.append(f"--rate-limit={args.rate_limit}")
    if args.ledger:
        argv.append(f"--ledger={args.ledger}")
    if args.junit_xml:
        argv.append(f"--junitxml={args.junit_xml}")
    if args.report:
        argv.append(f"--report={args.report}")
    if args.keyword:
        argv += ["-k", args.keyword]
    return argv


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (a CI job cancelled, `kill`) unwinds like Ctrl-C, so the run still cleans up.
    raise KeyboardInterrupt


def cleanup(ledger: Path, tokens: list[str] | None = None) -> int:
    from contracts.safety import Ledger, cleanup_ledger

    if not ledger.is_file():
        print(f"contracts: no ledger at {ledger}")
        return 2
    loaded = Ledger.load(ledger)
    if not loaded.pending:
        print(f"contracts: nothing left to delete in {ledger}")
        ledger.unlink()
        return 0
    lines = cleanup_ledger(loaded, tokens)
    print("\n".join(lines))
    return 1 if any("could NOT" in line for line in lines) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "cleanup":
        return cleanup(args.ledger, args.token)
    signal.signal(signal.SIGTERM, _interrupt)
    return int(pytest.main(pytest_args(args)))


if __name__ == "__main__":
    raise SystemExit(main())
