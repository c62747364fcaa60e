"""The pages for people, in-process: landing page, docs page, dashboard shell, specs as YAML.

What the pages do in a browser (Swagger UI, the live table, the buttons) is in tests/browser.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.admin import ADMIN_SPEC
from mockserver.apis import API_DEFINITIONS
from mockserver.spec import Spec

PAGES = ("/", "/__mock/", "/__mock/docs", "/__mock/ui")


def _config(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="[a-z-]+-config">(.*?)</script>', page, re.S)
    assert found, "the page carries its settings as a JSON script block"
    loaded: dict[str, object] = json.loads(found.group(1))
    return loaded


def _client(apis: list[str] | None = None, **config: object) -> FlaskClient:
    app = create_app({"log_requests": False, **config}, apis=apis)
    app.testing = True
    return app.test_client()


def test_landing_page_lists_every_api_with_its_links(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    for name, definition in API_DEFINITIONS.items():
        operations = len(definition.load_spec().operations)
        assert f"http://localhost/{name}</code>" in page
        assert f'href="/{name}/openapi.json"' in page and f'href="/{name}/openapi.yaml"' in page
        assert f'href="/__mock/docs?api={name}"' in page
        assert re.search(rf'data-api="{name}">.*?<td class="num">{operations}</td>', page, re.S)
    for link in ("/__mock/docs", "/__mock/ui", "/__mock/openapi.json", "/__mock/openapi.yaml"):
        assert f'href="{link}"' in page
    assert "Strict mode is <strong>on</strong>" in page  # the conftest app is strict


def test_landing_page_masks_configured_tokens() -> None:
    secret = "s3cr3t-qa-token-0123456789"
    client = _client(
        tokens=[{"token": secret, "apis": ["kona"]}], api_keys={"twelvetwenty": ["key-abcdefgh"]}
    )
    page = client.get("/").get_data(as_text=True)
    assert secret not in page and "key-abcdefgh" not in page
    assert "s3cr…(26)" in page and "key-…(12)" in page
    assert "Bearer dev-token" not in page  # not accepted by this configuration, so not offered
    assert "Strict mode is <strong>off</strong>" in page


def test_with_one_api_at_the_root_the_landing_page_moves_under_the_admin_prefix() -> None:
    client = _client(root_api="kona", apis=["kona"])
    root = client.get("/", headers={"Accept": "application/json"})
    assert root.status_code == 404 and root.is_json  # Kona's own answer for a path it does not have
    assert root.get_json()["title"] == "Not Found"
    page = client.get("/__mock/").get_data(as_text=True)
    assert "http://localhost/</code>" in page and "http://localhost/kona</code>" in page
    assert 'class="brand" href="/__mock/"' in page
    assert yaml.safe_load(client.get("/openapi.yaml").get_data(as_text=True))["servers"][0]["url"] == "/"


def test_every_spec_is_served_as_yaml_too(client: FlaskClient) -> None:
    for base in [f"/{name}" for name in API_DEFINITIONS] + ["/__mock"]:
        as_yaml = client.get(f"{base}/openapi.yaml")
        assert as_yaml.mimetype == "application/yaml"
        assert yaml.safe_load(as_yaml.get_data(as_text=True)) == client.get(f"{base}/openapi.json").get_json()


def test_docs_page_offers_the_five_specs_with_their_operation_counts(client: FlaskClient) -> None:
    config = _config(client.get("/__mock/docs").get_data(as_text=True))
    expected = {f"/{n}/openapi.json": len(d.load_spec().operations) for n, d in API_DEFINITIONS.items()}
    expected["/__mock/openapi.json"] = len(Spec.from_file(ADMIN_SPEC).operations)
    urls = config["urls"]
    assert isinstance(urls, list)
    assert {u["url"]: int(re.findall(r"\((\d+) operations\)", u["name"])[0]) for u in urls} == expected
    assert config["devToken"] == "dev-token" and config["primary"] == urls[0]["name"]
    kona = _config(client.get("/__mock/docs?api=kona").get_data(as_text=True))
    assert kona["primary"] == next(u["name"] for u in urls if u["url"] == "/kona/openapi.json")


def test_docs_page_does_not_offer_a_token_the_mock_refuses() -> None:
    config = _config(_client(tokens=["only-this-one"]).get("/__mock/docs").get_data(as_text=True))
    assert config["devToken"] is None


def test_docs_serves_only_the_swagger_ui_files_the_page_loads(client: FlaskClient) -> None:
    with client.get("/__mock/docs/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200 and b"SwaggerUIBundle" in bundle.data
    for name in ("LICENSE", "../templates/index.template.html", "oauth2-redirect.html", "nope.js"):
        assert client.get(f"/__mock/docs/{name}").status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_pages_may_reach_only_this_server(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = dict(p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "connect-src", "img-src", "style-src", "font-src"):
        sources = set(policy[directive].split())
        assert sources <= {"'self'", "data:", "'unsafe-inline'"}, directive
    assert "'unsafe-inline'" not in policy["script-src"] and "data:" not in policy["connect-src"]
    assert not re.search(r'(src|href)="(https?:)?//', response.get_data(as_text=True))  # nothing off-site


def test_the_mocks_own_pages_stay_out_of_the_journal(client: FlaskClient) -> None:
    for path in PAGES:
        client.get(path)
    client.get("/__mock/docs/swagger-ui.css").close()
    assert client.get("/__mock/journal").get_json()["entries"] == []


def test_dashboard_knows_every_api_and_operation(client: FlaskClient) -> None:
    settings = _config(client.get("/__mock/ui").get_data(as_text=True))
    assert settings["apis"] == sorted(API_DEFINITIONS)
    assert settings["operations"] == {
        name: sorted(op.operation_id for op in d.load_spec().operations)
        for name, d in API_DEFINITIONS.items()
    }
    assert settings["admin"] == "/__mock"


def test_with_an_admin_token_the_pages_open_and_the_admin_api_asks_for_it() -> None:
    client = _client(admin_token="admin-secret-123")
    for path in (*PAGES, "/__mock/docs/swagger-ui.css", "/__mock/static/dashboard.js"):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert b"admin-secret-123" not in response.get_data()
    assert client.get("/__mock/journal").status_code == 401
    assert client.get("/__mock/docs/../journal").status_code == 404  # not a way round the token
    assert client.get("/__mock/uix").status_code == 401
    assert (
        client.get("/__mock/journal", headers={"Authorization": "Bearer admin-secret-123"}).status_code == 200
    )
    assert client.get("/__mock/ui", headers={"Host": "evil.example"}).status_code == 403  # still Host-checked
