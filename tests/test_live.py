"""`mockserver serve` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from contracts.live import LiveServer
from mockserver.config import CONFIG_SCHEMA

SEED_REQUEST = [
    {
        "ExternalId": "xyz-123",
        "UserId": 124,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
    },
    {
        "ExternalId": "xyz-124",
        "UserId": 124,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMARX: Misc",
    },
]


def _call(
    url: str, method: str = "GET", body: object = None, token: str | None = "dev-token"
) -> tuple[int, str]:
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    seed = tmp_path_factory.mktemp("seed") / "seed.yaml"
    seed.write_text("twelvetwenty:\n  users: [124, 20100323]\n")
    live = LiveServer.start(strict=True, extra=["--api", "twelvetwenty", "--seed", str(seed)])
    yield live
    live.stop()


def test_seed_example_then_ownership_errors_leave_state_unchanged(server: LiveServer) -> None:
    url = f"{server.url}/twelvetwenty/api/v2/calendar-events/batch"
    status, text = _call(url, "PUT", SEED_REQUEST)
    assert status == 200
    assert [r["IsSuccessful"] for r in json.loads(text)] == [True, True]
    before = _call(f"{server.url}/__mock/state/twelvetwenty")[1]
    status, text = _call(url, "PUT", [{**item, "UserId": 20100323} for item in SEED_REQUEST])
    assert status == 200
    assert [r["ErrorMessage"] for r in json.loads(text)] == [
        "Event 'xyz-123' is owned by another student (124).",
        "Event 'xyz-124' is owned by another student (124).",
    ]
    assert _call(f"{server.url}/__mock/state/twelvetwenty")[1] == before


def test_single_api_is_served_at_the_root_too(server: LiveServer) -> None:
    assert _call(f"{server.url}/api/v2/calendar-events/batch", "PUT", [])[0] == 200
    assert json.loads(_call(f"{server.url}/openapi.json")[1])["servers"][0]["url"] == "/"


def test_one_log_line_per_request(server: LiveServer) -> None:
    _call(f"{server.url}/twelvetwenty/api/v2/calendar-events/batch", "PUT", [], token=None)
    wanted = '"PUT /twelvetwenty/api/v2/calendar-events/batch" 401'
    deadline = time.monotonic() + 5  # the access log is written every 0.1 s
    while time.monotonic() < deadline:
        lines = [line for line in Path(server.log).read_text().splitlines() if "mockserver.access" in line]
        if any(wanted in line for line in lines):
            break
        time.sleep(0.05)
    assert sum(wanted in line for line in lines) == 1, lines


def test_start_up_prints_the_dev_token(server: LiveServer) -> None:
    assert "Bearer dev-token" in Path(server.log).read_text()


def test_bad_config_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("tokenz: [x]\n")
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--config", str(config), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"mockserver: config file {config}: unknown key 'tokenz'; known keys: " + ", ".join(sorted(CONFIG_SCHEMA["properties"]))]
