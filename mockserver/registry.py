"""What an API module provides, and the start-up check that spec and handlers agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from werkzeug.datastructures import Headers

from mockserver.auth import Principal, TokenRegistry
from mockserver.config import MockConfig
from mockserver.errors import ApiError, ConfigurationError, FieldError
from mockserver.schemas import SchemaCatalog
from mockserver.spec import SPECS_DIR, Operation, Spec
from mockserver.validation import ValidatedRequest


class ApiState(Protocol):
    """One API's in-memory state; exported and loaded as plain JSON-like data."""

    def export(self) -> dict[str, Any]: ...

    def load(self, data: Mapping[str, Any]) -> None: ...


StateT = TypeVar("StateT", bound=ApiState)


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a JSON-like body (or text), a status and extra headers."""

    body: Any = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass(frozen=True)
class RequestContext(Generic[StateT]):
    """Everything a handler may read: validated input, the API's state, the clock."""

    operation: Operation
    request: ValidatedRequest
    state: StateT
    principal: Principal | None
    tokens: TokenRegistry
    now: datetime
    base_url: str
    config: MockConfig
    schemas: SchemaCatalog

    @property
    def body(self) -> Any:
        return self.request.body

    @property
    def query(self) -> dict[str, Any]:
        return self.request.query

    @property
    def path(self) -> dict[str, Any]:
        return self.request.path


Handler = Callable[[RequestContext[Any]], Reply]
# (operationId, parsed body, the API's state) → the problems only stored state reveals
StateRules = Callable[[str, Any, Any], list[FieldError]]


class ErrorRenderer(Protocol):
    """Renders an ApiError in the vendor's envelope; ``headers`` are the request's (e.g. Accept-Language)."""

    def __call__(self, error: ApiError, operation: Operation | None, headers: Headers) -> Reply: ...


@dataclass(frozen=True)
class ApiDefinition:
    """One vendor API: its spec, one handler per operationId, its error envelope, its state."""

    name: str
    handlers: Mapping[str, Handler]
    render_error: ErrorRenderer
    new_state: Callable[[], ApiState]
    spec_file: Path | None = None
    # the keys its token endpoint accepts unless the config's api_keys names them (MockConfig.api_keys)
    api_keys: tuple[str, ...] = ()
    # keys of the exported state whose values are secrets (redacted unless asked for explicitly)
    secret_keys: frozenset[str] = frozenset()
    # forgets what the API's module-level caches hold (called on every reset of this API)
    clear_caches: Callable[[], None] = lambda: None
    # asked also when the spec refused the body, so one answer lists every problem at once
    state_rules: StateRules | None = None
    # characters this API's JSON reader takes as whitespace between tokens (12Twenty: U+00A0)
    json_blanks: str = ""
    # operationIds that change nothing though their method is not GET (a search sent as POST): on
    # a shared store they run as reads, not under the API's Redis lock nor replayed by every worker
    reads: frozenset[str] = frozenset()

    @property
    def spec_path(self) -> Path:
        return self.spec_file or SPECS_DIR / f"{self.name}.yaml"

    def load_spec(self) -> Spec:
        spec = Spec.from_file(self.spec_path)
        check_handlers(self.name, spec, self.handlers)
        return spec


def check_handlers(api: str, spec: Spec, handlers: Mapping[str, Handler]) -> None:
    """Fail fast unless every operation has exactly one handler and every handler an operation."""
    ids = [op.operation_id for op in spec.operations]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    missing = sorted(set(ids) - set(handlers))
    unused = sorted(set(handlers) - set(ids))
    problems = []
    if duplicated:
        problems.append(f"operationIds used more than once: {', '.join(duplicated)}")
    if missing:
        problems.append(f"operations without a handler: {', '.join(missing)}")
    if unused:
        problems.append(f"handlers without an operation: {', '.join(unused)}")
    if problems:
        raise ConfigurationError(f"API {api!r} ({spec.source}): " + "; ".join(problems))
