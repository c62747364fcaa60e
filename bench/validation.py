"""Cost of validating one 12Twenty batch request: jsonschema-rs (ours) vs jsonschema vs openapi-core.

Usage: .venv/bin/python bench/validation.py   (openapi-core is optional: `pip install openapi-core`)
Prints the median of 5 timing runs per validator, and the ratio to ours measured in the same run.
"""

from __future__ import annotations

import json
import statistics
import timeit
from collections.abc import Callable

import jsonschema
from werkzeug.datastructures import Headers, MultiDict

from mockserver.spec import SPECS_DIR, Spec
from mockserver.validation import compile_request_validator, request_components

ITEM = {
    "ExternalId": "xyz-123",
    "UserId": 124,
    "TypeId": 1,
    "StartTime": "2018-06-10T20:00:00Z",
    "EndTime": "2018-06-10T22:00:00Z",
    "Title": "Course FMAR2",
}


def median_us(call: Callable[[], object], number: int) -> float:
    runs = timeit.repeat(call, number=number, repeat=5)
    return statistics.median(runs) / number * 1e6


def candidates(body: bytes) -> dict[str, Callable[[], object]]:
    spec = Spec.from_file(SPECS_DIR / "twelvetwenty.yaml")
    operation = next(op for op in spec.operations if op.operation_id == "upsertCalendarEvents")
    ours = compile_request_validator(operation, spec, request_components(spec))
    found: dict[str, Callable[[], object]] = {
        "jsonschema-rs (ours, whole request)": lambda: ours.validate({}, MultiDict(), Headers(), body)
    }
    schema = {
        **spec.document["components"]["schemas"]["BatchRequest"],
        "components": spec.document["components"],
    }
    python_validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    found["jsonschema (body only)"] = lambda: python_validator.is_valid(json.loads(body))
    try:
        from openapi_core import OpenAPI
        from openapi_core.testing import MockRequest
    except ImportError:
        return found
    openapi = OpenAPI.from_dict(spec.document)
    request = MockRequest(
        "https://demo.admin.12twenty.com",
        "put",
        "/api/v2/calendar-events/batch",
        data=body,
        content_type="application/json",
        headers={"Authorization": "Bearer dev-token"},
    )
    found["openapi-core validate_request"] = lambda: openapi.validate_request(request)
    return found


def main() -> None:
    for size in (1, 1000):
        body = json.dumps([dict(ITEM, ExternalId=f"x{n}") for n in range(size)]).encode()
        timings = {name: median_us(call, 200 if size == 1 else 5) for name, call in candidates(body).items()}
        reference = timings["jsonschema-rs (ours, whole request)"]
        print(f"batch of {size}:")
        for name, value in timings.items():
            print(f"  {name:38} {value:12.1f} µs   {value / reference:8.1f}x ours")


if __name__ == "__main__":
    main()
