"""The Redis store (``--store redis://…``) against a real redis-server: two apps on one prefix play
two workers (or two hosts); each must see the other's writes, refusals, resets, loads, clock
and minted tokens, and answer 503 in the vendor's envelope while Redis is away."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from mockserver import create_app, shared
from mockserver.journal import Journal
from mockserver.oplog import OpLog
from mockserver.redisserver import LocalRedis
from mockserver.shared_journal import FLUSH_AFTER, TRIM_BYTES_SHARE, Pending, SharedJournal
from tests.conftest import AUTH
from tests.test_admin import BATCH
from tests.test_admin import EVENT as TT_EVENT

B2 = "/b2core/api/v2/calendars/events"
B2_EVENT = {"caption": "x", "startDate": "2026-01-01T10:00:00Z", "endDate": "2026-01-01T11:00:00Z"}


def _app(url: str, prefix: str) -> Flask:
    app = create_app({"strict": True, "log_requests": False, "store": url, "store_prefix": prefix})
    app.testing = True
    return app


@pytest.fixture(scope="module")
def apps(redis_server: LocalRedis) -> Iterator[tuple[Flask, Flask]]:
    """Two apps (two workers) on a prefix of their own, built once (an app costs ~1 s)."""
    prefix = f"test{os.getpid()}"
    built = (_app(redis_server.url, prefix), _app(redis_server.url, prefix))
    yield built
    for app in built:
        app.extensions["mockserver"].close()
    oplog = OpLog(redis_server.url, prefix)
    oplog.redis.delete(*oplog.redis.keys(f"{prefix}:*"))
    oplog.close()


@pytest.fixture
def pair(apps: tuple[Flask, Flask]) -> tuple[FlaskClient, FlaskClient]:
    one, two = apps[0].test_client(), apps[1].test_client()
    assert one.post("/__mock/reset").status_code == 200
    assert two.delete("/__mock/clock").status_code == 200
    return one, two


def test_each_worker_reads_the_others_writes(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    assert one.post(B2, json=B2_EVENT, headers=AUTH).get_json()["id"] == 1
    assert two.post(B2, json={**B2_EVENT, "caption": "y"}, headers=AUTH).get_json()["id"] == 2  # no duplicate id
    assert [e["caption"] for e in one.get(B2, headers=AUTH).get_json()] == ["x", "y"]
    assert two.delete(f"{B2}/1", headers=AUTH).status_code in (200, 204)
    assert one.get(f"{B2}/1", headers=AUTH).status_code == 404  # no resurrected delete
    assert two.put(BATCH, json=[TT_EVENT], headers=AUTH).status_code == 200
    again = one.put(BATCH, json=[{**TT_EVENT, "Title": "new"}], headers=AUTH).get_json()
    assert again[0]["Id"] == 270067010486464  # the Id the other worker gave it: stable
    assert one.get("/__mock/state").get_json() == two.get("/__mock/state").get_json()


def test_a_refused_batch_changes_nothing_anywhere(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    one.put(BATCH, json=[TT_EVENT], headers=AUTH)
    before = two.get("/__mock/state/twelvetwenty").get_json()
    refused = two.put(BATCH, json=[{**TT_EVENT, "ExternalId": "b"}, {**TT_EVENT, "UserId": "x"}], headers=AUTH)
    assert not any(item["IsSuccessful"] for item in refused.get_json())  # 12Twenty answers 200 per item
    assert one.get("/__mock/state/twelvetwenty").get_json() == before
    assert two.get("/__mock/state/twelvetwenty").get_json() == before


def test_a_token_minted_on_one_worker_works_on_the_other(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    query = {"grant_type": "authorization_code", "code": "c", "client_id": "dev-client", "client_secret": "dev-secret"}
    granted = one.post("/kona/oauth/token", query_string=query).get_json()
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    assert two.get("/kona/api/userinfo", headers=bearer).status_code == 200
    refresh = {**query, "grant_type": "refresh_token", "refresh_token": granted["refresh_token"]}
    refreshed = two.post("/kona/oauth/token", query_string=refresh).get_json()
    assert one.get("/kona/api/userinfo", headers={"Authorization": f"Bearer {refreshed['access_token']}"}).status_code == 200
    two.post("/__mock/reset/kona")
    assert one.get("/kona/api/userinfo", headers=bearer).status_code == 401  # a reset forgets them everywhere


def test_reset_load_and_clock_reach_every_worker(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    one.post(B2, json=B2_EVENT, headers=AUTH)
    assert two.post("/__mock/reset/b2core").status_code == 200
    assert one.get(B2, headers=AUTH).get_json() == []
    loaded = {"b2core": {"events": [{**B2_EVENT, "id": 7}]}}
    assert one.put("/__mock/state", json=loaded).status_code == 200
    assert [e["id"] for e in two.get(B2, headers=AUTH).get_json()] == [7]
    assert two.post(B2, json=B2_EVENT, headers=AUTH).get_json()["id"] == 8
    assert one.post("/__mock/state", json={"b2core": 5}).status_code == 400  # refused: nothing changed
    assert [e["id"] for e in two.get(B2, headers=AUTH).get_json()] == [7, 8]
    one.put("/__mock/clock", json={"now": "2030-01-01T00:00:00Z"})
    two.put("/__mock/clock", json={"advance_seconds": 60})
    assert one.get("/__mock/clock").get_json() == {"now": "2030-01-01T00:01:00+00:00", "frozen": True}
    assert two.post(B2, json=B2_EVENT, headers=AUTH).get_json()["createTime"].startswith("2030-01-01T00:01:00")
    one.delete("/__mock/clock")
    assert two.get("/__mock/clock").get_json()["frozen"] is False


def test_prefixes_keep_deployments_apart(redis_server: LocalRedis, pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, _ = pair
    one.post(B2, json=B2_EVENT, headers=AUTH)
    other = _app(redis_server.url, f"other{os.getpid()}")
    assert other.test_client().get(B2, headers=AUTH).get_json() == []
    other.extensions["mockserver"].close()


def test_a_new_worker_catches_up_from_the_log(redis_server: LocalRedis, pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    for caption in "abc":
        one.post(B2, json={**B2_EVENT, "caption": caption}, headers=AUTH)
    two.post("/__mock/reset/perscom")
    prefix = one.application.extensions["mockserver"].store.prefix
    late = _app(redis_server.url, prefix)
    assert late.test_client().get("/__mock/state").get_json() == one.get("/__mock/state").get_json()
    late.extensions["mockserver"].close()


@pytest.mark.parametrize("how", ["paused", "stopped"])
def test_redis_away_means_503_in_the_vendors_envelope_then_service_resumes(
    pair: tuple[FlaskClient, FlaskClient], redis_server: LocalRedis, how: str
) -> None:
    one, _ = pair
    one.post(B2, json=B2_EVENT, headers=AUTH)
    if how == "paused":
        os.kill(redis_server.process.pid, signal.SIGSTOP)  # unreachable: connections hang
    else:
        redis_server.kill()  # gone: connections refused
    try:
        for method, path, body, envelope in (
            ("GET", B2, None, "message"),  # B2Core's envelope
            ("POST", B2, B2_EVENT, "message"),
            ("GET", "/perscom/v2/events", None, "error"),  # PERSCOM's
        ):
            started = time.monotonic()
            response = one.open(path, method=method, json=body, headers=AUTH)
            assert time.monotonic() - started < 1.0
            assert response.status_code == 503, response.get_data(as_text=True)
            assert response.headers["Retry-After"] == "1"
            assert envelope in response.get_json()
        health = one.get("/__mock/health")
        assert health.status_code == 503 and health.get_json()["store"]["reachable"] is False
        assert one.post("/__mock/reset").status_code == 503
    finally:
        if how == "paused":
            os.kill(redis_server.process.pid, signal.SIGCONT)
        else:
            redis_server.restart()
    assert one.get("/__mock/health").status_code == 200
    events = one.get(B2, headers=AUTH)
    assert events.status_code == 200
    # paused: nothing lost; stopped: this Redis kept nothing on disk, so the state starts again
    assert len(events.get_json()) == (1 if how == "paused" else 0)
    assert one.post(B2, json=B2_EVENT, headers=AUTH).status_code == 201


def test_a_write_whose_lock_expired_is_refused_and_applied_nowhere(
    pair: tuple[FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = pair
    store = one.application.extensions["mockserver"].store
    real = store.log.append

    def late(token: str, writes: list[object]) -> list[bytes]:  # as if the lock had expired meanwhile
        store.log.redis.delete(store.log.key("b2core", "lock"))
        return real(token, writes)

    monkeypatch.setattr(store.log, "append", late)
    refused = one.post(B2, json=B2_EVENT, headers=AUTH)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    monkeypatch.undo()
    assert one.get(B2, headers=AUTH).get_json() == []  # the local copy was rebuilt from the log
    assert two.get(B2, headers=AUTH).get_json() == []
    assert two.post(B2, json=B2_EVENT, headers=AUTH).get_json()["id"] == 1


def test_a_crash_inside_a_write_is_not_logged_and_the_copy_is_rebuilt(
    pair: tuple[FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = pair
    one.post(B2, json=B2_EVENT, headers=AUTH)
    runtime = one.application.extensions["mockserver"].runtimes["b2core"]
    compiled = runtime.operations["createCalendarEvent"]

    def half(ctx: object) -> object:
        ctx.state.events[99] = {"id": 99}  # type: ignore[attr-defined]  # half a change, then a crash
        raise RuntimeError("boom")

    monkeypatch.setitem(runtime.operations, "createCalendarEvent", dataclasses.replace(compiled, handler=half))
    with pytest.raises(RuntimeError):
        one.post(B2, json=B2_EVENT, headers=AUTH)
    monkeypatch.undo()
    assert [e["id"] for e in one.get(B2, headers=AUTH).get_json()] == [1]
    assert [e["id"] for e in two.get(B2, headers=AUTH).get_json()] == [1]


def test_one_journal_for_every_worker(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    two.delete("/__mock/journal")
    one.post(B2, json=B2_EVENT, headers=AUTH)
    mine = one.get("/__mock/journal?api=b2core").get_json()["entries"]
    assert [e["method"] for e in mine] == ["POST"]  # a worker's own entries: there at once
    two.get(B2, headers=AUTH)
    deadline = time.monotonic() + 1  # another worker's: within milliseconds (its sender thread)
    while len(entries := one.get("/__mock/journal?api=b2core").get_json()["entries"]) < 2:
        assert time.monotonic() < deadline, entries
        time.sleep(0.01)
    assert [(e["method"], e["status"]) for e in entries] == [("POST", 201), ("GET", 200)]
    assert entries[0]["request"]["body"] == B2_EVENT and entries[1]["seq"] == entries[0]["seq"] + 1
    later = two.get(f"/__mock/journal?since={entries[0]['seq']}").get_json()["entries"]
    assert [e["seq"] for e in later] == [entries[1]["seq"]]
    assert one.delete("/__mock/journal").get_json() == {"cleared": 2}
    assert two.get("/__mock/journal").get_json()["entries"] == []


def test_chaos_rules_and_their_counters_span_the_workers(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, two = pair
    rule = {"api": "b2core", "operation_id": "listCalendarEvents", "status": 500, "skip": 1, "count": 2}
    created = one.post("/__mock/chaos", json={**rule, "allow_undocumented": True})
    assert created.status_code == 201, created.get_json()
    rule_id = created.get_json()["id"]
    statuses = [(one, two)[n % 2].get(B2, headers=AUTH).status_code for n in range(5)]
    assert statuses == [200, 500, 500, 200, 200]  # one count window over both workers
    shown = two.get(f"/__mock/chaos/{rule_id}").get_json()
    assert (shown["matched"], shown["hits"]) == (5, 2)
    quota = {"api": "perscom", "quota": {"limit": 2, "per_seconds": 60}}
    assert two.post("/__mock/chaos", json=quota).status_code == 201
    answered = [(one, two)[n % 2].get("/perscom/v2/events", headers=AUTH).status_code for n in range(3)]
    assert answered == [200, 200, 429]
    assert one.delete(f"/__mock/chaos/{rule_id}").status_code == 200
    assert [r["api"] for r in two.get("/__mock/chaos").get_json()["rules"]] == ["perscom"]
    one.post("/__mock/reset")
    assert two.get("/__mock/chaos").get_json()["rules"] == []


def test_a_long_log_is_compacted_and_a_late_worker_keeps_the_minted_tokens(
    redis_server: LocalRedis, pair: tuple[FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = pair
    monkeypatch.setattr(shared, "COMPACT_AFTER", 5)
    query = {"grant_type": "authorization_code", "code": "c", "client_id": "dev-client", "client_secret": "dev-secret"}
    granted = one.post("/kona/oauth/token", query_string=query).get_json()
    for _ in range(6):
        one.post(B2, json=B2_EVENT, headers=AUTH)
        one.post("/kona/oauth/token", query_string=query)  # a write: a token minted
    store = one.application.extensions["mockserver"].store
    for api in ("b2core", "kona"):  # a whole-state entry, then what followed
        assert store.log.redis.xlen(store.log.key(api, "log")) <= 5  # 8 entries without compaction
    late = _app(redis_server.url, store.prefix)
    client = late.test_client()
    assert [e["id"] for e in client.get(f"{B2}?limit=100", headers=AUTH).get_json()] == [1, 2, 3, 4, 5, 6]
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    assert client.get("/kona/api/userinfo", headers=bearer).status_code == 200
    big = {"b2core": {"events": [{**B2_EVENT, "id": n, "description": "x" * 300} for n in range(1, 1001)]}}
    assert one.put("/__mock/state", json=big).status_code == 200  # > 256 KB: fetched patiently
    assert client.get("/__mock/state/b2core").get_json()["b2core"]["next_id"] == 1001
    assert client.get("/kona/api/userinfo", headers=bearer).status_code == 200  # a load keeps tokens
    late.extensions["mockserver"].close()


def test_the_journals_bounds_mean_what_they_mean_in_memory_across_workers(redis_server: LocalRedis) -> None:
    """journal_bytes and journal_size over two workers' journals: the same entries kept as one
    memory journal fed the same requests (the newest, within both bounds), numbered alike."""
    prefix = f"bound{os.getpid()}"
    oplog = OpLog(redis_server.url, prefix)
    try:
        # the third: entries small against the bound, so Redis is cut only every other batch and
        # the reads cut what it holds beyond the bound
        for size, most, big in ((1000, 50_000, 20_000), (3, 16 * 2**20, 20_000), (1000, 10_000, 300)):
            workers = [SharedJournal(oplog, size, most, 10_000), SharedJournal(oplog, size, most, 10_000)]
            workers[0].clear()
            memory = Journal(size, most, 10_000)
            first = workers[0].entries()  # nothing: a fresh journal
            for i in range(41):
                fields = {"time": 0.0, "api": "kona", "operation_id": "x", "method": "POST", "path": f"/p{i}"}
                fields |= {"query": "", "status": 200, "duration_ms": 1.0, "environ": {"CONTENT_TYPE": "text/plain"}}
                body = b"y" * (big if i % 3 else 300)  # entries of unequal cost
                workers[i % 2].record(**fields, request_body=body)
                workers[i % 2].flush()  # in Redis in this order (within milliseconds when served)
                memory.record(**fields, request_body=body)
            kept, alone = workers[0].entries(), memory.entries()
            assert first == [] and [e["path"] for e in kept] == [e["path"] for e in alone]
            assert workers[1].bytes == memory.bytes <= most and len(kept) <= size
            assert len({ours["seq"] - its["seq"] for ours, its in zip(kept, alone, strict=True)}) == 1  # numbered alike
            # Redis itself is cut to the bound too, give or take what each worker sent since its last cut
            stored = [int(cost) for cost in oplog.redis.lrange(f"{prefix}:_:journal-costs", 0, -1)]
            assert sum(stored) <= most + 2 * (most // TRIM_BYTES_SHARE + 20_400) and len(stored) <= size
            assert workers[1].clear() == len(kept) and workers[0].bytes == 0
            for journal in workers:
                journal.close()
    finally:
        oplog.redis.delete(*oplog.redis.keys(f"{prefix}:*"))
        oplog.close()


def test_entries_no_request_carried_wait_for_a_check_of_their_own_or_are_dropped_while_redis_is_away(
    redis_server: LocalRedis,
) -> None:
    """Served, the loop's timer hands what no head check carried to a check of its own; while
    that check fails fast (Redis away), they are dropped, no connection tried."""
    timers: list[Callable[[], None]] = []
    nudged: list[bool] = []

    class Check:  # the served head check's side (rawredis.SharedCheck)
        answer = True

        def in_loop(self) -> bool:
            return True

        def call_later(self, delay: float, callback: Callable[[], None]) -> None:
            timers.append(callback)

        def nudge(self) -> bool:
            nudged.append(self.answer)
            return self.answer

    oplog = OpLog(redis_server.url, f"nudge{os.getpid()}")
    pending = Pending(oplog, (b"n:seq", b"n:entries", b"n:costs"), (10, 1000))
    pending.nudger = check = Check()
    for answer in (True, False):
        check.answer = answer
        pending.add(10, b"{}")
        time.sleep(2 * FLUSH_AFTER)  # the oldest's time is up when the timer fires
        timers.pop()()
        assert nudged[-1] is answer and pending.dropped == (0 if answer else 1)
        assert bool(pending.take(0)[0]) is answer  # still there for that check to carry, or gone
        if answer:
            pending.done()
    oplog.close()


def test_a_search_sent_as_post_reads_the_others_writes_without_logging_itself(
    pair: tuple[FlaskClient, FlaskClient],
) -> None:
    one, two = pair
    event = {"name": "x", "calendar_id": 123, "author_id": 123, "all_day": False}
    event |= {"starts": "2024-01-01T00:00:00Z", "ends": "2024-01-01T01:00:00Z"}
    assert one.post("/perscom/v2/events", json=event, headers=AUTH).status_code == 201
    oplog = two.application.extensions["mockserver"].store.log
    logged = oplog.redis.xlen(oplog.key("perscom", "log"))
    found = two.post("/perscom/v2/events/search", json={"search": {"value": "x"}}, headers=AUTH)
    assert found.status_code == 200 and [e["name"] for e in found.get_json()["data"]] == ["x"]
    assert oplog.redis.xlen(oplog.key("perscom", "log")) == logged  # not replayed by every worker


def test_a_lock_release_that_finds_redis_gone_marks_it_down(
    pair: tuple[FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused write (404 inside the handler) releases its lock; when that release times out,
    the next request is answered 503 at once instead of waiting out a timeout of its own."""
    one, _ = pair
    oplog = one.application.extensions["mockserver"].store.log

    def gone(**_: object) -> None:
        raise redis.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(oplog, "_release", gone)
    assert one.patch(f"{B2}/404", json={"caption": "y"}, headers=AUTH).status_code == 404
    monkeypatch.undo()
    started = time.monotonic()
    assert one.get(B2, headers=AUTH).status_code == 503 and time.monotonic() - started < 0.1
    oplog._down_until = 0.0  # back at once for the next test


def test_a_lock_taken_after_its_writer_gave_up_is_released_at_the_next_request(
    pair: tuple[FlaskClient, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paused Redis runs the commands it was sent when it resumes: a lock taken then, for a
    write answered 503 long before, barred every writer for LOCK_MS (bench/shared_store.py's
    redis-down part saw POSTs wait 1.3 s, 1 run in 3). The worker releases it at its next request."""
    one, two = pair
    oplog = one.application.extensions["mockserver"].store.log
    acquire = oplog._acquire

    def taken_but_unanswered(**kwargs: object) -> None:
        acquire(**kwargs)  # Redis took the lock...
        raise redis.TimeoutError("Timeout reading from socket")  # ...after the writer stopped waiting

    monkeypatch.setattr(oplog, "_acquire", taken_but_unanswered)
    assert one.post(B2, json=B2_EVENT, headers=AUTH).status_code == 503
    monkeypatch.undo()
    oplog._down_until = 0.0  # Redis is back
    assert one.get(B2, headers=AUTH).status_code == 200  # this worker's next request releases the lock
    started = time.monotonic()
    assert two.post(B2, json=B2_EVENT, headers=AUTH).status_code == 201
    assert time.monotonic() - started < 1  # not the lock's 2 s
