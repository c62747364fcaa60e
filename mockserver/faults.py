"""Delays and socket-level faults, for a server front to carry out after the app has answered.

A front that calls ``deliver`` puts ``FRONT_CAPABILITIES`` in each request's environ under
``CAPABILITIES_KEY`` and reads the app's ``control.Control`` back from ``CONTROL_KEY``. The served
mock's front (``intake.Intake``) does; a plain WSGI server or test client does not, so there a
``delay`` or ``fault`` preference or rule is refused rather than silently ignored.

A delay is an ``asyncio.sleep`` in the event loop: no thread waits, so other clients are served
meanwhile. ``dribble`` and ``truncate`` need only a streamed response: the body sent in timed
chunks, or half of it under the full ``Content-Length`` before the connection is shut.
``deliver`` writes through a ``Writer``: ``AsgiWriter`` (ASGI ``send``) or ``RsgiWriter``
(granian's RSGI protocol object), so either interface of a front can use it.

``reset``, ``empty`` and ``garbage`` need what neither ASGI nor RSGI gives: the socket. granian runs the
app in the process that holds the connections, so the front finds the accepted socket whose peer
is the request's client (``/proc/self/fd``, Linux) and works on a duplicate of it: ``empty`` shuts
it (FIN, no byte sent), ``garbage`` writes bytes that are no HTTP and shuts it, ``reset`` sets
``SO_LINGER`` to zero and shuts the reading side, so the server's close sends RST. The app then
returns without a response, which granian drops on the dead connection. Where the socket cannot
be found (another OS), the fault is not done and ``deliver`` returns why.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from mockserver.prefer import Fault

CONTROL_KEY = "mockserver.control"  # the WSGI environ key of a request's control.Control
# The server layer puts the set of effects it can carry out under this key ("delay", "fault"): a
# delay must wait without holding a worker thread and a fault needs the socket, which a plain
# WSGI server gives neither of. Without it such a preference or rule is refused, not ignored.
CAPABILITIES_KEY = "mockserver.capabilities"
FRONT_CAPABILITIES = frozenset({"delay", "fault"})  # what an ASGI front using deliver() can do
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
GARBAGE = b"\x8f\x00\xffNOT-HTTP garbage from the mock (fault=garbage)\r\n\xfe\x00"
SOCKET_FAULTS = ("reset", "empty", "garbage")


def client_socket(client: Any) -> socket.socket | None:
    """A duplicate of the accepted socket whose peer is ``client``, or None."""
    wanted = peer(client)
    if wanted is None:
        return None
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for name in names:
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            found = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue
        try:
            if found.getpeername()[:2] == wanted:
                return found
        except OSError:
            pass
        found.close()
    return None


def break_connection(kind: str, client: Any) -> bool:
    """Do a socket fault (``reset``, ``empty``, ``garbage``); False when the socket is not found."""
    found = client_socket(client)
    if found is None:
        return False
    with found:
        if kind == "garbage":
            found.sendall(GARBAGE)
        if kind == "reset":
            found.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            found.shutdown(socket.SHUT_RD)
        else:
            found.shutdown(socket.SHUT_RDWR)
    return True


class Writer(Protocol):
    """How a front sends one response: its head, then body chunks (ASGI and RSGI adapters below)."""

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    async def write(self, chunk: bytes, more: bool) -> None: ...


class AsgiWriter:
    def __init__(self, send: Send) -> None:
        self.send = send

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await self.send({"type": "http.response.start", "status": status, "headers": raw})

    async def write(self, chunk: bytes, more: bool) -> None:
        await self.send({"type": "http.response.body", "body": chunk, "more_body": more})


class RsgiWriter:
    """granian's RSGI protocol object: a streamed response (``response_stream``)."""

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.transport: Any = None

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.transport = self.proto.response_stream(status, headers)

    async def write(self, chunk: bytes, more: bool) -> None:
        if chunk:
            await self.transport.send_bytes(chunk)


def peer(client: Any) -> tuple[str, int] | None:
    """(host, port) from an ASGI ``client`` pair or an RSGI ``"host:port"`` string."""
    try:
        if isinstance(client, str):
            host, _, port = client.rpartition(":")
            return host.strip("[]"), int(port)
        return str(client[0]), int(client[1])
    except (TypeError, ValueError, IndexError):
        return None


async def deliver(
    writer: Writer,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    delay_ms: float = 0.0,
    fault: Fault | None = None,
    client: Any = None,
) -> str | None:
    """Send the answer after ``delay_ms``, with ``fault`` applied; returns why a fault was not done.

    ``headers`` are text pairs as a WSGI app gives them; ``client`` is the scope's client."""
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1000)
    reason = None
    if fault is not None and fault.kind in SOCKET_FAULTS:
        if break_connection(fault.kind, client):
            return None
        reason, fault = f"{fault.kind}: the connection's socket was not found", None
    await writer.start(status, headers)
    if fault is None or not body:
        await writer.write(body, False)
    elif fault.kind == "truncate":
        await writer.write(body[: len(body) // 2], True)
        await asyncio.sleep(0.01)  # let the half leave before the connection is shut
        if not break_connection("empty", client):
            await writer.write(body[len(body) // 2 :], False)
            return "truncate: the connection's socket was not found"
    else:  # dribble
        step = -(-len(body) // fault.chunks)
        for start in range(0, len(body), step):
            if start:  # the pause comes between chunks
                await asyncio.sleep(fault.interval_ms / 1000)
            await writer.write(body[start : start + step], True)
        await writer.write(b"", False)
    return reason
