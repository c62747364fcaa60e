"""B2Core's rules the schema cannot state, as errors its renderer phrases (``errors.RENDERER``).

The one cross-field rule: an event never ends before it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.apis.b2core.dates import parse_instant
from mockserver.errors import BadRequest, RecordNotFound


class EndBeforeStart(BadRequest):
    """``endDate`` is earlier than ``startDate`` (reported under ``endDate``)."""

    field = "endDate"

    def __init__(self) -> None:
        super().__init__("The endDate must not be before the startDate.")


class EventNotFound(RecordNotFound):
    """No event has the id in the path."""


def check_date_order(event: Mapping[str, Any]) -> None:
    """Raise ``EndBeforeStart`` if the event ends before it starts (equal is fine)."""
    if parse_instant(event["endDate"]) < parse_instant(event["startDate"]):
        raise EndBeforeStart()
