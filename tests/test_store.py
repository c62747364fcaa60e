"""The store under concurrent writers: every batch applies whole or not at all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mockserver import create_app
from tests.conftest import AUTH, BATCH, EVENT


def _items(user: int) -> list[dict[str, object]]:
    return [{**EVENT, "ExternalId": f"e{n}", "UserId": user, "Title": f"user {user}"} for n in range(50)]


def test_concurrent_batches_from_rival_students_never_interleave() -> None:
    app = create_app({"log_requests": False}, apis=["twelvetwenty"])

    def send(user: int) -> list[bool]:
        results = app.test_client().put(BATCH, json=_items(user), headers=AUTH).get_json()
        return [r["IsSuccessful"] for r in results]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, range(1, 17)))
    winners = [all(o) for o in outcomes]
    assert sum(winners) == 1  # the first batch owns all 50 events; every rival fails whole
    events = app.extensions["mockserver"].store.export()["twelvetwenty"]["events"]
    assert len(events) == 50
    assert len({e["UserId"] for e in events}) == 1
    assert len({e["Id"] for e in events}) == 50
