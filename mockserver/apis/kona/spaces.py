"""Spaces known to the mock. Events live in spaces; an unknown ``space_id`` is a 422.

The default space has id 9 so that Kona's own example payloads (``"space_id": 9`` in
sections/external_objects.md and the api-notes create example) work against a fresh mock.
"""

from __future__ import annotations

from typing import Any

DEFAULT_SPACE_ID = 9
DEFAULT_SPACE_NAME = "My Space"


def initial_spaces() -> dict[int, dict[str, Any]]:
    """The spaces of a freshly reset mock: just the default one (a new dict each call)."""
    return {DEFAULT_SPACE_ID: {"id": DEFAULT_SPACE_ID, "name": DEFAULT_SPACE_NAME}}
