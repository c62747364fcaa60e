"""Loopback HTTP servers in a thread, for the harness's and the proxy's tests (an upstream): any
WSGI app, recording every request it receives (method, path, query) before the app sees it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Recorded:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def methods(self) -> set[str]:
        return {method for method, _ in self.requests}


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def serve(app: WsgiApp) -> Iterator[Recorded]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the block ends."""
    recorded = Recorded("")

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        with recorded._lock:
            recorded.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"] + (f"?{query}" if query else "")))
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True, request_handler=_Quiet)
    recorded.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorded
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@contextmanager
def serving(app: WsgiApp) -> Iterator[str]:
    """``app`` served as by :func:`serve`, for a test that wants only its base URL."""
    with serve(app) as recorded:
        yield recorded.url


def mock_app(**config: Any) -> WsgiApp:
    from mockserver import create_app

    app: WsgiApp = create_app({"strict": True, "log_requests": False, **config})
    return app


def static_app(status: str, body: bytes, content_type: str = "text/html") -> WsgiApp:
    """Answers every request the same way (a proxy's error page, say)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


def raw_exchange(url: str, path: str, headers: str = "") -> tuple[str, bytes]:
    """('EOF' or 'RST', every byte received) for one raw HTTP/1.1 GET of ``path`` on ``url``:
    how a socket-level fault looks below any HTTP client. ``headers``: extra CRLF-ended lines."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
        except ConnectionResetError:
            return "RST", data
    return "EOF", data
