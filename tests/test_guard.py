"""Admin API protection: cross-site simple requests, rebinding Host names, the admin token and
secrets in state exports (in-process; the live start-up warning is in test_intake_live.py)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.guard import host_name, is_loopback
from mockserver.serving import build_app
from tests.conftest import AUTH, BATCH, EVENT

FIXTURE = json.dumps({"twelvetwenty": {"events": [EVENT]}})


def _events(client: FlaskClient) -> list[object]:
    return list(client.get("/__mock/state/twelvetwenty").get_json()["twelvetwenty"]["events"])


@pytest.fixture
def seeded(client: FlaskClient) -> FlaskClient:
    assert client.put(BATCH, json=[EVENT], headers=AUTH).status_code == 200
    return client


@pytest.mark.parametrize(
    ("path", "body", "headers"),
    [
        # what a page on another site can send with no preflight: text/plain, a form, no type
        ("/__mock/reset", "x", {"Content-Type": "text/plain"}),
        ("/__mock/reset", "a=b", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("/__mock/reset", "", {"Origin": "https://evil.example"}),
        ("/__mock/reset/twelvetwenty", "", {"Origin": "null"}),
        ("/__mock/state", "{}", {"Content-Type": "text/plain", "Origin": "https://evil.example"}),
        ("/__mock/state", FIXTURE, {"Content-Type": "text/plain"}),
        ("/__mock/state", FIXTURE, {"Content-Type": "multipart/form-data; boundary=x"}),
        ("/__mock/state", FIXTURE, {"Content-Type": "application/json", "Origin": "https://evil.example"}),
    ],
)
def test_cross_site_simple_requests_change_nothing(
    seeded: FlaskClient, path: str, body: str, headers: dict[str, str]
) -> None:
    before = _events(seeded)
    for method in ("POST", "PUT"):
        response = seeded.open(path, method=method, data=body, headers=headers)
        assert response.status_code in (403, 405), response.get_data(as_text=True)
        if response.status_code == 403:
            assert "refused" in response.get_json()["message"] or "need" in response.get_json()["message"]
    assert _events(seeded) == before


def test_local_tools_and_allowed_origins_still_write(seeded: FlaskClient) -> None:
    assert seeded.post("/__mock/reset").status_code == 200  # curl -X POST: no body, no Origin
    assert seeded.post("/__mock/state", data=FIXTURE, content_type="application/json").status_code == 200
    yaml_fixture = "twelvetwenty:\n  users: [5]\n"
    assert seeded.post("/__mock/state", data=yaml_fixture, content_type="application/yaml").status_code == 200
    local = {"Origin": "http://localhost:3000"}
    assert seeded.post("/__mock/reset", headers=local).status_code == 200
    assert _events(seeded) == []


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8080", "10.0.0.5:8080", "localhost.evil.example"]
)
@pytest.mark.parametrize(
    "path", ["/__mock/state", "/__mock/journal", "/b2core/openapi.json", "/__mock/health"]
)
def test_a_rebinding_host_is_refused(seeded: FlaskClient, host: str, path: str) -> None:
    response = seeded.get(path, headers={"Host": host})
    assert response.status_code == 403
    assert "DNS-rebinding" in response.get_json()["message"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:9", "[::1]:8080", "app.localhost", "127.1.2.3"])
def test_loopback_hosts_are_served(client: FlaskClient, host: str) -> None:
    assert client.get("/__mock/state", headers={"Host": host}).status_code == 200


def test_configured_host_names_are_served() -> None:
    client = create_app({"allowed_hosts": ["mock.internal"], "log_requests": False}).test_client()
    assert client.get("/__mock/state", headers={"Host": "Mock.Internal:80"}).status_code == 200
    assert client.get("/__mock/state", headers={"Host": "other.internal"}).status_code == 403


def test_api_requests_are_not_host_checked(client: FlaskClient) -> None:
    # the mocked APIs are what a client on another host is meant to call (only the admin is local)
    assert (
        client.get("/b2core/api/v2/calendars/events", headers={**AUTH, "Host": "mock.example"}).status_code
        == 200
    )


def test_an_admin_token_closes_the_admin_api() -> None:
    client = create_app({"admin_token": "s3cret", "log_requests": False}).test_client()
    assert client.post("/__mock/reset").status_code == 401
    assert client.get("/__mock/state").status_code == 401
    assert client.post("/__mock/reset", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/__mock/health").status_code == 200
    good = {"Authorization": "Bearer s3cret"}
    assert client.post("/__mock/reset", headers=good).status_code == 200
    # the token also passes the Host check: a rebinding page cannot know it
    assert client.get("/__mock/state", headers={**good, "Host": "10.1.2.3:8080"}).status_code == 200


def test_a_public_bind_generates_a_token_unless_one_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKSERVER_ADMIN_TOKEN", raising=False)
    assert build_app({"public_admin_token": "gen"}).extensions["mockserver"].config.admin_token == "gen"
    assert build_app({}).extensions["mockserver"].config.admin_token is None
    monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", "mine")
    assert build_app({"public_admin_token": "gen"}).extensions["mockserver"].config.admin_token == "mine"


def test_secrets_are_redacted_from_exports_unless_asked(client: FlaskClient) -> None:
    client.post(
        "/__mock/state",
        json={"kona": {"clients": [{"client_id": "c", "client_secret": "hush"}], "refresh_tokens": {}}},
    )
    token = client.post(
        "/kona/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "hush"},
    )
    exported = client.get("/__mock/state/kona").get_data(as_text=True)
    assert "hush" not in exported and "<redacted>" in exported
    if token.status_code == 200 and token.get_json().get("refresh_token"):
        assert token.get_json()["refresh_token"] not in exported
    revealed = client.get("/__mock/state/kona?secrets=include").get_json()["kona"]
    assert {"client_id": "c", "client_secret": "hush"}.items() <= revealed["clients"][-1].items()


@pytest.mark.parametrize(
    ("header", "loopback"),
    [
        ("localhost", True),
        ("[::1]:80", True),
        ("127.0.0.1", True),
        ("0.0.0.0", False),
        ("example.com:1", False),
    ],
)
def test_host_helpers(header: str, loopback: bool) -> None:
    assert is_loopback(host_name(header)) is loopback
