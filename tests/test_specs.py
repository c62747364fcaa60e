"""Every spec is a valid OpenAPI 3.1 document and is served with servers pointing at the mount."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from mockserver.admin import ADMIN_SPEC
from mockserver.spec import SPECS_DIR

DOCUMENTS = sorted(SPECS_DIR.glob("*.yaml")) + [ADMIN_SPEC]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_is_valid_openapi_31(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("path", sorted(SPECS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_vendor_specs_name_real_servers_and_bearer_auth(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert all(s["url"].startswith("https://") for s in document["servers"])
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_served_spec_points_at_the_mount(client: FlaskClient, api: str) -> None:
    served = client.get(f"/{api}/openapi.json").get_json()
    assert served["servers"] == [{"url": f"/{api}", "description": "this mock"}]
    original = yaml.safe_load((SPECS_DIR / f"{api}.yaml").read_text())
    assert served["x-vendor-servers"] == [s["url"] for s in original["servers"]]
    assert served["paths"] == original["paths"]


def test_admin_spec_is_served(client: FlaskClient) -> None:
    served = client.get("/__mock/openapi.json").get_json()
    assert "/journal" in served["paths"]
