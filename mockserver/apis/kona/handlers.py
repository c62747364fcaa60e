"""One handler per operationId of specs/kona.yaml.

Bodies are wrapped as ``{"calendar_events": [item]}`` both ways. OAuth (decision for the mock):
a known client (state ``clients``, default ``dev-client``/``dev-secret``) exchanging ANY non-empty
authorization code gets a token for the default user (42); the refresh token it receives stays valid
(and unchanged) for later ``refresh_token`` grants until the next reset.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from itertools import islice
from typing import Any, cast

from mockserver.auth import token_text
from mockserver.registry import Reply, RequestContext

from . import oauth
from .dates import parse_query_date
from .listing import list_window, page_of, window_rows
from .records import KonaRecord, new_record, to_wire, updated_record
from .recurrence import Series, nth_occurrence
from .rules import EventNotFound, OccurrenceNotFound
from .spaces import DEFAULT_SPACE_ID
from .state import DEFAULT_USER_ID, KonaState

Ctx = RequestContext[KonaState]
WRAPPER = "calendar_events"
# Kona documents no per_page cap; the mock clamps it so one request cannot ask for millions of
# occurrences of endless series (stated in specs/kona.yaml, parameter PerPage).
MAX_PER_PAGE = 1000
# ... and lists only the first 100,000 items of a window (deeper pages are empty), for the same reason.
MAX_LISTED = 100_000


def _wrapped(*items: dict[str, Any]) -> dict[str, Any]:
    return {WRAPPER: list(items)}


def _item(ctx: Ctx) -> dict[str, Any]:
    item: dict[str, Any] = ctx.body[WRAPPER][0]
    return item


def _href(ctx: Ctx, event_id: int) -> str:
    """The mock's own URL of the event: ``href`` and ``Location`` name it, so a client following either reaches the mock."""
    return f"{ctx.base_url}/api/calendar_events/{event_id}"


def _wire(ctx: Ctx, record: Mapping[str, Any], occurrence: Any = None) -> dict[str, Any]:
    body = to_wire(cast(KonaRecord, record), occurrence)  # every stored record is one
    body["href"] = _href(ctx, record["id"])
    return body


def _record(ctx: Ctx) -> KonaRecord:
    event_id = ctx.path["id"]
    record = ctx.state.events.get(event_id)
    if record is None:
        raise EventNotFound(event_id)
    return record


def _user_id(ctx: Ctx) -> int:
    subject = ctx.principal.subject if ctx.principal else ""
    return int(ctx.state.user_for(subject)["id"]) if ctx.state.users else DEFAULT_USER_ID


def list_calendar_events(ctx: Ctx) -> Reply:
    query = ctx.query
    start = query.get("date_range_start")
    end = query.get("date_range_end")
    window = list_window(
        parse_query_date(start, field="date_range_start") if start is not None else None,
        parse_query_date(end, field="date_range_end") if end is not None else None,
        ctx.now,
    )
    ordered = window_rows(ctx.state.events, window, query.get("order_by"))
    page = page_of(
        islice(ordered, MAX_LISTED), query.get("page", 1), min(query.get("per_page", 25), MAX_PER_PAGE)
    )
    return Reply(_wrapped(*(_wire(ctx, record, occurrence) for record, occurrence in page)))


def create_calendar_event(ctx: Ctx) -> Reply:
    state = ctx.state
    record = new_record(
        _item(ctx),
        event_id=state.next_id,
        now=ctx.now,
        creator_id=_user_id(ctx),
        default_space_id=DEFAULT_SPACE_ID,
        space_ids=state.spaces.keys(),
    )
    state.events[state.allocate_id()] = record
    location = _href(ctx, record["id"])
    return Reply(_wrapped(_wire(ctx, record)), 201, {"Location": location})


def get_calendar_event(ctx: Ctx) -> Reply:
    record = _record(ctx)
    number = ctx.query.get("num_in_series")
    if number is None:
        return Reply(_wrapped(_wire(ctx, record)))
    series = Series.from_record(record)
    occurrence = nth_occurrence(series, number)
    if occurrence is None:
        raise OccurrenceNotFound(record["id"], number)
    return Reply(_wrapped(_wire(ctx, record, occurrence if series.recurring else None)))


def update_calendar_event(ctx: Ctx) -> Reply:
    record = _record(ctx)
    changed = updated_record(record, _item(ctx), now=ctx.now, space_ids=ctx.state.spaces.keys())
    ctx.state.events[record["id"]] = changed
    return Reply(_wrapped(_wire(ctx, changed)))


def delete_calendar_event(ctx: Ctx) -> Reply:
    record = _record(ctx)
    del ctx.state.events[record["id"]]
    return Reply(None, 204)


def get_user_info(ctx: Ctx) -> Reply:
    subject = ctx.principal.subject if ctx.principal else ""
    return Reply({"users": [dict(ctx.state.user_for(subject))]})


def create_o_auth_token(ctx: Ctx) -> Reply:
    query, state = ctx.query, ctx.state
    client = state.clients.get(query["client_id"])
    # Bytes: compare_digest refuses str with non-ASCII characters (a 500 for a generated secret).
    given = str(query["client_secret"]).encode("utf-8", "surrogatepass")
    if client is None or not secrets.compare_digest(str(client["client_secret"]).encode(), given):
        raise oauth.InvalidClient()
    credential = oauth.grant_credential(query)
    redirect = query.get("redirect_uri")
    if redirect is not None and client.get("redirect_uri") not in (None, redirect):
        raise oauth.InvalidGrant()
    if query["grant_type"] == "refresh_token":
        grant = state.refresh_tokens.get(credential)
        if grant is None or grant["client_id"] != client["client_id"]:
            raise oauth.InvalidGrant()
        refresh_token, user_id = credential, int(grant["user_id"])
    else:
        refresh_token, user_id = token_text(24), DEFAULT_USER_ID
        state.refresh_tokens[refresh_token] = {"client_id": client["client_id"], "user_id": user_id}
    principal = ctx.tokens.mint("kona", str(user_id), ctx.now + oauth.TOKEN_LIFETIME, now=ctx.now)
    return Reply(oauth.token_body(principal.token, refresh_token))


HANDLERS = {
    "listCalendarEvents": list_calendar_events,
    "createCalendarEvent": create_calendar_event,
    "getCalendarEvent": get_calendar_event,
    "updateCalendarEvent": update_calendar_event,
    "deleteCalendarEvent": delete_calendar_event,
    "getUserInfo": get_user_info,
    "createOAuthToken": create_o_auth_token,
}
