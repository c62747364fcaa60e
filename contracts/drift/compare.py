"""Turn observed samples into findings: what differs between the mock and live beyond noise.

Live answers each request twice. What differs between those two answers varies by itself
(ids, timestamps, tokens): it is learned as noise, per operation and JSON pointer, and — for a
scalar field — by field name across the whole API (an ``id`` or ``created_at`` that varies in
a create's answer varies wherever it is read back). Everything else that differs between live
and the mock is a finding of one of :data:`KINDS`, reported once per operation and place,
however many requests showed it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from contracts.drift.answers import Answer, Sample
from contracts.drift.shapes import (
    Node,
    compared_headers,
    envelope,
    header_shape,
    leaf,
    nodes,
    parent,
    show_envelope,
)

KINDS: Mapping[str, str] = {
    "status": "the status differs",
    "missing-field": "a field live answers with is missing on the mock",
    "extra-field": "the mock answers with a field live does not have",
    "type": "a field has another JSON type",
    "enum": "live answers an enum value the spec does not list",
    "value": "a value differs beyond what varies by itself on live",
    "header": "a header differs in shape",
    "error-envelope": "an error body comes in another envelope",
}

# (api, operation label, status, live body) → (pointer, value, listed values) per unlisted value
EnumCheck = Callable[[str, str, int, Any], Iterable[tuple[str, Any, tuple[Any, ...]]]]


def _no_enums(api: str, operation: str, status: int, body: Any) -> Iterable[tuple[str, Any, tuple[Any, ...]]]:
    return ()


@dataclass(frozen=True)
class Finding:
    kind: str
    api: str
    operation: str
    where: str  # a JSON pointer into the body ("" = the body itself), a header name, or "status"
    live: Any
    mock: Any
    message: str
    request: str  # the first request that showed it
    signature: str = ""  # besides ``where``, what tells two drifts of one kind apart (not values)
    samples: int = 1

    @property
    def id(self) -> str:
        """Stable across runs: made of what drifted and where, never of the values seen."""
        key = "\x1f".join((self.api, self.operation, self.kind, self.where, self.signature))
        return f"{self.api}-{self.kind}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"

    def export(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "api": self.api,
            "operation": self.operation,
            "where": self.where,
            "live": self.live,
            "mock": self.mock,
            "message": self.message,
            "request": self.request,
            "samples": self.samples,
        }


@dataclass
class Noise:
    """What varied between live's two answers to the same request."""

    pointers: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    headers: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # objects whose keys themselves vary (keys made of ids, "resources.12.name"): which keys
    # the mock has there is not compared
    open: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def learn(self, sample: Sample) -> None:
        first, second = sample.live
        key = (sample.api, sample.operation)
        for name in set(compared_headers(first.headers)) | set(compared_headers(second.headers)):
            if _shape(first, name) != _shape(second, name):
                self.headers.setdefault(key, set()).add(name)
        if first.status != second.status or not (first.is_json and second.is_json):
            return
        one, two = nodes(first.body), nodes(second.body)
        varied = self.pointers.setdefault(key, set())
        for pointer in one.keys() ^ two.keys():
            varied.add((one.get(pointer) or two[pointer]).general)
        for pointer in one.keys() & two.keys():
            a, b = one[pointer], two[pointer]
            if a.kind == b.kind == "object" and a.value.keys() != b.value.keys():
                self.open.setdefault(key, set()).add(a.general)
            if a.kind != b.kind or (_scalar(a) and a.value != b.value):
                varied.add(a.general)
                if _scalar(a) and leaf(a.general) != "*":
                    self.names.setdefault(sample.api, set()).add(leaf(a.general))

    def varies(self, api: str, operation: str, general: str) -> bool:
        if general in self.pointers.get((api, operation), ()):
            return True
        return leaf(general) in self.names.get(api, ())

    def header_varies(self, api: str, operation: str, name: str) -> bool:
        return name in self.headers.get((api, operation), ())


@dataclass
class DriftResult:
    findings: list[Finding]
    compared: Counter[tuple[str, str]]  # (api, operation) → requests compared
    unstable: list[Sample]  # live answered the same request with two statuses

    @property
    def operations(self) -> list[tuple[str, str]]:
        return sorted(self.compared)


