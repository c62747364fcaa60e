"""The one list of APIs the mock knows; the core never imports an API module elsewhere."""

from __future__ import annotations

from mockserver.apis import b2core, kona, perscom, twelvetwenty
from mockserver.registry import ApiDefinition

API_DEFINITIONS: dict[str, ApiDefinition] = {
    definition.name: definition for definition in (perscom.API, b2core.API, twelvetwenty.API, kona.API)
}
