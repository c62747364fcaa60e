"""Plain sockets to Redis for the two commands on every request's path, where redis-py's own
per-command work costs more than the round trip: the MGET of the log heads (``HeadReader``,
~70 µs against ~200 µs through redis-py on the same machine and run, ``bench/shared_store.py``),
which carries the journal's pending entries in the same write, and the journal's flusher
(``shared_journal.py``). Replies are parsed by hiredis.
TLS URLs (``rediss://``) are not handled here: their callers use redis-py instead."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol
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
    else:
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    hello = _hello(parts)
    try:
        for request in hello:
            ask(sock, hiredis.Reader(), request)
    except OSError:
        sock.close()
        raise
    return sock


def _hello(parts: Any) -> list[bytes]:
    """The commands a new connection sends first: AUTH, SELECT (none for database 0 unguarded)."""
    hello = []
    if parts.password is not None:
        user = [unquote(parts.username).encode()] if parts.username else []
        hello.append(command(b"AUTH", *user, unquote(parts.password).encode()))
    db = (
        parse_qs(parts.query).get("db", ["0"])[0]
        if parts.scheme == "unix"
        else (parts.path.strip("/") or "0")
    )
    if db != "0":
        hello.append(command(b"SELECT", db.encode()))
    return hello


def ask(sock: socket.socket, reader: Any, request: bytes, replies: int = 1) -> Any:
    """Send ``request`` (``replies`` commands) and read the replies: the last one's (RawError for
    an error reply to it or a closed connection; the earlier ones' errors are not the caller's)."""
    sock.sendall(request)
    while (found := _last(reader, replies))[0]:
        replies = found[0]
        reader.feed(_data(sock.recv(65536)))
    return found[1]


def _last(reader: Any, replies: int) -> tuple[int, Any]:
    """The complete replies ``reader`` holds taken: (how many are still to come, the last one's
    value once none is); an error reply as the last one raises RawError."""
    while replies:
        found = reader.gets()
        if found is False:
            return replies, None
        replies -= 1
    if isinstance(found, hiredis.ReplyError):
        raise RawError(str(found))
    return 0, found


def _data(data: bytes) -> bytes:
    if not data:
        raise RawError("Redis closed the connection")
    return data


class Nudger(Protocol):
    """What the journal asks of the event loop's head check (``SharedCheck``)."""

    def in_loop(self) -> bool: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> None: ...

    def nudge(self) -> bool: ...


class Carried(Protocol):
    """Commands that ride ahead of a head check (the journal's pending entries)."""

    nudger: Nudger | None  # the event loop's check, once serving (the journal's timer sends one)

    def take(self) -> tuple[bytes, int]:
        """Commands to send (b"" if none) and how many replies they get."""

    def done(self) -> None: ...


