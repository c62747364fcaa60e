"""The options of ``contracts drift`` (argparse only: ``contracts`` builds its parser without
importing the drift machinery, which would import schemathesis before ``contracts run``'s pytest
session starts)."""

from __future__ import annotations

import argparse

PHASES = ("examples", "scenarios")
DESCRIPTION = """\
contracts drift: where does the mock differ from a live deployment?

The same requests go to live (twice) and to the in-process strict mock: first the spec's
documented examples, then the scenario suites' requests (contracts/test_<api>.py without the
schemathesis tests), within the harness's safety rules: --read-only respected, every record
created on live in the run's ledger and deleted at the end, 12Twenty ExternalIds carrying the
run's prefix. Exit 0 when there is no finding, 1 when a finding is not in the --ignore file, 2 for
a usage error or a target that cannot be used (the preflight of contracts run), 130 interrupted.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", action="append", metavar="NAME", help="API to compare (repeatable; default all four)")
    parser.add_argument(
        "--base-url", action="append", metavar="URL", help="the live target: a root, or API=URL (repeatable)"
    )
    parser.add_argument("--token", action="append", metavar="TOKEN", help="TOKEN or API=TOKEN (or CONTRACTS_<API>_TOKEN)")
    parser.add_argument("--read-only", action="store_true", help="send live only requests that cannot change state")
    parser.add_argument("--reset", action="store_true", help="live is a mockserver of your own: scenarios may reset it")
    parser.add_argument("--rate-limit", type=float, metavar="N", help="at most N requests per second to live")
    parser.add_argument("--ledger", metavar="PATH", help="file recording what the run creates on live")
    parser.add_argument(
        "--report", action="append", metavar="PATH", help="also write the report here: .txt, .md, .html or .json (repeatable)"
    )
    parser.add_argument("--ignore", metavar="FILE", help="reviewed findings to accept: YAML list of {id, reason}")
    parser.add_argument("--capture", metavar="FILE", help="write what was read from live as a `mockserver serve --seed` file")
    parser.add_argument("--only", choices=PHASES, help="send only the documented examples, or only the scenarios")
