"""Kona as the harness sees it beyond its spec."""

from __future__ import annotations

from contracts.resources import Delete, Resources, path_param
from contracts.variables import Variable

RESOURCES = Resources(
    created={"createCalendarEvent": "/calendar_events/*/id"},
    delete=Delete("DELETE", "/api/calendar_events/{id}"),
    addressed={
        "updateCalendarEvent": path_param("id"),
        "deleteCalendarEvent": path_param("id"),
    },
    read="/api/calendar_events/{id}",
    record="/calendar_events/0",
    updated={"updateCalendarEvent": "/calendar_events/0"},
    listed={"listCalendarEvents": "/calendar_events/*", "getCalendarEvent": "/calendar_events/*"},
    references={"space_id": "SPACE"},
    # Each authorization-code exchange issues a refresh token that stays valid; the API has no
    # revocation endpoint.
    irremovable={"refresh_tokens": "refresh tokens issued to the run (Kona offers no way to revoke one)"},
)

VARIABLES = (
    Variable("kona", "CLIENT_ID", "dev-client", "an OAuth client id of the target"),
    Variable("kona", "CLIENT_SECRET", "dev-secret", "that client's secret"),
    Variable("kona", "SPACE", "9", "id of a space the token's user may write to"),
)
