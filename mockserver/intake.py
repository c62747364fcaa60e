"""The request intake front: an ASGI app that reads each request body in the event loop, with a
size cap and a deadline, and only then runs the WSGI app (the gateway and Flask) on the whole body.

granian's WSGI interface reads a body in the app thread with no timeout, so one client that sends
``Content-Length: 1000000`` and then 10 bytes held a worker thread (with the default one thread:
the whole server) until it gave up. Here such a client waits in the event loop like any idle
connection; the WSGI app runs only once the body is in hand, inline on the loop with one thread
(the cheapest hop, and the app's work per request is bounded) or on a pool of ``threads``.

A body over the cap is refused as soon as its declared length (or the bytes read so far) pass the
cap, without reading the rest; one not complete by the deadline is refused with 408. Both go to
the WSGI app as a refusal in the environ (``REFUSAL_KEY``), so the gateway answers them in the
owner's format (the API's envelope, the admin shape) and journals and logs them like any request.
Slow headers never reach Python: granian's header read timeout cuts them.

``Intake.admit`` is the seam between reading and running: whatever must wait before the app runs
(an injected delay) awaits there, holding no thread.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from mockserver.errors import ApiError, PayloadTooLarge, RequestTimeout
from mockserver.faults import (
    CAPABILITIES_KEY,
    CONTROL_KEY,
    FRONT_CAPABILITIES,
    AsgiWriter,
    RsgiWriter,
    Writer,
    deliver,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

REFUSAL_KEY = "mockserver.refusal"
BODY_KEY = "mockserver.body"  # the whole body as the front read it (also in ``wsgi.input``)
HEADER_NAMES_KEY = "mockserver.header_names"  # the HTTP_ keys the front added, in order (journal.py)
DEFAULT_MAX_BODY = 10 * 2**20  # bytes
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})  # no length: no body read
DEFAULT_BODY_TIMEOUT = 10.0  # seconds for the whole body, from the end of the headers


@dataclass(frozen=True)
class Refusal:
    """Why the front refused a request before the app saw its body: ``too_large`` or ``timeout``."""

    reason: str
    limit: float  # the cap in bytes, or the deadline in seconds

    def error(self) -> ApiError:
        if self.reason == "too_large":
            return PayloadTooLarge(int(self.limit))
        return RequestTimeout(self.limit)


def refusal_of(environ: Mapping[str, Any], max_body: int) -> Refusal | None:
    """The front's refusal, or (for a WSGI server without the front) a declared length over the cap."""
    refusal: Refusal | None = environ.get(REFUSAL_KEY)
    if refusal is None:
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) > max_body:
            refusal = Refusal("too_large", max_body)
    return refusal


class BodyRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _declared(length: bytes | str | None, method: str, max_body: int) -> int:
    """The body's declared length: 0 when there is nothing to read (a GET's chunked body is not
    read; granian hides Transfer-Encoding), -1 when none is declared or it is unreadable;
    ``BodyRefused`` when it passes ``max_body``."""
    if length is None:
        return 0 if method in BODYLESS else -1
    declared = int(length) if length.isdigit() else -1
    if declared > max_body:
        raise BodyRefused(Refusal("too_large", max_body))
    return declared


async def read_body(scope: Scope, receive: Receive, max_body: int, timeout: float) -> bytes:
    """The whole body, or ``BodyRefused`` once it passes ``max_body`` bytes or ``timeout`` seconds."""
    if _declared(_header(scope["headers"], b"content-length"), scope["method"], max_body) == 0:
        return b""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ConnectionResetError("client went away while sending its body")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > max_body:
                    raise BodyRefused(Refusal("too_large", max_body))
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise BodyRefused(Refusal("timeout", timeout)) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_rsgi_body(scope: Any, proto: Any, max_body: int, timeout: float) -> bytes:
    """``read_body`` for granian's RSGI protocol object."""
    declared = _declared(scope.headers.get("content-length"), scope.method, max_body)
    if declared == 0:
        return b""
    try:
        async with asyncio.timeout(timeout):
            if declared > 0:
                body: bytes = await proto()  # hyper stops at the declared length
                return body
            chunks: list[bytes] = []
            size = 0
            async for chunk in proto:
                size += len(chunk)
                if size > max_body:
                    raise BodyRefused(Refusal("too_large", max_body))
                chunks.append(chunk)
            return b"".join(chunks)
    except TimeoutError:
        raise BodyRefused(Refusal("timeout", timeout)) from None


def _split_address(address: str) -> tuple[str, str]:
    host, _, port = address.rpartition(":")
    return (host, port) if host else (address, "")


# What the environ of every request on one listener shares, by (server address, scheme, version).
_FIXED: dict[tuple[str, str, str], dict[str, Any]] = {}
# A header's environ key by its name as it came (a small vocabulary: looked up, not rebuilt)
_ENVIRON_NAMES: dict[str, str] = {}


