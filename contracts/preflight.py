"""Before any case runs: is each live target reachable, does it take the token, is it the API?

Per API the harness picks from the spec its cheapest authenticated read — a GET that needs a
token and whose required parameters all have a documented value, fewest first — sends it once
with a 10 s timeout and stops the run with one line when

* the target cannot be reached (refused, unknown host, no answer within 10 s);
* the token is refused (401 / 403): "the token for b2core was refused: 401 on GET /api/v2/…";
* the answer is not the API's (HTML, a proxy's error page, a status the spec does not give
  that read, a body that is not the documented JSON), or an error status (a 404 base URL, a 503).

An API whose spec has no authenticated read (12Twenty) is checked with its cheapest read of any
kind: reachable and the API; its token is judged by the cases (all refused = not exercised).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import requests

from contracts.examples import parameter_example
from contracts.text import escaped
from mockserver.spec import SPECS_DIR, Operation, Spec, resolve

if TYPE_CHECKING:
    from contracts.target import Response, Target

TIMEOUT = 10.0


class TargetUnusable(Exception):
    """The target cannot be tested; the message is one line for the user."""


def documented_value(spec: Spec, parameter: Mapping[str, Any]) -> Any:
    """A parameter's documented example (``contracts.examples``), else its schema's default or
    first enum value; None when there is none."""
    example = parameter_example(spec, parameter)
    if example is not None:
        return example
    schema = resolve(spec.document, parameter.get("schema") or {})
    if "default" in schema:
        return schema["default"]
    return (schema.get("enum") or [None])[0]


def authenticated(operation: Operation) -> bool:
    return any(requirement for requirement in operation.security)


def _required(operation: Operation) -> list[Mapping[str, Any]]:
    return [p for p in operation.parameters if p.get("required") or p.get("in") == "path"]


def cheapest_read(spec: Spec) -> Operation | None:
    """The GET to send first: authenticated if the spec has one, fewest required parameters,
    all of which have a documented value; then the shortest path."""
    reads = [
        op
        for op in spec.operations
        if op.method == "GET" and all(documented_value(spec, p) is not None for p in _required(op))
    ]
    ranked = sorted(reads, key=lambda op: (not authenticated(op), len(_required(op)), len(op.path)))
    return ranked[0] if ranked else None


def request_for(spec: Spec, operation: Operation) -> tuple[str, dict[str, Any]]:
    """The path (path parameters filled) and query of ``operation`` from documented values."""
    path, query = operation.path, {}
    for parameter in _required(operation):
        value = documented_value(spec, parameter)
        if parameter.get("in") == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        elif parameter.get("in") == "query":
            query[parameter["name"]] = value
    return path, query


def preflight(target: Target, spec: Spec | None = None) -> str:
    """Check ``target`` (see the module docstring); returns what was sent, raises
    :class:`TargetUnusable` with the reason."""
    api = target.api
    spec = spec or Spec.from_file(SPECS_DIR / f"{api}.yaml")
    operation = cheapest_read(spec)
    if operation is None:
        return f"{api}: the spec has no read to check the target with"
    path, query = request_for(spec, operation)
    sent = f"{operation.method} {path}"
    try:
        response = target.request(
            operation.method, path, params=query or None, auth=authenticated(operation), timeout=TIMEOUT
        )
    except requests.Timeout:
        raise TargetUnusable(
            f"cannot reach {api} at {target.base_url}: no answer to {sent} within {TIMEOUT:.0f} s"
        ) from None
    except requests.RequestException as exc:
        raise TargetUnusable(f"cannot reach {api} at {target.base_url}: {_reason(exc)}") from None
    problem = judge(operation, response, api, sent, target.base_url)
    if problem:
        raise TargetUnusable(escaped(problem))
    return f"{api}: {sent} answered {response.status}"


def judge(operation: Operation, response: Response, api: str, sent: str, url: str) -> str | None:
    """What is wrong with the answer to the preflight read; None if nothing."""
    status = response.status
    if status in (401, 403) and authenticated(operation):
        return f"the token for {api} was refused: {status} on {sent}"
    documented = operation.responses.get(str(status)) or operation.responses.get(f"{str(status)[0]}XX")
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    seen = f"{sent} gave {status} {media or 'without a Content-Type'}: {_preview(response.text)}"
    unlike = f"{url} does not answer like the {api} API: {seen}"
    if documented is None:
        return f"{unlike} (a status its spec does not give)"
    wanted = [m.lower() for m in (documented.get("content") or {})]
    if wanted and media not in wanted:
        return f"{unlike} (the spec says {', '.join(wanted)})"
    if any(m.endswith("json") for m in wanted) and not _is_json(response.text):
        return f"{unlike} (not JSON)"
    if status >= 400 and authenticated(operation):
        return f"{api} at {url} is not usable: {seen}"
    return None


def preflight_all(targets: Iterable[Target]) -> list[str]:
    return [preflight(target) for target in targets if target.live]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:80] + ("…" if len(flat) > 80 else ""))


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection error, e.g. "[Errno 111] Connection refused"."""
    while exc.__context__ is not None or exc.__cause__ is not None:
        inner = exc.__cause__ or exc.__context__
        assert inner is not None
        exc = inner
    text = str(exc)
    if "Errno" in text and "]" in text:
        text = text[text.index("[Errno") :]
    return text or type(exc).__name__
