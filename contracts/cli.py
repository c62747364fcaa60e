"""``contracts run``: the contract suites (schemathesis + scenarios) against the mock or a live URL."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest

from contracts.target import APIS

HERE = Path(__file__).resolve().parent


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
        help="TOKEN or API=TOKEN; or set CONTRACTS_TOKEN / CONTRACTS_TOKEN_<API> instead",
    )
    run.add_argument(
        "--profile",
        choices=["quick", "ci", "deep"],
        default="ci",
        help="generated cases per operation: quick=10, ci=25, deep=100",
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed, for a reproducible run")
    run.add_argument("--junit-xml", help="write a JUnit XML report here")
    run.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
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
    if args.junit_xml:
        argv.append(f"--junitxml={args.junit_xml}")
    if args.keyword:
        argv += ["-k", args.keyword]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(pytest.main(pytest_args(args)))


if __name__ == "__main__":
    raise SystemExit(main())
