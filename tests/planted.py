"""Deliberately broken variants of the mock, one planted defect each.

tests/test_planted_defects.py points the contract suites at each factory here
(``--app tests.planted:<factory>``) and asserts that the harness reports the defect. Every
factory returns the whole mock (all four APIs) built from the real API definitions with exactly one
handler, error renderer or route changed, and with strict mode off: the harness's own checks, not
the mock's response validation, have to catch the defect.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.datastructures import Headers

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.apis.twelvetwenty import errors as twelvetwenty_errors
from mockserver.apis.twelvetwenty import records as twelvetwenty_records
from mockserver.errors import ApiError
from mockserver.registry import ApiDefinition, ErrorRenderer, Handler, Reply, RequestContext
from mockserver.runtime import ApiRuntime
from mockserver.spec import Operation

LENIENT = {"strict": False, "log_requests": False}
log = logging.getLogger(__name__)


def _mock(*replaced: ApiDefinition) -> Flask:
    """The non-strict mock with ``replaced`` definitions in place of the real ones."""
    definitions = {**API_DEFINITIONS, **{d.name: d for d in replaced}}
    return create_app(LENIENT, definitions=definitions.values())


def _replace_handler(api: str, operation_id: str, plant: Callable[[Handler], Handler]) -> Flask:
    """The mock with ``api``'s handler for ``operation_id`` replaced by ``plant(real handler)``."""
    real = API_DEFINITIONS[api]
    handlers = {**real.handlers, operation_id: plant(real.handlers[operation_id])}
    return _mock(dataclasses.replace(real, handlers=handlers))


def _replace_renderer(api: str, plant: Callable[[ErrorRenderer], ErrorRenderer]) -> Flask:
    real = API_DEFINITIONS[api]
    return _mock(dataclasses.replace(real, render_error=plant(real.render_error)))


def _runtime(app: Flask, api: str) -> ApiRuntime:
    runtime: ApiRuntime = app.extensions["mockserver"].runtimes[api]
    return runtime


# --- a wrong type in a response -------------------------------------------------------------


def perscom_batch_create_ids_as_strings() -> Flask:
    """PERSCOM ``POST /{version}/events/batch`` answers each created event's integer ``id`` as a string."""

    def plant(real: Handler) -> Handler:
        def batch_create_events(ctx: RequestContext[Any]) -> Reply:
            answer = real(ctx)
            data = [{**event, "id": str(event["id"])} for event in answer.body["data"]]
            return dataclasses.replace(answer, body={**answer.body, "data": data})

        return batch_create_events

    return _replace_handler("perscom", "batchCreateEvents", plant)


# --- a missing required field ---------------------------------------------------------------


def perscom_create_without_name() -> Flask:
    """PERSCOM ``POST /{version}/events`` answers the created event without its required ``name``."""

    def plant(real: Handler) -> Handler:
        def create_event(ctx: RequestContext[Any]) -> Reply:
            answer = real(ctx)
            data = {key: value for key, value in answer.body["data"].items() if key != "name"}
            return dataclasses.replace(answer, body={**answer.body, "data": data})

        return create_event

    return _replace_handler("perscom", "createEvent", plant)


# --- an undocumented status code ------------------------------------------------------------


def kona_create_answers_200() -> Flask:
    """Kona ``POST /api/calendar_events`` answers 200 where the spec documents 201 (and 400/401/422)."""

    def plant(real: Handler) -> Handler:
        def create_calendar_event(ctx: RequestContext[Any]) -> Reply:
            return dataclasses.replace(real(ctx), status=200)

        return create_calendar_event

    return _replace_handler("kona", "createCalendarEvent", plant)


# --- ignored auth ---------------------------------------------------------------------------


def kona_list_ignores_auth() -> Flask:
    """Kona ``GET /api/calendar_events`` answers 200 without a token or with a wrong one.

    The mock authenticates in its runtime before any handler runs, so the defect is planted where a
    real service would lose it: the route is registered as public (as if its auth decorator were
    missing). Only this app's compiled operation changes; the spec still requires a bearer token.
    """
    app = _mock()
    operations = _runtime(app, "kona").operations
    operations["listCalendarEvents"] = dataclasses.replace(operations["listCalendarEvents"], public=True)
    return app


# --- a 500 on an edge input -----------------------------------------------------------------


