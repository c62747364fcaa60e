"""What one spec file compiles to, once per process and version of the file: its document,
router, request validators and (on first use) strict mode's response validators."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver.responses import ResponseValidator, response_components
from mockserver.routing import Router
from mockserver.spec import Operation, Spec
from mockserver.validation import SchemaCatalog, compile_request_validator, request_components


class CompiledSpec:
    """What one spec file compiles to: the document, its router and its validators. Shared by
    every app of the process that serves that file unchanged (tests build one app per test,
    ``create_app`` in a client's suite too): each is compiled once, the document read only.
    Response validators (strict mode's, ~40 MB for the four specs) are compiled on first use."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.router = Router(spec.operations)
        self.schemas = SchemaCatalog(request_components(spec))
        self.request_validators = {
            op.operation_id: compile_request_validator(op, spec, self.schemas.components)
            for op in spec.operations
        }
        self._response_components: Mapping[str, Any] | None = None
        self._response_validators: dict[str, ResponseValidator] = {}
        self._lock = threading.Lock()

    def response_validator(self, operation: Operation) -> ResponseValidator:
        validator = self._response_validators.get(operation.operation_id)
        if validator is None:
            with self._lock:
                if self._response_components is None:
                    self._response_components = response_components(self.spec)
                validator = ResponseValidator(operation, self.spec, self._response_components)
                self._response_validators[operation.operation_id] = validator
        return validator


_COMPILED: dict[tuple[str, int, int], CompiledSpec] = {}
_COMPILING = threading.Lock()


def compiled_spec(path: Path) -> CompiledSpec:
    """The spec file at ``path`` compiled, once per process and version of the file."""
    status = os.stat(path)
    key = (os.fspath(path), status.st_mtime_ns, status.st_size)
    with _COMPILING:
        found = _COMPILED.get(key)
        if found is None:
            found = _COMPILED[key] = CompiledSpec(Spec.from_file(path))
    return found
