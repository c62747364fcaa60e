"""The request journal over the Redis store: one list for every worker and replica of a prefix.

Recording is on every request's path, so an entry is not waited for: its bytes are written to a
connection of the worker's own before the response is sent, and a thread drains Redis' replies.
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
SEND_TIMEOUT = 0.05  # a Redis that stopped reading fills the socket buffer: drop, never block


class Sender:
    """A connection that only sends; a daemon thread reads (and drops) Redis' replies."""

    def __init__(self, url: str, log: OpLog) -> None:
        self.url, self.log = url, log
        self._sock: socket.socket | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.dropped = 0

    def send(self, data: bytes) -> bool:
        with self._lock:
            if self._pid != os.getpid():  # a forked worker: the parent's socket is not ours
                self._sock, self._pid = None, os.getpid()
            if self._sock is None and not self._connect():
                self.dropped += 1
                return False
            assert self._sock is not None
            try:
                self._sock.sendall(data)
            except OSError:
                self._close()
                self.dropped += 1
                return False
        return True

    def _connect(self) -> bool:
        if self.log.down:
            return False
        try:
            sock = open_socket(self.url, 0.2)
            sock.settimeout(SEND_TIMEOUT)
        except OSError as exc:
            self.log.mark_down(f"Redis is unreachable: {exc}")
            return False
        self._sock = sock
        threading.Thread(target=self._drain, args=(sock,), daemon=True, name="journal-replies").start()
        return True

    def close(self) -> None:
        with self._lock:
            self._close()

    def _drain(self, sock: socket.socket) -> None:
        while True:
            try:
                if not sock.recv(65536):
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        with self._lock:
            if self._sock is sock:
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
        raw: list[bytes] = self.oplog.call("lrange", self._keys[1], 0, -1)
        return [_entry(item) for item in raw]

    def entries(self, filters: Mapping[str, str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        chosen = [e for e in self._kept() if e.matches(filters or {})]
        return [e.shown() for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        count: int = self.oplog.call("llen", self._keys[1])
        self.oplog.call("delete", self._keys[1])
        return count

    @property
    def bytes(self) -> int:
        return 0

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
