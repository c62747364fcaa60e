"""One handler per operationId of specs/twelvetwenty.yaml."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from weakref import WeakKeyDictionary

from mockserver.apis.twelvetwenty.errors import NO_CACHE, InvalidApiKey, reply
from mockserver.apis.twelvetwenty.records import upsert
from mockserver.apis.twelvetwenty.state import TwelveTwentyState
from mockserver.registry import Reply, RequestContext
from mockserver.validation import SchemaCatalog, SchemaValidator

TOKEN_LIFETIME = timedelta(hours=24)  # notes: tokens expire 24 hours after issue


def generate_authentication_token(ctx: RequestContext[TwelveTwentyState]) -> Reply:
    key = ctx.query["key"]
    if key not in ctx.config.keys_for("twelvetwenty"):
        raise InvalidApiKey()
    principal = ctx.tokens.mint("twelvetwenty", f"key:{key[:4]}", ctx.now + TOKEN_LIFETIME, now=ctx.now)
    return Reply(principal.token, 200, NO_CACHE, "text/plain; charset=utf-8")


def upsert_calendar_events(ctx: RequestContext[TwelveTwentyState]) -> Reply:
    items: list[Any] = ctx.body
    results = upsert(items, ctx.state, ctx.schemas.validator("CalendarEvent"), _batch_validator(ctx.schemas))
    return reply(results)


_BATCH_VALIDATORS: WeakKeyDictionary[SchemaCatalog, SchemaValidator] = WeakKeyDictionary()


def _batch_validator(schemas: SchemaCatalog) -> SchemaValidator:
    """An array of CalendarEvent, compiled once per app: checks a whole batch in one call."""
    validator = _BATCH_VALIDATORS.get(schemas)
    if validator is None:
        schema = {"type": "array", "items": {"$ref": "#/components/schemas/CalendarEvent"}}
        validator = _BATCH_VALIDATORS[schemas] = SchemaValidator(schema, schemas.components)
    return validator


HANDLERS = {
    "generateAuthenticationToken": generate_authentication_token,
    "upsertCalendarEvents": upsert_calendar_events,
}
