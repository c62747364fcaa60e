"""Plain connections to Redis for the two commands on every request's path, where redis-py's own
per-command work costs more than the round trip: the MGET of the log heads (``HeadReader``,
~70 µs against ~200 µs through redis-py on the same machine and run, ``bench/shared_store.py``),
which carries the journal's pending entries in the same write, and the journal's flusher
(``shared_journal.py``); served, the same MGET from the event loop on an asyncio transport
(``SharedCheck``). Replies are parsed by hiredis.
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


class SharedCheck(asyncio.Protocol):
    """``MGET`` from the event loop (``intake.py``'s ``admit``), so a request waiting for Redis
    holds no thread and the loop goes on reading and answering others. One ``MGET`` is in flight
    at a time and answers every request that began before it was sent: under load one round trip
    serves a batch. What ``carried`` holds goes ahead of each, as with ``HeadReader``.

    The connection is this asyncio protocol's: its replies are parsed in ``data_received`` and a
    batch's future resolved there, with a timer for the timeout. With two workers a batch holds
    ~3 requests (one ~11), so what a round trip costs the loop beyond its requests' own work
    decides how far a second worker scales (``bench/shared_store.py``): no task, stream or
    ``wait_for`` per round trip."""

    def __init__(
        self, url: str, timeout: float, keys: Sequence[str], carried: Carried | None, pause: float
    ) -> None:
        self.url, self.timeout, self.carried = url, timeout, carried
        self.pause = pause  # after a failure, seconds every call fails at once (not a timeout each)
        self._failed: tuple[float, str] = (0.0, "")
        self.packed = command(b"MGET", *(key.encode() for key in keys))
        self._transport: asyncio.Transport | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._reader = hiredis.Reader()
        self._next: asyncio.Future[Any] | None = None  # the MGET not yet sent, which new requests join
        self._flight: asyncio.Future[Any] | None = None  # the one sent, whose replies are awaited
        self._expect = 0  # replies still to come for it (what went ahead of it, then its own)
        self._holding = False  # carried entries went with it and are not yet in Redis's socket
        self._timer: asyncio.TimerHandle | None = None
        self._soon = False  # a send is scheduled for the end of this loop iteration
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
            self._joined().add_done_callback(_seen)  # nobody else may look at its outcome
        return True

    def _failing(self) -> bool:
        failed_at, _ = self._failed
        return bool(failed_at) and time.monotonic() < failed_at + self.pause

    async def values(self) -> list[bytes | None]:
        """The keys' values, read by an MGET sent after this call began (OSError if not)."""
        if self._failing():
            raise RawError(self._failed[1])
        found: list[bytes | None] = await asyncio.shield(self._joined() if self._next is None else self._next)
        return found

    def _joined(self) -> asyncio.Future[Any]:
        """The future of the next MGET, sent at the end of this loop iteration (so the requests
        this iteration runs go with it) unless one is in flight: then when its replies are in."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
            self._thread = threading.get_ident()
        self._next = loop.create_future()
        if self._flight is None and not self._soon:
            self._soon = True
            loop.call_soon(self._send)
        return self._next

    def _send(self) -> None:
        self._soon = False
        if self._flight is not None or self._next is None:
            return
        if self._transport is None:
            if self._connecting is None:
                assert self._loop is not None
                self._connecting = self._loop.create_task(self._connect())
            return
        waiting, self._next = self._next, None
        ahead, replies = self.carried.take() if self.carried is not None else (b"", 0)
        self._fly(waiting, ahead + self.packed, replies + 1)  # the MGET's reply last
        self._holding = bool(ahead)
        if ahead and not self._transport.get_write_buffer_size():
            # in Redis's socket already, before any later command of this worker: a journal
            # read (which waits for what is carried) may go on, even while it holds the loop
            self._release()

    def _fly(self, future: asyncio.Future[Any], request: bytes, replies: int) -> None:
        """Write ``request``; ``future`` gets its last reply, or fails after ``timeout``."""
        assert self._transport is not None and self._loop is not None
        self._flight, self._expect = future, replies
        self._transport.write(request)
        self._timer = self._loop.call_later(self.timeout, self._timed_out)

    async def _connect(self) -> None:
        """A connection (and its AUTH, SELECT), then what waits is sent; a failure fails it."""
        assert self._loop is not None
        parts = urlsplit(self.url)
        try:
            if parts.scheme == "unix":
                opening = self._loop.create_unix_connection(lambda: self, parts.path)
            else:
                opening = self._loop.create_connection(lambda: self, parts.hostname or "127.0.0.1", parts.port or 6379)
            await asyncio.wait_for(opening, self.timeout)
            hello = _hello(parts)
            if hello:
                answered = self._loop.create_future()
                self._fly(answered, b"".join(hello), len(hello))
                await answered
        except Exception as exc:  # whatever it is, nobody may wait for ever: 503 (a timeout too)
            self._fail(str(exc) or type(exc).__name__)
        finally:
            self._connecting = None
        self._send()

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a stream transport
        self._reader = hiredis.Reader()  # (the loop sets TCP_NODELAY on a TCP transport itself)

    def data_received(self, data: bytes) -> None:
        try:
            self._reader.feed(data)
            if self._flight is None:  # nothing asked for (cannot happen: every write has a flight)
                self._reader = hiredis.Reader()
                return
            self._expect, found = _last(self._reader, self._expect)
        except (RawError, hiredis.ProtocolError) as exc:
            self._fail(str(exc))
            return
        if self._expect:
            return
        flight, self._flight = self._flight, None
        self._settled()
        flight.set_result(found)
        if self._next is not None:  # requests that came while it flew: theirs goes now
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        """Redis closed it (a restart, an idle timeout): what flies fails; else the next send
        connects afresh. (After ``_fail``'s own abort the transport is already forgotten.)"""
        if self._transport is None:
            return
        self._transport = None
        if self._flight is not None:
            self._fail(f"Redis closed the connection ({exc})" if exc else "Redis closed the connection")

    # -- failures ---------------------------------------------------------------------------------

    def _timed_out(self) -> None:
        self._timer = None
        self._fail("TimeoutError")

    def _fail(self, reason: str) -> None:
        """Every waiting request fails (503), the connection closes; calls fail at once for
        ``pause`` seconds, then the next one connects afresh."""
        self._failed = (time.monotonic(), reason)
        self._settled()
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()
        self._reader = hiredis.Reader()
        for waiting in (self._flight, self._next):  # those who came meanwhile would wait out a timeout too
            if waiting is not None and not waiting.done():
                waiting.set_exception(RawError(reason))
        self._flight = self._next = None
        self._expect = 0

    def _settled(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._holding:
            self._release()

    def _release(self) -> None:
        self._holding = False
        self.carried.done()  # type: ignore[union-attr]  # only held with carried


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: a failed nudge is not "never retrieved"
