"""B2Core as the harness sees it beyond its spec."""

from __future__ import annotations

from contracts.resources import Delete, Resources, path_param
from contracts.variables import Variable

RESOURCES = Resources(
    created={"createCalendarEvent": "/id"},
    delete=Delete("DELETE", "/api/v2/calendars/events/{id}"),
    addressed={
        "updateCalendarEvent": path_param("eventId"),
        "patchCalendarEvent": path_param("eventId"),
        "deleteCalendarEvent": path_param("eventId"),
    },
    read="/api/v2/calendars/events/{id}",
    updated={"updateCalendarEvent": "", "patchCalendarEvent": ""},
    listed={"listCalendarEvents": "/*", "getCalendarEvent": ""},
)

VARIABLES: tuple[Variable, ...] = ()
