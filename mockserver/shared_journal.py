"""The request journal over the Redis store: one list for every worker and replica of a prefix.

Recording is on every request's path, so an entry is not waited for: it joins the worker's
pending entries, which leave with the next request's head check (``rawredis.SharedCheck``: the
same write and the same Redis wake-up as that ``MGET``, one transaction for every entry
pending), or, when no request comes within ``FLUSH_AFTER`` seconds, with a head check of their
own (the event loop's timer) or the worker's flusher thread (entries recorded off the loop). A journal
read on the same worker sends that worker's own pending entries first (a client reads its own
requests); another worker's entries are there within a few milliseconds of their responses.
Redis numbers the entries (one counter, so ``since`` works across workers) and the journal keeps
them under the memory store's two bounds: at most ``journal_size`` entries and at most
``journal_bytes`` of kept bodies and headers (each entry's ``cost``, as ``journal.py`` counts it),
the oldest going first, whichever worker added them (how: the comment above ``_TRIM``). While Redis is away (the store's last command failed) entries
are dropped and no connection is tried, so journaling never holds a request up. Reading lists the
entries from Redis: the same journal from every worker.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import orjson

from mockserver.journal import Body, Journal, JournalEntry
from mockserver.oplog import GLOBAL, OpLog
from mockserver.rawredis import Nudger, command, handled, open_socket

# One batch of entries is one transaction of plain commands: the entries pushed on one list as
# they are, their costs on another beside them, the counter of all entries ever added moved on,
# both lists cut to the last ``journal_size`` (the count bound, exact). An entry's number is the
# counter minus its distance from the end. The byte bound is applied by every read, exactly as
# Journal.add applies it (the newest entries within ``journal_bytes``, at least one: the same
# maximal suffix whether the oldest go one by one or in a batch); Redis itself is cut to it by
# _TRIM, which a worker adds to a batch once it has sent 1/TRIM_BYTES_SHARE of the bound since
# its last: Redis holds at most that share more per worker, and no Lua runs on most batches.
# KEYS: the entries, the costs; ARGV: the byte bound. Answers how many it keeps.
_TRIM = b"""local costs = redis.call('LRANGE', KEYS[2], 0, -1)
local total, keep = 0, 0
for i = #costs, 1, -1 do
  total = total + tonumber(costs[i])
  if total > tonumber(ARGV[1]) and keep > 0 then break end
  keep = keep + 1
