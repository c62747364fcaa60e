"""What an API's runtime reads of the mock it is mounted in, and nothing else of it.

``runtime.ApiRuntime`` gets one :class:`Services` (``app.create_app`` builds it from the
:class:`~mockserver.mock.MockServer`'s own objects, so both see the same store, clock, tokens
and rules): the runtime never reaches the journal, the proxies, the other APIs' runtimes or the
factory.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.auth import TokenRegistry
from mockserver.chaos import Rules
from mockserver.clock import SystemClock
from mockserver.config import MockConfig
from mockserver.store import InMemoryStore


@dataclass(frozen=True)
class Services:
    config: MockConfig  # strict mode, the configured tokens; handlers read it too (RequestContext)
    store: InMemoryStore  # the API's state, taken under its lock for one handler call
    clock: SystemClock  # "now" for authentication, the handler and the chaos rules' windows
    tokens: TokenRegistry  # tokens a vendor token endpoint minted
    chaos: Rules  # the installed chaos rules (response control)
