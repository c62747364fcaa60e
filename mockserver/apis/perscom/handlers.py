"""One handler per operationId of specs/perscom.yaml.

The core has validated the request against the spec (and holds the API's lock), so each handler
checks the rules the schema cannot state — existing calendar/author, trash visibility — for every
item first, and only then writes: every write is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mockserver.apis.perscom.index import View, view
from mockserver.apis.perscom.listing import paginate
from mockserver.apis.perscom.params import (
    Trashed,
    flag,
    requested_includes,
    top_level_relations,
    trash_mode,
    visible,
    visible_ones,
)
from mockserver.apis.perscom.records import delete_event, new_event, related, render, update_event, writable
from mockserver.apis.perscom.rules import EventNotFound, check, state_problems
from mockserver.apis.perscom.search import apply_search, indexed_search, kept_clauses, requested_relations
from mockserver.apis.perscom.state import PerscomState
from mockserver.registry import Reply, RequestContext

Ctx = RequestContext[PerscomState]
Event = dict[str, Any]


def includes(ctx: Ctx, extra: Iterable[str] = ()) -> list[str]:
    names = requested_includes(ctx.query.get("include"))
    return top_level_relations([*names, *extra])


def mode(ctx: Ctx) -> Trashed:
    return trash_mode(ctx.query.get("with_trashed"), ctx.query.get("only_trashed"))


def visible_view(state: PerscomState, trashed: Trashed) -> View:
    """The events ``trashed`` shows, in id order, kept with their index until they change."""
    return view(state.events, trashed, lambda events: visible_ones(events, trashed))


def visible_events(state: PerscomState, trashed: Trashed) -> Sequence[Event]:
    return visible_view(state, trashed).events  # not to be modified: the view keeps it


def find_event(ctx: Ctx, trashed: Trashed = Trashed.WITHOUT) -> Event:
    event = ctx.state.events.get(ctx.path["event"])
    if event is None or not visible(event["deleted_at"], trashed):
        raise EventNotFound(ctx.path["event"])
    return event


# --- handlers -------------------------------------------------------------------------------


def list_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)  # GET ignores filters/sort/search: only include, paging and trash flags
    page = paginate(
        visible_events(ctx.state, mode(ctx)),
        ctx.query.get("page"),
        ctx.query.get("limit"),
        f"{ctx.base_url}/{ctx.path['version']}/events",
    )
    return Reply(page.envelope([render(ctx.state, e, relations) for e in page.items]))


def search_events(ctx: Ctx) -> Reply:
    body: Mapping[str, Any] = ctx.body or {}
    relations = includes(ctx, requested_relations(body))
    find = related(ctx.state)
    clauses = kept_clauses(ctx.state.plans, body, find)
    events = visible_view(ctx.state, mode(ctx))
    if events.worth_indexing():
        found = indexed_search(events, body, find, clauses)
    else:
        found = apply_search(events.events, body, find, clauses)
    page = paginate(
        found,
        ctx.query.get("page"),
        ctx.query.get("limit"),
        f"{ctx.base_url}/{ctx.path['version']}/events/search",
    )
    return Reply(page.envelope([render(ctx.state, e, relations) for e in page.items]))


def get_event(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    return Reply({"data": render(ctx.state, find_event(ctx, mode(ctx)), relations)})


def create_event(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    check(state_problems(ctx.operation.operation_id, ctx.body, ctx.state))
    [fields] = writable([((), ctx.body)])
    event = new_event(ctx.state, fields, ctx.now)
    return Reply({"data": render(ctx.state, event, relations)}, 201)


def update_event_handler(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    event = find_event(ctx)
    changes = ctx.body or {}  # no body: nothing changes (Orion updates with no attributes)
    check(state_problems(ctx.operation.operation_id, changes, ctx.state))
    [changes] = writable([((), changes)])
    update_event(ctx.state, event, changes, ctx.now)
    return Reply({"data": render(ctx.state, event, relations)})


def delete_event_handler(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    force = flag(ctx.query.get("force"))
    event = find_event(ctx, Trashed.WITH if force else Trashed.WITHOUT)
    deleted = delete_event(ctx.state, event, force, ctx.now)
    return Reply({"data": render(ctx.state, deleted, relations)})


def batch_create_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    items: list[Mapping[str, Any]] = ctx.body["resources"]
    check(state_problems(ctx.operation.operation_id, ctx.body, ctx.state))
    staged = writable((("resources", index), item) for index, item in enumerate(items))
    created = [new_event(ctx.state, fields, ctx.now) for fields in staged]
    return Reply({"data": [render(ctx.state, e, relations) for e in created]})


def _event_id(key: str) -> int | None:
    try:
        return int(key.strip())
    except ValueError:
        return None


def batch_update_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    items: Mapping[str, Mapping[str, Any]] = ctx.body["resources"]
    check(state_problems(ctx.operation.operation_id, ctx.body, ctx.state))  # unknown ids' items too
    staged = writable((("resources", key), item) for key, item in items.items())
    wanted: dict[int, Mapping[str, Any]] = {}
    for key, fields in zip(items, staged, strict=True):
        event_id = _event_id(key)
        if event_id is not None:
            wanted[event_id] = fields
    events = [e for e in visible_events(ctx.state, Trashed.WITHOUT) if e["id"] in wanted]
    for event in events:
        update_event(ctx.state, event, wanted[event["id"]], ctx.now)
    return Reply({"data": [render(ctx.state, e, relations) for e in events]})


def batch_delete_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    force = flag(ctx.query.get("force"))
    wanted = set(ctx.body.get("resources") or ())  # Orion has no rules here: {} deletes nothing
    trashed = Trashed.WITH if force else Trashed.WITHOUT
    events = [e for e in visible_events(ctx.state, trashed) if e["id"] in wanted]
    deleted = [delete_event(ctx.state, e, force, ctx.now) for e in events]
    return Reply({"data": [render(ctx.state, e, relations) for e in deleted]})


HANDLERS = {
    "listEvents": list_events,
    "createEvent": create_event,
    "getEvent": get_event,
    "updateEvent": update_event_handler,
    "putEvent": update_event_handler,
    "deleteEvent": delete_event_handler,
    "batchCreateEvents": batch_create_events,
    "batchUpdateEvents": batch_update_events,
    "batchDeleteEvents": batch_delete_events,
    "searchEvents": search_events,
}
