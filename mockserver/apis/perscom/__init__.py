"""PERSCOM events (api.perscom.io): Laravel + laravel-orion CRUD, batch, search, soft deletes."""

from __future__ import annotations

from mockserver.apis.perscom import dates, sql
from mockserver.apis.perscom.errors import RENDERER
from mockserver.apis.perscom.handlers import HANDLERS
from mockserver.apis.perscom.rules import state_problems
from mockserver.apis.perscom.state import PerscomState
from mockserver.registry import ApiDefinition


def clear_caches() -> None:
    """Forget the parsed dates and compiled LIKE patterns (bounded, but a reset gives them back)."""
    dates.clear_caches()
    sql.clear_caches()


API = ApiDefinition(
    name="perscom",
    handlers=HANDLERS,
    render_error=RENDERER,
    new_state=PerscomState,
    clear_caches=clear_caches,
    state_rules=state_problems,
    reads=frozenset({"searchEvents"}),
)
