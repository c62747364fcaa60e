"""bench/shared_store.py's requests and its ``consistency`` part: 16 threads x 1,000 mixed writes
over the Redis store's workers and hosts, then every acknowledged write read back (see there)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchkit import BIN, Server, free_port, process_tree, wait_up

from mockserver.redisserver import LocalRedis

HEADERS = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}
B2 = "/b2core/api/v2/calendars/events"
BATCH = "/twelvetwenty/api/v2/calendar-events/batch"


def serve(
    name: str, redis_url: str | None, prefix: str, workers: int = 1, *extra: str, code: str | None = None
) -> tuple[Server, int]:
    """``mockserver serve`` on a free port; ``code``: a directory whose ``mockserver`` package it
    runs instead of this one's (a baseline: ``git archive REV mockserver specs``, specs/ moved in)."""
    server = Server(name)
    port = free_port()
    command = [str(BIN / "mockserver"), "serve", "--port", str(port), "--access-log", "off", *extra]
    if redis_url:
        command += ["--store", redis_url, "--store-prefix", prefix, "--workers", str(workers)]
    server.start(command, {"PYTHONPATH": code} if code else None)
    wait_up(f"http://127.0.0.1:{port}/__mock/health")
    return server, port


def call(port: int, method: str, path: str, body: Any = None, timeout: float = 10) -> tuple[int, Any, float]:
    """One request on a connection of its own: (status, parsed body, seconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, None if body is None else json.dumps(body), HEADERS)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    parsed = json.loads(data) if data and data[:1] in b"[{" else None
    return response.status, parsed, time.perf_counter() - started


# --- consistency -------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients were told (acknowledged), to check the final state against."""

    created: list[int] = field(default_factory=list)
    captions: dict[int, str] = field(default_factory=dict)  # B2Core id -> last acknowledged caption
    deleted: set[int] = field(default_factory=set)
    tt_ids: dict[str, int] = field(default_factory=dict)  # 12Twenty ExternalId -> its Id
    tt_owner: dict[str, int] = field(default_factory=dict)
    tt_titles: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    unacknowledged: int = 0  # connection errors (a killed worker)
    # writes whose answer was lost with the killed worker: applied or not, either is correct
    in_doubt: dict[int, set[str | None]] = field(default_factory=dict)  # id -> captions (None: deleted)
    hijacks: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # 5xx bodies
    id_changes: int = 0
    hijacks_let_through: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _date(n: int) -> str:
    return f"2026-01-{1 + n % 28:02d}T10:00:00Z"


