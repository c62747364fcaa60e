"""Kona calendar events: wrapped bodies, epoch-ms dates, recurring series, OAuth 2 tokens."""

from __future__ import annotations

from mockserver.apis.kona.errors import RENDERER
from mockserver.apis.kona.handlers import HANDLERS
from mockserver.apis.kona.state import KonaState
from mockserver.registry import ApiDefinition

API = ApiDefinition(
    name="kona",
    handlers=HANDLERS,
    render_error=RENDERER,
    new_state=KonaState,
    secret_keys=frozenset({"client_secret", "refresh_tokens"}),
)
