"""What one drift run observed: per request, two live answers and the mock's."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_NO_BODY = object()


@dataclass(frozen=True)
class Answer:
    """One HTTP answer. ``headers`` have lower-case names; ``body`` is the parsed JSON, or
    ``None`` with ``is_json`` false when the body is empty or not JSON (``text`` keeps it).
    ``base`` is the URL the request went to without the operation's path, so a ``Location``
    can be compared whatever host each target lives on."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    is_json: bool = False
    text: str = ""
    base: str = ""

    @classmethod
    def parse(
        cls, status: int, headers: Iterable[tuple[str, str]], raw: bytes | str, base: str = ""
    ) -> Answer:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        lowered: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
        body = _json(text)
        return cls(status, lowered, None if body is _NO_BODY else body, body is not _NO_BODY, text, base)

    def export(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": dict(self.headers),
            "body": self.body if self.is_json else self.text,
        }


def _json(text: str) -> Any:
    if not text.strip():
        return _NO_BODY
    try:
        return json.loads(text)
    except ValueError:
        return _NO_BODY


@dataclass(frozen=True)
class Sample:
    """One request sent to each target: ``live`` holds live's two answers, in the order sent
    (live, mock, live: anything time-based that moved between live and the mock also moved
    between the two live calls, so it is learned as noise)."""

    api: str
    operation: str  # the spec's label, "GET /v2/events/{event}"
    request: str  # what was sent, "GET /v2/events/12", for the report
    live: tuple[Answer, Answer]
    mock: Answer
    # the operation lists the target's records (a list or search): its values — counts, pages,
    # the records themselves — describe what each store holds, so only its structure is compared
    listing: bool = False
