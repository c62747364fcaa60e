"""Documented answers: every documented response of every operation, its examples, fabricated bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.documented import NotDocumented, OperationResponses
from mockserver.mock import MockServer
from mockserver.runtime import ApiRuntime
from mockserver.spec import resolve


@pytest.fixture(scope="module")
def strict_mock() -> MockServer:
    app = create_app({"strict": True, "log_requests": False})
    mock: MockServer = app.extensions["mockserver"]
    return mock


def _cases() -> Iterator[tuple[str, str, str]]:
    app = create_app({"strict": False, "log_requests": False})
    for name, runtime in app.extensions["mockserver"].runtimes.items():
        for op in runtime.spec.operations:
            for code in op.responses:
                yield name, op.operation_id, str(code)


CASES = list(_cases())


def _operation(runtime: ApiRuntime, operation_id: str) -> OperationResponses:
    return runtime.control.responses(runtime.operations[operation_id].operation)


@pytest.mark.parametrize(("api", "operation_id", "code"), CASES, ids=["-".join(c) for c in CASES])
def test_every_documented_response_answers_within_the_spec(
    strict_mock: MockServer, api: str, operation_id: str, code: str
) -> None:
    runtime = strict_mock.runtimes[api]
    op = runtime.operations[operation_id].operation
    responses = _operation(runtime, operation_id)
    for dynamic in (None, True):
        for seed in range(8):
            reply = responses.answer(int(code), None, dynamic, seed)
            assert reply.status == int(code)
            assert runtime.violations(op, reply) == []


def test_a_named_example_is_answered_as_written(strict_mock: MockServer) -> None:
    runtime = strict_mock.runtimes["b2core"]
    responses = _operation(runtime, "listCalendarEvents")
    documented = resolve(runtime.spec.document, runtime.spec.components["responses"]["BadRequest"])
    japanese = documented["content"]["application/json"]["examples"]["japanese"]["value"]
    assert responses.answer(400, "japanese", None, 0).body == japanese
    assert responses.answer(None, "japanese", None, 0).status == 400  # found in the response holding it


def test_without_a_code_the_lowest_success_is_answered(strict_mock: MockServer) -> None:
    responses = _operation(strict_mock.runtimes["kona"], "createCalendarEvent")
    reply = responses.answer(None, None, False, 0)
    assert reply.status == 201
    assert reply.body["calendar_events"][0]["name"] == "Kickoff"
    assert "Location" in reply.headers


def test_unknown_code_or_example_lists_what_is_documented(strict_mock: MockServer) -> None:
    responses = _operation(strict_mock.runtimes["b2core"], "getCalendarEvent")
    with pytest.raises(NotDocumented) as caught:
        responses.answer(418, None, None, 0)
    assert caught.value.documented == {
        "200": ["event"],
        "400": ["english", "japanese"],
        "401": ["unauthorized"],
        "403": ["forbidden"],
        "404": ["notFound"],
    }
    assert "418 is not documented" in str(caught.value)
    with pytest.raises(NotDocumented, match="status 404 has no example named 'event'"):
        responses.answer(404, "event", None, 0)
    with pytest.raises(NotDocumented, match="no response has an example named 'nope'"):
        responses.answer(None, "nope", None, 0)


def test_a_documented_text_body_is_made_up_as_text(strict_mock: MockServer) -> None:
    runtime = strict_mock.runtimes["twelvetwenty"]
    reply = _operation(runtime, "generateAuthenticationToken").answer(200, None, True, 3)
    assert reply.content_type == "text/plain" and isinstance(reply.body, str) and reply.body
    assert {k: reply.headers[k] for k in ("Cache-Control", "Pragma", "Expires")} == {
        "Cache-Control": "no-cache",
        "Pragma": "no-cache",
        "Expires": "-1",
    }


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), case=st.sampled_from(CASES))
def test_a_seed_makes_the_same_body_and_another_seed_usually_another(
    strict_mock: MockServer, seed: int, case: tuple[str, str, str]
) -> None:
    api, operation_id, code = case
    responses = _operation(strict_mock.runtimes[api], operation_id)
    first = responses.answer(int(code), None, True, seed)
    assert responses.answer(int(code), None, True, seed) == first


def test_different_seeds_give_different_bodies(strict_mock: MockServer) -> None:
    responses = _operation(strict_mock.runtimes["perscom"], "listEvents")
    bodies = {str(responses.answer(200, None, True, seed).body) for seed in range(20)}
    assert len(bodies) == 20


def test_write_only_properties_stay_out_of_a_made_up_response(strict_mock: MockServer) -> None:
    responses = _operation(strict_mock.runtimes["kona"], "getCalendarEvent")
    for seed in range(30):
        (event,) = responses.answer(200, None, True, seed).body["calendar_events"]
        assert "participant_ids" not in event and "editor_ids" not in event
