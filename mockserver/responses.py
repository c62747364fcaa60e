"""Strict mode's side of validation: a reply checked against the documented responses of its
operation (status, required headers, header values, body), with the compiled validators of
``schemas.py``; also used by the validating proxy and the drift report."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.schemas import SchemaValidator, without_marked
from mockserver.spec import Operation, Spec, resolve
from mockserver.validation import json_schema


@dataclass(frozen=True)
class ResponseSpec:
    schema: SchemaValidator | None
    has_content: bool
    required_headers: tuple[str, ...]
    # documented headers whose schema constrains a string: (name, validator of the value)
    header_values: tuple[tuple[str, SchemaValidator], ...] = ()
    text: bool = False  # a text/plain body is documented too


class ResponseValidator:
    """Checks a reply against the documented responses of one operation."""

    def __init__(self, operation: Operation, spec: Spec, components: Mapping[str, Any]) -> None:
        self.operation = operation
        self.responses: dict[str, ResponseSpec] = {}
        for code, response in operation.responses.items():
            schema = json_schema(response.get("content"))
            headers = tuple(
                name
                for name, header in response.get("headers", {}).items()
                if resolve(spec.document, header).get("required")
            )
            compiled = SchemaValidator(without_marked(schema, "writeOnly"), components) if schema else None
            values = tuple(
                (name, SchemaValidator(found, components))
                for name, header in response.get("headers", {}).items()
                if (found := resolve(spec.document, resolve(spec.document, header).get("schema") or {}))
                and found.get("type") == "string"
            )
            text = any(media.startswith("text/plain") for media in response.get("content") or {})
            self.responses[str(code)] = ResponseSpec(
                compiled, bool(response.get("content")), headers, values, text
            )

    def _documented(self, status: int) -> ResponseSpec | None:
        code = str(status)
        return (
            self.responses.get(code)
            or self.responses.get(f"{code[0]}XX")
            or self.responses.get(f"{code[0]}xx")
            or self.responses.get("default")
        )

    def violations(
        self, status: int, headers: Mapping[str, str], body: Any, is_json: bool, head: bool = False
    ) -> list[str]:
        """What departs from the documented response; ``head``: the answer to a HEAD, which
        carries the GET's status and headers but never its body."""
        documented = self._documented(status)
        if documented is None:
            return [f"status {status} is not documented for {self.operation.label}"]
        found = [f"missing response header {h}" for h in documented.required_headers if h not in headers]
        found += [
            f"response header {name}: {problem.removeprefix('body: ')}"
            for name, schema in documented.header_values
            if name in headers
            for problem in schema.violations(_header(headers, name))
        ]
        if head:
            return found
        if documented.schema is not None and not (documented.text and not is_json):
            if not is_json:
                found.append(f"status {status} must have a JSON body")
            else:
                found.extend(documented.schema.violations(body))
        elif not documented.has_content and body is not None:
            found.append(f"status {status} is documented without a body")
        return found


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, its name matched case-insensitively (whatever mapping holds them)."""
    wanted = name.lower()
    return next(value for key, value in headers.items() if key.lower() == wanted)


def response_components(spec: Spec) -> Mapping[str, Any]:
    """The spec's components as a response sees them: ``writeOnly`` properties removed."""
    components: Mapping[str, Any] = without_marked(copy.deepcopy(dict(spec.components)), "writeOnly")
    return components
