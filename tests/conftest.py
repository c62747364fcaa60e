"""Fixtures: a fresh app per test, its client and store, and ``api`` over every mounted API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.app import MockServer
from mockserver.clock import SystemClock

AUTH = {"Authorization": "Bearer dev-token"}


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
