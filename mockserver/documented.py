"""Answering with a response an operation documents: ``Prefer: code=``, ``example=``, ``dynamic=``.

The answer is the documented example (the named one, else the response's first), or with
``dynamic=true`` (or when the response has no example) a body made up from its schema with a
seeded generator, checked against the same schema strict mode uses. No handler runs, so no
state changes. A code or example name the operation does not document is refused with a list
of what it does document.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.fabricate import Fabricator
from mockserver.registry import Reply
from mockserver.spec import Operation, resolve

ATTEMPTS = 50  # draws tried for a schema whose pattern the generator cannot aim at
Check = Callable[[Reply], list[str]]


class NotDocumented(LookupError):
    """The preference names a status or example the operation does not document."""

    def __init__(self, message: str, documented: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.documented = documented


class CannotFabricate(RuntimeError):
    """No draw of the generator satisfied the schema (a spec the generator cannot serve)."""


@dataclass(frozen=True)
class DocumentedResponse:
    status: str
    media_type: str | None
    schema: Any
    examples: dict[str, Any]  # name -> value; the unnamed ``example`` is listed as "default"
    headers: dict[str, Any]


def _examples(document: Mapping[str, Any], media: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "example" in media:
        found["default"] = media["example"]
    for name, example in (media.get("examples") or {}).items():
        example = resolve(document, example)
        if "value" in example:
            found[name] = example["value"]
    return found


def _media(content: Mapping[str, Any]) -> str | None:
    for media in content:
        if media.split(";")[0].strip() == "application/json" or media.endswith("+json"):
            return str(media)
    return next(iter(content), None)


class OperationResponses:
    """The documented responses of one operation, by status code."""

    def __init__(self, operation: Operation, document: Mapping[str, Any]) -> None:
        self.operation = operation
        self.document = document
        self.responses: dict[str, DocumentedResponse] = {}
        for status, response in operation.responses.items():
            content = response.get("content") or {}
            media = _media(content)
            entry = content.get(media, {}) if media else {}
            self.responses[str(status)] = DocumentedResponse(
                str(status),
                media,
                entry.get("schema"),
                _examples(document, entry),
                {name: resolve(document, header) for name, header in (response.get("headers") or {}).items()},
            )

    def listing(self) -> dict[str, list[str]]:
        """Each documented status with its example names (what a refusal tells the client)."""
        return {status: list(r.examples) for status, r in sorted(self.responses.items())}

    def refuse(self, message: str) -> NotDocumented:
        return NotDocumented(f"{message} ({self.operation.label} documents {self._summary()})", self.listing())

    def _summary(self) -> str:
        parts = []
        for status, names in self.listing().items():
            parts.append(f"{status} [{', '.join(names)}]" if names else status)
        return "; ".join(parts)

    def _for_code(self, code: int) -> DocumentedResponse:
        text = str(code)
        for key in (text, f"{text[0]}XX", f"{text[0]}xx", "default"):
            if key in self.responses:
                return self.responses[key]
        raise self.refuse(f"status {code} is not documented")

    def _success(self) -> DocumentedResponse:
        codes = sorted(s for s in self.responses if s.startswith("2")) or sorted(self.responses)
        if not codes:
            raise self.refuse("the operation documents no response")
        return self.responses[codes[0]]

    def choose(self, code: int | None, example: str | None) -> DocumentedResponse:
        """The response a preference names: by code, else the one holding the example, else 2xx."""
        if code is not None:
            chosen = self._for_code(code)
            if example is not None and example not in chosen.examples:
                raise self.refuse(f"status {code} has no example named {example!r}")
            return chosen
        if example is None:
            return self._success()
        success = self._success()
        if example in success.examples:
            return success
        holding = [r for s, r in sorted(self.responses.items()) if example in r.examples]
        if not holding:
            raise self.refuse(f"no response has an example named {example!r}")
        return holding[0]

    def answer(
        self,
        code: int | None,
        example: str | None,
        dynamic: bool | None,
        seed: int,
        check: Check | None = None,
    ) -> Reply:
        """The reply for the preference; ``check`` lists a reply's violations of the spec."""
        chosen = self.choose(code, example)
        status = code if code is not None else _numeric(chosen.status)
        rng = random.Random(seed)
        fabricator = Fabricator(self.document, rng)
        static = dynamic is not True and (example is not None or chosen.examples)
        for _ in range(ATTEMPTS):
            headers = {name: str(self._header(fabricator, header)) for name, header in chosen.headers.items()}
            if chosen.media_type is None:
                body = None
            elif static:
                body = chosen.examples[example or next(iter(chosen.examples))]
            else:
                body = fabricator.value(chosen.schema or {})
            reply = Reply(body, status, headers, chosen.media_type or "application/json")
            if check is None or not check(reply):
                return reply
        raise CannotFabricate(f"{self.operation.label} {chosen.status}: no valid body in {ATTEMPTS} draws")

    def _header(self, fabricator: Fabricator, header: Mapping[str, Any]) -> Any:
        if "example" in header:
            return header["example"]
        return fabricator.value(header.get("schema") or {"type": "string"})


def _numeric(status: str) -> int:
    if status.isdigit():
        return int(status)
    return int(status[0]) * 100 if status[0].isdigit() else 200
