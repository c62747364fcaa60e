"""One mounted API at run time: route, authenticate, validate, handle, check, render."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from werkzeug.wrappers import Request

from mockserver import replay
from mockserver.auth import AuthFailure, Principal, authenticate, drawn_from
from mockserver.chaos import documents
from mockserver.compiled import compiled_spec
from mockserver.control import (
    Control,
    ResponseControl,
    not_documented,
    preference_error,
    uncontrolled,
)
from mockserver.documented import NotDocumented
from mockserver.errors import ApiError, Forbidden, RequestValidationError, StoreUnavailable, Unauthorized
from mockserver.faults import CONTROL_KEY
from mockserver.jsonbody import blank_outside_strings
from mockserver.prefer import PreferenceError, Preferences
from mockserver.registry import ApiDefinition, Handler, Reply, RequestContext, check_handlers
from mockserver.responses import ResponseValidator
from mockserver.services import Services
from mockserver.shared import HEADS_KEY, RedisStore
from mockserver.spec import Operation, Spec
from mockserver.validation import RequestValidator, ValidatedRequest

log = logging.getLogger("mockserver")
READS = frozenset({"GET", "HEAD", "OPTIONS"})  # operations that never change the state
GRANTED_HEADERS = 64  # Authorization values remembered per API as a configured grant's principal


@dataclass(frozen=True)
class CompiledOperation:
    operation: Operation
    handler: Handler
    request_validator: RequestValidator
    public: bool
    scopes: tuple[str, ...]


def _security(operation: Operation) -> tuple[bool, tuple[str, ...]]:
    """(public, required scopes) from the operation's security requirements."""
    if not operation.security or any(not req for req in operation.security):
        return True, ()
    scopes = tuple(s for req in operation.security[:1] for values in req.values() for s in values)
    return False, scopes


