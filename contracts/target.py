"""What the suites talk to: the in-process mock (WSGI, no socket) or a live base URL.

The choice is made once per run from ``--base-url`` / ``--token`` (or CONTRACTS_BASE_URL /
CONTRACTS_TOKEN, optionally suffixed with the API name, e.g. CONTRACTS_TOKEN_PERSCOM).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask
from werkzeug.datastructures import Headers

from contracts.safety import GuardedSession, current_run
from mockserver.config import DEV_TOKEN

APIS = ("perscom", "b2core", "twelvetwenty", "kona")


@dataclass(frozen=True)
class Response:
    """A response from either target; ``headers`` are case-insensitive."""

    status: int
    headers: Headers
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class SentRequest:
    """What a scenario sent, kept so that a failure can be reproduced with ``curl``."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: str | bytes | None

    def as_curl(self) -> str:
        import shlex

        parts = ["curl", "-X", self.method]
        for name, value in self.headers.items():
            shown = "[Filtered]" if name.lower() == "authorization" else value
            parts += ["-H", f"{name}: {shown}"]
        if self.body is not None:
            body = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body
            parts += ["-d", body]
        parts.append(self.url)
        return " ".join(shlex.quote(part) for part in parts)


# Called after every request a scenario sends through a Target (the report keeps the last ones).
REQUEST_OBSERVERS: list[Callable[[str, SentRequest, Response], None]] = []


@dataclass
class Target:
    """One API as the suites see it. ``app`` is set for the in-process mock."""

    api: str
    base_url: str
    token: str = field(repr=False)
    app: Flask | None = None
    _session: GuardedSession | None = field(default=None, repr=False)
    _has_admin: bool | None = field(default=None, repr=False)

    @property
    def live(self) -> bool:
        return self.app is None

    @property
    def session(self) -> GuardedSession:
        """The live target's one HTTP session: rate limit, read-only guard and ledger."""
        if self._session is None:
            self._session = GuardedSession(self.api, self.base_url)
        return self._session

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: str | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        token: str | None = None,
        absolute: bool = False,
    ) -> Response:
        """Send one request with the target's token (or ``token``); ``auth=False`` sends none."""
        sent = dict(headers or {})
        if auth:
            sent.setdefault("Authorization", f"Bearer {token or self.token}")
        if json_body is not None:
            data = json.dumps(json_body)
            sent.setdefault("Content-Type", "application/json")
        url = path if absolute else self.base_url + path
        if self.app is not None:
            response = self._wsgi(method, url, data, params, sent)
        else:
            response = self._http(method, url, data, params, sent)
        if REQUEST_OBSERVERS:
            shown = f"{url}?{urlencode(params, doseq=True)}" if params else url
            request = SentRequest(method, shown, sent, data)
            for observer in REQUEST_OBSERVERS:
                observer(self.api, request, response)
        return response

    def _wsgi(self, method: str, url: str, data: Any, params: Any, headers: dict[str, str]) -> Response:
        assert self.app is not None
        client = self.app.test_client()
        path = urlsplit(url).path
        result = client.open(path, method=method, data=data, query_string=params, headers=headers)
        received = Headers(list(result.headers.items()))
        return Response(result.status_code, received, result.get_data(as_text=True))

    def _http(self, method: str, url: str, data: Any, params: Any, headers: dict[str, str]) -> Response:
        result = self.session.request(method, url, data=data, params=params, headers=headers, timeout=30)
        return Response(result.status_code, Headers(list(result.headers.items())), result.text)

    # --- the mock's admin API (absent on a real vendor deployment) -------------------------

    def admin(self, method: str, path: str, json_body: Any = None, **params: Any) -> Response:
        url = f"{self.origin}/__mock{path}" if self.live else f"http://localhost/__mock{path}"
        return self.request(
            method, url, json_body=json_body, params=params or None, auth=False, absolute=True
        )

    def has_admin(self) -> bool:
        """Whether the target is a mockserver (its admin API answers); asked once per target."""
        if self._has_admin is None:
            try:
                self._has_admin = self.admin("GET", "/health").status == 200
            except OSError:
                self._has_admin = False
        return self._has_admin

    @property
    def resettable(self) -> bool:
        """Whether the run may reset the target's state: the in-process mock, or a live mock the
        run owns (``--live-server``, ``--reset``). A shared live mock is treated like staging."""
        options = current_run().options
        return self.has_admin() and (not self.live or options.reset) and not options.read_only

    def reset(self) -> None:
        self.admin("POST", f"/reset/{self.api}")

    def state(self) -> Any:
        return self.admin("GET", f"/state/{self.api}").json()[self.api]


def parse_pairs(values: list[str] | None, env_prefix: str) -> dict[str, str]:
    """``["URL"]`` or ``["api=URL", ...]`` (plus CONTRACTS_<X> / CONTRACTS_<X>_<API>) → {api|"*": value}."""
    found: dict[str, str] = {}
    if default := os.environ.get(env_prefix):
        found["*"] = default
    for api in APIS:
        if value := os.environ.get(f"{env_prefix}_{api.upper()}"):
            found[api] = value
    for value in values or ():
        name, sep, rest = value.partition("=")
        if sep and name in APIS:
            found[name] = rest
        else:
            found["*"] = value
    return found


def make_target(api: str, base_urls: Mapping[str, str], tokens: Mapping[str, str]) -> Target:
    """A live target when a base URL is known for ``api``; else the in-process strict mock."""
    token = tokens.get(api) or tokens.get("*") or DEV_TOKEN
    if api in base_urls:
        return Target(api, base_urls[api].rstrip("/"), token)
    if "*" in base_urls:  # a mockserver root: each API lives under /<api>
        return Target(api, f"{base_urls['*'].rstrip('/')}/{api}", token)
    return Target(api, f"http://localhost/{api}", token, in_process_app())


def in_process_app() -> Flask:
    """The strict in-process mock, or the app named by CONTRACTS_APP (``module:factory``).

    CONTRACTS_APP lets the harness's own tests point the suites at deliberately broken variants
    of the mock (tests/planted.py); the factory takes no arguments and returns a Flask app.
    """
    if factory := os.environ.get("CONTRACTS_APP"):
        module, _, name = factory.partition(":")
        app: Flask = getattr(importlib.import_module(module), name)()
        return app
    from mockserver import create_app

    return create_app({"strict": True, "log_requests": False})
