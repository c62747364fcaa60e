"""One mock's state: the object ``app.create_app`` hangs off ``app.extensions["mockserver"]``.

A module of its own so that the parts reading it (the admin API, the gateway, the pages) need not
import the factory module, and so that nothing below the factory imports it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mockserver import datetimes, memory
from mockserver.accesslog import log_access
from mockserver.auth import TokenRegistry
from mockserver.chaos import Rules
from mockserver.clock import SystemClock
from mockserver.config import MockConfig
from mockserver.journal import Journal
from mockserver.proxy import Proxy
from mockserver.runtime import ApiRuntime
from mockserver.services import Services
from mockserver.shared_journal import SharedJournal
from mockserver.store import InMemoryStore


@dataclass
class MockServer:
    """Everything the mock keeps, hung off ``app.extensions["mockserver"]``."""

    config: MockConfig
    store: InMemoryStore
    journal: Journal
    clock: SystemClock
    tokens: TokenRegistry
    chaos: Rules = field(default_factory=Rules)
    runtimes: dict[str, ApiRuntime] = field(default_factory=dict)
    proxies: dict[str, Proxy] = field(default_factory=dict)
    access_log: Callable[[str], None] = log_access  # `serve` swaps in a BufferedAccessLog
    # what the server layer serving this mock can do to a reply besides answering it ("delay",
    # "fault"); a plain WSGI server can do neither (control.CAPABILITIES_KEY)
    capabilities: frozenset[str] = frozenset()

    @property
    def services(self) -> Services:
        """What each API runtime is given of this mock (``services.Services``)."""
        return Services(self.config, self.store, self.clock, self.tokens, self.chaos)

    def reset(self, api: str | None = None) -> None:
        self.store.reset(api)  # calls forget() for each API reset (every worker, with Redis)
        self.chaos.clear(api)
        memory.give_back()  # what the dropped state held goes back to the system (RSS)

    def close(self) -> None:
        """Close the store's and the journal's connections (a Redis store's); for tests and embedders."""
        self.store.close()
        if isinstance(self.journal, SharedJournal):
            self.journal.close()

    def forget(self, api: str) -> None:
        """What a reset of ``api`` drops besides its state: its minted tokens, its caches."""
        self.tokens.clear(api)
        if api in self.runtimes:
            self.runtimes[api].definition.clear_caches()
        datetimes.clear_caches()  # the core date-time policy's cache serves every API
