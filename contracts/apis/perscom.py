"""PERSCOM (Laravel Orion) as the harness sees it beyond its spec."""

from __future__ import annotations

from contracts.resources import Delete, Resources, body_items, body_keys, path_param
from contracts.variables import Variable

RESOURCES = Resources(
    created={"createEvent": "/data/id", "batchCreateEvents": "/data/*/id"},
    # Soft delete would leave a trashed event behind on staging: remove it for good.
    delete=Delete("DELETE", "/v2/events/{id}", {"force": "true"}),
    addressed={
        "updateEvent": path_param("event"),
        "putEvent": path_param("event"),
        "deleteEvent": path_param("event"),
        "batchUpdateEvents": body_keys("resources"),
        "batchDeleteEvents": body_items("resources"),
    },
    read="/v2/events/{id}",
    record="/data",
    updated={"updateEvent": "/data", "putEvent": "/data", "batchUpdateEvents": "/data/*"},
    representation_params=("include",),
    read_only=frozenset({"searchEvents"}),
    references={"calendar_id": "CALENDAR", "author_id": "AUTHOR"},
    listed={"listEvents": "/data/*", "searchEvents": "/data/*", "getEvent": "/data"},
)

VARIABLES = (
    Variable("perscom", "CALENDAR", "123", "id of a calendar that exists on the target (events name it)"),
    Variable("perscom", "AUTHOR", "123", "id of a user that exists on the target (events name it as author)"),
    Variable(
        "perscom",
        "VIEW_TOKEN",
        None,
        "a key with only the view:event scope (live targets; its scenario skips without it)",
    ),
)
