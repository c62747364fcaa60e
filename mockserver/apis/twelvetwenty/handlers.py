"""One handler per operationId of specs/twelvetwenty.yaml."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from weakref import WeakKeyDictionary

from mockserver.apis.twelvetwenty.dates import accepted_memo
from mockserver.apis.twelvetwenty.errors import NO_CACHE, InvalidApiKey, reply
from mockserver.apis.twelvetwenty.records import TIME_FIELDS, BatchChecks, upsert
from mockserver.apis.twelvetwenty.state import TwelveTwentyState
from mockserver.registry import Reply, RequestContext
from mockserver.schemas import SchemaCatalog, SchemaValidator

TOKEN_LIFETIME = timedelta(hours=24)  # notes: tokens expire 24 hours after issue


def generate_authentication_token(ctx: RequestContext[TwelveTwentyState]) -> Reply:
    key = ctx.query["key"]
    if key not in ctx.config.keys_for("twelvetwenty"):
        raise InvalidApiKey()
    principal = ctx.tokens.mint("twelvetwenty", f"key:{key[:4]}", ctx.now + TOKEN_LIFETIME, now=ctx.now)
    return Reply(principal.token, 200, NO_CACHE, "text/plain; charset=utf-8")


def upsert_calendar_events(ctx: RequestContext[TwelveTwentyState]) -> Reply:
    items: list[Any] = ctx.body
    results = upsert(items, ctx.state, ctx.schemas.validator("CalendarEvent"), _batch_checks(ctx.schemas))
    return reply(results)


_BATCH_CHECKS: WeakKeyDictionary[SchemaCatalog, BatchChecks | None] = WeakKeyDictionary()
# what a CalendarEvent may say besides its properties for its time fields to be checked apart
_SEPARABLE = frozenset({"type", "required", "properties", "title", "description"})
_ANNOTATIONS = frozenset({"title", "description", "examples", "example"})


def _batch_checks(schemas: SchemaCatalog) -> BatchChecks | None:
    """An array of CalendarEvent without its time fields, and one time field, compiled once per
    app; None (every item checked on its own) if the spec's CalendarEvent could tie its times
    to its other fields or checks its two times differently."""
    if schemas in _BATCH_CHECKS:
        return _BATCH_CHECKS[schemas]
    event = schemas.components["schemas"]["CalendarEvent"]
    properties = event.get("properties", {})
    times = [_checked_part(properties.get(name)) for name in TIME_FIELDS]
    checks = None
    if event.keys() <= _SEPARABLE and times[0] is not None and times[0] == times[1]:
        untimed = {**event, "properties": {**properties, **{name: {} for name in TIME_FIELDS}}}
        checks = BatchChecks(
            SchemaValidator({"type": "array", "items": untimed}, schemas.components),
            SchemaValidator(times[0], schemas.components),
            accepted_memo(),
        )
    _BATCH_CHECKS[schemas] = checks
    return checks


def _checked_part(schema: Any) -> Any:
    """A property's schema without the words that check nothing (its description differs)."""
    return {k: v for k, v in schema.items() if k not in _ANNOTATIONS} if isinstance(schema, dict) else None


HANDLERS = {
    "generateAuthenticationToken": generate_authentication_token,
    "upsertCalendarEvents": upsert_calendar_events,
}
