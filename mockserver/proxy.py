"""The validating proxy: ``mockserver serve --proxy API=URL``.

A proxied API's requests are not answered by its handlers: they go, with the client's own
headers (its credentials included), to the upstream — a real deployment of the API — and the
upstream's answer goes back to the client. On the way, the request and the real response are
checked against the same spec the mock answers from, with the mock's own compiled validators
(routing, parameters and body; strict mode's response check). Every violation is kept in the
journal entry of the request and, unless turned off, in an ``X-Mock-Violations`` response header
(a JSON list, cut to a byte bound so that it never overflows a client's header limit).

``--proxy-errors`` turns response violations into a 502 in the mock's own error shape (the one
strict mode uses) listing them; an upstream that cannot be reached, or does not answer within
the timeout, is a 502 of the same shape. Request violations are reported, never blocked: the
point is to see what the real API does with them.

The HTTP client is urllib3: a thread-safe connection pool (keep-alive: against a real TLS
upstream a handshake per request would cost more than the proxy's own work), one total timeout
per request (connect and read together, which is what "502 within the timeout" needs), no
redirects followed, no retries (a POST must never be sent twice), and no environment proxies
(``requests`` honours ``HTTP_PROXY``, which a local proxy must not; it also took 1.36-1.59x
urllib3's time per request). On plain loopback HTTP a fresh ``http.client`` connection per
request measured 0.78x and 1.42x in two runs (``bench/proxy_client.py``): within the noise, so
the pool is for real upstreams; the timeout and the thread safety are why not the stdlib.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from mockserver.errors import ApiError, FieldError, Kind, RequestValidationError
from mockserver.query import parse_query
from mockserver.spec import Operation

if TYPE_CHECKING:
    import urllib3

    from mockserver.runtime import ApiRuntime

VIOLATIONS_HEADER = "X-Mock-Violations"
# RFC 9110 §7.6.1 and the framing headers this side recomputes (the body is passed decoded).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
        "host",
        "accept-encoding",
    }
)


@dataclass(frozen=True)
class Violation:
    """One way a proxied request or its real response breaks the spec."""

    side: str  # "request" or "response"
    message: str

    def export(self) -> dict[str, str]:
        return {"in": self.side, "message": self.message}


@dataclass(frozen=True)
class Forwarded:
    """What the client gets back, and what the journal keeps."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    operation_id: str | None
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class ProxySettings:
    upstream: str
    timeout: float
    errors: bool  # --proxy-errors
    header_bytes: int  # 0: no X-Mock-Violations header


