"""Kona's OAuth 2 token endpoint rules ([AUTH] in the api-notes).

``POST /oauth/token`` takes its parameters in the query string. ``authorization_code`` needs
``code``, ``refresh_token`` needs ``refresh_token``; tokens live one week and a refresh returns
the same refresh token. Errors use RFC 6749's ``{"error", "error_description"}`` body, not
Kona's problem envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from mockserver.errors import ApiError

from . import messages

TOKEN_LIFETIME = timedelta(weeks=1)
GRANT_CREDENTIAL = {"authorization_code": "code", "refresh_token": "refresh_token"}


class OAuthError(ApiError):
    """An RFC 6749 error: ``{"error": code, "error_description": ...}``; the class fixes both."""

    status = 400
    code: ClassVar[str] = "invalid_request"

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.message}


class InvalidRequest(OAuthError):
    """A parameter the grant needs is missing or malformed."""


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"


class InvalidGrant(OAuthError):
    code = "invalid_grant"

    def __init__(self) -> None:
        super().__init__(messages.OAUTH_INVALID_GRANT)


class InvalidClient(OAuthError):
    status = 401
    code = "invalid_client"

    def __init__(self) -> None:
        super().__init__(messages.OAUTH_INVALID_CLIENT)


def grant_credential(query: Mapping[str, str]) -> str:
    """The code or refresh token the grant needs (schema already checked ``grant_type``)."""
    name = GRANT_CREDENTIAL[query["grant_type"]]
    value = query.get(name)
    if not value:
        raise InvalidRequest(messages.OAUTH_MISSING_PARAMETER.format(name=name))
    return value


def token_body(access_token: str, refresh_token: str) -> dict[str, Any]:
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh_token,
    }