def compare(samples: Iterable[Sample], enums: EnumCheck = _no_enums) -> DriftResult:
    """Learn the noise from every sample first, then compare each one with it."""
    chosen = list(samples)
    noise = Noise()
    for sample in chosen:
        noise.learn(sample)
    found: dict[str, Finding] = {}
    compared: Counter[tuple[str, str]] = Counter()
    unstable = []
    for sample in chosen:
        if sample.live[0].status != sample.live[1].status:
            unstable.append(sample)
            continue
        compared[(sample.api, sample.operation)] += 1
        for finding in Comparison(sample, noise, enums).findings():
            known = found.get(finding.id)
            found[finding.id] = replace(known, samples=known.samples + 1) if known else finding
    ordered = sorted(found.values(), key=lambda f: (f.api, f.operation, list(KINDS).index(f.kind), f.where))
    return DriftResult(ordered, compared, unstable)


def _scalar(node: Node) -> bool:
    return node.kind not in ("object", "array")


def _shape(answer: Answer, name: str) -> str:
    return header_shape(name, answer.headers.get(name), answer.base)


def _types(*found: Node) -> set[str]:
    return {node.kind for node in found} - {"null"}


def _other_types(live: set[str], mock: set[str]) -> set[str]:
    """Types the mock answers that live never does (an integer is a number too)."""
    other = mock - live
    return other - {"integer"} if "number" in live else other


