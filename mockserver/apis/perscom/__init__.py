"""PERSCOM events (api.perscom.io): Laravel + laravel-orion CRUD, batch, search, soft deletes."""

from __future__ import annotations

from mockserver.apis.perscom.errors import RENDERER
from mockserver.apis.perscom.handlers import HANDLERS
from mockserver.apis.perscom.state import PerscomState
from mockserver.registry import ApiDefinition

API = ApiDefinition(
    name="perscom",
    handlers=HANDLERS,
    render_error=RENDERER,
    new_state=PerscomState,
)
