"""The request journal over the Redis store: one list for every worker and replica of a prefix.

Recording is on every request's path, so an entry is not waited for: the request hands it to the
worker's sender thread, which writes what has piled up on a connection Redis sends no replies on
(under load, one write per batch of entries). An entry reaches Redis within a few milliseconds of
its response; a journal read on the same worker waits for that worker's own entries first.
Redis numbers the entry (one counter, so ``since`` works across workers) and keeps the last
``journal_size`` (the byte bound is the memory store's: here bodies are cut at the body limit and
Redis holds the rest). While Redis is away (the store's last command failed) entries are dropped
and no connection is tried, so journaling never holds a request up. Reading lists the entries
from Redis: the same journal from every worker.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Mapping
from typing import Any

import orjson

from mockserver.journal import Body, Journal, JournalEntry
from mockserver.oplog import GLOBAL, OpLog
from mockserver.rawredis import command, handled, open_socket

_ADD = b"""local s = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], s .. '\\n' .. ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return s"""
SEND_TIMEOUT = 0.5  # a Redis that stopped reading fills the socket buffer: drop the batch


class Sender:
    """A connection that only sends (``CLIENT REPLY OFF``: nothing is ever read from it), fed by a
    thread of its own: a request hands its entry over and goes on, the thread sends whatever has
    piled up in one write (one system call and one Redis wake-up per batch, not per request)."""

    MAX_PENDING = 10_000  # entries waiting while Redis is slow; past that they are dropped

    def __init__(self, url: str, log: OpLog) -> None:
        self.url, self.log = url, log
        self._sock: socket.socket | None = None
        self._pid = -1
        self._wake = threading.Condition()
        self._pending: list[bytes] = []
        self._sending = False
        self.dropped = 0

    def send(self, data: bytes) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use in this process (a forked worker: not the parent's)
                self._sock, self._pid, self._pending = None, os.getpid(), []
                threading.Thread(target=self._run, daemon=True, name="journal-sender").start()
            if len(self._pending) >= self.MAX_PENDING:
                self.dropped += 1
                return
            self._pending.append(data)
            self._wake.notify()

    def flush(self, timeout: float = 0.5) -> None:
        """Wait (at most ``timeout``) until what this process handed over has been written."""
        with self._wake:
            self._wake.wait_for(lambda: not self._pending and not self._sending, timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._pending))
                batch, self._pending, self._sending = self._pending, [], True
            try:
                self._write(b"".join(batch), len(batch))
            finally:
                with self._wake:
                    self._sending = False
                    self._wake.notify_all()

    def _write(self, data: bytes, count: int) -> None:
        if self._sock is None and not self._connect():
            self.dropped += count
            return
        assert self._sock is not None
        try:
            self._sock.sendall(data)
        except OSError:
            self._close()
            self.dropped += count

    def _connect(self) -> bool:
        if self.log.down:
            return False
        try:
            sock = open_socket(self.url, 0.2)
            sock.settimeout(SEND_TIMEOUT)
            sock.sendall(command(b"CLIENT", b"REPLY", b"OFF"))  # Redis answers nothing on it from now on
        except OSError as exc:
            self.log.mark_down(f"Redis is unreachable: {exc}")
            return False
        self._sock = sock
        return True

    def close(self) -> None:
        with self._wake:
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
    seq, _, blob = raw.partition(b"\n")
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
        self._keys = (log.key(GLOBAL, "journal-seq").encode(), log.key(GLOBAL, "journal").encode())
        self._sender = Sender(log.url, log) if handled(log.url) else None

    def add(self, entry: JournalEntry) -> JournalEntry:
        """Send ``entry`` (numbered by Redis, so ``entry.seq`` stays 0 here) without waiting."""
        blob = _wire(entry)
        if self._sender is not None:
            self._sender.send(command(b"EVAL", _ADD, b"2", *self._keys, blob, str(self.size).encode()))
        else:  # rediss://: through the TLS client, waiting for the reply
            try:
                self.oplog.redis.eval(_ADD.decode(), 2, *self._keys, blob, self.size)
            except Exception:  # a journal entry never fails the request it records
                pass
        return entry

    def _kept(self) -> list[JournalEntry]:
        if self._sender is not None:
            self._sender.flush()  # this worker's own entries first: a client reads its own requests
        raw: list[bytes] = self.oplog.call("lrange", self._keys[1], 0, -1)
        return [_entry(item) for item in raw]

    def entries(self, filters: Mapping[str, str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        chosen = [e for e in self._kept() if e.matches(filters or {})]
        return [e.shown() for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        if self._sender is not None:
            self._sender.flush()  # what this worker recorded before the clear goes with it
        count: int = self.oplog.call("llen", self._keys[1])
        self.oplog.call("delete", self._keys[1])
        return count

    @property
    def bytes(self) -> int:
        return 0

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
