"""The in-memory store: one state object per API, each behind its own re-entrant lock.

The store lives on the app (``app.extensions["mockserver"].store``), so two ``create_app()``
calls never share data. Every handler runs while holding its API's lock, after the request was
validated: a write is applied completely or not at all, and no reader sees half of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from mockserver.errors import ApiError, MockServerError
from mockserver.registry import ApiState


class StateLoadError(MockServerError):
    """A state or fixture document could not be loaded; nothing was changed."""


class InMemoryStore:
    def __init__(self, factories: Mapping[str, Callable[[], ApiState]]) -> None:
        self._factories = dict(factories)
        self._states = {name: factory() for name, factory in self._factories.items()}
        self._locks = {name: threading.RLock() for name in self._factories}

    @property
    def apis(self) -> list[str]:
        return list(self._factories)

    @contextmanager
    def locked(self, api: str) -> Iterator[ApiState]:
        with self._locks[api]:
            yield self._states[api]

    def reset(self, api: str | None = None) -> None:
        for name in [api] if api else self.apis:
            with self._locks[name]:
                self._states[name] = self._factories[name]()

    def export(self, api: str | None = None) -> dict[str, Any]:
        out = {}
        for name in [api] if api else self.apis:
            with self._locks[name]:
                out[name] = self._states[name].export()
        return out

    def load(self, document: Mapping[str, Any], *, replace: bool = True) -> list[str]:
        """Load ``{api: state}``; every API's part is checked before any is swapped in."""
        unknown = sorted(set(document) - set(self.apis))
        if unknown:
            raise StateLoadError(f"unknown APIs in state document: {', '.join(unknown)}")
        staged: dict[str, ApiState] = {}
        for name, data in document.items():
            if not isinstance(data, Mapping):
                raise StateLoadError(f"state for {name!r} must be a mapping")
            with self._locks[name]:
                state = self._factories[name]()
                if not replace:
                    state.load(self._states[name].export())
                try:
                    state.load(data)
                except (KeyError, TypeError, ValueError, ApiError) as exc:  # a rule error names the record
                    raise StateLoadError(f"{name}: {exc}") from exc
                staged[name] = state
        for name, state in staged.items():
            with self._locks[name]:
                self._states[name] = state
        return sorted(staged)
