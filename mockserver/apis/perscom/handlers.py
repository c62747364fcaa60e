"""One handler per operationId of specs/perscom.yaml.

The core has validated the request against the spec (and holds the API's lock), so each handler
checks the rules the schema cannot state — existing calendar/author, trash visibility — for every
item first, and only then writes: every write is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import wraps
from typing import Any

from mockserver.apis.perscom.dates import format_datetime, parse_datetime
from mockserver.apis.perscom.errors import RuleFailure
from mockserver.apis.perscom.pagination import paginate
from mockserver.apis.perscom.params import (
    Trashed,
    requested_includes,
    top_level_relations,
    trash_mode,
    visible,
)
from mockserver.apis.perscom.rules import FieldValidationFailed, PerscomRuleError
from mockserver.apis.perscom.search import apply_search, requested_relations
from mockserver.apis.perscom.state import DATE_INPUTS, DEFAULTS, WRITABLE, PerscomState, stored_date
from mockserver.apis.perscom.validation_messages import field_message
from mockserver.errors import NotFound
from mockserver.registry import Reply, RequestContext

Ctx = RequestContext[PerscomState]
Event = dict[str, Any]
OUTPUT_FIELDS = ("id", *WRITABLE, "label", "created_at", "updated_at", "deleted_at")
NULLABLE_TEXT = ("description", "content", "location", "url")
FOREIGN_KEYS = (("calendar_id", "calendars"), ("author_id", "users"))


def perscom_rules(handler: Callable[[Ctx], Reply]) -> Callable[[Ctx], Reply]:
    """Let handlers raise the helpers' ``PerscomRuleError``s; the renderer answers them."""

    @wraps(handler)
    def run(ctx: Ctx) -> Reply:
        try:
            return handler(ctx)
        except PerscomRuleError as rule:
            raise RuleFailure(rule) from None

    return run


# --- reading --------------------------------------------------------------------------------


def includes(ctx: Ctx, extra: Iterable[str] = ()) -> list[str]:
    names = requested_includes(ctx.query.get("include") or [])
    return top_level_relations([*names, *extra])


def related(state: PerscomState) -> Callable[[Mapping[str, Any], str], Any]:
    def find(event: Mapping[str, Any], relation: str) -> Any:
        if relation == "calendar":
            return state.calendars.get(event["calendar_id"])
        if relation == "author":
            return state.users.get(event["author_id"])
        if relation == "tags":
            return event.get("tags", [])
        return None

    return find


def render(state: PerscomState, event: Event, relations: Iterable[str] = ()) -> Event:
    """The event as the API shows it; an all-day event's times are serialized at midnight."""
    out = {name: event.get(name) for name in OUTPUT_FIELDS}
    out["label"] = f"Event: {event['id']}"
    if event.get("all_day"):
        for name in ("starts", "ends"):
            moment = parse_datetime(out[name]) if out[name] else None
            if moment is not None:
                out[name] = format_datetime(moment.replace(hour=0, minute=0, second=0, microsecond=0))
    find = related(state)
    for relation in relations:
        if relation in ("calendar", "author", "tags"):
            found = find(event, relation)
            out[relation] = [dict(t) for t in found] if relation == "tags" else _record(found)
        else:  # attachments, comments, image, schedule: the mock keeps none
            out[relation] = [] if relation in ("attachments", "comments") else None
    return out


def _record(found: Any) -> Any:
    return dict(found) if isinstance(found, Mapping) else None


def mode(ctx: Ctx) -> Trashed:
    return trash_mode(ctx.query.get("with_trashed"), ctx.query.get("only_trashed"))


def visible_events(state: PerscomState, trashed: Trashed) -> list[Event]:
    return [state.events[i] for i in sorted(state.events) if visible(state.events[i]["deleted_at"], trashed)]


def find_event(ctx: Ctx, trashed: Trashed = Trashed.WITHOUT) -> Event:
    event = ctx.state.events.get(ctx.path["event"])
    if event is None or not visible(event["deleted_at"], trashed):
        raise NotFound(path=ctx.path)
    return event


# --- writing --------------------------------------------------------------------------------


def clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields only (unknown keys are dropped), trimmed; blank nullable texts become null."""
    out: dict[str, Any] = {}
    for name in WRITABLE:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, str):
            value = value.strip()
            if not value and name in NULLABLE_TEXT:
                value = None
        if name in DATE_INPUTS:
            value = stored_date(value)
        out[name] = value
    return out


def foreign_key_errors(
    state: PerscomState, fields: Mapping[str, Any], prefix: str = ""
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, table in FOREIGN_KEYS:
        if name in fields and fields[name] not in getattr(state, table):
            errors[prefix + name] = [field_message(prefix + name, "exists")]
    return errors


def check(errors: dict[str, list[str]]) -> None:
    if errors:
        raise FieldValidationFailed(errors)


def new_event(state: PerscomState, fields: Mapping[str, Any], now: datetime) -> Event:
    stamp = format_datetime(now)
    event: Event = {"id": state.allocate_id(), **DEFAULTS, **clean(fields)}
    event.update(created_at=stamp, updated_at=stamp, deleted_at=None, tags=[])
    state.events[event["id"]] = event
    return event


def update_event(event: Event, fields: Mapping[str, Any], now: datetime) -> None:
    event.update(clean(fields))
    event["updated_at"] = format_datetime(now)


def delete_event(state: PerscomState, event: Event, force: bool, now: datetime) -> Event:
    if force:
        return state.events.pop(event["id"])
    stamp = format_datetime(now)
    event.update(deleted_at=stamp, updated_at=stamp)
    return event


# --- handlers -------------------------------------------------------------------------------


@perscom_rules
def list_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)  # GET ignores filters/sort/search: only include, paging and trash flags
    page = paginate(
        visible_events(ctx.state, mode(ctx)),
        ctx.query.get("page"),
        ctx.query.get("limit"),
        f"{ctx.base_url}/{ctx.path['version']}/events",
    )
    return Reply(page.envelope([render(ctx.state, e, relations) for e in page.items]))


@perscom_rules
def search_events(ctx: Ctx) -> Reply:
    body: Mapping[str, Any] = ctx.body or {}
    relations = includes(ctx, requested_relations(body))
    found = apply_search(visible_events(ctx.state, mode(ctx)), body, related(ctx.state))
    page = paginate(
        found,
        ctx.query.get("page"),
        ctx.query.get("limit"),
        f"{ctx.base_url}/{ctx.path['version']}/events/search",
    )
    return Reply(page.envelope([render(ctx.state, e, relations) for e in page.items]))


@perscom_rules
def get_event(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    return Reply({"data": render(ctx.state, find_event(ctx, mode(ctx)), relations)})


@perscom_rules
def create_event(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    check(foreign_key_errors(ctx.state, ctx.body))
    event = new_event(ctx.state, ctx.body, ctx.now)
    return Reply({"data": render(ctx.state, event, relations)}, 201)


@perscom_rules
def update_event_handler(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    event = find_event(ctx)
    check(foreign_key_errors(ctx.state, ctx.body))
    update_event(event, ctx.body, ctx.now)
    return Reply({"data": render(ctx.state, event, relations)})


@perscom_rules
def delete_event_handler(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    force = bool(ctx.query.get("force"))
    event = find_event(ctx, Trashed.WITH if force else Trashed.WITHOUT)
    deleted = delete_event(ctx.state, event, force, ctx.now)
    return Reply({"data": render(ctx.state, deleted, relations)})


@perscom_rules
def batch_create_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    items: list[Mapping[str, Any]] = ctx.body["resources"]
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        errors.update(foreign_key_errors(ctx.state, item, f"resources.{index}."))
    check(errors)
    created = [new_event(ctx.state, item, ctx.now) for item in items]
    return Reply({"data": [render(ctx.state, e, relations) for e in created]})


def _event_id(key: str) -> int | None:
    try:
        return int(key.strip())
    except ValueError:
        return None


@perscom_rules
def batch_update_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    items: Mapping[str, Mapping[str, Any]] = ctx.body["resources"]
    errors: dict[str, list[str]] = {}
    for key, item in items.items():  # every item is validated, also those of unknown ids
        errors.update(foreign_key_errors(ctx.state, item, f"resources.{key}."))
    check(errors)
    wanted: dict[int, Mapping[str, Any]] = {}
    for key, item in items.items():
        event_id = _event_id(key)
        if event_id is not None:
            wanted[event_id] = item
    events = [e for e in visible_events(ctx.state, Trashed.WITHOUT) if e["id"] in wanted]
    for event in events:
        update_event(event, wanted[event["id"]], ctx.now)
    return Reply({"data": [render(ctx.state, e, relations) for e in events]})


@perscom_rules
def batch_delete_events(ctx: Ctx) -> Reply:
    relations = includes(ctx)
    force = bool(ctx.query.get("force"))
    wanted = set(ctx.body["resources"])
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
