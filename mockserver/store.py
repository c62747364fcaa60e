"""The in-memory store: one state object per API, each behind its own re-entrant lock.

The store lives on the app (``app.extensions["mockserver"].store``), so two ``create_app()``
calls never share data. Every handler runs while holding its API's lock, after the request was
validated: a write is applied completely or not at all, and no reader sees half of it.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from mockserver.errors import ApiError, MockServerError, shorten
from mockserver.registry import ApiState


class StateLoadError(MockServerError):
    """A state or fixture document could not be loaded; nothing was changed."""


def staged_states(
    factories: Mapping[str, Callable[[], ApiState]],
    current: Mapping[str, ApiState],
    document: Mapping[str, Any],
    *,
    replace: bool,
) -> dict[str, ApiState]:
    """The new state of every API ``document`` names, all checked before any is used."""
    unknown = sorted(set(document) - set(factories))
    if unknown:
        raise StateLoadError(f"unknown APIs in state document: {', '.join(unknown)}")
    for name, data in document.items():
        if not isinstance(data, Mapping):
            raise StateLoadError(f"state for {name!r} must be a mapping")
    staged: dict[str, ApiState] = {}
    for name, data in document.items():
        state = factories[name]()
        if not replace:
            state.load(current[name].export())
        try:
            state.load(data)
        except (KeyError, TypeError, ValueError, OverflowError, ApiError) as exc:  # a rule error names the record
            raise StateLoadError(f"{name}: {shorten(str(exc), 300)}") from exc
        staged[name] = state
    return staged


class _Locked:
    """What ``InMemoryStore.locked`` returns: a plain context manager, a fifth of the cost of a
    ``contextmanager`` generator. The state is looked up once the lock is held (a reset swaps it)."""

    __slots__ = ("_api", "_lock", "_states")

    def __init__(self, lock: threading.RLock, states: Mapping[str, ApiState], api: str) -> None:
        self._lock, self._states, self._api = lock, states, api

    def __enter__(self) -> ApiState:
        self._lock.acquire()
        try:
            return self._states[self._api]
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class InMemoryStore:
    """Also the base of the Redis store (``shared.py``), which keeps these states in step."""

    shared = False  # True when other processes share the state (the Redis store)

    def __init__(self, factories: Mapping[str, Callable[[], ApiState]]) -> None:
        self._factories = dict(factories)
        self._states = {name: factory() for name, factory in self._factories.items()}
        self._locks = {name: threading.RLock() for name in self._factories}
        # what else a reset of one API forgets (its minted tokens, its caches): set by MockServer
        self.on_reset: Callable[[str], None] = lambda name: None

    @property
    def apis(self) -> list[str]:
        return list(self._factories)

    def locked(self, api: str) -> _Locked:
        """``with store.locked(api) as state``: the API's state, its lock held (every request)."""
        return _Locked(self._locks[api], self._states, api)

    @contextmanager
    def _all_locked(self, names: Iterable[str]) -> Iterator[None]:
        """Hold every named API's lock, taken in one order (sorted names) by every caller, so two
        multi-API operations never deadlock and no API write lands between a read and a swap."""
        with ExitStack() as stack:
            for name in sorted(set(names)):
                stack.enter_context(self._locks[name])
            yield

    def reset(self, api: str | None = None) -> None:
        names = [api] if api else self.apis
        with self._all_locked(names):
            for name in names:
                self._states[name] = self._factories[name]()
                self.on_reset(name)

    def export(self, api: str | None = None) -> dict[str, Any]:
        names = [api] if api else self.apis
        with self._all_locked(names):  # one moment for every API
            return {name: self._states[name].export() for name in names}

    def load(self, document: Mapping[str, Any], *, replace: bool = True) -> list[str]:
        """Load ``{api: state}``; every API's part is checked before any is swapped in."""
        # read (for a merge), stage and swap under the same locks: an API write either lands
        # before the merge reads the state (and is kept) or waits until the new state is in place
        with self._all_locked(name for name in document if name in self._factories):
            staged = staged_states(self._factories, self._states, document, replace=replace)
            self._states.update(staged)
        return sorted(staged)

    def sync(self, api: str | None = None, seen: Mapping[str, tuple[bytes, bytes]] | None = None) -> None:
        """Catch up with what other processes wrote (nothing to do here: no other process)."""

    def admission(self) -> Callable[[dict[str, Any]], Awaitable[None]] | None:
        """What the intake front awaits before each request (the Redis store's head check)."""
        return None

    def fresh(self) -> bool:
        """Whether nothing was ever written (a seed file loads only into a fresh store)."""
        return True

    def health(self) -> dict[str, Any]:
        return {"kind": "memory", "reachable": True}

    def close(self) -> None:
        """Let go of connections (the Redis store's); the memory store has none."""