def twelvetwenty_empty_batch_crashes() -> Flask:
    """12Twenty ``PUT /api/v2/calendar-events/batch`` with ``[]`` fails with an IndexError (a 500)."""

    def plant(real: Handler) -> Handler:
        def upsert_calendar_events(ctx: RequestContext[Any]) -> Reply:
            # planted: the audit line reads the first item, as if a batch were never empty
            log.info("12Twenty batch of %d items, the first %.80r", len(ctx.body), ctx.body[0])
            return real(ctx)

        return upsert_calendar_events

    return _replace_handler("twelvetwenty", "upsertCalendarEvents", plant)


# --- a lost update --------------------------------------------------------------------------


def b2core_update_is_not_stored() -> Flask:
    """B2Core ``PUT``/``PATCH /api/v2/calendars/events/{eventId}`` answer the updated event, keep the old one.

    B2Core's PUT and PATCH share one handler (both are partial updates), so the defect is in both.
    """
    real = API_DEFINITIONS["b2core"]
    honest = real.handlers["updateCalendarEvent"]

    def update_calendar_event(ctx: RequestContext[Any]) -> Reply:
        before = ctx.state.events.get(ctx.path["eventId"])
        answer = honest(ctx)
        if before is not None:  # planted: the update is answered, never stored
            ctx.state.put(before)
        return answer

    shared = {"updateCalendarEvent": update_calendar_event, "patchCalendarEvent": update_calendar_event}
    return _mock(dataclasses.replace(real, handlers={**real.handlers, **shared}))


def b2core_read_answers_the_first_event() -> Flask:
    """B2Core ``GET /api/v2/calendars/events/{eventId}`` of any existing id answers the first event
    stored, as a server that serves one example for every id does: a created record cannot be
    read back (the status alone says nothing wrong)."""

    def plant(honest: Handler) -> Handler:
        def get_calendar_event(ctx: RequestContext[Any]) -> Reply:
            honest(ctx)  # raises the 404 of an unknown id, as before
            return Reply(next(iter(ctx.state.events.values())))

        return get_calendar_event

    return _replace_handler("b2core", "getCalendarEvent", plant)


# --- a half-applied batch -------------------------------------------------------------------


def twelvetwenty_batch_half_applied() -> Flask:
    """12Twenty ``PUT /api/v2/calendar-events/batch`` keeps the valid items of a batch it refuses.

    The real handler checks every item, then writes all of them or none. This one upserts item by
    item, each as a batch of its own, and answers a refused batch as the vendor does (200, only the
    failing items) — while the batch's valid items stay written.
    """

    def plant(_all_or_nothing: Handler) -> Handler:
        def upsert_calendar_events(ctx: RequestContext[Any]) -> Reply:
            validator = ctx.schemas.validator("CalendarEvent")
            results = [
                result
                for item in ctx.body
                for result in twelvetwenty_records.upsert([item], ctx.state, validator)
            ]
            failures = [result for result in results if not result["IsSuccessful"]]
            return twelvetwenty_errors.reply(failures or results)

        return upsert_calendar_events

    return _replace_handler("twelvetwenty", "upsertCalendarEvents", plant)


# --- a wrong error envelope -----------------------------------------------------------------


def b2core_404_in_another_envelope() -> Flask:
    """B2Core answers 404 as ``{"error": {"code": 404, "message": ...}}``, not its ``{"message": ...}``."""

    def plant(real: ErrorRenderer) -> ErrorRenderer:
        def render_error(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
            answer = real(error, operation, headers)
            if answer.status != 404:
                return answer
            body = {"error": {"code": 404, "message": answer.body["message"]}}
            return dataclasses.replace(answer, body=body)

        return render_error

    return _replace_renderer("b2core", plant)


# --- an operation that only ever refuses ----------------------------------------------------


def kona_userinfo_always_401() -> Flask:
    """Kona ``GET /api/userinfo`` refuses every token with its documented 401: every answer the
    contract checks is documented and well formed, yet nothing of the operation is tested."""
    from mockserver.errors import Unauthorized

    def plant(real: Handler) -> Handler:
        def get_user_info(ctx: RequestContext[Any]) -> Reply:
            raise Unauthorized("invalid")  # planted: every token is refused

        return get_user_info

    return _replace_handler("kona", "getUserInfo", plant)
