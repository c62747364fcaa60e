"""The request journal over the Redis store: one list for every worker and replica of a prefix.

Recording is on every request's path, so an entry is not waited for: it joins the worker's
pending entries, which leave with the next request's head check (``rawredis.HeadReader``: the
same write and the same Redis wake-up as that ``MGET``, one script for every entry pending), or,
when no request comes, by the worker's flusher thread within ``FLUSH_AFTER`` seconds. A journal
read on the same worker sends that worker's own pending entries first (a client reads its own
requests); another worker's entries are there within a few milliseconds of their responses.
Redis numbers the entries (one counter, so ``since`` works across workers) and keeps them under
the memory store's two bounds: at most ``journal_size`` entries and at most ``journal_bytes`` of
kept bodies and headers (each entry's ``cost``, as ``journal.py`` counts it), the oldest going
first, whichever worker added them. While Redis is away (the store's last command failed) entries
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
from mockserver.rawredis import command, handled, open_socket

# KEYS: the counter, the list, the byte total; ARGV: the two bounds, then (cost, entry) pairs.
# Each kept item is "<seq>\n<cost>\n<entry>"; past a bound the oldest go, as Journal.add drops them
# (adding a batch then trimming keeps the same entries as trimming after each one)
_ADD = b"""local size, most = tonumber(ARGV[1]), tonumber(ARGV[2])
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
for i = 3, #ARGV, 2 do
  local s = redis.call('INCR', KEYS[1])
  redis.call('RPUSH', KEYS[2], s .. '\\n' .. ARGV[i] .. '\\n' .. ARGV[i + 1])
  total = total + tonumber(ARGV[i])
end
local n = redis.call('LLEN', KEYS[2])
while n > size or (total > most and n > 1) do
  local old = redis.call('LPOP', KEYS[2])
  local a = string.find(old, '\\n', 1, true)
  local b = string.find(old, '\\n', a + 1, true)
  total = total - tonumber(string.sub(old, a + 1, b - 1))
  n = n - 1