def writer(number: int, ports: list[int], writes: int, ledger: Ledger, seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    mine: list[int] = []
    user = 5000 + number
    for step in range(writes):
        port = ports[rng.randrange(len(ports))]
        roll = rng.random()
        attempt: tuple[int, str | None] | None = None
        try:
            if roll < 0.4 or not mine:
                body = {"caption": f"t{number}-0", "startDate": _date(step), "endDate": _date(step).replace("T10", "T11")}
                status, answer, _ = call(port, "POST", B2, body)
                if status == 201:
                    with ledger.lock:
                        ledger.created.append(answer["id"])
                        ledger.captions[answer["id"]] = body["caption"]
                    mine.append(answer["id"])
            elif roll < 0.65:
                target = rng.choice(mine)
                caption = f"t{number}-{step}"
                attempt = (target, caption)
                status, answer, _ = call(port, "PATCH", f"{B2}/{target}", {"caption": caption})
                if status == 200:
                    with ledger.lock:
                        ledger.captions[target] = caption
            elif roll < 0.75:
                target = mine.pop(rng.randrange(len(mine)))
                attempt = (target, None)
                status, answer, _ = call(port, "DELETE", f"{B2}/{target}")
                if status in (200, 204):
                    with ledger.lock:
                        ledger.deleted.add(target)
                        ledger.captions.pop(target, None)
            else:
                status, answer = _upsert(number, step, port, rng, user, ledger)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.unacknowledged += 1
                if attempt is not None:
                    ledger.in_doubt.setdefault(attempt[0], set()).add(attempt[1])
            continue
        with ledger.lock:
            ledger.statuses[status] += 1
            if status >= 500:
                ledger.failures[json.dumps(answer)[:160]] += 1


def _upsert(number: int, step: int, port: int, rng: random.Random, user: int, ledger: Ledger) -> tuple[int, Any]:
    """A batch of 3 events (a group ``t<n>-<k>/a|b|c`` always written together, one title), or
    10% of the time one event under another thread's ExternalId (must be refused: ownership)."""
    with ledger.lock:
        others = [x for x, owner in ledger.tt_owner.items() if owner != user]
    hijack = bool(others) and rng.random() < 0.1
    group = f"t{number}-{rng.randrange(20)}"
    externals = [rng.choice(others)] if hijack else [f"{group}/{part}" for part in "abc"]
    title = f"{number}:{step}"
    items = [{"ExternalId": external, "UserId": user, "TypeId": 1, "StartTime": "2026-02-01T10:00:00Z",
              "EndTime": "2026-02-01T11:00:00Z", "Title": title} for external in externals]  # fmt: skip
    status, answer, _ = call(port, "PUT", BATCH, items)
    if status != 200:
        return status, answer
    with ledger.lock:
        ledger.hijacks += hijack
        for external, result in zip(externals, answer, strict=True):
            if hijack:
                ledger.hijacks_let_through += bool(result["IsSuccessful"])
            elif result["IsSuccessful"]:
                known = ledger.tt_ids.setdefault(external, result["Id"])
                ledger.id_changes += known != result["Id"]
                ledger.tt_owner[external] = user
                ledger.tt_titles[external] = title
    return status, answer


def check(ports: list[int], ledger: Ledger) -> dict[str, int]:
    """Read the final state through every port, several connections each (every worker)."""
    problems = Counter[str]()
    for port in ports:
        for _ in range(4):
            status, state, _ = call(port, "GET", "/__mock/state/b2core")  # every event (a list pages by 100)
            assert status == 200, status
            events = state["b2core"]["events"]
            ids = [event["id"] for event in events]
            problems["duplicate ids"] += len(ids) - len(set(ids))
            shown = {event["id"]: event["caption"] for event in events}
            problems["lost updates"] += sum(
                shown.get(i) != caption and shown.get(i) not in ledger.in_doubt.get(i, ())
                for i, caption in ledger.captions.items()
            )
            problems["resurrected deletes"] += sum(i in shown for i in ledger.deleted)
            for gone in sorted(ledger.deleted)[:25]:  # and through the API itself
                problems["resurrected deletes"] += call(port, "GET", f"{B2}/{gone}")[0] != 404
            status, state, _ = call(port, "GET", "/__mock/state/twelvetwenty")
            stored = {e["ExternalId"]: e for e in state["twelvetwenty"]["events"]}
            problems["12Twenty Id changed"] += sum(stored[x]["Id"] != i for x, i in ledger.tt_ids.items())
            problems["12Twenty owner changed"] += sum(stored[x]["UserId"] != u for x, u in ledger.tt_owner.items())
            problems["12Twenty lost updates"] += sum(stored[x]["Title"] != t for x, t in ledger.tt_titles.items())
            groups: dict[str, set[str]] = {}
            for external, event in stored.items():
                groups.setdefault(external.partition("/")[0], set()).add(event["Title"])
            problems["12Twenty batches half applied"] += sum(len(titles) > 1 for titles in groups.values())
    problems["duplicate ids acknowledged"] = len(ledger.created) - len(set(ledger.created))
    problems["12Twenty Id changed"] += ledger.id_changes
    problems[f"hijacks let through (of {ledger.hijacks} tried)"] = ledger.hijacks_let_through
    problems["5xx answers"] = sum(n for status, n in ledger.statuses.items() if status >= 500)
    return dict(problems)


def run_load(ports: list[int], threads: int, writes: int, seed: int, kill: int | None = None) -> tuple[Ledger, float]:
    ledger = Ledger()
    pool = [threading.Thread(target=writer, args=(n, ports, writes, ledger, seed)) for n in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    if kill is not None:
        total = threads * writes
        while sum(ledger.statuses.values()) < total // 3:
            time.sleep(0.05)
        os.kill(kill, signal.SIGKILL)
        print(f"  SIGKILLed worker {kill} after {sum(ledger.statuses.values())} writes", flush=True)
    for thread in pool:
        thread.join()
    return ledger, time.perf_counter() - began


def workers_of(server: Server) -> list[int]:
    return [pid for pid in process_tree(server.procs[0].pid)[1:] if "redis" not in Path(f"/proc/{pid}/comm").read_text()]


def run_consistency(args: argparse.Namespace, redis: LocalRedis) -> None:
    setups = ("2 workers", "2 hosts", "2 workers, one SIGKILLed")
    for index, setup in enumerate(setups):
        prefix = f"bench-{os.getpid()}-{index}"
        servers: list[Server] = []
        try:
            if setup == "2 hosts":
                ports = []
                for host in range(2):
                    server, port = serve(f"host {host}", redis.url, prefix)
                    servers.append(server)
                    ports.append(port)
            else:
                server, port = serve(setup, redis.url, prefix, workers=2)
                servers.append(server)
                ports = [port]
            kill = workers_of(servers[0])[0] if "SIGKILL" in setup else None
            ledger, seconds = run_load(ports, args.threads, args.writes, args.seed, kill)
            time.sleep(0.5)
            problems = check(ports, ledger)
            done = sum(ledger.statuses.values())
            print(f"\n{setup}: {done} writes answered in {seconds:.1f} s ({done / seconds:.0f}/s), "
                  f"{ledger.unacknowledged} connection errors (not acknowledged); statuses {dict(ledger.statuses)}")  # fmt: skip
            for body, count in ledger.failures.most_common(5):
                print(f"  {count} x 5xx: {body}")
            for name, count in sorted(problems.items()):
                print(f"  {name}: {count}" + ("" if count == 0 else "   <-- NOT MET"))
        finally:
            for server in servers:
                server.stop()