def _fixed(scope: Any) -> dict[str, Any]:
    key = (scope.server, scope.scheme, scope.http_version)
    fixed = _FIXED.get(key)
    if fixed is None:
        server_name, server_port = _split_address(scope.server)
        fixed = {
            "SCRIPT_NAME": "",
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port or "80",
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if len(_FIXED) < 64:  # a listener or two; never unbounded
            _FIXED[key] = fixed
    return fixed


def _environ_name(key: str) -> str:
    name = _ENVIRON_NAMES.get(key)
    if name is None:
        name = key.upper().replace("-", "_")
        if name != "CONTENT_TYPE" and name != "CONTENT_LENGTH":
            name = "HTTP_" + name
        if len(_ENVIRON_NAMES) < 1024:  # names a client invents past that are converted each time
            _ENVIRON_NAMES[key] = name
    return name


def rsgi_environ(scope: Any, body: bytes) -> dict[str, Any]:
    """The PEP 3333 environ of an RSGI HTTP scope whose body is already read."""
    client_host, client_port = _split_address(scope.client)
    path = scope.path
    environ = _fixed(scope).copy()
    environ["REQUEST_METHOD"] = scope.method
    environ["PATH_INFO"] = path if path.isascii() else path.encode().decode("latin-1")
    environ["QUERY_STRING"] = scope.query_string
    environ["REMOTE_ADDR"] = client_host
    environ["REMOTE_PORT"] = client_port
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr
    _add_headers(environ, scope.headers.items())
    return _whole_body(environ, body)


def _add_headers(environ: dict[str, Any], headers: Iterable[tuple[str, str]]) -> None:
    names: list[str] = []  # so the journal finds the headers without a walk over every key
    for key, value in headers:
        name = _environ_name(key)
        if name[0] != "H":  # CONTENT_TYPE, CONTENT_LENGTH: the last one wins
            environ[name] = value
        elif name in environ:  # a repeated header: one comma-joined value
            environ[name] = f"{environ[name]},{value}"
        else:
            environ[name] = value
            names.append(name)
    environ[HEADER_NAMES_KEY] = names


def _whole_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The body is in hand, however it came (a length, chunks): the app reads it as one of a length,
    or, knowing this front, takes it as is from ``BODY_KEY`` (no stream to wrap and read)."""
    environ[BODY_KEY] = body
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    return environ


def wsgi_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The PEP 3333 environ of an ASGI HTTP scope whose body is already read."""
    raw_path = scope.get("raw_path")
    path = (
        unquote_to_bytes(raw_path).decode("latin-1") if raw_path else scope["path"].encode().decode("latin-1")
    )
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": path,
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]) if server[1] is not None else "80",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0] if client else "",
        "REMOTE_PORT": str(client[1]) if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    _add_headers(environ, ((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]))
    return _whole_body(environ, body)


def run_wsgi(app: WSGIApplication, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Call a WSGI app to the end: (status, headers, body)."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None  # the write() callable: the gateway and Flask never use it

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status[:3]), headers, body


class Intake:
    """ASGI app: read the body (cap, deadline), admit, then run ``wsgi_app`` inline or on a pool."""

    def __init__(
        self,
        wsgi_app: WSGIApplication,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        threads: int = 1,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="mockserver") if threads > 1 else None
        # what else must happen before a request runs: the Redis store's head check (shared.py)
        self.admission: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets: granian runs with them off
        refusal = None
        try:
            body = await read_body(scope, receive, self.max_body, self.body_timeout)
        except BodyRefused as refused:
            body, refusal = b"", refused.refusal
        except (ConnectionResetError, ValueError):
            return  # the client left mid-body (or sent a length that is no number): nobody to answer
        environ = wsgi_environ(scope, body)
        status, headers, content = await self.run(environ, refusal)
        if await self.controlled(environ, AsgiWriter(send), (status, headers, content), scope.get("client")):
            return
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """granian's own interface (RSGI): the same front with ~half the per-request cost of ASGI."""
        if scope.proto != "http":
            return
        refusal = None
        if scope.method in BODYLESS and scope.headers.get("content-length") is None:
            body = b""  # nothing to read (read_rsgi_body's first answer, without its coroutine)
        else:
            try:
                body = await read_rsgi_body(scope, proto, self.max_body, self.body_timeout)
            except BodyRefused as refused:
                body, refusal = b"", refused.refusal
            except (ConnectionResetError, ValueError):
                return
        environ = rsgi_environ(scope, body)
        status, headers, content = await self.run(environ, refusal)
        if CONTROL_KEY in environ and await self.controlled(
            environ, RsgiWriter(proto), (status, headers, content), scope.client
        ):
            return
        proto.response_bytes(status, headers, content)

    async def run(
        self, environ: dict[str, Any], refusal: Refusal | None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if refusal is not None:
            environ[REFUSAL_KEY] = refusal
            environ.pop("CONTENT_LENGTH", None)  # the app sees no body, not a truncated one
        if self.admission is not None:  # else nothing to wait for (and no coroutine to run)
            await self.admit(environ)
        environ[CAPABILITIES_KEY] = FRONT_CAPABILITIES  # delays and faults are carried out here
        if self.pool is None:
            status, headers, content = run_wsgi(self.wsgi_app, environ)
        else:
            loop = asyncio.get_running_loop()
            status, headers, content = await loop.run_in_executor(self.pool, run_wsgi, self.wsgi_app, environ)
        if refusal is not None:  # the rest of the body stays unread: the connection cannot be reused
            headers.append(("Connection", "close"))
        return status, headers, content

    async def controlled(
        self, environ: dict[str, Any], writer: Writer, answer: tuple[int, list[tuple[str, str]], bytes], client: Any
    ) -> bool:
        """Send the answer with the delay or fault a rule or ``Prefer`` asked for (``faults.py``):
        the delay waits in the event loop, holding no thread. False when none was asked for."""
        control = environ.get(CONTROL_KEY)
        if control is None or not (control.delay_ms or control.fault):
            return False
        missed = await deliver(writer, *answer, delay_ms=control.delay_ms, fault=control.fault, client=client)
        if missed and control.effects:
            control.effects[-1]["skipped"] = missed  # the journal entry holds this same list
        return True

    async def admit(self, environ: dict[str, Any]) -> None:
        """Wait here, in the event loop, for whatever must happen before the app runs."""
        if self.admission is not None:
            await self.admission(environ)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
