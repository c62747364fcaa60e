"""What the suites talk to: the in-process mock (WSGI, no socket) or a live base URL.

The run (``contracts.run``) has one per API (:func:`run_target`), made from ``--base-url`` / ``--token`` (or
CONTRACTS_BASE_URL / CONTRACTS_TOKEN, or per API CONTRACTS_<API>_BASE_URL / CONTRACTS_<API>_TOKEN).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from werkzeug.datastructures import Headers

from contracts.apis import APIS
from contracts.guard import GuardedSession, RefusedRequest
from contracts.run import Run, active, in_process_app

__all__ = ["APIS", "Response", "SentRequest", "Target", "curl_line", "fresh_target", "live_targets", "run_target"]


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
        return curl_line(self.method, self.url, self.headers, self.body)


def curl_line(method: str, url: str, headers: Mapping[str, str], body: str | bytes | None) -> str:
    """A ``curl`` command sending exactly this request; credentials are shown as [Filtered]."""
    parts = ["curl", "-X", method]
    for name, value in headers.items():
        shown = "[Filtered]" if name.lower() in ("authorization", "proxy-authorization", "cookie") else value
        parts += ["-H", f"{name}: {shown}"]
    if body is not None and body != b"":
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        parts += ["--data-binary", text]
    parts.append(url)
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
    run: Run | None = field(default=None, repr=False)  # None: the active run (contracts.run.active)
    _session: GuardedSession | None = field(default=None, repr=False)
    _has_admin: bool | None = field(default=None, repr=False)

    @property
    def owner(self) -> Run:
        if self.run is None:
            return active()
        return self.run

    @property
    def live(self) -> bool:
        return self.app is None

    @property
    def session(self) -> GuardedSession:
        """The live target's one HTTP session: rate limit, read-only guard and ledger."""
        if self._session is None:
            self._session = GuardedSession(self.api, self.base_url, self.owner)
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
        timeout: float = 30,
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
            if reason := self.session.refusal(method, url):
                raise RefusedRequest(reason)  # in-process as on a live target
            response = self._wsgi(method, url, data, params, sent)
        else:
            response = self._http(method, url, data, params, sent, timeout)
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

    def _http(
        self, method: str, url: str, data: Any, params: Any, headers: dict[str, str], timeout: float = 30
    ) -> Response:
        result = self.session.request(method, url, data=data, params=params, headers=headers, timeout=timeout)
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
        config = self.owner.config
        return not config.read_only and (not self.live or config.reset) and self.has_admin()

    def reset(self) -> None:
        self.admin("POST", f"/reset/{self.api}")

    def state(self) -> Any:
        return json.loads(self.state_text())[self.api]

    def state_text(self) -> str:
        """The API's state as the admin API sends it (the mock writes it with sorted keys, so two
        equal states are equal texts): compared as it comes, parsed only when it differs."""
        return self.admin("GET", f"/state/{self.api}").text


_TARGETS = pytest.StashKey[dict[str, Target]]()


def run_target(run: Run, api: str) -> Target:
    """The target of ``run`` for ``api``: a live base URL, else the in-process mock (one app
    for the whole run, shared by schema tests, workflow and scenarios, each starting from a
    reset as on a live mock the run owns)."""
    targets = run.stash.setdefault(_TARGETS, {})
    if api not in targets:
        url = run.base_url(api)
        if url is not None:
            targets[api] = Target(api, url, run.token(api), run=run)
        else:
            app = next((t.app for t in targets.values() if t.app is not None), None)
            if app is None:
                app = in_process_app(run.config.app)
            targets[api] = Target(api, f"http://localhost/{api}", run.token(api), app, run=run)
    return targets[api]


def live_targets(run: Run) -> list[Target]:
    """The live targets of the APIs ``run`` checks."""
    return [run_target(run, api) for api in run.config.apis if run.base_url(api) is not None]


def fresh_target(run: Run, api: str) -> Target:
    """A target whose state is clean: the mock reset, clock included — only when the run
    owns the target (in-process, ``--live-server``, ``--reset``); else the target as it is."""
    target = run_target(run, api)
    if target.resettable:
        target.reset()
        target.admin("DELETE", "/clock")
    return target
