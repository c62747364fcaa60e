"""What one spec file compiles to, once per process and version of the file: its document,
router and, each on its first use, the request validators and strict mode's response validators."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from mockserver.responses import ResponseValidator, response_components
from mockserver.routing import Router
from mockserver.schemas import SchemaCatalog
from mockserver.spec import Operation, Spec
from mockserver.validation import (
    RequestValidator,
    ValidatedRequest,
    compile_request_validator,
    request_components,
)


class CompiledSpec:
    """What one spec file compiles to: the document, its router and its validators. Shared by
    every app of the process that serves that file unchanged (tests build one app per test,
    ``create_app`` in a client's suite too): each is compiled once, the document read only.
    Validators are compiled on first use: an operation's request validator on its first request
    (the four specs' are ~12 MB and ~35 ms of a start; a client's suite seldom calls every
    operation), response validators (strict mode's, ~40 MB) on the first response checked."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.router = Router(spec.operations)
        self.schemas = SchemaCatalog(request_components(spec))
        components = self.schemas.components
        self.request_validators: dict[str, RequestValidator] = {
            op.operation_id: _OnFirstUse(partial(compile_request_validator, op, spec, components))
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


class _OnFirstUse(RequestValidator):
    """A request validator compiled on its first use, then used as it is."""

    def __init__(self, compile_it: Callable[[], RequestValidator]) -> None:  # no fields of its own
        self._compile_it = compile_it
        self._compiled: RequestValidator | None = None
        self._lock = threading.Lock()

    def compiled(self) -> RequestValidator:
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    compiled = self._compile_it()
                    self.validate = compiled.validate  # type: ignore[method-assign]  # from now on, direct
                    self._compiled = compiled
        return self._compiled

    def validate(self, *args: Any, **kwargs: Any) -> ValidatedRequest:
        return self.compiled().validate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # the dataclass fields (readers, locations, ...)
        return getattr(self.compiled(), name)


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
