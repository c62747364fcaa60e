"""Three lanes for every request of a drift run: live, the in-process mock, live again.

A scenario (or a documented example) talks to a :class:`Tee` as to any target. Each request it
sends goes first to live, then to the mock, then to live once more, and the three answers become
one :class:`~contracts.drift.answers.Sample`. The scenario is handed the **mock's** answer: the
mock follows the scenario's script faithfully (it passes its own suites), so every scenario runs
to its end and sends all its requests, whatever live does.

Live is called twice for what varies by itself — and that includes what live mints: a create
makes two records on live (both in the run's ledger, both deleted at the end), a token request
mints two tokens. Later requests of the scenario name the mock's record or token; the
:class:`Translator` sends each live lane the value that lane minted in its place, learned from the
three answers of the request that minted it (a value that differs between the two live answers,
at the same place as the mock's). 12Twenty's client-chosen ExternalIds get a second prefix on the
second lane (``ct<run>-b-…``), so the two lanes never upsert the same event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

from contracts.apis import RESOURCES
from contracts.drift.answers import Answer, Sample
from contracts.drift.shapes import nodes
from contracts.drift.spec import spec_of
from contracts.guard import router
from contracts.resources import replace_values
from contracts.target import Response, Target
from mockserver.errors import MethodNotAllowed, RouteNotFound

if TYPE_CHECKING:
    from contracts.run import Run

MINTED_TEXT = 6  # a string shorter than this is never taken for a minted id or token


def operation_label(api: str, path: str, method: str) -> str:
    """The spec's label of the operation a request reaches, or what it reaches instead."""
    try:
        operation, _ = router(api).match(path, method)
    except MethodNotAllowed:
        template = router(api).template_for(path)
        return f"{method} {template} (method not in the spec)"
    except RouteNotFound:
        return f"{method} (path not in the spec)"
    return operation.label


def _id_key(key: str) -> bool:
    return key == "id" or key.endswith(("_id", "Id"))


