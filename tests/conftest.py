"""Fixtures: a fresh app per test, its client and store, and ``api`` over every mounted API."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.clock import SystemClock
from mockserver.mock import MockServer
from mockserver.redisserver import INSTALL_HINT, LocalRedis, redis_binary

AUTH = {"Authorization": "Bearer dev-token"}
# 12Twenty's batch upsert and one valid event of it (the admin, guard, store and gateway tests)
BATCH = "/twelvetwenty/api/v2/calendar-events/batch"
EVENT = {
    "ExternalId": "a",
    "UserId": 124,
    "TypeId": 1,
    "StartTime": "2018-06-10T20:00:00Z",
    "EndTime": "2018-06-10T22:00:00Z",
    "Title": "t",
}
collect_ignore = ["data"]  # data/client_project is a client project's suite, run by test_wheel.py


@pytest.fixture
def clock() -> SystemClock:
    return SystemClock()


@pytest.fixture
def app(clock: SystemClock) -> Iterator[Flask]:
    app = create_app({"strict": True, "log_requests": False}, clock=clock)
    app.testing = True
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mock(app: Flask) -> MockServer:
    server: MockServer = app.extensions["mockserver"]
    return server


@pytest.fixture(params=sorted(API_DEFINITIONS))
def api(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def module_app() -> Flask:
    """One strict app for a whole module (building one costs ~1.5 s on a CI core); use it
    through ``fresh_client``, which brings it back to its start-up state before each test."""
    app = create_app({"strict": True, "log_requests": False}, clock=SystemClock())
    app.testing = True
    return app


@pytest.fixture
def fresh_client(module_app: Flask) -> FlaskClient:
    client = module_app.test_client()
    client.post("/__mock/reset")
    client.delete("/__mock/journal")
    module_app.extensions["mockserver"].clock.reset()
    return client


@pytest.fixture(scope="session")
def redis_server() -> Iterator[LocalRedis]:
    """A private redis-server on a free loopback port for the session (Debian's, which
    ``python3 dev.py test`` installs when missing); skipped without one, except in CI."""
    if redis_binary() is None:
        if os.environ.get("CI"):
            pytest.fail(f"no redis-server: {INSTALL_HINT}")
        pytest.skip(f"no redis-server: {INSTALL_HINT}")
    server = LocalRedis.start()
    yield server
    server.stop()