class ApiRuntime:
    def __init__(self, definition: ApiDefinition, services: Services) -> None:
        self.definition = definition
        self.name = definition.name
        self.services = services
        self.compiled = compiled_spec(definition.spec_path)
        self.spec: Spec = self.compiled.spec
        check_handlers(self.name, self.spec, definition.handlers)
        self.router = self.compiled.router
        self.schemas = self.compiled.schemas
        self.operations = self._compile()
        self.control = ResponseControl(self)
        # (the config's grants, {Authorization header value: its grant's principal})
        self._granted: tuple[Any, dict[str, Principal]] = ((), {})
        if services.config.strict:  # compiled up front when strict, else on first strict use
            for operation in self.spec.operations:
                self.response_validator(operation)

    def response_validator(self, operation: Operation) -> ResponseValidator:
        return self.compiled.response_validator(operation)

    def _compile(self) -> dict[str, CompiledOperation]:
        compiled = {}
        for op in self.spec.operations:
            public, scopes = _security(op)
            compiled[op.operation_id] = CompiledOperation(
                op,
                self.definition.handlers[op.operation_id],
                self.compiled.request_validators[op.operation_id],
                public,
                scopes,
            )
        return compiled

    def dispatch(
        self, request: Request, path: str, mount: str, refused: ApiError | None = None
    ) -> tuple[Reply, str | None]:
        """The answer to one request at ``path`` inside the API, and the operation it matched;
        ``refused`` is the intake's refusal of its body (too large, too slow), answered as is."""
        compiled: CompiledOperation | None = None
        own = False  # the mock's own answer (a refused preference, an undocumented injection)
        try:
            if refused is not None:
                raise refused
            if _is_preflight(request) and self.router.template_for(path) is not None:
                return Reply(None, 204), None
            operation, path_args = self.router.match(path, request.method)
            compiled = self.operations[operation.operation_id]
            if self.services.store.shared:
                # what other workers wrote first (StoreUnavailable: 503), to the heads the front read
                self.services.store.sync(self.name, request.environ.get(HEADS_KEY))
            base_url = _host_url(request) + mount
            if uncontrolled(request.environ, self.services.chaos):
                reply = self._handle(compiled, request, path_args, base_url)  # no response control
            else:
                try:
                    preferences = ResponseControl.preferences(request)
                except PreferenceError as error:
                    return preference_error(error), compiled.operation.operation_id
                reply, own = self._controlled(compiled, request, path, path_args, base_url, preferences)
        except ApiError as error:
            reply = self.definition.render_error(
                error, compiled.operation if compiled else None, request.headers
            )
            own = own or isinstance(error, StoreUnavailable)  # the mock's own 503, documented or not
        if compiled is None:
            return without_body(reply) if request.method == "HEAD" else reply, None
        if self.services.config.strict and not own:
            reply = self._strict(compiled, reply)
        if request.method == "HEAD":
            reply = without_body(reply)
        return reply, compiled.operation.operation_id

    def _controlled(
        self,
        compiled: CompiledOperation,
        request: Request,
        path: str,
        path_args: dict[str, str],
        base_url: str,
        preferences: Preferences | None,
    ) -> tuple[Reply, bool]:
        """The pipeline with the chaos rules and the preferences applied (``control.py``)."""
        operation = compiled.operation
        control = Control()
        request.environ[CONTROL_KEY] = control
        injected = None
        if self.services.chaos.rules:
            for effect in self.control.rule_effects(request, operation, path):
                control.add(effect)
                if injected is None and effect.status is not None and effect.skipped is None:
                    injected = effect
        if injected is not None and injected.status is not None:
            reply = self.control.injected(operation, injected.status, injected.seed, request)
            if injected.retry_after is not None:
                reply = Reply(
                    reply.body, reply.status, {**reply.headers, "Retry-After": str(injected.retry_after)},
                    reply.content_type,
                )
            return reply, not documents(operation, injected.status)
        try:
            reply = self._handle(compiled, request, path_args, base_url, preferences, control)
        except NotDocumented as error:
            return not_documented(error, operation), True
        return reply, control.outside_contract

    def _handle(
        self,
        compiled: CompiledOperation,
        request: Request,
        path_args: dict[str, str],
        base_url: str,
        preferences: Preferences | None = None,
        control: Control | None = None,
    ) -> Reply:
        now = self.services.clock.now()
        principal = None if compiled.public else self._principal(compiled, request, now)
        raw = request.get_data()
        if self.definition.json_blanks:
            raw = blank_outside_strings(raw, self.definition.json_blanks)
        validator = compiled.request_validator
        try:  # the query string is parsed there, if the operation reads it and it is not remembered
            validated = validator.validate(path_args, request.query_string, request.headers, raw)
        except RequestValidationError as error:
            self._add_state_problems(compiled, error)
            raise

        if preferences is None or control is None:
            return self._call(compiled, validated, principal, now, base_url, request, path_args)
        return self.control.answer(
            preferences,
            compiled.operation,
            request,
            control,
            lambda: self._call(compiled, validated, principal, now, base_url, request, path_args),
        )

    def _call(
        self,
        compiled: CompiledOperation,
        validated: ValidatedRequest,
        principal: Principal | None,
        now: Any,
        base_url: str,
        request: Request | None = None,
        path_args: Mapping[str, str] | None = None,
    ) -> Reply:
        store = self.services.store
        operation = compiled.operation
        reads = operation.method in READS or operation.operation_id in self.definition.reads
        if not store.shared or reads or request is None:
            with store.locked(self.name) as state:
                return compiled.handler(self._context(compiled, validated, state, principal, now, base_url))
        assert isinstance(store, RedisStore)
        with store.writing(self.name) as write:  # shared.py: locked in Redis, logged for the others
            with drawn_from(write.seed):
                context = self._context(compiled, validated, write.state, principal, now, base_url)
                reply = compiled.handler(context)
            meta = replay.logged(compiled.operation, request, path_args or {}, principal, now, base_url)
            write.commit("call", meta, request.get_data())
            return reply

    def replay(self, state: Any, meta: Mapping[str, Any], body: bytes) -> None:
        """Run a request another worker logged (``shared.py``) on this worker's ``state``."""
        compiled = self.operations[meta["operation"]]
        path_args, query, headers, principal, now, base_url = replay.inputs(meta)
        validated = compiled.request_validator.validate(path_args, query, headers, body)
        with drawn_from(bytes.fromhex(meta["seed"])):
            compiled.handler(self._context(compiled, validated, state, principal, now, base_url))

    def _context(
        self,
        compiled: CompiledOperation,
        validated: ValidatedRequest,
        state: Any,
        principal: Principal | None,
        now: Any,
        base_url: str,
    ) -> RequestContext[Any]:
        return RequestContext(
            compiled.operation,
            validated,
            state,
            principal,
            self.services.tokens,
            now,
            base_url,
            self.services.config,
            self.schemas,
        )

    def _add_state_problems(self, compiled: CompiledOperation, error: RequestValidationError) -> None:
        """Raise ``error`` with the API's state rules' problems added, if it has any."""
        rules = self.definition.state_rules
        if rules is None or error.body is None:
            return
        with self.services.store.locked(self.name) as state:
            extra = rules(compiled.operation.operation_id, error.body, state)
        if extra:
            raise RequestValidationError([*error.errors, *extra], error.body) from None

    def _principal(self, compiled: CompiledOperation, request: Request, now: Any) -> Principal:
        authorization = request.environ.get("HTTP_AUTHORIZATION")  # as Werkzeug's headers find it
        grants = self.services.config.tokens
        granted = self._granted
        if granted[0] is not grants:  # another config: what its grants allowed is not known
            granted = self._granted = (grants, {})
        principal = granted[1].get(authorization) if authorization is not None else None
        if principal is None:
            try:
                principal = authenticate(self.name, authorization, grants, self.services.tokens, now)
            except AuthFailure as failure:
                raise Unauthorized(failure.reason) from None
            # a configured grant is checked first and never expires: its principal is the answer
            # to that header from now on (a minted token's is not: it may expire or be revoked)
            if authorization is not None and len(granted[1]) < GRANTED_HEADERS and any(
                grant.token == principal.token and grant.allows_api(self.name) for grant in grants
            ):
                granted[1][authorization] = principal
        if not principal.has_scopes(compiled.scopes):
            raise Forbidden(compiled.scopes)
        return principal

    def violations(self, operation: Operation, reply: Reply) -> list[str]:
        """How ``reply`` departs from what ``operation`` documents (strict mode's check)."""
        is_json = reply.content_type.startswith("application/json")
        headers = {k.lower(): v for k, v in reply.headers.items()}
        return self.response_validator(operation).violations(
            reply.status, _LowerKeys(headers), reply.body, is_json and reply.body is not None
        )

    def _strict(self, compiled: CompiledOperation, reply: Reply) -> Reply:
        problems = self.violations(compiled.operation, reply)
        if not problems:
            return reply
        log.error(
            "strict mode: %s answered %s against the spec: %s",
            compiled.operation.label,
            reply.status,
            problems,
        )
        body = {
            "mock_error": "the mock's response does not match the spec (strict mode)",
            "api": self.name,
            "operation": compiled.operation.operation_id,
            "status": reply.status,
            "violations": problems,
        }
        return Reply(body, 500)