end
if keep < #costs then
  redis.call('LTRIM', KEYS[1], -keep, -1)
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
return keep"""
TRIM_BYTES_SHARE = 8


def kept(costs: list[int], most: int) -> int:
    """How many of the newest entries (these costs, oldest first) the byte bound keeps."""
    total = count = 0
    for cost in reversed(costs):
        total += cost
        if total > most and count:
            break
        count += 1
    return count


FLUSH_AFTER = 0.003  # seconds an entry waits for a request to carry it before it is sent alone
# a head check carries the pending entries once the oldest has waited this long or this many
# wait: under load one transaction adds several (Redis spends ~8 µs on one, ~1 µs an entry more)
CARRY_AFTER, CARRY_COUNT = 0.001, 16
SEND_TIMEOUT = 0.5  # a Redis that stopped reading fills the socket buffer: drop the batch


def _bulk(part: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(part), part)


class Pending:
    """A worker's entries not yet in Redis. ``take`` hands them over as one transaction (a
    request's head check sends it ahead of its ``MGET``, then calls ``done``). What no request
    took within FLUSH_AFTER goes alone: recorded on the event loop, a timer there sends a head
    check carrying it (``nudger``: no thread to wake, no lock handed over); recorded elsewhere (a
    thread pool, the in-process client), the flusher thread sends it, on a connection Redis sends
    no replies on."""

    MAX_PENDING = 10_000  # entries waiting while Redis is slow; past that they are dropped

    def __init__(self, log: OpLog, keys: tuple[bytes, bytes, bytes], bounds: tuple[int, int]) -> None:
        self.log, self.keys = log, keys  # the counter, the entries, the costs
        self.size, self.most = bounds
        self.trim_after = max(self.most // TRIM_BYTES_SHARE, 1)
        self._unbounded = 0  # bytes this process sent since its last _TRIM
        self._multi = command(b"MULTI")
        cut = b"".join(command(b"LTRIM", key, b"%d" % -self.size, b"-1") for key in keys[1:])
        self._tail = cut + command(b"EXEC")
        self._trim = command(b"EVAL", _TRIM, b"2", *keys[1:], b"%d" % self.most)
        self.nudger: Nudger | None = None  # set by the served head check (``RedisStore.admission``)
        self._since = 0.0  # when the oldest pending entry was added
        self._sock: socket.socket | None = None
        self._pid = -1
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the flusher thread waits on it
        self._sent = threading.Condition(self._lock)  # a flush waits on it for batches under way
        self._sending = threading.Lock()  # the flusher's connection, one writer at a time
        self._pending: list[bytes] = []
        self._costs: list[int] = []
        self._armed = False  # the flusher thread is counting down for them
        self._timed = False  # the loop's timer is
        self._carried = 0  # batches taken and not yet answered by Redis
        self.dropped = 0

    def add(self, cost: int, blob: bytes) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first use in this process (a forked worker: not the parent's)
                self._sock, self._pid, self._pending, self._costs, self._armed = None, os.getpid(), [], [], False
                self._carried, self._timed = 0, False
                threading.Thread(target=self._run, daemon=True, name="journal-flusher").start()
            if len(self._pending) >= self.MAX_PENDING:
                self.dropped += 1
                return
            if not self._pending:
                self._since = time.monotonic()
            self._pending.append(blob)
            self._costs.append(cost)
            if self._armed or self._timed:
                return
            nudger = self.nudger
            if nudger is not None and nudger.in_loop():
                self._timed = True
                nudger.call_later(FLUSH_AFTER, self._due)
            else:
                self._armed = True
                self._wake.notify()

    def _due(self) -> None:
        """The loop's timer: what no head check carried meanwhile goes with one of its own."""
        with self._lock:
            self._timed = False
            if not self._pending:
                return
            left = self._since + FLUSH_AFTER - time.monotonic()
            if left > 0:  # the oldest came after the batch that armed this timer went
                self._timed = True
                assert self.nudger is not None
                self.nudger.call_later(left, self._due)
                return
        assert self.nudger is not None
        if not self.nudger.nudge():  # Redis away: dropped, no connection tried (as the flusher does)
            with self._lock:
                self.dropped += len(self._pending)
                self._pending, self._costs = [], []

    def taken(self, waited: float = 0.0) -> tuple[list[bytes], list[int]]:
        """The pending entries and their costs, now this caller's to send (none unless the oldest
        has waited ``waited`` seconds or CARRY_COUNT are pending); ``done`` must follow."""
        with self._lock:
            if not self._pending or self._pid != os.getpid():
                return [], []
            if waited and len(self._pending) < CARRY_COUNT and time.monotonic() - self._since < waited:
                return [], []
            batch, costs, self._pending, self._costs = self._pending, self._costs, [], []
            self._carried += 1
            return batch, costs

    def take(self, waited: float = CARRY_AFTER) -> tuple[bytes, int]:
        """The pending entries as one transaction (b"" if none, or if they may wait for more)
        and how many replies it gets (MULTI, each queued command, EXEC); ``done`` must follow
        if not empty."""
        batch, costs = self.taken(waited)
        if not batch:
            return b"", 0
        trim = self._trimming(costs)
        parts = [self._multi, b"*%d\r\n$5\r\nRPUSH\r\n" % (len(batch) + 2), _bulk(self.keys[1])]
        parts += map(_bulk, batch)
        parts += [b"*%d\r\n$5\r\nRPUSH\r\n" % (len(costs) + 2), _bulk(self.keys[2])]
        parts += (_bulk(b"%d" % cost) for cost in costs)
        parts.append(command(b"INCRBY", self.keys[0], b"%d" % len(batch)))
        if trim:
            parts.append(self._trim)
        parts.append(self._tail)
        return b"".join(parts), 8 if trim else 7

    def _trimming(self, costs: list[int]) -> bool:
        """Whether this batch cuts Redis to the byte bound (see TRIM_BYTES_SHARE)."""
        with self._lock:
            self._unbounded += sum(costs)
            if self._unbounded < self.trim_after:
                return False
            self._unbounded = 0
            return True

    def done(self) -> None:
        with self._lock:
            self._carried -= 1
            self._sent.notify_all()

    def flush(self, timeout: float = 0.5) -> None:
        """Add what this process holds to Redis, waiting for it and for batches under way."""
        batch, costs = self.taken()
        if batch:
            try:
                pipe = self.log.redis.pipeline(transaction=True)
                self.queue(pipe, batch, costs)
                self.log.call_pipeline(pipe)
            finally:
                self.done()
        with self._lock:
            self._sent.wait_for(lambda: not self._carried, timeout)

    def queue(self, pipe: Any, batch: list[bytes], costs: list[int]) -> None:
        """The transaction ``take`` writes, on a redis-py pipeline."""
        trim = self._trimming(costs)
        pipe.rpush(self.keys[1], *batch)
        pipe.rpush(self.keys[2], *costs)
        pipe.incrby(self.keys[0], len(batch))
        if trim:
            pipe.eval(_TRIM, 2, *self.keys[1:], self.most)
        for key in self.keys[1:]:
            pipe.ltrim(key, -self.size, -1)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._wake.wait_for(lambda: self._armed)
                # what a request has not carried by then: the oldest entry's time is up
                wait = self._since + FLUSH_AFTER - time.monotonic() if self._pending else 0.0
            if wait > 0:
                time.sleep(wait)
            script, _ = self.take(FLUSH_AFTER)  # sent where Redis answers nothing
            with self._lock:
                self._armed = bool(self._pending)  # entries younger than FLUSH_AFTER: count down again
            if script:
                try:
                    self._write(script)
                finally:
                    self.done()

    def _write(self, data: bytes) -> None:
        with self._sending:
            if self._sock is None and not self._connect():
                self.dropped += 1
                return
            assert self._sock is not None
            try:
                self._sock.sendall(data)
            except OSError:
                self._close()
                self.dropped += 1

    def _connect(self) -> bool:
        if self.log.down:
            return False
        try:
            sock = open_socket(self.log.url, 0.2)
            sock.settimeout(SEND_TIMEOUT)
            sock.sendall(command(b"CLIENT", b"REPLY", b"OFF"))  # Redis answers nothing on it from now on
        except OSError as exc:
            self.log.mark_down(f"Redis is unreachable: {exc}")
            return False
        self._sock = sock
        return True

    def close(self) -> None:
        with self._sending:
            self._close()

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None


