"""Every spec is a valid OpenAPI 3.1 document and is served with servers pointing at the mount."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from mockserver.admin import ADMIN_SPEC
from mockserver.spec import SPECS_DIR, YAML_LOADER, Spec

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


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_fast_loader_reads_each_document_as_the_python_loader_does(path: Path) -> None:
    """Specs are parsed with libyaml (spec.py's YAML_LOADER) to start fast: it must not change them."""
    assert YAML_LOADER is yaml.CSafeLoader
    assert Spec.from_file(path).document == yaml.load(path.read_text(), Loader=yaml.SafeLoader)


def test_a_spec_is_parsed_once_but_every_app_gets_its_own_copy(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text("openapi: 3.1.0\ninfo: {title: one, version: '1'}\npaths: {}\n")
    first, second = Spec.from_file(source), Spec.from_file(source)
    first.document["info"]["title"] = "changed by one app"
    assert second.document["info"]["title"] == "one"
    source.write_text("openapi: 3.1.0\ninfo: {title: second, version: '1'}\npaths: {}\n")
    assert Spec.from_file(source).document["info"]["title"] == "second"  # an edited file is read again


@pytest.mark.parametrize("path", sorted(SPECS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_operation_with_a_body_documents_the_body_cap(path: Path) -> None:
    """The mock refuses a body over ``max_body`` with 413 before reading it; a generated case of
    that size (hypothesis made a 10.8 MB PERSCOM batch once) must meet a documented answer."""
    document = yaml.load(path.read_text(), Loader=YAML_LOADER)
    missing = [
        f"{method.upper()} {route}"
        for route, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert not missing, f"no 413 documented: {missing}"