class _LowerKeys(dict[str, str]):
    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


_HOST_URLS: dict[tuple[Any, ...], str] = {}


def _host_url(request: Request) -> str:
    """``request.host_url`` without the slash, remembered per (scheme, Host, server) it depends on."""
    environ = request.environ
    key = (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        tuple(trusted) if (trusted := request.trusted_hosts) else None,
    )
    found = _HOST_URLS.get(key)
    if found is None:
        found = request.host_url.rstrip("/")
        if len(_HOST_URLS) < 256:  # a handful of host names in practice; never unbounded
            _HOST_URLS[key] = found
    return found


def _is_preflight(request: Request) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def without_body(reply: Reply) -> Reply:
    """A HEAD's answer: the GET's status and headers (its Content-Type and length), no body."""
    if reply.body is None:
        return reply
    length = len(encode(reply)[2])
    headers = {**reply.headers, "Content-Type": reply.content_type, "Content-Length": str(length)}
    return Reply(None, reply.status, headers, reply.content_type)


def encode(reply: Reply) -> tuple[int, list[tuple[str, str]], bytes]:
    """A reply as WSGI wants it: status, header list (Content-Type for a body only), body bytes."""
    if reply.body is None:  # a HEAD's answer may name the GET's Content-Type
        return reply.status, list(reply.headers.items()), b""
    headers = [(key, value) for key, value in reply.headers.items() if key.lower() != "content-type"]
    if reply.content_type.startswith("application/json"):
        data = json_bytes(reply.body)
    else:
        data = str(reply.body).encode()
    headers.append(("Content-Type", reply.content_type))
    return reply.status, headers, data


def json_bytes(body: Any) -> bytes:
    """``body`` as compact UTF-8 JSON. orjson writes a page of events ~10x faster than the
    standard library (``bench/README.md``); what it refuses (integers beyond 64 bits, keys that
    are not strings) goes through ``json``, which takes both."""
    try:
        return orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
