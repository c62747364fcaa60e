"""Giving memory a flood of large requests took back to the operating system.

Three allocators hold a served mock's memory, and each kept what a flood freed (bench/hostile.py:
20 near-cap bodies left the worker at 5.25x a fresh one's RSS after a reset):

- the cyclic GC: a Werkzeug request kept in its WSGI environ is a reference cycle, so every body
  waited for a full collection (``gateway.py`` no longer makes that cycle);
- glibc, which CPython hands blocks over 512 bytes to: freed pages stay in its arenas until
  ``malloc_trim`` (``give_back``, called after a reset: microseconds);
- jemalloc, granian's allocator for what it reads off the socket: freed pages are purged only
  after ``dirty_decay_ms`` (10 s) and only when it allocates again. ``configure_server`` asks for
  immediate purging, unless ``_RJEM_MALLOC_CONF`` is set already; it must run before granian is
  imported.

Elsewhere than glibc ``give_back`` does nothing.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, MutableMapping

JEMALLOC_VARIABLE = "_RJEM_MALLOC_CONF"  # the prefixed name granian's jemalloc reads
JEMALLOC_SETTINGS = "dirty_decay_ms:0,muzzy_decay_ms:0"


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        # the process's own symbols (libc's among them): find_library("c") would run `ldconfig -p`
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return trim


_TRIM = _malloc_trim()


def configure_server(environ: MutableMapping[str, str] = os.environ) -> None:
    """Before granian is imported: its allocator purges freed pages at once."""
    environ.setdefault(JEMALLOC_VARIABLE, JEMALLOC_SETTINGS)


def give_back() -> bool:
    """Return glibc's free memory (every arena) to the system; ``False`` where it cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
