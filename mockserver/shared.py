"""The Redis store: every worker keeps each API's state in memory, as the memory store does, and
every write goes through a replicated operation log (``oplog.py``) that each worker replays.

Handlers, indexes and reads stay as they are (a read costs one ``MGET`` of the log heads to catch
up first, so a client reads its own writes whichever worker or host answers; served, that MGET is
sent from the event loop and answers every request that began before it: ``admission``). A write takes its
API's lock in Redis, applies the entries it has not seen, runs the handler on the local state
and appends the request (what the handler needs to run again: validated inputs' raw form, the
principal, the clock's reading, a seed for anything drawn at random) before answering; the
other workers replay it when they next serve that API. A handler that refuses a request changes
nothing (the memory store's rule), so nothing is appended; a worker killed before its append
leaves nothing anywhere, after it the write is in the log. Reset and load append an entry that
replaces the whole state (``replaces``), which also trims the log before it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from mockserver.auth import TokenRegistry
from mockserver.clock import SystemClock
from mockserver.config import MockConfig
from mockserver.errors import ApiError, StoreUnavailable
from mockserver.oplog import (
    COMPACT_AFTER,
    DOWN_SECONDS,
    GLOBAL,
    LOCK_MS,
    LOCK_WAIT,
    LONG_LOCK_MS,
    START,
    TIMEOUT,
    Entry,
    OpLog,
    Written,
    entry_id,
    masked,
    new_token,
    parse_url,
)
from mockserver.rawredis import SharedCheck
from mockserver.registry import ApiState
from mockserver.store import InMemoryStore, staged_states

log = logging.getLogger("mockserver")
HEADS_KEY = "mockserver.heads"  # the environ's heads as ``admission`` read them: {name: (head, big)}
Replayer = Callable[[ApiState, Mapping[str, Any], bytes], None]


@dataclass
class Write:
    """A write in progress on one API: its state, the seed its handler draws from, what to append."""

    state: ApiState
    seed: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    written: Written | None = None

    def commit(self, kind: str, meta: Mapping[str, Any], body: bytes = b"") -> None:
        self.written = Written(kind, orjson.dumps({**meta, "seed": self.seed.hex()}), body)


class RedisStore(InMemoryStore):
    """The memory store's states, kept in step through the operation log (``shared = True``)."""

    shared = True

    def __init__(self, factories: Mapping[str, Callable[[], ApiState]], url: str, prefix: str) -> None:
        super().__init__(factories)
        self.log = OpLog(url, prefix)
        self.url, self.prefix = url, prefix
        self._positions: dict[str, bytes] = dict.fromkeys([*self.apis, GLOBAL], START)
        self._locks[GLOBAL] = threading.RLock()
        self._diverged: set[str] = set()
        self.replayers: dict[str, Replayer] = {}  # per API: re-runs a logged request (runtime.py)
        self.global_kinds: dict[str, Callable[[Mapping[str, Any]], Any]] = {}  # clock, chaos
        self.global_resets: list[Callable[[], None]] = []  # back to no entry applied (a rebuild)
        self.tokens: TokenRegistry | None = None  # minted tokens, carried by whole-state entries

    # -- reading: catch up, then read the local state -------------------------------------------

    def sync(self, api: str | None = None, seen: Mapping[str, tuple[bytes, bytes]] | None = None) -> None:
        """Apply what the other workers wrote to ``api`` (every API if None) and to the global log;
        ``seen``: the heads an ``admission`` check read after this request began (no round trip)."""
        self.log.release_unsure()
        names = [api, GLOBAL] if api else [*self.apis, GLOBAL]
        heads = [seen[name] for name in names] if seen is not None else self.log.heads(names)
        for name, (head, big) in zip(names, heads, strict=True):
            if head != self._positions[name] or name in self._diverged:
                with self._locks[name]:
                    self._catch_up(name, head, big=big)

    def _catch_up(self, name: str, head: bytes, entries: list[Entry] | None = None, big: bytes = START) -> None:
        """Bring ``name`` to ``head`` (its lock held); ``entries`` are the ones after our position;
        ``big``: the last entry too large to fetch within the usual timeout."""
        if entry_id(head) < entry_id(self._positions[name]) and name not in self._diverged:
            head, big = self.log.heads([name])[0]  # read before another thread of ours wrote? read again
        if name in self._diverged or entry_id(head) < entry_id(self._positions[name]):
            self._rebuild(name)  # our copy is unsure (a failed append) or the log was wiped
            entries = None
        if head == self._positions[name]:
            return
        if entries is None:
            patient = entry_id(big) > entry_id(self._positions[name])
            entries = self.log.entries(name, self._positions[name], patient=patient)
        for entry_key, fields in entries:
            self._apply(name, fields)
            self._positions[name] = entry_key

    def _rebuild(self, name: str) -> None:
        if name != GLOBAL:
            self._states[name] = self._factories[name]()
            self.on_reset(name)
        else:
            for forget in self.global_resets:
                forget()
        self._positions[name] = START
        self._diverged.discard(name)

    def _apply(self, name: str, fields: Mapping[bytes, bytes]) -> None:
        kind = fields[b"k"].decode()
        meta = orjson.loads(fields[b"m"])
        body = fields.get(b"b", b"")
        try:
            if name == GLOBAL:
                self.global_kinds[kind](meta)
            elif kind == "reset":
                self._states[name] = self._factories[name]()
                self.on_reset(name)
            elif kind == "state":  # {"state": export, "tokens": the API's minted tokens}
                whole = orjson.loads(body)
                state = self._factories[name]()
                state.load(whole["state"])
                self._states[name] = state
                if self.tokens is not None:
                    self.tokens.restore(name, whole["tokens"])
            else:
                self.replayers[name](self._states[name], meta, body)
        except Exception:  # a logged operation that fails here would be a mock bug: say so, go on
            log.exception("replaying %s %s of %s failed", kind, meta.get("operation"), name)

    def admission(self) -> Callable[[dict[str, Any]], Awaitable[None]] | None:
        """What the intake front awaits before running a request (``Intake.admit``): every log's
        head, read from the event loop by an MGET sent after the request began (one answers a
        batch of requests) and left in the environ for ``sync``. Admin requests sync themselves;
        a failed read marks Redis down, so ``sync`` answers 503 at once."""
        if not self.log.async_heads:
            return None
        names = [*self.apis, GLOBAL]
        keys = [self.log.key(n, part) for n in names for part in ("head", "big")]
        check = SharedCheck(self.url, TIMEOUT, keys, self.log.carried, DOWN_SECONDS)
        if self.log.carried is not None:
            self.log.carried.nudger = check  # the journal's entries no request carried go with one of its own

        async def admit(environ: dict[str, Any]) -> None:
            if environ.get("PATH_INFO", "").startswith("/__mock") or self.log.down:
                return
            try:
                found = await check.values()
            except OSError as exc:
                self.log.mark_down(f"Redis is unreachable: {exc}")
                return
            values = [value or START for value in found]
            environ[HEADS_KEY] = dict(zip(names, zip(values[::2], values[1::2], strict=True), strict=True))

        return admit

    # -- writing: lock in Redis, catch up, change, append --------------------------------------

    @contextmanager
    def writing(self, api: str) -> Iterator[Write]:
        """Hold ``api`` for one write; the body runs the handler and calls ``Write.commit``."""
        with self._locks[api], self._held([api], LOCK_MS) as token:
            write = Write(self._states[api])
            try:
                yield write
            except BaseException as exc:
                if not isinstance(exc, ApiError):  # a refusal changed nothing
                    self._diverged.add(api)  # a crash may have left the local state half changed
                raise
            if write.written is not None and self._commit(token, [(api, write.written)]) > COMPACT_AFTER:
                self._compact(api)  # a late worker then replays one entry, not thousands

    @contextmanager
    def _held(self, names: Sequence[str], ttl_ms: int) -> Iterator[str]:
        """Redis locks of ``names`` (taken in sorted order, caught up); released unless appended."""
        token = new_token()
        deadline = time.monotonic() + LOCK_WAIT
        taken: list[str] = []
        try:
            for name in sorted(set(names)):
                head, global_head, entries = self.log.lock(name, self._positions[name], ttl_ms, token, deadline)
                taken.append(name)
                self._catch_up(name, head, entries)
                if global_head != self._positions[GLOBAL] and name != GLOBAL:
                    with self._locks[GLOBAL]:
                        self._catch_up(GLOBAL, global_head)
            yield token
        except StoreUnavailable:
            # Redis is not answering: no release to wait for now. But a paused Redis runs what it
            # was sent when it resumes, this token's lock commands too: released at the next chance
            for name in names:
                self.log.unsure(name, token)
            taken = []
            raise
        finally:
            for name in taken:  # a no-op for the ones the append released
                self.log.release(name, token)

    def _commit(self, token: str, writes: Sequence[tuple[str, Written]]) -> int:
        """Append ``writes`` (their locks held); answers the longest log's length."""
        try:
            appended = self.log.append(token, writes)
        except StoreUnavailable:
            for name, _ in writes:  # applied here, maybe not in the log: rebuild from the log
                self._diverged.add(name)
            raise
        for (name, _), (new_id, _) in zip(writes, appended, strict=True):
            self._positions[name] = new_id
        return max(length for _, length in appended)

    def perform(self, kind: str, meta: Mapping[str, Any]) -> Any:
        """A change to what the global log holds (clock, chaos): applied here, logged, and what
        applying it answered."""
        with self._locks[GLOBAL], self._held([GLOBAL], LOCK_MS) as token:
            done = self.global_kinds[kind](meta)
            self._commit(token, [(GLOBAL, Written(kind, orjson.dumps(meta)))])
            return done

    # -- the admin API's whole-state operations ------------------------------------------------

    def reset(self, api: str | None = None) -> None:
        names = [api] if api else self.apis
        self.sync(api)  # a large entry is fetched here, patiently, not by the lock's script
        with ExitStack() as stack:
            for name in sorted(names):
                stack.enter_context(self._locks[name])
            token = stack.enter_context(self._held(names, LOCK_MS))
            for name in names:
                self._states[name] = self._factories[name]()
                self.on_reset(name)
            self._commit(token, [(name, Written("reset", b"{}", replaces=True)) for name in names])

    def export(self, api: str | None = None) -> dict[str, Any]:
        self.sync(api)
        return super().export(api)

    def load(self, document: Mapping[str, Any], *, replace: bool = True) -> list[str]:
        self.sync()
        with ExitStack() as stack:
            names = sorted(name for name in document if name in self._factories)
            for name in names:
                stack.enter_context(self._locks[name])
            token = stack.enter_context(self._held(names, LONG_LOCK_MS))
            staged = staged_states(self._factories, self._states, document, replace=replace)
            writes = [(name, self._whole(name, state)) for name, state in staged.items()]
            self._states.update(staged)
            self._commit(token, writes)
        return sorted(staged)

    def _whole(self, name: str, state: ApiState) -> Written:
        """An entry that replaces ``name``'s state (and minted tokens) with these: a late worker
        starts from it, the log before it is trimmed."""
        tokens = self.tokens.export(name) if self.tokens is not None else []
        return Written("state", b"{}", orjson.dumps({"state": state.export(), "tokens": tokens}), replaces=True)

    def _compact(self, name: str) -> None:
        """Replace the log of ``name`` by one entry holding its state (its local lock held)."""
        try:
            with self._held([name], LONG_LOCK_MS) as token:
                self._commit(token, [(name, self._whole(name, self._states[name]))])
        except StoreUnavailable as exc:  # the write itself is in the log: it stays acknowledged
            log.warning("compacting the log of %s failed (%s); a later write tries again", name, exc.message)

    def fresh(self) -> bool:
        """Whether no worker ever wrote to this prefix (a seed file loads only then)."""
        return all(head == START for head, _ in self.log.heads([*self.apis, GLOBAL]))

    def close(self) -> None:
        self.log.close()

    def health(self) -> dict[str, Any]:
        problem = self.log.ping()
        shown = {"kind": "redis", "url": masked(self.url), "prefix": self.prefix, "reachable": problem is None}
        if problem is not None:
            shown["error"] = problem
        return shown




