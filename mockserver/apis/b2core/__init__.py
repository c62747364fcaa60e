"""B2Core Back Office calendar events: CRUD with filters, sorting, paging and localized errors.

Records are plain dicts shaped like the API's Calendar Event object; dates are kept in the wire
format (RFC 3339 strings exactly as the client sent them) and compared through ``dates``.
``rules``/``listing`` hold the business rules, ``handlers`` one function per operationId,
``errors`` the vendor envelope, ``state`` the events.
"""

from __future__ import annotations

from mockserver.apis.b2core.errors import RENDERER
from mockserver.apis.b2core.handlers import HANDLERS
from mockserver.apis.b2core.state import B2CoreState
from mockserver.registry import ApiDefinition

API = ApiDefinition(
    name="b2core",
    handlers=HANDLERS,
    render_error=RENDERER,
    new_state=B2CoreState,
)