class Proxy:
    """Forwards one API's requests to its upstream and checks both sides against the spec."""

    def __init__(self, runtime: ApiRuntime, settings: ProxySettings, pool: urllib3.PoolManager) -> None:
        self.runtime = runtime
        self.settings = settings
        self.upstream = settings.upstream.rstrip("/")
        self.pool = pool

    def forward(self, request: Request, path: str, mount: str) -> Forwarded:
        import urllib3  # imported by build_proxies already: a serve without --proxy never loads it

        operation, found = self.check_request(request, path)
        try:
            answer = self.pool.request(
                request.method,
                self.upstream
                + path
                + (f"?{request.query_string.decode('latin-1')}" if request.query_string else ""),
                body=request.get_data() or None,
                headers=self.outgoing_headers(request),
                timeout=urllib3.Timeout(total=self.settings.timeout),
                retries=False,
                redirect=False,
                preload_content=True,
                decode_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            problem = Violation("response", f"upstream {self.upstream} unreachable: {_reason(exc)}")
            return self.mock_error(
                502, operation, "the upstream could not be reached", None, [*found, problem]
            )
        body = answer.data
        if operation is not None:
            found += self.check_response(
                operation, answer.status, answer.headers, body, request.method == "HEAD"
            )
        response_problems = [v for v in found if v.side == "response"]
        if self.settings.errors and response_problems:
            return self.mock_error(
                502,
                operation,
                "the upstream's response does not match the spec (--proxy-errors)",
                answer.status,
                found,
            )
        headers = self.incoming_headers(answer.headers, request, mount)
        return Forwarded(answer.status, self.with_header(headers, found), body, _id(operation), tuple(found))

    # --- checks ---------------------------------------------------------------------------

    def check_request(self, request: Request, path: str) -> tuple[Operation | None, list[Violation]]:
        try:
            operation, path_args = self.runtime.router.match(path, request.method)
        except ApiError as error:
            # HEAD is answered wherever GET is, but no spec documents it
            allowed = [m for m in getattr(error, "allowed", None) or () if m != "HEAD"]
            where = f"{request.method} {path}"
            message = (
                f"{where}: the spec documents only {', '.join(allowed)} here"
                if allowed
                else f"{where} is not a path of the spec"
            )
            return None, [Violation("request", message)]
        validator = self.runtime.operations[operation.operation_id].request_validator
        try:
            validator.validate(
                path_args, parse_query(request.query_string), request.headers, request.get_data()
            )
        except RequestValidationError as error:
            found = [
                Violation("request", f"{e.location}{_pointer(e.path)}: {_phrase(e)}") for e in error.errors
            ]
            if error.omitted:
                found.append(Violation("request", f"{error.omitted} more problem(s) not listed"))
            return operation, found
        return operation, []

    def check_response(
        self, operation: Operation, status: int, headers: Mapping[str, str], body: bytes, head: bool = False
    ) -> list[Violation]:
        parsed, is_json = _json(body, headers.get("content-type", ""))
        found = self.runtime.response_validator(operation).violations(status, headers, parsed, is_json, head)
        if body and not is_json and headers.get("content-type", "").split(";")[0].strip().endswith("json"):
            found.insert(0, "body: not valid JSON although the Content-Type says JSON")
        return [Violation("response", message) for message in found]

    # --- headers --------------------------------------------------------------------------

    def outgoing_headers(self, request: Request) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = urlsplit(self.upstream)
        headers["Host"] = upstream.netloc
        forwarded_for = request.headers.get("X-Forwarded-For")
        client = request.remote_addr or "unknown"
        headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
        headers["X-Forwarded-Host"] = request.host
        headers["X-Forwarded-Proto"] = request.scheme
        return headers

    def incoming_headers(self, received: Any, request: Request, mount: str) -> list[tuple[str, str]]:
        """The upstream's headers minus hop-by-hop ones; a Location on the upstream is
        rewritten to the proxy, so a client following it stays behind the proxy."""
        headers = []
        for name, value in received.iteritems():
            if name.lower() in HOP_BY_HOP and not (
                request.method == "HEAD" and name.lower() == "content-length"
            ):
                continue  # a HEAD's length is the GET's, which no body here can recompute
            if name.lower() == "location" and value.startswith(self.upstream):
                value = request.host_url.rstrip("/") + mount + value[len(self.upstream) :]
            headers.append((name, value))
        return headers

    def with_header(self, headers: list[tuple[str, str]], found: list[Violation]) -> list[tuple[str, str]]:
        if found and self.settings.header_bytes:
            headers.append((VIOLATIONS_HEADER, bounded_header(found, self.settings.header_bytes)))
        return headers

    def mock_error(
        self,
        status: int,
        operation: Operation | None,
        message: str,
        upstream_status: int | None,
        found: list[Violation],
    ) -> Forwarded:
        body = {
            "mock_error": message,
            "api": self.runtime.name,
            "operation": _id(operation),
            "upstream": self.upstream,
            "status": upstream_status,
            "violations": [v.export() for v in found],
        }
        headers = self.with_header([("Content-Type", "application/json")], found)
        return Forwarded(status, headers, json.dumps(body).encode(), _id(operation), tuple(found))


def bounded_header(found: list[Violation], limit: int) -> str:
    """The violations as a JSON list (ASCII, one line) of at most ``limit`` bytes: as many
    entries as fit, then one saying how many more the journal holds."""
    entries = [v.export() for v in found]
    full = json.dumps(entries)
    if len(full) <= limit:
        return full
    kept: list[dict[str, str]] = []
    for count in range(len(entries), -1, -1):
        note = {"in": "mock", "message": f"{len(entries) - count} more violation(s) in GET /__mock/journal"}
        candidate = json.dumps([*entries[:count], note])
        if len(candidate) <= limit:
            return candidate
        kept = [note]
    return json.dumps(kept)[:limit]  # only when the limit is below one note (refused by config)


def _phrase(error: FieldError) -> str:
    """A FieldError in plain English (the vendors' renderers phrase it in their own words)."""
    shown = f" (got {error.quoted})" if error.quoted else ""
    if error.kind == Kind.REQUIRED:
        return "required, missing" if error.path else "a request body is required"
    if error.kind == Kind.TYPE:
        return f"must be {' or '.join(error.expected)}{shown}"
    if error.kind == Kind.ENUM:
        return f"must be one of {list(error.allowed)}{shown}"
    if error.limit is not None and error.kind != Kind.MULTIPLE_OF:
        relation = {"min": ">", "max": "<"}[error.kind.value[:3]] + ("" if error.exclusive else "=")
        return f"must be {relation} {error.limit} ({error.kind.value}){shown}"
    if error.kind == Kind.FORMAT:
        return f"must be a {error.format}{shown}"
    if error.kind == Kind.PATTERN:
        return f"must match {error.pattern}{shown}"
    if error.kind == Kind.ADDITIONAL_PROPERTY:
        return f"unexpected properties {', '.join(error.names)}"
    if error.kind == Kind.MALFORMED_JSON:
        return "malformed JSON"
    return f"breaks {error.kind.value}{shown}"


def _pointer(path: tuple[str | int, ...]) -> str:
    return "".join(f"/{part}" for part in path)


def _id(operation: Operation | None) -> str | None:
    return operation.operation_id if operation else None


def _json(body: bytes, content_type: str) -> tuple[Any, bool]:
    media = content_type.split(";")[0].strip().lower()
    if not body or not (media == "application/json" or media.endswith("+json")):
        return None, False
    try:
        return json.loads(body), True
    except ValueError:
        return None, False


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason).split(": ", 1)[-1] if "Max retries" in str(reason) else str(reason)


def build_proxies(
    runtimes: Mapping[str, ApiRuntime], upstreams: Mapping[str, str], settings: Any
) -> dict[str, Proxy]:
    """One proxy per API named in ``upstreams`` (``settings`` is the MockConfig), sharing one pool."""
    if not upstreams:
        return {}
    import urllib3  # here, not at the top: ~25 ms of every start-up, for a feature few starts use

    pool = urllib3.PoolManager(num_pools=len(upstreams), maxsize=8, block=False)
    return {
        api: Proxy(
            runtimes[api],
            ProxySettings(
                url, settings.proxy_timeout, settings.proxy_errors, settings.violations_header_bytes
            ),
            pool,
        )
        for api, url in upstreams.items()
    }
