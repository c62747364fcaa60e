"""One handler per operationId of specs/b2core.yaml; records in ``records``, the list in ``listing``."""

from __future__ import annotations

from typing import Any

from mockserver.apis.b2core import listing
from mockserver.apis.b2core.records import apply_changes, new_event
from mockserver.apis.b2core.rules import EventNotFound
from mockserver.apis.b2core.state import B2CoreState
from mockserver.registry import Reply, RequestContext

Ctx = RequestContext[B2CoreState]


def _event(ctx: Ctx) -> dict[str, Any]:
    event = ctx.state.events.get(ctx.path["eventId"])
    if event is None:
        raise EventNotFound(ctx.path["eventId"])
    return event


def list_calendar_events(ctx: Ctx) -> Reply:
    return Reply(listing.list_events(ctx.state, ctx.query))


def create_calendar_event(ctx: Ctx) -> Reply:
    event = new_event(ctx.body, ctx.state.next_id, ctx.now)
    ctx.state.allocate_id()
    ctx.state.put(event)
    return Reply(event, 201)


def get_calendar_event(ctx: Ctx) -> Reply:
    return Reply(_event(ctx))


def update_calendar_event(ctx: Ctx) -> Reply:
    """PUT and PATCH alike: only the fields sent change."""
    updated = apply_changes(_event(ctx), ctx.body, ctx.now)
    ctx.state.put(updated)
    return Reply(updated)


def delete_calendar_event(ctx: Ctx) -> Reply:
    ctx.state.remove(_event(ctx)["id"])
    return Reply(None, 204)


HANDLERS = {
    "listCalendarEvents": list_calendar_events,
    "createCalendarEvent": create_calendar_event,
    "getCalendarEvent": get_calendar_event,
    "updateCalendarEvent": update_calendar_event,
    "patchCalendarEvent": update_calendar_event,
    "deleteCalendarEvent": delete_calendar_event,
}
