"""Bearer tokens: configured ones, and ones minted by a vendor's token endpoint."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import Headers

from mockserver.config import TokenGrant


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
        principal = Principal(prefix + secrets.token_urlsafe(24), api, scopes, subject, expires_at)
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


def bearer_token(headers: Headers) -> str | None:
    value = headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(
    api: str,
    headers: Headers,
    grants: Sequence[TokenGrant],
    minted: TokenRegistry,
    now: datetime,
) -> Principal:
    """The caller's principal, or AuthFailure('missing' | 'invalid' | 'expired')."""
    token = bearer_token(headers)
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
