"""The replicated operation log on Redis: one stream per API (and one, ``_``, for the mock's own
clock and chaos rules), its head, and a write lock.

Keys, under the deployment's prefix: ``<prefix>:<name>:log`` (a stream of operations),
``<prefix>:<name>:head`` (the id of its last entry) and ``<prefix>:<name>:lock`` (the writer's
token, with a time to live). A writer takes the lock and, in the same script, gets the entries it
has not applied yet; it applies them, runs its operation, and appends it with a script that
checks it still holds the lock (a writer whose lock expired appends nothing). An entry that
replaces the whole state (a reset, a loaded state) trims everything before it, so the stream
always starts at the beginning or at such an entry.

Every command fails within ``TIMEOUT`` seconds when Redis is down or unreachable, with no retry:
the caller answers 503 at once instead of holding the client.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mockserver import rawredis
from mockserver.errors import ConfigurationError, StoreUnavailable
from mockserver.lazy import lazy_module
from mockserver.rawredis import Carried, HeadReader

if TYPE_CHECKING:
    import redis
else:  # redis-py loads on first use: a mock on the memory store never pays its ~5 MB and ~50 ms
    redis = lazy_module("redis")

TIMEOUT = 0.6  # seconds per Redis command (connect, read); a request stops at its first failure: < 1 s
GLOBAL = "_"  # the log of what is not one API's: the clock, the chaos rules
LOCK_MS = 2000  # a writer killed while holding a lock blocks its API's writes this long at most
LONG_LOCK_MS = 60_000  # a state load of 100k events may take seconds
LOCK_WAIT = 5.0  # seconds a writer waits for another's lock before answering 503
COMPACT_AFTER = 2000  # log entries of one API after which a writer appends the whole state
# An entry with a body over BIG_BYTES (a loaded state) is marked in ``<prefix>:<name>:big``: moving
# it takes longer than TIMEOUT, so a catch-up that includes it (and its append) uses PATIENT_TIMEOUT
BIG_BYTES = 256 * 1024
PATIENT_TIMEOUT = 120.0
# after a command failed for want of Redis, requests are answered 503 at once for this long (one
# worker answers one request at a time: each waiting out the timeout would queue the others)
DOWN_SECONDS = 0.5
Entry = tuple[bytes, dict[bytes, bytes]]
START = b"0-0"

_ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local head = redis.call('GET', KEYS[3]) or '0-0'
local entries = {}
if head ~= ARGV[3] then entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[3], '+') end
return {head, redis.call('GET', KEYS[4]) or '0-0', entries}
"""
_APPEND = """
local n = tonumber(ARGV[2])
for i = 0, n - 1 do
  if redis.call('GET', KEYS[i * 4 + 1]) ~= ARGV[1] then return redis.error_reply('LOCKLOST') end
end
local ids = {}
for i = 0, n - 1 do
  local a = 4 + i * 4
  local id = redis.call('XADD', KEYS[i * 4 + 2], '*', 'k', ARGV[a], 'm', ARGV[a + 1], 'b', ARGV[a + 2])
  redis.call('SET', KEYS[i * 4 + 3], id)
  if string.len(ARGV[a + 2]) > tonumber(ARGV[3]) then redis.call('SET', KEYS[i * 4 + 4], id) end
  if ARGV[a + 3] == '1' then redis.call('XTRIM', KEYS[i * 4 + 2], 'MINID', id) end
  redis.call('DEL', KEYS[i * 4 + 1])
  ids[i + 1] = {id, redis.call('XLEN', KEYS[i * 4 + 2])}
end
return ids
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


class LockLost(StoreUnavailable):
    """A writer's lock expired before it appended: its operation was not applied anywhere."""


def entry_id(raw: bytes) -> tuple[int, int]:
    millis, _, seq = raw.partition(b"-")
    return int(millis), int(seq or 0)


def parse_url(url: str) -> str:
    """``redis://HOST:PORT/DB`` checked, or a ConfigurationError saying what a store URL is."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise ConfigurationError(f"store: {url!r} is neither 'memory' nor redis://HOST:PORT/DB")
    try:
        _ = parts.port
        db = parts.path.strip("/")
        if parts.scheme != "unix" and db and not db.isdigit():
            raise ValueError(db)
    except ValueError:
        raise ConfigurationError(f"store: {url!r}: the port and the /DB must be numbers") from None
    return url


def masked(url: str) -> str:
    """The URL without its password (for the banner and the health endpoint)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


@dataclass(frozen=True)
class Written:
    """One operation to append: its kind, metadata (JSON), body, and whether it replaces the state."""

    kind: str
    meta: bytes
    body: bytes = b""
    replaces: bool = False


