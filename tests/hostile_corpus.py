"""The hostile-client corpus: requests a careless or hostile client sends, per API (at least 40
each). None may answer a 5xx, every refusal must be in the API's own error format, and none may
change the state. Used by tests/test_hostile_corpus.py (in-process, each case's state compared
byte for byte) and bench/hostile.py (the slowest case's CPU time).

Each case is ``Case(name, method, path, body, headers)``; ``body`` is the raw bytes sent (JSON
bodies are built here, most of them past what the spec or the mock's cost limits allow).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HUGE = "9" * 5000  # past Python's 4,300-digit int-parsing limit
DEEP = 100_000


# one valid record per API: the corpus's writes are made from them, and ``seed`` stores them
PERSCOM_EVENT = {
    "name": "x",
    "calendar_id": 123,
    "author_id": 123,
    "all_day": False,
    "starts": "2024-01-01T00:00:00Z",
    "ends": "2024-01-01T01:00:00Z",
}
B2CORE_EVENT = {"caption": "x", "startDate": "2024-03-01T10:00:00Z", "endDate": "2024-03-01T11:00:00Z"}
TWELVETWENTY_EVENT = {
    "ExternalId": "e",
    "UserId": 1,
    "TypeId": 1,
    "StartTime": "2024-01-01T00:00:00Z",
    "EndTime": "2024-01-01T01:00:00Z",
    "Title": "t",
}
KONA_EVENT = {"name": "x", "start_at": 1700000000, "end_at": 1700003600}
KONA_DAILY = {"name": "d", "start_at": 0, "end_at": 1, "period": 1, "frequency": 1}


def seed(client: Any, count: int, auth: dict[str, str]) -> None:
    """``count`` records per API through the APIs themselves (half of Kona's daily series)."""
    perscom = {**PERSCOM_EVENT, "description": "d" * 500}
    assert (
        client.post(
            "/perscom/v2/events/batch", json={"resources": [perscom] * count}, headers=auth
        ).status_code
        == 200
    )
    for i in range(count):
        b2core = {**B2CORE_EVENT, "caption": f"event {i}"}
        assert client.post("/b2core/api/v2/calendars/events", json=b2core, headers=auth).status_code == 201
        kona = {**(KONA_DAILY if i % 2 == 0 else KONA_EVENT), "name": f"k{i}"}
        assert (
            client.post(
                "/kona/api/calendar_events", json={"calendar_events": [kona]}, headers=auth
            ).status_code
            == 201
        )
    batch = [{**TWELVETWENTY_EVENT, "ExternalId": f"seed-{i}"} for i in range(count)]
    assert (
        client.put("/twelvetwenty/api/v2/calendar-events/batch", json=batch, headers=auth).status_code == 200
    )


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def generic(
    prefix: str, collection: str, item: str, create: dict[str, Any], wrap: Callable[[Any], Any]
) -> list[Case]:
    """What any JSON API gets: malformed and oversized bodies, odd ids, hostile queries and headers."""
    create_path = f"{prefix}{collection}"
    one = f"{prefix}{item}"
    cases = [
        Case("id-huge", "GET", one.format(id=HUGE)),
        Case("id-negative-huge", "GET", one.format(id="-" + HUGE)),
        Case("id-float", "GET", one.format(id="1e308")),
        Case("id-nul", "GET", one.format(id="%00")),
        Case("id-unicode", "GET", one.format(id="%D9%A3")),  # an Arabic-Indic digit three
        Case("id-traversal", "GET", one.format(id="..%2F..%2F__mock%2Fstate")),
        Case("delete-unknown", "DELETE", one.format(id="999999")),
        Case("update-huge-id", "PUT", one.format(id=HUGE), _json(wrap(create))),
        Case("body-deep-100k", "POST", create_path, _deep(DEEP)),
        Case("body-deep-object", "POST", create_path, b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        Case("body-nan", "POST", create_path, b'{"x": NaN}'),
        Case("body-infinity", "POST", create_path, b'{"x": -Infinity}'),
        Case("body-1e400", "POST", create_path, b'{"x": 1e400}'),
        Case("body-huge-int", "POST", create_path, b'{"x": ' + HUGE.encode() + b"}"),
        Case("body-lone-surrogate", "POST", create_path, b'{"x": "\\ud800"}'),
        Case("body-truncated", "POST", create_path, _json(wrap(create))[:-3]),
        Case("body-trailing-garbage", "POST", create_path, _json(wrap(create)) + b"}}"),
        Case("body-not-utf8", "POST", create_path, b'{"x": "\xff\xfe"}'),
        Case("body-bom", "POST", create_path, b"\xef\xbb\xbf" + _json(wrap({"x": 1}))),
        Case("body-empty", "POST", create_path, b""),
        Case("body-null", "POST", create_path, b"null"),
        Case("body-string", "POST", create_path, b'"hello"'),
        Case("body-number", "POST", create_path, b"42"),
        Case("body-empty-array", "POST", create_path, b"[]"),
        Case("body-100k-wrong-array", "POST", create_path, b"[" + b",".join([b"1"] * 100_000) + b"]"),
        Case("body-100k-keys", "POST", create_path, _json(wrap({f"k{i}": i for i in range(100_000)}))),
        Case("body-duplicate-keys", "POST", create_path, b'{"a":1,"a":2,"a":3}'),
        Case("body-text-plain", "POST", create_path, b"caption=x", {"Content-Type": "text/plain"}),
        Case(
            "body-form",
            "POST",
            create_path,
            b"a=1&b=2",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        Case(
            "body-xml",
            "POST",
            create_path,
            b"<event><name>x</name></event>",
            {"Content-Type": "application/xml"},
        ),
        Case("query-repeated", "GET", create_path + "?" + "&".join(["page=1"] * 2000)),
        Case("query-huge-value", "GET", create_path + "?page=" + HUGE),
        Case("query-bad-percent", "GET", create_path + "?page=%zz&x=%"),
        Case("query-long-unknown", "GET", create_path + "?x=" + "y" * 100_000),
        Case("auth-missing", "GET", create_path, None, {"Authorization": ""}),
        Case("auth-basic", "GET", create_path, None, {"Authorization": "Basic ZGV2OmRldg=="}),
        Case("auth-long", "GET", create_path, None, {"Authorization": "Bearer " + "t" * 60_000}),
        Case("auth-non-ascii", "GET", create_path, None, {"Authorization": "Bearer d\u00e9v-token"}),
        Case(
            "auth-create-wrong-token",
            "POST",
            create_path,
            _json(wrap(create)),
            {"Authorization": "Bearer nope"},
        ),
        Case("method-trace", "TRACE", create_path),
        Case("method-unknown", "BREW", create_path),
    ]
    return [
        Case(c.name, c.method, c.path, c.body, {"Content-Type": "application/json", **c.headers})
        for c in cases
    ]


def _perscom() -> list[Case]:
    search = "/perscom/v2/events/search"
    event = PERSCOM_EVENT

    def filters(*items: dict[str, Any]) -> bytes:
        return _json({"filters": list(items)})

    specific = [
        Case(
            "search-in-100k",
            "POST",
            search,
            filters({"field": "id", "operator": "in", "value": list(range(100_000))}),
        ),
        Case(
            "search-not-in-100k",
            "POST",
            search,
            filters({"field": "name", "operator": "not in", "value": [str(i) for i in range(100_000)]}),
        ),
        Case(
            "search-5k-filters",
            "POST",
            search,
            filters(*[{"field": "id", "operator": ">", "value": i} for i in range(5000)]),
        ),
        Case(
            "search-5k-or-filters",
            "POST",
            search,
            filters(
                *[{"type": "or", "field": "name", "operator": "like", "value": f"%{i}%"} for i in range(5000)]
            ),
        ),
        Case("search-1k-sorts", "POST", search, _json({"sort": [{"field": "name"}] * 1000})),
        Case(
            "search-deep-nested",
            "POST",
            search,
            filters({"nested": [{"nested": [{"field": "id", "value": 1}]}]}),
        ),
        Case(
            "search-like-1mb",
            "POST",
            search,
            filters({"field": "name", "operator": "like", "value": "%" + "_%" * 500_000}),
        ),
        Case("search-keyword-1mb", "POST", search, _json({"search": {"value": "%_" * 500_000}})),
        Case(
            "search-date-1mb-fraction",
            "POST",
            search,
            filters(
                {"field": "starts", "operator": ">", "value": "2024-01-01T00:00:00." + "1" * 2**20 + "Z"}
            ),
        ),
        Case(
            "search-date-year-0",
            "POST",
            search,
            filters({"field": "starts", "operator": ">", "value": "0000-01-01T00:00:00Z"}),
        ),
        Case(
            "search-1k-scopes",
            "POST",
            search,
            _json({"scopes": [{"name": "tags", "parameters": ["a"] * 1000}] * 1000}),
        ),
        Case(
            "search-date-period-year-0",
            "POST",
            search,
            _json(
                {
                    "scopes": [
                        {"name": "datePeriod", "parameters": ["0000-01-01", "9999-12-31T23:59:59-23:59"]}
                    ]
                }
            ),
        ),
        Case("search-unknown-field", "POST", search, filters({"field": "password", "value": "x"})),
        Case("search-10k-includes", "POST", search, _json({"includes": [{"relation": "calendar"}] * 10_000})),
        Case(
            "create-year-0", "POST", "/perscom/v2/events", _json({**event, "starts": "0000-01-01T00:00:00Z"})
        ),
        Case("create-unknown-calendar", "POST", "/perscom/v2/events", _json({**event, "calendar_id": 2**63})),
        Case("create-name-1mb", "POST", "/perscom/v2/events", _json({**event, "name": "n" * 2**20})),
        Case(
            "batch-create-poisoned",
            "POST",
            "/perscom/v2/events/batch",
            _json({"resources": [event] * 500 + [{**event, "ends": "0000-01-01T00:00:00Z"}]}),
        ),
        Case(
            "batch-create-100k",
            "POST",
            "/perscom/v2/events/batch",
            _json({"resources": [{"name": 1}] * 100_000}),
        ),
        Case(
            "batch-update-huge-key",
            "PATCH",
            "/perscom/v2/events/batch",
            _json({"resources": {HUGE: {"name": "x"}}}),
        ),
        Case(
            "batch-delete-100k-ids",
            "DELETE",
            "/perscom/v2/events/batch",
            _json({"resources": list(range(10**6, 10**6 + 100_000))}),
        ),
        Case("list-include-10k", "GET", "/perscom/v2/events?include=" + ",".join(["calendar"] * 10_000)),
        Case("list-limit-huge", "GET", "/perscom/v2/events?limit=" + HUGE),
        Case("version-bad", "GET", "/perscom/v99/events"),
    ]
    return generic("/perscom/v2", "/events", "/events/{id}", event, lambda x: x) + specific


def _b2core() -> list[Case]:
    base = "/b2core/api/v2/calendars/events"
    event = B2CORE_EVENT
    specific = [
        Case("create-description-1mb", "POST", base, _json({**event, "description": "d" * 2**20})),
        Case("create-end-before-start", "POST", base, _json({**event, "endDate": "2024-01-01T00:00:00Z"})),
        Case(
            "create-date-overflow", "POST", base, _json({**event, "startDate": "9999-12-31T23:59:59-23:59"})
        ),
        Case("create-100k-recipients", "POST", base, _json({**event, "recipients": ["a@b.c"] * 100_000})),
        Case("list-limit-huge", "GET", f"{base}?limit={HUGE}"),
        Case("list-offset-huge", "GET", f"{base}?offset={HUGE}"),
        Case("list-filter-deep", "GET", f"{base}?" + "filter" + "[a]" * 5000 + "=1"),
        Case("list-filter-1k-recipients", "GET", f"{base}?filter[recipients]=" + ",".join(["a@b.c"] * 1000)),
        Case("list-filter-bad-date", "GET", f"{base}?filter[startDate]=0000-00-00T00:00:00Z"),
        Case("list-sort-unknown", "GET", f"{base}?sort_by=password"),
        Case("patch-empty-caption", "PATCH", f"{base}/1", _json({"caption": ""})),
    ]
    return (
        generic("/b2core/api/v2", "/calendars/events", "/calendars/events/{id}", event, lambda x: x)
        + specific
    )


def _twelvetwenty() -> list[Case]:
    batch = "/twelvetwenty/api/v2/calendar-events/batch"
    event = TWELVETWENTY_EVENT
    cases = generic(
        "/twelvetwenty/api/v2", "/calendar-events/batch", "/calendar-events/{id}", event, lambda x: [x]
    )
    cases = [
        Case(c.name, "PUT" if c.method == "POST" else c.method, c.path, c.body, c.headers) for c in cases
    ]
    specific = [
        Case("batch-1001", "PUT", batch, _json([event] * 1001)),
        Case("batch-1000-invalid", "PUT", batch, _json([{"Title": "x" * 2000}] * 1000)),
        Case(
            "batch-poisoned-last",
            "PUT",
            batch,
            _json(
                [{**event, "ExternalId": f"e{i}"} for i in range(999)]
                + [{**event, "StartTime": "0000-01-01T00:00:00Z"}]
            ),
        ),
        Case("batch-user-huge", "PUT", batch, _json([{**event, "UserId": 10**30}])),
        Case("batch-nested-objects", "PUT", batch, _json([{"ExternalId": {"a": [{"b": 1}] * 1000}}])),
        Case("token-no-key", "POST", "/twelvetwenty/api/client/generateAuthenticationToken"),
        Case(
            "token-wrong-key",
            "POST",
            "/twelvetwenty/api/client/generateAuthenticationToken?key=" + "k" * 10_000,
        ),
    ]
    return cases + [
        Case(c.name, c.method, c.path, c.body, {"Content-Type": "application/json", **c.headers})
        for c in specific
    ]


def _kona() -> list[Case]:
    base = "/kona/api/calendar_events"
    event = KONA_EVENT

    def wrap(item: Any) -> Any:
        return {"calendar_events": [item]}

    daily = KONA_DAILY
    specific = [
        Case(
            "create-details-1mb-nested", "POST", base, _json(wrap({**event, "details": {"a": "b" * 2**20}}))
        ),
        Case("create-two-items", "POST", base, _json({"calendar_events": [event, event]})),
        Case("create-end-before-start", "POST", base, _json(wrap({**event, "end_at": 1}))),
        Case("create-11-digits", "POST", base, _json(wrap({**event, "start_at": 12345678901}))),
        Case("create-unknown-space", "POST", base, _json(wrap({**event, "space_id": 2**62}))),
        Case(
            "create-100k-participants", "POST", base, _json(wrap({**event, "participant_ids": [0] * 100_000}))
        ),
        Case("create-daily-series-bad-day", "POST", base, _json(wrap({**daily, "sel_days": 9}))),
        Case(
            "list-window-whole-range",
            "GET",
            f"{base}?date_range_start=0&date_range_end=3999999999&per_page=1000",
        ),
        Case("list-page-huge", "GET", f"{base}?page=2147483647&per_page=2147483647"),
        Case("list-per-page-huge", "GET", f"{base}?per_page={HUGE}"),
        Case("list-start-after-end", "GET", f"{base}?date_range_start=3999999999&date_range_end=0"),
        Case("get-occurrence-huge", "GET", f"{base}/1?num_in_series=2147483647"),
        Case(
            "token-bad-grant",
            "POST",
            "/kona/oauth/token?grant_type=password&client_id=dev-client&client_secret=dev-secret",
        ),
        Case(
            "token-secret-non-ascii",
            "POST",
            "/kona/oauth/token?grant_type=authorization_code&code=x&client_id=dev-client&client_secret=%C3%A9",
        ),
        Case(
            "token-refresh-unknown",
            "POST",
            "/kona/oauth/token?grant_type=refresh_token&refresh_token="
            + "r" * 10_000
            + "&client_id=dev-client&client_secret=dev-secret",
        ),
        Case("userinfo-wrong-token", "GET", "/kona/api/userinfo", None, {"Authorization": "Bearer x"}),
    ]
    cases = generic("/kona/api", "/calendar_events", "/calendar_events/{id}", event, wrap)
    return cases + [
        Case(c.name, c.method, c.path, c.body, {"Content-Type": "application/json", **c.headers})
        for c in specific
    ]


CORPUS: dict[str, list[Case]] = {
    "perscom": _perscom(),
    "b2core": _b2core(),
    "twelvetwenty": _twelvetwenty(),
    "kona": _kona(),
}


def vendor_error(api: str, status: int, body: bytes) -> bool:
    """Whether an error body is in ``api``'s own format (Kona's may come as raw text)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    if api == "perscom":
        error = parsed.get("error") if isinstance(parsed, dict) else None
        return isinstance(error, dict) and isinstance(error.get("message"), str) and "type" in error
    if api == "b2core":
        return isinstance(parsed, dict) and isinstance(parsed.get("message"), str)
    if api == "twelvetwenty":
        return isinstance(parsed, dict) and isinstance(parsed.get("Message"), str)
    if api == "kona":
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):  # OAuth's RFC 6749 body
            return True
        return isinstance(parsed, dict) and {"problemType", "title", "details"} <= set(parsed)
    raise ValueError(api)