@dataclass
class Translator:
    """Per live lane, what the mock minted → what that lane minted in its place."""

    maps: tuple[dict[Any, Any], dict[Any, Any]] = field(default_factory=lambda: ({}, {}))

    def learn(self, mock: Answer, live: tuple[Answer, Answer]) -> None:
        first, second = live
        if len({mock.status, first.status, second.status}) != 1:
            return
        if not (mock.is_json and first.is_json and second.is_json):
            one, two, mine = first.text.strip(), second.text.strip(), mock.text.strip()
            if one != two and len(mine) >= MINTED_TEXT and not mock.is_json:
                self._map(mine, one, two)
            return
        a, b = nodes(first.body), nodes(second.body)
        for pointer, node in nodes(mock.body).items():
            if pointer not in a or pointer not in b or node.kind in ("object", "array", "null"):
                continue
            if a[pointer].value != b[pointer].value and _mintable(node.value):
                self._map(node.value, a[pointer].value, b[pointer].value)

    def _map(self, mine: Any, one: Any, two: Any) -> None:
        self.maps[0][mine] = one
        self.maps[1][mine] = two

    def value(self, lane: int, value: Any) -> Any:
        found = self.maps[lane]
        if isinstance(value, str) and value in found:
            return found[value]
        if isinstance(value, str) and value.isdigit() and int(value) in found:
            return str(found[int(value)])
        if isinstance(value, int) and not isinstance(value, bool) and value in found:
            return found[value]
        return value

    def path(self, lane: int, api: str, path: str, method: str) -> str:
        """Path parameters (by the spec's template) that name a minted record."""
        try:
            _operation, arguments = router(api).match(path, method)
        except (MethodNotAllowed, RouteNotFound):
            return path
        for value in arguments.values():
            new = str(self.value(lane, value))
            if new != value:
                path = "/".join(new if part == value else part for part in path.split("/"))
        return path

    def query(self, lane: int, params: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if params is None:
            return None
        return {k: self._loose(lane, k, v) for k, v in params.items()}

    def _loose(self, lane: int, key: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self._loose(lane, key, item) for item in value]
        if isinstance(value, str) and len(value) >= MINTED_TEXT:
            return self.value(lane, value)
        return self.value(lane, value) if _id_key(key) else value

    def body(self, lane: int, body: Any, key: str = "") -> Any:
        """Minted strings anywhere; numbers where a record is named: an ``id``/``…_id``/``…Id``
        key, a batch's ``resources`` list, or an object keyed by record ids."""
        if isinstance(body, Mapping):
            keyed = bool(body) and all(str(k).isdigit() for k in body)
            return {
                (self.value(lane, k) if keyed else k): self.body(lane, v, str(k)) for k, v in body.items()
            }
        if isinstance(body, list):
            return [self.body(lane, item, key if key != "resources" else "id") for item in body]
        if isinstance(body, str) and len(body) >= MINTED_TEXT:
            return self.value(lane, body)
        return self.value(lane, body) if _id_key(key) else body


def _mintable(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and len(value) >= MINTED_TEXT)


@dataclass
class Recorder:
    """What the lanes observed, for the comparison and the capture."""

    samples: list[Sample] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # requests live did not answer
    on_sample: list[Callable[[Sample], None]] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        for observer in self.on_sample:
            observer(sample)


class Tee(Target):
    """One API's three lanes, looking like a shared live target to the scenarios (never reset
    unless the run was given ``--reset``; its admin calls go to live and the mock alike)."""

    def __init__(self, live: Target, mock: Target, run: Run, recorder: Recorder) -> None:
        super().__init__(live.api, live.base_url, live.token, None, run)
        self.live_target, self.mock_target = live, mock
        self.recorder = recorder
        self.translator = Translator()
        by_id = {op.operation_id: op.label for op in spec_of(live.api).operations}
        self.listed = {by_id[op]: pointer for op, pointer in RESOURCES[live.api].listed.items() if op in by_id}

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: str | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        token: str | None = None,
        absolute: bool = False,
        timeout: float = 30,
    ) -> Response:
        if absolute:
            for base in (self.mock_target.base_url, self.live_target.base_url):
                if path.startswith(base):
                    path, absolute = path[len(base) :], False
        if absolute:  # another host: not part of the comparison
            return self.mock_target.request(method, path, params=params, headers=headers, absolute=True)
        answers: list[Answer] = []
        mine: Response | None = None
        try:
            for lane in (0, None, 1):
                target, lane_path, lane_params, lane_body, lane_token, lane_headers = (
                    (self.mock_target, path, params, json_body, token, headers)
                    if lane is None
                    else self._lane(lane, method, path, params, json_body, token, headers)
                )
                response = target.request(
                    method, lane_path, json_body=lane_body, data=data, params=lane_params,
                    headers=lane_headers, auth=auth, token=lane_token, timeout=timeout,
                )
                if lane is None:
                    mine = response
                answers.append(_answer(response, target.base_url))
        except requests.RequestException as exc:
            self.recorder.lost.append(f"{self.api} {method} {path}: {type(exc).__name__}")
            if mine is not None:
                return mine
            raise
        assert mine is not None
        live = (answers[0], answers[2])
        self.translator.learn(answers[1], live)
        shown = f"{method} {path}" + (f"?{urlencode(params, doseq=True)}" if params else "")
        label = operation_label(self.api, path, method)
        listing = "*" in self.listed.get(label, "")
        self.recorder.add(Sample(self.api, label, shown, live, answers[1], listing))
        return mine

    def _lane(
        self, lane: int, method: str, path: str, params: Any, body: Any, token: str | None, headers: Any
    ) -> tuple[Target, str, Any, Any, str | None, dict[str, str] | None]:
        """What live lane ``lane`` is sent in place of the mock's request (raw ``data`` as is)."""
        t = self.translator
        lane_body = t.body(lane, copy.deepcopy(body)) if body is not None else None
        keys = RESOURCES[self.api].client_keys
        if lane == 1 and keys and lane_body is not None:
            prefix = self.owner.prefix
            replace_values(
                lane_body, keys, lambda key: f"{prefix}b-{key.removeprefix(prefix)}" if isinstance(key, str) else key
            )
        lane_headers = dict(headers) if headers is not None else None
        for name, value in (headers or {}).items():
            if name.lower() == "authorization" and value.startswith("Bearer "):
                lane_headers[name] = f"Bearer {t.value(lane, value[7:])}"  # type: ignore[index]
        return (
            self.live_target,
            t.path(lane, self.api, path, method),
            t.query(lane, params),
            lane_body,
            t.value(lane, token) if token else None,
            lane_headers,
        )

    # --- the mock's admin API: both targets, the mock's answer ------------------------------

    def admin(self, method: str, path: str, json_body: Any = None, **params: Any) -> Response:
        if method.upper() != "GET" and self.live_target.has_admin():
            self.live_target.admin(method, path, json_body, **params)
        return self.mock_target.admin(method, path, json_body, **params)

    def has_admin(self) -> bool:
        return self.live_target.has_admin()

    @property
    def resettable(self) -> bool:
        config = self.owner.config
        return not config.read_only and config.reset and self.has_admin()

    def reset(self) -> None:
        self.admin("POST", f"/reset/{self.api}")


def _answer(response: Response, base: str) -> Answer:
    return Answer.parse(response.status, response.headers.items(), response.text, base)


__all__ = ["Recorder", "Tee", "Translator", "operation_label"]
