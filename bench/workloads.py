"""The workloads of bench/peers.py (and bench/hotpath.py, bench/intake_ab.py): what each request
is, and what ours holds before them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from benchkit import Workload

BATCH = "12Twenty batch 1000"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _batch(size: int) -> list[dict[str, Any]]:
    start = datetime(2018, 6, 10, 20, tzinfo=UTC)
    return [
        {
            "ExternalId": f"bench-{i}",
            "UserId": 124,
            "TypeId": 1,
            "StartTime": _iso(start + timedelta(hours=i)),
            "EndTime": _iso(start + timedelta(hours=i, minutes=90)),
            "Title": f"Course {i}: Fin. Meas., Analysis & Rept.",
        }
        for i in range(size)
    ]


WORKLOADS = (
    Workload("GET one event", "b2core", "GET", "/api/v2/calendars/events/1"),
    Workload(
        "list + filters",
        "b2core",
        "GET",
        "/api/v2/calendars/events?filter%5BstartDate%5D=2024-01-01T00:00:00Z"
        "&filter%5BendDate%5D=2024-02-01T00:00:00Z&sort_by=startDate&sort_order=desc&limit=10",
    ),
    Workload(
        "PERSCOM search",
        "perscom",
        "POST",
        "/v2/events/search?limit=10",
        {
            "scopes": [{"name": "datePeriod", "parameters": ["2023-11-01", "2023-11-30"]}],
            "filters": [{"field": "name", "operator": "like", "value": "%drill%"}],
            "sort": [{"field": "starts", "direction": "desc"}],
        },
    ),
    Workload(
        "POST create",
        "b2core",
        "POST",
        "/api/v2/calendars/events",
        {
            "caption": "Quarterly review",
            "description": "Bench",
            "startDate": "2024-03-01T10:00:00Z",
            "endDate": "2024-03-01T11:00:00Z",
            "notifications": ["PT2H"],
            "recipients": ["user@example.com"],
        },
    ),
    # One client sending batches back to back (a sync job, a contract run): latency, not queueing.
    Workload(BATCH, "twelvetwenty", "PUT", "/api/v2/calendar-events/batch", _batch(1000), 1),
)


def _seed() -> dict[str, Any]:
    """What ours holds before the workloads: the GET id and events inside the list/search windows."""
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    b2core = [
        {
            "caption": f"Event {i}",
            "description": "Seeded",
            "startDate": _iso(start + timedelta(hours=7 * i)),
            "endDate": _iso(start + timedelta(hours=7 * i + 1)),
            "recipients": ["user@example.com"],
        }
        for i in range(200)
    ]
    november = datetime(2023, 11, 1, 9, tzinfo=UTC)
    perscom = [
        {
            "name": f"{'Drill' if i % 3 else 'Briefing'} {i}",
            "calendar_id": 123,
            "author_id": 123,
            "starts": _iso(november + timedelta(hours=5 * i)),
            "ends": _iso(november + timedelta(hours=5 * i + 2)),
        }
        for i in range(200)
    ]
    return {"b2core": {"events": b2core}, "perscom": {"events": perscom}}


def chosen_workloads(names: str | None) -> list[Workload]:
    """``--workloads``: the comma-separated workloads to run (a name or the start of one), else all."""
    if not names:
        return list(WORKLOADS)
    wanted = [name.strip().lower() for name in names.split(",") if name.strip()]
    chosen = [w for w in WORKLOADS if any(w.name.lower().startswith(name) for name in wanted)]
    if not chosen:
        raise SystemExit(f"bench: no workload starts with {names!r}: {[w.name for w in WORKLOADS]}")
    return chosen
