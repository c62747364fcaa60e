"""Plain sockets to Redis for the two commands on every request's path, where redis-py's own
per-command work costs more than the round trip: the MGET of the log heads (``HeadReader``,
~70 µs against ~200 µs through redis-py on the same machine and run, ``bench/shared_store.py``)
and the journal's fire-and-forget entries (``shared_journal.py``). Replies are parsed by hiredis.
TLS URLs (``rediss://``) are not handled here: their callers use redis-py instead."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import hiredis


class RawError(OSError):
    """Redis answered with an error, or the connection broke."""


def command(*parts: bytes) -> bytes:
    """One Redis command in RESP."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


def handled(url: str) -> bool:
    return urlsplit(url).scheme in ("redis", "unix")


def open_socket(url: str, timeout: float) -> socket.socket:
    """A connection to ``url``'s server, authenticated and on its database (OSError if not)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(parts.path)
        db = parse_qs(parts.query).get("db", ["0"])[0]
    else:
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        db = parts.path.strip("/") or "0"
    hello = []
    if parts.password is not None:
        user = [unquote(parts.username).encode()] if parts.username else []
        hello.append(command(b"AUTH", *user, unquote(parts.password).encode()))
    if db != "0":
        hello.append(command(b"SELECT", db.encode()))
    try:
        for request in hello:
            ask(sock, hiredis.Reader(), request)
    except OSError:
        sock.close()
        raise
    return sock


def ask(sock: socket.socket, reader: Any, request: bytes) -> Any:
    """Send one command and read its reply (RawError for an error reply or a closed connection)."""
    sock.sendall(request)
    while True:
        found = reader.gets()
        if found is not False:
            if isinstance(found, hiredis.ReplyError):
                raise RawError(str(found))
            return found
        data = sock.recv(65536)
        if not data:
            raise RawError("Redis closed the connection")
        reader.feed(data)


class HeadReader:
    """``MGET`` on a connection per thread (and per process: a forked worker opens its own)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self._local = threading.local()
        self._packed: dict[tuple[str, ...], bytes] = {}
        self._open: set[socket.socket] = set()  # every thread's, for close()
        self._lock = threading.Lock()

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        packed = self._packed.get(tuple(keys))
        if packed is None:
            packed = command(b"MGET", *(key.encode() for key in keys))
            if len(self._packed) < 64:
                self._packed[tuple(keys)] = packed
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.sock, local.pid = None, os.getpid()
        for attempt in (1, 2):
            fresh = local.sock is None
            if fresh:
                local.sock = self._opened()
            try:
                found: list[bytes | None] = ask(local.sock, hiredis.Reader(), packed)
                return found
            except (OSError, hiredis.ProtocolError) as exc:
                self._forget(local.sock)
                local.sock = None
                # a connection Redis closed while idle (a restart): try once more on a new one
                if fresh or attempt == 2 or isinstance(exc, TimeoutError):
                    raise
        raise AssertionError("unreachable")

    def _opened(self) -> socket.socket:
        sock = open_socket(self.url, self.timeout)
        with self._lock:
            self._open.add(sock)
        return sock

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        sock.close()

    def close(self) -> None:
        with self._lock:
            found, self._open = self._open, set()
        for sock in found:
            sock.close()