class SharedClock:
    """The mock's clock when the state is shared: a freeze, advance or reset is a global-log
    entry, so every worker's clock moves together; reading it is local (a request caught up first)."""

    def __init__(self, store: RedisStore, clock: SystemClock) -> None:
        self.store, self.clock = store, clock
        store.global_kinds["clock"] = self._apply
        store.global_resets.append(clock.reset)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def frozen(self) -> bool:
        return self.clock.frozen

    def freeze(self, at: datetime) -> None:
        self.store.perform("clock", {"op": "freeze", "at": at.isoformat()})

    def advance(self, delta: timedelta) -> None:
        self.store.perform("clock", {"op": "advance", "seconds": delta.total_seconds()})

    def reset(self) -> None:
        self.store.perform("clock", {"op": "reset"})

    def _apply(self, meta: Mapping[str, Any]) -> None:
        if meta["op"] == "freeze":
            self.clock.freeze(datetime.fromisoformat(meta["at"]))
        elif meta["op"] == "advance":
            self.clock.advance(timedelta(seconds=meta["seconds"]))
        else:
            self.clock.reset()


def build_store(config: MockConfig, factories: Mapping[str, Callable[[], ApiState]]) -> InMemoryStore:
    """The store ``config.store`` names: ``memory`` or a Redis URL (checked, not yet reached)."""
    if config.store == "memory":
        return InMemoryStore(factories)
    return RedisStore(factories, parse_url(config.store), config.store_prefix)


def shared_clock(store: InMemoryStore, clock: SystemClock) -> SystemClock:
    """``clock``, or over a Redis store the same clock moved through the global log."""
    if isinstance(store, RedisStore):
        return SharedClock(store, clock)  # type: ignore[return-value]  # the same interface
    return clock