end
redis.call('SET', KEYS[3], total)
return n"""
_CLEAR = """local n = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], 0)
return n"""
FLUSH_AFTER = 0.003  # seconds an entry waits for a request to carry it before the flusher sends it
# a head check carries the pending entries once the oldest has waited this long or this many
# wait: under load one script adds several (Redis runs a script in ~15 µs, each entry ~3 µs more)
CARRY_AFTER, CARRY_COUNT = 0.001, 16
SEND_TIMEOUT = 0.5  # a Redis that stopped reading fills the socket buffer: drop the batch


class Pending:
    """A worker's entries not yet in Redis. ``take`` hands them over as one script (a request's
    head check sends it ahead of its ``MGET``, then calls ``done``); the flusher thread sends
    what no request took within FLUSH_AFTER, on a connection Redis sends no replies on."""

    MAX_PENDING = 10_000  # entries waiting while Redis is slow; past that they are dropped

    def __init__(self, log: OpLog, keys: tuple[bytes, bytes, bytes], bounds: tuple[int, int]) -> None:
        self.log, self.keys = log, keys
        self.bounds = (str(bounds[0]).encode(), str(bounds[1]).encode())
        # the script's command up to its argument count, which is all that changes (with the entries)
        fixed = b"".join(
            b"$%d\r\n%s\r\n" % (len(part), part) for part in (b"EVAL", _ADD, b"3", *keys, *self.bounds)
        )
        self._head = (fixed, 5 + len(keys))
        self._since = 0.0  # when the oldest pending entry was added
        self._sock: socket.socket | None = None
        self._pid = -1
        self._wake = threading.Condition()
        self._sending = threading.Lock()  # the flusher's connection, one writer at a time
        self._pending: list[bytes] = []  # cost, entry, cost, entry...
        self._armed = False  # the flusher is counting down for what is pending
        self._carried = 0  # batches taken and not yet answered by Redis
        self.dropped = 0

    def add(self, cost: int, blob: bytes) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use in this process (a forked worker: not the parent's)
                self._sock, self._pid, self._pending, self._armed = None, os.getpid(), [], False
                self._carried = 0
                threading.Thread(target=self._run, daemon=True, name="journal-flusher").start()
            if len(self._pending) >= 2 * self.MAX_PENDING:
                self.dropped += 1
                return
            if not self._pending:
                self._since = time.monotonic()
            self._pending += (str(cost).encode(), blob)
            if not self._armed:
                self._armed = True
                self._wake.notify()

    def taken(self, waited: float = 0.0) -> list[bytes]:
        """The pending (cost, entry) arguments, now this caller's to send (none unless the oldest
        has waited ``waited`` seconds or CARRY_COUNT are pending); ``done`` must follow."""
        with self._wake:
            if not self._pending or self._pid != os.getpid():
                return []
            if waited and len(self._pending) < 2 * CARRY_COUNT and time.monotonic() - self._since < waited:
                return []
            batch, self._pending = self._pending, []
            self._carried += 1
            return batch

    def take(self, waited: float = CARRY_AFTER) -> bytes:
        """The pending entries as one command (b"" if none, or if they may wait for more);
        ``done`` must follow if not empty."""
        batch = self.taken(waited)
        if not batch:
            return b""
        fixed, count = self._head
        parts = [b"*%d\r\n" % (count + len(batch)), fixed]
        for part in batch:
            parts.append(b"$%d\r\n%s\r\n" % (len(part), part))
        return b"".join(parts)

    def done(self) -> None:
        with self._wake:
            self._carried -= 1
            self._wake.notify_all()

    def flush(self, timeout: float = 0.5) -> None:
        """Add what this process holds to Redis, waiting for it and for batches under way."""
        batch = self.taken()
        if batch:
            try:
                self.log.call("eval", _ADD, 3, *self.keys, *self.bounds, *batch)
            finally:
                self.done()
        with self._wake:
            self._wake.wait_for(lambda: not self._carried, timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._armed)
                # what a request has not carried by then: the oldest entry's time is up
                wait = self._since + FLUSH_AFTER - time.monotonic() if self._pending else 0.0
            if wait > 0:
                time.sleep(wait)
            script = self.take(FLUSH_AFTER)
            with self._wake:
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


def _entry(raw: bytes) -> JournalEntry:
    seq, _, rest = raw.partition(b"\n")
    _cost, _, blob = rest.partition(b"\n")
    wire = orjson.loads(blob)
    return JournalEntry(
        int(seq), wire["t"], wire["a"], wire["o"], wire["m"], wire["p"], wire["q"], wire["s"], wire["d"],
        [(key, value) for key, value in wire["h"]],
        Body(wire["rq"][0].encode("latin-1"), wire["rq"][1], wire["rq"][2]),
        Body(wire["rs"][0].encode("latin-1"), wire["rs"][1], wire["rs"][2]),
        wire["e"], tuple(wire["v"]),
    )  # fmt: skip


class SharedJournal(Journal):
    def __init__(self, log: OpLog, size: int, max_bytes: int, body_limit: int) -> None:
        super().__init__(size, max_bytes, body_limit)
        self.oplog = log
        keys = (log.key(GLOBAL, "journal-seq"), log.key(GLOBAL, "journal"), log.key(GLOBAL, "journal-bytes"))
        self._keys = keys
        self._pending = Pending(
            log, (keys[0].encode(), keys[1].encode(), keys[2].encode()), (size, max_bytes)
        )
        if handled(log.url):
            log.carried = self._pending  # each head check carries the pending entries
        self._direct = not handled(log.url)  # rediss://: through the TLS client, waiting for the reply

    def add(self, entry: JournalEntry) -> JournalEntry:
        """Queue ``entry`` for Redis (which numbers it, so ``entry.seq`` stays 0 here)."""
        if self._direct:
            try:
                self.oplog.call(
                    "eval", _ADD, 3, *self._keys, self.size, self.max_bytes, entry.cost, _wire(entry)
                )
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
        raw: list[bytes] = self.oplog.call("lrange", self._keys[1], 0, -1)
        return [_entry(item) for item in raw]

    def entries(
        self, filters: Mapping[str, str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        chosen = [e for e in self._kept() if e.matches(filters or {})]
        return [e.shown() for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        self._pending.flush()  # what this worker recorded before the clear goes with it
        count: int = self.oplog.call("eval", _CLEAR, 2, self._keys[1], self._keys[2])
        return count

    @property
    def bytes(self) -> int:
        """Bytes the journal keeps, every worker's entries counted (Journal.bytes' meaning)."""
        self._pending.flush()
        return int(self.oplog.call("get", self._keys[2]) or 0)

    def close(self) -> None:
        self._pending.close()
