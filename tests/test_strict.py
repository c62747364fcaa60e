"""A planted drift (a handler answering a wrong type) is caught by strict mode and by the contract suite."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import schemathesis
from flask import Flask

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.registry import Reply, RequestContext
from mockserver.spec import SPECS_DIR
from tests.conftest import AUTH

SEED = [
    {
        "ExternalId": "xyz-123",
        "UserId": 124,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMAR2",
    },
]


def _drifting_app(strict: bool) -> Flask:
    definition = API_DEFINITIONS["twelvetwenty"]
    honest = definition.handlers["upsertCalendarEvents"]

    def drifting(ctx: RequestContext[Any]) -> Reply:
        reply = honest(ctx)
        body = [{**r, "Id": str(r["Id"])} if "Id" in r else r for r in reply.body]  # planted: Id as a string
        return dataclasses.replace(reply, body=body)

    broken = dataclasses.replace(
        definition, handlers={**definition.handlers, "upsertCalendarEvents": drifting}
    )
    return create_app({"strict": strict, "log_requests": False}, definitions=[broken])


def test_strict_mode_answers_500_naming_the_violation() -> None:
    response = (
        _drifting_app(strict=True)
        .test_client()
        .put("/twelvetwenty/api/v2/calendar-events/batch", json=SEED, headers=AUTH)
    )
    assert response.status_code == 500
    body = response.get_json()
    assert body["operation"] == "upsertCalendarEvents"
    assert any("/0" in v and "270067010486464" in v for v in body["violations"]), body


def test_without_strict_mode_the_drift_goes_out() -> None:
    response = (
        _drifting_app(strict=False)
        .test_client()
        .put("/twelvetwenty/api/v2/calendar-events/batch", json=SEED, headers=AUTH)
    )
    assert response.status_code == 200
    assert response.get_json()[0]["Id"] == "270067010486464"


@pytest.mark.parametrize("strict", [False, True], ids=["lenient-mock", "strict-mock"])
def test_contract_suite_reports_the_drift(strict: bool) -> None:
    schema = schemathesis.openapi.from_path(SPECS_DIR / "twelvetwenty.yaml")
    schema.config.update(headers=AUTH, base_url="http://localhost/twelvetwenty")
    schema.app = _drifting_app(strict)
    operation = schema["/api/v2/calendar-events/batch"]["PUT"]
    case = operation.Case(body=SEED, media_type="application/json", headers=dict(AUTH))
    with pytest.raises(BaseExceptionGroup) as caught:  # schemathesis raises a FailureGroup
        case.call_and_validate()
    text = str(caught.value) + "".join(str(e) for e in getattr(caught.value, "exceptions", ()))
    expected = "Server error" if strict else "Response violates schema"
    assert expected in text, text


def test_the_honest_mock_passes_the_same_case() -> None:
    schema = schemathesis.openapi.from_path(SPECS_DIR / "twelvetwenty.yaml")
    schema.config.update(headers=AUTH, base_url="http://localhost/twelvetwenty")
    schema.app = create_app({"strict": True, "log_requests": False})
    operation = schema["/api/v2/calendar-events/batch"]["PUT"]
    case = operation.Case(body=SEED, media_type="application/json", headers=dict(AUTH))
    case.call_and_validate()