class Comparison:
    """The findings of one sample (live's first answer stands for live; both are consulted)."""

    def __init__(self, sample: Sample, noise: Noise, enums: EnumCheck) -> None:
        self.sample = sample
        self.noise = noise
        self.enums = enums
        self.live, self.again = sample.live
        self.mock = sample.mock

    def finding(
        self, kind: str, where: str, live: Any, mock: Any, message: str, signature: str = ""
    ) -> Finding:
        s = self.sample
        return Finding(kind, s.api, s.operation, where, live, mock, message, s.request, signature)

    def findings(self) -> Iterator[Finding]:
        live, mock = self.live, self.mock
        if mock.status != live.status:
            message = f"live answers {live.status}, the mock {mock.status}"
            yield self.finding(
                "status", "status", live.status, mock.status, message, f"{live.status}>{mock.status}"
            )
            return
        yield from self.headers()
        if live.is_json != mock.is_json:
            shown = {True: "a JSON body", False: "no JSON body"}
            message = f"live answers {shown[live.is_json]}, the mock {shown[mock.is_json]}"
            yield self.finding("type", "", shown[live.is_json], shown[mock.is_json], message, "json")
            return
        if not live.is_json:
            return
        if live.status >= 400 and (found := self.envelope()) is not None:
            yield found
            return
        yield from self.body()

    def headers(self) -> Iterator[Finding]:
        names = set(compared_headers(self.live.headers)) | set(compared_headers(self.mock.headers))
        for name in sorted(names):
            if self.noise.header_varies(self.sample.api, self.sample.operation, name):
                continue
            live, mock = _shape(self.live, name), _shape(self.mock, name)
            if live != mock:
                message = f"{name}: live {live!r}, the mock {mock!r}"
                yield self.finding(
                    "header", name, self.live.headers.get(name), self.mock.headers.get(name), message
                )

    def envelope(self) -> Finding | None:
        live, again, mock = envelope(self.live.body), envelope(self.again.body), envelope(self.mock.body)
        if live != again or live == mock:
            return None
        message = f"live's {self.live.status} body is {show_envelope(live)}, the mock's {show_envelope(mock)}"
        return self.finding("error-envelope", "", show_envelope(live), show_envelope(mock), message)

    def body(self) -> Iterator[Finding]:
        one, two, mock = nodes(self.live.body), nodes(self.again.body), nodes(self.mock.body)
        api, operation = self.sample.api, self.sample.operation
        settled: set[str] = set()  # general pointers already reported: nothing below them again
        for pointer, value, listed in self.enums(api, operation, self.live.status, self.live.body):
            general = one[pointer].general if pointer in one else pointer
            if general not in settled:
                settled.add(general)
                message = f"live answers {general or '/'} = {value!r}; the spec lists {list(listed)}"
                yield self.finding("enum", general, value, None, message, repr(value))
        by_general = _by_general(one, two)
        mock_general = _by_general(mock)
        self.anywhere_live = {n.general for n in (*one.values(), *two.values())}
        self.live_objects = {n.general for n in (*one.values(), *two.values()) if n.kind == "object"}
        self.mock_objects = {n.general for n in mock.values() if n.kind == "object"}
        for general in sorted(by_general.keys() | mock_general.keys()):
            if any(general == s or general.startswith(s + "/") for s in settled):
                continue
            found = self.structure(general, by_general.get(general, []), mock_general.get(general, []))
            if found is not None:
                settled.add(general)
                yield found
        yield from self.values(one, two, mock, settled)

    def structure(self, general: str, live: list[Node], mock: list[Node]) -> Finding | None:
        """A field missing on the mock, extra on the mock, or of another type (``live`` holds
        what both live answers have at ``general``)."""
        key = (self.sample.api, self.sample.operation)
        if not (live and mock) and general in self.noise.pointers.get(key, ()):
            return None  # present in only one of live's answers somewhere: it comes and goes
        if not (live and mock) and parent(general) in self.noise.open.get(key, ()):
            return None  # a key of an object whose keys vary by themselves on live
        if live and not mock:
            if parent(general) not in self.mock_objects:
                return None  # its parent is missing or another type: reported there
            kinds = sorted({n.kind for n in live})
            message = f"live answers {general} ({'/'.join(kinds)}); the mock does not"
            return self.finding("missing-field", general, live[0].value, None, message)
        if mock and not live:
            if general in self.anywhere_live or parent(general) not in self.live_objects:
                return None
            kinds = sorted({n.kind for n in mock})
            message = f"the mock answers {general} ({'/'.join(kinds)}); live does not"
            return self.finding("extra-field", general, None, mock[0].value, message)
        live_types, mock_types = _types(*live), _types(*mock)
        if live_types and mock_types and _other_types(live_types, mock_types):
            shown_live = "/".join(sorted({n.kind for n in live} - {"null"}))
            shown_mock = "/".join(sorted({n.kind for n in mock} - {"null"}))
            message = f"{general or 'the body'} is {shown_live} on live, {shown_mock} on the mock"
            return self.finding(
                "type", general, shown_live, shown_mock, message, f"{shown_live}>{shown_mock}"
            )
        return None

    def values(
        self, one: Mapping[str, Node], two: Mapping[str, Node], mock: Mapping[str, Node], settled: set[str]
    ) -> Iterator[Finding]:
        api, operation = self.sample.api, self.sample.operation
        reported: set[str] = set()
        if self.sample.listing and self.live.status < 300:
            return  # a listing of the target's records: its counts and items describe its store
        if not _same_lists(one, two, mock):
            return  # other records than the mock's
        for pointer, node in sorted(mock.items()):
            first, second = one.get(pointer), two.get(pointer)
            if first is None or second is None or not (_scalar(node) and _scalar(first) and _scalar(second)):
                continue
            general = node.general
            if general in reported or any(general == s or general.startswith(s + "/") for s in settled):
                continue
            if self.noise.varies(api, operation, general):
                continue
            here = self.live.base, self.again.base, self.mock.base
            seen = [(n.kind, _relative(n.value, base)) for n, base in zip((first, second, node), here, strict=True)]
            if seen[0] == seen[1] != seen[2]:
                reported.add(general)
                message = f"{general} is {first.value!r} on live (both calls), {node.value!r} on the mock"
                yield self.finding("value", general, first.value, node.value, message)


def _by_general(*documents: Mapping[str, Node]) -> dict[str, list[Node]]:
    """Nodes grouped by general pointer; with two live documents, only what both answered."""
    grouped: list[dict[str, list[Node]]] = []
    for document in documents:
        mine: dict[str, list[Node]] = {}
        for node in document.values():
            mine.setdefault(node.general, []).append(node)
        grouped.append(mine)
    if len(grouped) == 1:
        return grouped[0]
    common = grouped[0].keys() & grouped[1].keys()
    return {g: grouped[0][g] + grouped[1][g] for g in common}


def _relative(value: Any, base: str) -> Any:
    """A URL into the target written relative to its base: each target lives on its own host."""
    if base and isinstance(value, str) and value.startswith(base):
        return "{base}" + value[len(base) :]
    return value


def _same_lists(*documents: Mapping[str, Node]) -> bool:
    """Whether every list of the answers has one length in all three (the same records)."""
    lengths: dict[str, set[int]] = {}
    for document in documents:
        for pointer, node in document.items():
            if node.kind == "array":
                lengths.setdefault(pointer, set()).add(len(node.value))
    return all(len(found) == 1 for found in lengths.values()) and all(
        all(pointer in document for pointer in lengths) for document in documents
    )
