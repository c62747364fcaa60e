"""What the spec says about live's answers: enum values it does not list.

Reuses the mock's strict-mode response validators (``mockserver.responses``): the same
compiled schema that checks the mock's answers finds the enum values live answers with.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from mockserver.responses import ResponseValidator, response_components
from mockserver.spec import SPECS_DIR, Spec


@cache
def spec_of(api: str) -> Spec:
    """The API's spec, parsed once per process (a drift run reads it in several places)."""
    return Spec.from_file(SPECS_DIR / f"{api}.yaml")


class SpecEnums:
    """The :data:`contracts.drift.compare.EnumCheck` of one API's spec."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.operations = {operation.label: operation for operation in spec.operations}
        self._components = response_components(spec)
        self._validators: dict[str, ResponseValidator] = {}

    def validator(self, label: str) -> ResponseValidator | None:
        if label not in self._validators:
            operation = self.operations.get(label)
            if operation is None:
                return None
            self._validators[label] = ResponseValidator(operation, self.spec, self._components)
        return self._validators[label]

    def __call__(
        self, api: str, operation: str, status: int, body: Any
    ) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
        validator = self.validator(operation)
        documented = validator._documented(status) if validator is not None else None
        if documented is None or documented.schema is None:
            return
        for error in documented.schema.errors(body):
            if error.kind == "enum":
                pointer = "".join(
                    f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in error.path
                )
                yield pointer, _at(body, error.path), error.allowed


def _at(body: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        body = body[part]
    return body
