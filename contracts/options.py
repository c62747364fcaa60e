"""The options of a contract run, declared once, and the run configuration built from them.

``contracts run`` (argparse) and the pytest plugin (``contracts/conftest.py``) both declare
their options from :data:`OPTIONS`; both end in one :class:`RunConfig`, built by
:func:`RunConfig.build` from the option values plus the ``CONTRACTS_*`` variables, and kept on
pytest's ``config.stash`` for the run (``contracts.run``). Nothing travels through
``os.environ``: the variables are read once, here, as input.

A user mistake (an unknown API, a bad URL, a non-positive rate) raises :class:`UsageError` with a
one-line message; the CLI prints it and exits 2, pytest reports it as a usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from contracts.apis import APIS, RENAMED_VARIABLES, VARIABLES
from contracts.variables import PREFIX

PROFILES = {"quick": 10, "ci": 25, "deep": 100}


class UsageError(ValueError):
    """A mistake in the options or variables of a run; the message is one line for the user."""


@dataclass(frozen=True)
class Option:
    """One option of ``contracts run`` and of the pytest plugin (same name, same meaning)."""

    name: str  # "--read-only"
    help: str
    kind: str = "flag"  # flag | value | append
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    cast: Callable[[str], Any] = str

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        if self.kind == "flag":
            return {"action": "store_true", "help": self.help}
        found: dict[str, Any] = {"help": self.help, "metavar": self.metavar, "default": None}
        if self.kind == "append":
            found["action"] = "append"
        if self.choices:
            found["choices"] = list(self.choices)
        if self.cast is not str:
            found["type"] = self.cast
        return found


OPTIONS = (
    Option("--api", "API to check (repeatable; default all four)", "append", "NAME"),
    Option(
        "--base-url",
        "live target: URL of a mockserver root, or API=URL (repeatable); default the in-process mock",
        "append",
        "URL",
    ),
    Option(
        "--token",
        "bearer token: TOKEN or API=TOKEN (or CONTRACTS_TOKEN / CONTRACTS_<API>_TOKEN, out of shell history)",
        "append",
        "TOKEN",
    ),
    Option(
        "--profile",
        "generated cases per operation: quick=10, ci=25 (default), deep=100",
        "value",
        choices=tuple(PROFILES),
    ),
    Option(
        "--read-only",
        "send only requests that cannot change state (safe methods and operations known to only read)",
    ),
    Option(
        "--reset",
        "the live target is a mockserver of your own: reset its state between scenarios",
    ),
    Option("--rate-limit", "at most N requests per second to live targets", "value", "N", cast=float),
    Option("--ledger", "file recording what a live run creates (default .contracts/)", "value", "PATH"),
    Option("--report", "write the run report here: .md (Markdown) or .html", "value", "PATH"),
    Option(
        "--allow-unexercised",
        "do not fail the run for operations none of whose answers was a 2xx (not exercised)",
    ),
    Option(
        "--app",
        "in-process target: module:factory returning a Flask app (default: the strict mock)",
        "value",
        "MODULE:FACTORY",
    ),
    Option(
        "--exclude-check",
        "leave this check out of the run (repeatable): a schemathesis check name (ignored_auth) or one "
        "of ours (deleted_is_gone); the summary names it",
        "append",
        "NAME",
    ),
    Option(
        "--check-leftovers",
        "the live target is a mockserver: compare its state before the run and after the cleanup; "
        "anything left but the run's prefixed 12Twenty events fails the run (no reset)",
    ),
    Option("--live-server", "start `mockserver serve` on a free loopback port and target it (owned: reset)"),
)


def add_pytest_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts")
    for option in OPTIONS:
        group.addoption(option.name, dest=f"contracts_{option.dest}", **option.kwargs())


def add_cli_options(parser: argparse.ArgumentParser) -> None:
    for option in OPTIONS:
        if option.name != "--live-server":
            parser.add_argument(option.name, dest=option.dest, **option.kwargs())


def option_args(values: Mapping[str, Any]) -> list[str]:
    """The pytest arguments that pass option values (argparse ``dest`` → value) on unchanged."""
    argv: list[str] = []
    for option in OPTIONS:
        value = values.get(option.dest)
        if option.kind == "flag" and value:
            argv.append(option.name)
        elif option.kind == "append":
            argv += [f"{option.name}={item}" for item in value or ()]
        elif option.kind == "value" and value is not None:
            argv.append(f"{option.name}={value}")
    return argv


def option_values(config: pytest.Config) -> dict[str, Any]:
    return {option.dest: config.getoption(f"contracts_{option.dest}") for option in OPTIONS}


# --- per-suite variables ---------------------------------------------------------------------


# Run-wide variables: the same pattern, without an API (CONTRACTS_<NAME>, CONTRACTS_<API>_<NAME>).
RUN_VARIABLES = {
    "TOKEN": "bearer token for every API, or for one with CONTRACTS_<API>_TOKEN (default dev-token)",
    "BASE_URL": "live target: a mockserver root, or one API's URL with CONTRACTS_<API>_BASE_URL",
}
# Names used before the one pattern; a set one is a mistake, not silently ignored.
RENAMED = {
    **{f"{PREFIX}TOKEN_{api.upper()}": f"{PREFIX}{api.upper()}_TOKEN" for api in APIS},
    **{f"{PREFIX}BASE_URL_{api.upper()}": f"{PREFIX}{api.upper()}_BASE_URL" for api in APIS},
    **RENAMED_VARIABLES,
    f"{PREFIX}APP": "--app MODULE:FACTORY",
}


def variable(api: str, name: str, environ: Mapping[str, str]) -> str | None:
    [found] = [v for v in VARIABLES if v.api == api and v.name == name]
    return environ.get(found.env) or found.default


def suite_variable(api: str, name: str) -> str:
    """A per-suite variable (:data:`VARIABLES`) as the process environment sets it, or its
    default; one with no default reads as "" when unset."""
    import os

    return variable(api, name, os.environ) or ""


# --- the run configuration ------------------------------------------------------------------


@dataclass(frozen=True)
class RunConfig:
    """Everything a run was asked for; built once, read by the run's fixtures and plugins."""

    apis: tuple[str, ...] = APIS
    base_urls: Mapping[str, str] = field(default_factory=dict)  # API → URL; "*" = a mockserver root
    tokens: Mapping[str, str] = field(default_factory=dict)  # API or "*" → token
    profile: str = "ci"
    seed: int | None = None
    read_only: bool = False
    reset: bool = False
    rate_limit: float | None = None
    ledger: Path | None = None
    report: Path | None = None
    allow_unexercised: bool = False
    app: str | None = None
    live_server: bool = False
    check_leftovers: bool = False
    excluded_checks: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)  # env name → value, as given

    @property
    def max_examples(self) -> int:
        return PROFILES[self.profile]

    def token(self, api: str) -> str | None:
        return self.tokens.get(api) or self.tokens.get("*")

    def variable(self, api: str, name: str) -> str | None:
        return variable(api, name, self.variables)

    @property
    def secrets(self) -> list[str]:
        """Token and key values of this run, longest first (masked in every report)."""
        values = {value for value in self.tokens.values() if len(value) >= 4}
        values |= {
            value
            for name, value in self.variables.items()
            if name.endswith(("TOKEN", "SECRET", "API_KEY")) and len(value) >= 4
        }
        return sorted(values, key=len, reverse=True)

    @classmethod
    def build(cls, values: Mapping[str, Any], environ: Mapping[str, str], seed: int | None = None) -> RunConfig:
        """From option values (argparse ``dest`` → value) and the environment; :class:`UsageError`
        names the first mistake."""
        for old, new in RENAMED.items():
            if old in environ:
                raise UsageError(f"{old} is not read any more: use {new}")
        apis = tuple(dict.fromkeys(values.get("api") or APIS))
        for api in apis:
            _known(api, "--api")
        base_urls = _pairs(values.get("base_url"), "--base-url", environ, "BASE_URL")
        for api, url in base_urls.items():
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                where = "--base-url" if api == "*" else f"--base-url {api}="
                raise UsageError(f"{where}{url}: not an http:// or https:// URL")
        rate = values.get("rate_limit")
        if rate is not None and not rate > 0:
            raise UsageError("--rate-limit must be a positive number of requests per second")
        report = values.get("report")
        if report and Path(report).suffix.lower() not in (".md", ".html", ".htm"):
            raise UsageError(f"--report {report}: the file name must end in .md (Markdown) or .html (HTML)")
        check_leftovers = bool(values.get("check_leftovers"))
        if check_leftovers and values.get("reset"):
            raise UsageError("--check-leftovers with --reset: a reset would wipe what the check looks for")
        if values.get("app") and ":" not in values["app"]:
            raise UsageError(f"--app {values['app']}: expected MODULE:FACTORY")
        return cls(
            apis=apis,
            base_urls=base_urls,
            tokens=_pairs(values.get("token"), "--token", environ, "TOKEN"),
            profile=values.get("profile") or "ci",
            seed=seed,
            read_only=bool(values.get("read_only")),
            reset=bool(values.get("reset") or values.get("live_server")) and not check_leftovers,
            rate_limit=rate,
            ledger=Path(values["ledger"]) if values.get("ledger") else None,
            report=Path(report) if report else None,
            allow_unexercised=bool(values.get("allow_unexercised")),
            app=values.get("app"),
            live_server=bool(values.get("live_server")),
            check_leftovers=check_leftovers,
            excluded_checks=tuple(dict.fromkeys(values.get("exclude_check") or ())),
            variables={name: value for name, value in environ.items() if name.startswith(PREFIX)},
        )


def _known(api: str, option: str) -> str:
    if api not in APIS:
        raise UsageError(f"{option}: unknown API {api!r}; the known APIs are {', '.join(APIS)}")
    return api


def _pairs(given: list[str] | None, option: str, environ: Mapping[str, str], name: str) -> dict[str, str]:
    """``VALUE`` or ``API=VALUE`` items (and CONTRACTS_<NAME> / CONTRACTS_<API>_<NAME>) → {API|"*": value}.

    A value whose part before ``=`` is a bare word must name a known API; a URL, or a token that
    only ends in ``=`` (base64 padding), is taken whole.
    """
    found: dict[str, str] = {}
    if default := environ.get(f"{PREFIX}{name}"):
        found["*"] = default
    for api in APIS:
        if value := environ.get(f"{PREFIX}{api.upper()}_{name}"):
            found[api] = value
    for value in given or ():
        key, sep, rest = value.partition("=")
        if sep and rest.strip("=") and key.replace("-", "").replace("_", "").isalnum():
            found[_known(key, f"{option} {key}=…")] = rest
        else:
            found["*"] = value
    return found