class HeadReader:
    """``MGET`` on a connection per thread (and per process: a forked worker opens its own)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self._local = threading.local()
        self._packed: dict[tuple[str, ...], bytes] = {}
        self._open: set[socket.socket] = set()  # every thread's, for close()
        self._lock = threading.Lock()

    def mget(self, keys: Sequence[str], carried: Carried | None = None) -> list[bytes | None]:
        """The values of ``keys``; what ``carried`` holds goes ahead in the same write (one system
        call, one Redis wake-up), its reply read and dropped."""
        packed = self._packed.get(tuple(keys))
        if packed is None:
            packed = command(b"MGET", *(key.encode() for key in keys))
            if len(self._packed) < 64:
                self._packed[tuple(keys)] = packed
        ahead, replies = carried.take() if carried is not None else (b"", 0)
        try:
            return self._ask(ahead + packed, 1 + replies)
        finally:
            if ahead:
                carried.done()  # type: ignore[union-attr]  # ahead is only set with carried

    def _ask(self, request: bytes, replies: int) -> list[bytes | None]:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.sock, local.pid, local.reader = None, os.getpid(), hiredis.Reader()
        for attempt in (1, 2):
            fresh = local.sock is None
            if fresh:
                local.sock = self._opened()
                local.reader = hiredis.Reader()
            try:
                found: list[bytes | None] = ask(local.sock, local.reader, request, replies)
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


class SharedCheck:
    """``MGET`` from the event loop (``intake.py``'s ``admit``), so a request waiting for Redis
    holds no thread and the loop goes on reading and answering others. One ``MGET`` is in flight
    at a time and answers every request that began before it was sent: under load one round trip
    serves a batch. What ``carried`` holds goes ahead of each, as with ``HeadReader``."""

    def __init__(
        self, url: str, timeout: float, keys: Sequence[str], carried: Carried | None, pause: float
    ) -> None:
        self.url, self.timeout, self.carried = url, timeout, carried
        self.pause = pause  # after a failure, seconds every call fails at once (not a timeout each)
        self._failed: tuple[float, str] = (0.0, "")
        self.packed = command(b"MGET", *(key.encode() for key in keys))
        self._streams: tuple[Any, Any] | None = None  # asyncio (reader, writer), opened in the loop
        self._reader = hiredis.Reader()
        self._next: Any = None  # the future of the MGET not yet sent, which new requests join
        self._pumping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0  # the loop's thread

    def in_loop(self) -> bool:
        """Whether this thread runs the loop the check has served on."""
        return self._loop is not None and threading.get_ident() == self._thread

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        assert self._loop is not None
        self._loop.call_later(delay, callback)

    def nudge(self) -> bool:
        """Send an MGET soon though no request waits for one: what ``carried`` holds goes with it
        (False, nothing sent, while a failure makes every call fail at once). From the loop only."""
        if self._failing():
            return False
        if self._next is None:
            self._next = self._start()
            self._next.add_done_callback(_seen)  # nobody else may look at its outcome
        return True

    def _failing(self) -> bool:
        failed_at, _ = self._failed
        return bool(failed_at) and time.monotonic() < failed_at + self.pause

    async def values(self) -> list[bytes | None]:
        """The keys' values, read by an MGET sent after this call began (OSError if not)."""
        if self._failing():
            raise RawError(self._failed[1])
        if self._next is None:
            self._next = self._start()
        found: list[bytes | None] = await asyncio.shield(self._next)
        return found

    def _start(self) -> asyncio.Future[list[bytes | None]]:
        """The future of the next MGET, the pump started if it is not running."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
            self._thread = threading.get_ident()
        if not self._pumping:
            self._pumping = True
            loop.create_task(self._pump())
        return loop.create_future()

    async def _pump(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    found = await asyncio.wait_for(self._ask(), self.timeout)
                except Exception as exc:  # whatever it is, nobody may wait for ever: 503 (a timeout too)
                    self._close()
                    self._failed = (time.monotonic(), str(exc) or type(exc).__name__)
                    waiting.set_exception(RawError(self._failed[1]))
                    if self._next is not None:  # those who came meanwhile would wait out a timeout too
                        self._next.set_exception(RawError(self._failed[1]))
                        self._next = None
                else:
                    waiting.set_result(found)
        finally:
            self._pumping = False

    async def _ask(self) -> list[bytes | None]:
        if self._streams is None:
            parts = urlsplit(self.url)
            if parts.scheme == "unix":
                self._streams = await asyncio.open_unix_connection(parts.path)
            else:
                self._streams = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 6379)
            self._reader = hiredis.Reader()
            hello = _hello(parts)
            if hello:
                await self._exchange(b"".join(hello), len(hello))
        ahead, replies = self.carried.take() if self.carried is not None else (b"", 0)
        replies += 1  # the MGET's
        try:
            writer = self._streams[1]
            writer.write(ahead + self.packed)
            if ahead and not writer.transport.get_write_buffer_size():
                # in Redis's socket already, before any later command of this worker: a journal
                # read (which waits for what is carried) may go on, even while it holds the loop
                self.carried.done()  # type: ignore[union-attr]  # ahead is only set with carried
                ahead = b""
            found: list[bytes | None] = await self._replies(replies)
            return found
        finally:
            if ahead:
                self.carried.done()  # type: ignore[union-attr]

    async def _exchange(self, request: bytes, replies: int) -> Any:
        assert self._streams is not None
        self._streams[1].write(request)
        return await self._replies(replies)

    async def _replies(self, replies: int) -> Any:
        """Read ``replies`` replies: the last one's value (an error reply to it raised)."""
        assert self._streams is not None
        while (found := _last(self._reader, replies))[0]:
            replies = found[0]
            self._reader.feed(_data(await self._streams[0].read(65536)))
        return found[1]

    def _close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
        self._streams = None


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: a failed nudge is not "never retrieved"