class OpLog:
    """The Redis side of the replicated store; every method raises StoreUnavailable on failure."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.redis = _client(url, TIMEOUT)
        self.patient = _client(url, PATIENT_TIMEOUT)
        self._heads = HeadReader(url, TIMEOUT) if rawredis.handled(url) else None
        self.async_heads = self._heads is not None  # plain sockets serve the event loop's check too
        self.carried: Carried | None = None  # what rides ahead of each head check (the journal's)
        self._keys: dict[tuple[str, ...], list[str]] = {}
        self._down_until = 0.0
        self._down_reason = ""
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._append = self.redis.register_script(_APPEND)
        self._release = self.redis.register_script(_RELEASE)
        self._unsure: dict[str, str] = {}  # locks a paused Redis may still take when it resumes

    def key(self, name: str, part: str) -> str:
        return f"{self.prefix}:{name}:{part}"

    def heads(self, names: Sequence[str]) -> list[tuple[bytes, bytes]]:
        """(head, last big entry) of each name."""
        keys = self._keys.get(tuple(names))
        if keys is None:
            keys = self._keys.setdefault(tuple(names), [self.key(n, part) for n in names for part in ("head", "big")])
        found = [value or START for value in self._do(self._mget, keys)]
        return list(zip(found[::2], found[1::2], strict=True))

    def entries(self, name: str, after: bytes, *, patient: bool = False) -> list[Entry]:
        client = self.patient if patient else self.redis
        found: list[Entry] = self._do(client.xrange, self.key(name, "log"), b"(" + after, b"+")
        return found

    def lock(self, name: str, position: bytes, ttl_ms: int, token: str, deadline: float) -> tuple[bytes, bytes, list[Entry]]:
        """Take ``name``'s write lock: (its head, the global head, the entries after ``position``)."""
        self.release_unsure()
        keys = [self.key(name, "lock"), self.key(name, "log"), self.key(name, "head"), self.key(GLOBAL, "head")]
        pause = 0.0002
        while True:
            found = self._do(self._acquire, keys=keys, args=[token, ttl_ms, position])
            if found is not None:
                head, global_head, entries = found
                return head, global_head, [(i, _pairs(fields)) for i, fields in entries]
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"another writer held the lock of {name} for over {LOCK_WAIT:g} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.005)

    def append(self, token: str, writes: Sequence[tuple[str, Written]]) -> list[tuple[bytes, int]]:
        """Append each write to its log: (new id, the log's length) of each."""
        keys: list[str] = []
        args: list[Any] = [token, len(writes), BIG_BYTES]
        for name, written in writes:
            keys += [self.key(name, part) for part in ("lock", "log", "head", "big")]
            args += [written.kind, written.meta, written.body, "1" if written.replaces else "0"]
        big = any(len(written.body) > BIG_BYTES for _, written in writes)
        try:
            ids: list[tuple[bytes, int]] = self._do(
                self._append, keys=keys, args=args, client=self.patient if big else None
            )
        except StoreUnavailable as exc:
            if "LOCKLOST" in exc.message:
                raise LockLost("this write took longer than its lock: not applied, send it again") from None
            raise
        return [(new_id, int(length)) for new_id, length in ids]

    def release(self, name: str, token: str) -> None:
        if self.down:
            return  # the lock expires by itself
        try:
            self._release(keys=[self.key(name, "lock")], args=[token])
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self.mark_down(f"Redis is unreachable: {exc}")  # the next request need not wait it out again
        except redis.RedisError:
            pass  # the lock expires by itself

    def unsure(self, name: str, token: str) -> None:
        """``token``'s lock of ``name`` may be held though no one holds it: a command to a paused
        Redis (SIGSTOP, a stalled host) runs when it resumes, after we stopped waiting; a lock
        taken then would stop every writer of ``name`` for LOCK_MS. Released at the next chance."""
        self._unsure[name] = token

    def release_unsure(self) -> None:
        """Release the locks :meth:`unsure` noted, once Redis answers again (a no-op if none)."""
        if not self._unsure:
            return
        for name, token in list(self._unsure.items()):
            if self.down:
                return
            try:
                self._release(keys=[self.key(name, "lock")], args=[token])
            except redis.RedisError:
                return  # still away: the next request tries again
            self._unsure.pop(name, None)

    def call(self, name: str, *args: Any) -> Any:
        """Any redis-py command by name, with StoreUnavailable for a failure."""
        return self._do(getattr(self.redis, name), *args)

    def call_pipeline(self, pipe: Any) -> list[Any]:
        found: list[Any] = self._do(pipe.execute)
        return found

    def close(self) -> None:
        if self._heads is not None:
            self._heads.close()
        self.redis.close()
        self.patient.close()

    def ping(self) -> str | None:
        """None when Redis answers, else why not."""
        try:
            self.redis.ping()
        except redis.RedisError as exc:
            return f"{type(exc).__name__}: {exc}"
        self._down_until = 0.0  # back: requests need not wait out the rest of the pause
        return None

    def _mget(self, keys: list[str]) -> list[bytes | None]:
        if self._heads is None:
            found: list[bytes | None] = self.redis.mget(keys)  # type: ignore[assignment]
            return found
        try:
            return self._heads.mget(keys, self.carried)
        except OSError as exc:  # as redis-py's errors, for _do
            raise redis.ConnectionError(str(exc) or type(exc).__name__) from None

    @property
    def down(self) -> bool:
        """Whether a command failed for want of Redis less than DOWN_SECONDS ago."""
        return bool(self._down_until) and time.monotonic() < self._down_until

    def mark_down(self, reason: str) -> None:
        self._down_reason = reason
        self._down_until = time.monotonic() + DOWN_SECONDS

    def _do(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        if self.down:
            raise StoreUnavailable(self._down_reason)
        try:
            found = command(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self.mark_down(f"Redis is unreachable: {exc}")
            raise StoreUnavailable(self._down_reason) from None
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis refused a command: {exc}") from None
        self._down_until = 0.0
        return found


def _client(url: str, timeout: float) -> redis.Redis:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        protocol=2,
        socket_timeout=timeout,
        socket_connect_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=0,
    )


def _pairs(fields: list[bytes]) -> dict[bytes, bytes]:
    return dict(zip(fields[::2], fields[1::2], strict=True))


def new_token() -> str:
    return secrets.token_hex(12)
