"""The commands explain themselves, and serving needs nothing of the test toolchain.

Issue 15: ``mockserver --help`` once printed a raw docstring with RST markup, its options had
no help and no defaults; and ``python3 dev.py serve`` installed mypy, ruff, lxml and schemathesis
just to run a server (about two minutes on a first start)."""

from __future__ import annotations

import argparse
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from contracts import cli as contracts_cli
from mockserver import cli as mockserver_cli

ROOT = Path(__file__).resolve().parent.parent
MARKUP = re.compile(r"``|:(?:func|class|meth|mod|ref):`|^\.\. ", re.MULTILINE)
TOOLCHAIN = ("schemathesis", "hypothesis", "pytest", "mypy", "ruff", "lxml", "openapi-spec-validator")


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser and each of its subcommands' parsers, by their prog names."""
    found = {parser.prog: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(_commands(sub))
    return found


COMMANDS = {**_commands(mockserver_cli._parser()), **_commands(contracts_cli._parser())}


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_help_is_plain_text(prog: str) -> None:
    text = COMMANDS[prog].format_help()
    assert not MARKUP.search(text), f"{prog} --help shows markup: {MARKUP.search(text)}"


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_every_option_is_explained(prog: str) -> None:
    parser = COMMANDS[prog]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert all(choice.help for choice in action._choices_actions), f"{prog}: a command without help"
            continue
        assert action.help and action.help != argparse.SUPPRESS, f"{prog} {action.option_strings or action.dest}"


def test_serve_options_show_their_defaults() -> None:
    serve = COMMANDS["mockserver serve"]
    text = serve.format_help()
    for action in serve._actions:
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
            shown = serve._get_formatter()._expand_help(action)  # what --help prints for it
            assert "default" in shown, f"{action.option_strings[0]}: no default in {shown!r}"
    for default in ("127.0.0.1", "8080"):
        assert default in text


def test_both_commands_have_a_version_option() -> None:
    for prog in ("mockserver", "contracts"):
        assert any("--version" in action.option_strings for action in COMMANDS[prog]._actions), prog


def _dev_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serving_installs_the_plain_package_only() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    plain = " ".join(project["dependencies"]).lower()
    assert not [tool for tool in TOOLCHAIN if tool in plain], "the server's own install pulls in the toolchain"
    dev = _dev_script()
    assert dev.LEVELS["serve"] == "", "dev.py serve installs an extra"
    assert dev.LEVELS["test"] == "[dev]"
    extras = project["optional-dependencies"]
    assert any("schemathesis" in requirement for requirement in extras["contracts"])
