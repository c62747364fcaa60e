"""Kona's OAuth 2 token endpoint rules ([AUTH] in the api-notes).

``POST /oauth/token`` takes its parameters in the query string. ``authorization_code`` needs
``code``, ``refresh_token`` needs ``refresh_token``; tokens live one week and a refresh returns
the same refresh token. Errors use RFC 6749's ``{"error", "error_description"}`` body, not
Kona's problem envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from . import messages

TOKEN_LIFETIME = timedelta(weeks=1)
GRANT_CREDENTIAL = {"authorization_code": "code", "refresh_token": "refresh_token"}


class OAuthError(ValueError):
    """An RFC 6749 error: ``status`` 400 (invalid_request/invalid_grant) or 401 (invalid_client)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def grant_credential(query: Mapping[str, str]) -> str:
    """The code or refresh token the grant needs (schema already checked ``grant_type``)."""
    name = GRANT_CREDENTIAL[query["grant_type"]]
    value = query.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", messages.OAUTH_MISSING_PARAMETER.format(name=name))
    return value


def invalid_grant() -> OAuthError:
    return OAuthError(400, "invalid_grant", messages.OAUTH_INVALID_GRANT)


def invalid_client() -> OAuthError:
    return OAuthError(401, "invalid_client", messages.OAUTH_INVALID_CLIENT)


def token_body(access_token: str, refresh_token: str) -> dict[str, Any]:
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh_token,
    }
