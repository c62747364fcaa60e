"""pytest plugin for client projects (entry point ``pytest11``): the mock as a fixture.

Installing the package registers it; nothing is started until a test asks for a fixture:

* ``mockserver`` — the running mock, state reset before each test: journal emptied, clock back to
  real time, every API empty again (then the ``mockserver_seed`` file loaded, if set);
* ``mockserver_session`` — the same mock without the reset, for session-scoped fixtures;
* ``mockserver_config`` — override it (session scope) to pass config keys (tokens, strict…).

Settings (``pytest.ini`` / ``[tool.pytest.ini_options]``, or ``--mockserver-*`` on the command
line): ``mockserver_apis`` (which APIs to mount, default all), ``mockserver_seed`` (a YAML/JSON
``{api: state}`` file loaded at start and after each reset), ``mockserver_strict`` (validate the
mock's own answers against the spec, default off). See ``mockserver.testing.MockService``.

This module imports only pytest and the standard library: every pytest run in an environment
with the package installed loads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.testing import MockService


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "calendar mockserver fixture")
    parser.addini(
        "mockserver_apis", "APIs the mockserver fixture mounts (default: all)", type="args", default=[]
    )
    parser.addini(
        "mockserver_seed", "YAML/JSON {api: state} file loaded at start and after each reset", default=""
    )
    parser.addini(
        "mockserver_strict", "validate the mock's own answers against the spec", type="bool", default=False
    )
    group.addoption("--mockserver-apis", default=None, help="comma-separated APIs to mount (default: all)")
    group.addoption(
        "--mockserver-seed", default=None, help="fixture file loaded at start and after each reset"
    )


def _apis(config: pytest.Config) -> list[str] | None:
    option = config.getoption("--mockserver-apis")
    if option:
        return [name.strip() for name in option.split(",") if name.strip()]
    listed = config.getini("mockserver_apis")
    return list(listed) or None


def _seed(config: pytest.Config) -> Path | None:
    value = config.getoption("--mockserver-seed") or config.getini("mockserver_seed")
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else config.rootpath / path


@pytest.fixture(scope="session")
def mockserver_config() -> dict[str, Any]:
    """Config keys for the session's mock (as in a ``--config`` file); override to change them."""
    return {}


@pytest.fixture(scope="session")
def mockserver_session(
    request: pytest.FixtureRequest, mockserver_config: dict[str, Any]
) -> Iterator[MockService]:
    from mockserver.testing import MockService

    # the journal keeps every request: no log line per request unless the config asks for one
    settings = {"log_requests": False, "strict": bool(request.config.getini("mockserver_strict"))}
    service = MockService.start(
        {**settings, **mockserver_config}, apis=_apis(request.config), seed=_seed(request.config)
    )
    yield service
    service.stop()


@pytest.fixture
def mockserver(mockserver_session: MockService) -> MockService:
    """The session's mock with a clean slate: empty journal, real clock, start-up state."""
    mockserver_session.clean()
    return mockserver_session
