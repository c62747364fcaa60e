"""12Twenty calendar events: batch upsert by ExternalId, all or nothing, 1000 at most."""

from __future__ import annotations

from mockserver.apis.twelvetwenty.dates import clear_caches
from mockserver.apis.twelvetwenty.errors import RENDERER
from mockserver.apis.twelvetwenty.handlers import HANDLERS
from mockserver.apis.twelvetwenty.state import TwelveTwentyState
from mockserver.config import DEV_API_KEY
from mockserver.registry import ApiDefinition

API = ApiDefinition(
    name="twelvetwenty",
    handlers=HANDLERS,
    render_error=RENDERER,
    new_state=TwelveTwentyState,
    clear_caches=clear_caches,  # the dates a batch named (bounded, but a reset gives them back)
    api_keys=(DEV_API_KEY,),
    json_blanks="\u00a0",  # ASP.NET's JSON reader takes a non-breaking space as whitespace (the seed's example has them)
)