def _wire(entry: JournalEntry) -> bytes:
    return orjson.dumps(
        {
            "t": entry.time, "a": entry.api, "o": entry.operation_id, "m": entry.method, "p": entry.path,
            "q": entry.query, "s": entry.status, "d": entry.duration_ms, "h": entry.request_headers,
            "rq": _body(entry.request_body), "rs": _body(entry.response_body), "e": entry.effects,
            "v": list(entry.violations),
        }
    )  # fmt: skip


def _body(body: Body) -> list[Any]:
    return [body.data.decode("latin-1"), body.size, body.content_type]


def _entry(seq: int, raw: bytes) -> JournalEntry:
    wire = orjson.loads(raw)
    return JournalEntry(
        seq, wire["t"], wire["a"], wire["o"], wire["m"], wire["p"], wire["q"], wire["s"], wire["d"],
        [(key, value) for key, value in wire["h"]],
        Body(wire["rq"][0].encode("latin-1"), wire["rq"][1], wire["rq"][2]),
        Body(wire["rs"][0].encode("latin-1"), wire["rs"][1], wire["rs"][2]),
        wire["e"], tuple(wire["v"]),
    )  # fmt: skip


class SharedJournal(Journal):
    def __init__(self, log: OpLog, size: int, max_bytes: int, body_limit: int) -> None:
        super().__init__(size, max_bytes, body_limit)
        self.oplog = log
        self._keys = tuple(log.key(GLOBAL, f"journal-{part}") for part in ("seq", "entries", "costs"))
        keys = tuple(key.encode() for key in self._keys)
        self._pending = Pending(log, (keys[0], keys[1], keys[2]), (size, max_bytes))
        if handled(log.url):
            log.carried = self._pending  # each head check carries the pending entries
        self._direct = not handled(log.url)  # rediss://: through the TLS client, waiting for the reply

    def add(self, entry: JournalEntry) -> JournalEntry:
        """Queue ``entry`` for Redis (which numbers it, so ``entry.seq`` stays 0 here)."""
        if self._direct:
            try:
                pipe = self.oplog.redis.pipeline(transaction=True)
                self._pending.queue(pipe, [_wire(entry)], [entry.cost])
                self.oplog.call_pipeline(pipe)
            except Exception:  # a journal entry never fails the request it records
                pass
        else:
            self._pending.add(entry.cost, _wire(entry))
        return entry

    def flush(self) -> None:
        """Add this worker's pending entries to Redis now."""
        self._pending.flush()

    def _kept(self) -> list[JournalEntry]:
        self._pending.flush()  # this worker's own entries first: a client reads its own requests
        pipe = self.oplog.redis.pipeline(transaction=True)
        pipe.lrange(self._keys[1], 0, -1)
        pipe.lrange(self._keys[2], 0, -1)
        pipe.get(self._keys[0])
        raw, costs, last = self.oplog.call_pipeline(pipe)
        first = int(last or 0) - len(raw) + 1  # the stored entries are the last ones numbered
        count = kept([int(cost) for cost in costs], self.max_bytes)
        return [_entry(first + index, raw[index]) for index in range(len(raw) - count, len(raw))]

    def entries(
        self, filters: Mapping[str, str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        chosen = [e for e in self._kept() if e.matches(filters or {})]
        return [e.shown() for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        """Empty the journal for every worker (the numbers go on): how many entries it kept."""
        self._pending.flush()  # what this worker recorded before the clear goes with it
        pipe = self.oplog.redis.pipeline(transaction=True)
        pipe.lrange(self._keys[2], 0, -1)
        pipe.delete(self._keys[1], self._keys[2])
        costs, _ = self.oplog.call_pipeline(pipe)
        return kept([int(cost) for cost in costs], self.max_bytes)

    @property
    def bytes(self) -> int:
        """Bytes the journal keeps, every worker's entries counted (Journal.bytes' meaning)."""
        self._pending.flush()
        costs = [int(cost) for cost in self.oplog.call("lrange", self._keys[2], 0, -1)]
        return sum(costs[len(costs) - kept(costs, self.max_bytes) :])

    def close(self) -> None:
        self._pending.close()
