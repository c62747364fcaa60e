"""Bearer tokens: configured ones, and ones minted by a vendor's token endpoint."""

from __future__ import annotations

import base64
import random
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockserver.config import TokenGrant

_drawn = threading.local()


def token_text(nbytes: int) -> str:
    """A URL-safe secret of ``nbytes`` random bytes (``secrets.token_urlsafe``), or, inside
    ``drawn_from(seed)``, drawn from that seed: every worker replaying a logged write mints the
    same tokens as the worker that ran it first (``shared.py``)."""
    rng: random.Random | None = getattr(_drawn, "rng", None)
    if rng is None:
        return secrets.token_urlsafe(nbytes)
    return base64.urlsafe_b64encode(rng.randbytes(nbytes)).rstrip(b"=").decode("ascii")


@contextmanager
def drawn_from(seed: bytes) -> Iterator[None]:
    _drawn.rng = random.Random(seed)
    try:
        yield
    finally:
        _drawn.rng = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token, its scopes (``None`` = every scope) and its subject."""

    token: str
    api: str
    scopes: frozenset[str] | None
    subject: str
    expires_at: datetime | None = None

    def has_scopes(self, required: Sequence[str]) -> bool:
        return self.scopes is None or set(required) <= self.scopes


class TokenRegistry:
    """Tokens minted at run time, per API, with an expiry; thread-safe and bounded: expired tokens
    are dropped as new ones are minted, and at most ``per_api`` are kept per API (oldest go first)."""

    def __init__(self, per_api: int = 1000) -> None:
        self.per_api = per_api
        self._tokens: dict[str, Principal] = {}
        self._order: dict[str, dict[str, None]] = {}  # per API, oldest first
        self._lock = threading.Lock()

    def mint(
        self,
        api: str,
        subject: str,
        expires_at: datetime,
        scopes: frozenset[str] | None = None,
        prefix: str = "",
        now: datetime | None = None,
    ) -> Principal:
        principal = Principal(prefix + token_text(24), api, scopes, subject, expires_at)
        with self._lock:
            self._tokens[principal.token] = principal
            order = self._order.setdefault(api, {})
            order[principal.token] = None
            for token in list(order):
                ends = self._tokens[token].expires_at
                expired = now is not None and ends is not None and ends <= now
                if not expired and len(order) <= self.per_api:
                    break
                del order[token], self._tokens[token]
        return principal

    def revoke(self, token: str) -> None:
        with self._lock:
            principal = self._tokens.pop(token, None)
            if principal is not None:
                self._order[principal.api].pop(token, None)

    def find(self, api: str, token: str) -> Principal | None:
        with self._lock:
            principal = self._tokens.get(token)
        return principal if principal is not None and principal.api == api else None

    def count(self, api: str) -> int:
        with self._lock:
            return len(self._order.get(api, ()))

    def export(self, api: str) -> list[dict[str, Any]]:
        """``api``'s minted tokens, oldest first, as JSON (the Redis store's whole-state entries)."""
        with self._lock:
            found = [self._tokens[token] for token in self._order.get(api, {})]
        return [
            {
                "token": p.token,
                "scopes": None if p.scopes is None else sorted(p.scopes),
                "subject": p.subject,
                "expires_at": p.expires_at.isoformat() if p.expires_at else None,
            }
            for p in found
        ]

    def restore(self, api: str, exported: list[dict[str, Any]]) -> None:
        """Make ``api``'s minted tokens exactly ``exported`` (as ``export`` gave them)."""
        self.clear(api)
        with self._lock:
            order = self._order.setdefault(api, {})
            for given in exported:
                scopes = None if given["scopes"] is None else frozenset(given["scopes"])
                expires = datetime.fromisoformat(given["expires_at"]) if given["expires_at"] else None
                self._tokens[given["token"]] = Principal(given["token"], api, scopes, given["subject"], expires)
                order[given["token"]] = None

    def clear(self, api: str | None = None) -> None:
        with self._lock:
            self._tokens = {t: p for t, p in self._tokens.items() if api is not None and p.api != api}
            self._order = {
                name: order for name, order in self._order.items() if api is not None and name != api
            }


class AuthFailure(Exception):
    """Why a bearer token was refused: missing, unknown or expired (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bearer_token(value: str | None) -> str | None:
    """The token of an ``Authorization`` header's value, if it is a bearer token."""
    scheme, _, token = (value or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(
    api: str,
    authorization: str | None,
    grants: Sequence[TokenGrant],
    minted: TokenRegistry,
    now: datetime,
) -> Principal:
    """The principal of a request's ``Authorization`` header (its value, or None when it has
    none), or AuthFailure('missing' | 'invalid' | 'expired')."""
    token = bearer_token(authorization)
    if token is None:
        raise AuthFailure("missing")
    for grant in grants:
        if grant.token == token and grant.allows_api(api):
            return Principal(token, api, grant.scopes, grant.subject)
    principal = minted.find(api, token)
    if principal is None:
        raise AuthFailure("invalid")
    if principal.expires_at is not None and principal.expires_at <= now:
        raise AuthFailure("expired")
    return principal
