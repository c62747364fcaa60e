"""The hostile corpus (tests/hostile_corpus.py, 40+ cases per API) in-process against one strict
app: no case answers a 5xx, every refusal is in the API's own error format, and the exported
state (secrets included) is byte for byte what it was before the case. bench/hostile.py reports
the slowest case's CPU time."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.hostile_corpus import CORPUS, Case, seed, vendor_error

AUTH = {"Authorization": "Bearer dev-token"}
CASES = [(api, case) for api, cases in CORPUS.items() for case in cases]
# answers that are not errors: a read, a 12Twenty batch refused item by item (200), a token
OK_STATUSES = {200}


@pytest.fixture(scope="module")
def seeded(module_app: Flask) -> FlaskClient:
    """The module's app with a few records per API, so ids 1.. exist (set once; cases must not
    change it, which is what the test checks)."""
    client = module_app.test_client()
    client.post("/__mock/reset")
    seed(client, 3, AUTH)
    return client


def test_the_corpus_has_at_least_40_cases_per_api() -> None:
    for api, cases in CORPUS.items():
        assert len(cases) >= 40, api
        assert len({c.name for c in cases}) == len(cases), f"{api}: case names repeat"


@pytest.mark.parametrize(("api", "case"), CASES, ids=[f"{api}-{case.name}" for api, case in CASES])
def test_hostile_case(seeded: FlaskClient, api: str, case: Case) -> None:
    before = seeded.get("/__mock/state?secrets=include").get_data()
    headers = {**AUTH, **case.headers}
    if not headers.get("Authorization"):
        headers.pop("Authorization")
    response = seeded.open(case.path, method=case.method, data=case.body, headers=headers)
    body = response.get_data()
    assert response.status_code < 500, body[:300]
    if response.status_code not in OK_STATUSES:
        assert 400 <= response.status_code < 500, response.status_code
        assert vendor_error(api, response.status_code, body), body[:300]
    if response.status_code >= 400 or api == "twelvetwenty":  # 12Twenty refuses item by item, in a 200
        # error bodies are bounded: never larger than what was sent (12Twenty lists each item)
        assert len(body) <= max(64 * 2**10, len(case.body or b"")), f"{len(body)} bytes answered"
    assert seeded.get("/__mock/state?secrets=include").get_data() == before, "the state changed"
