"""``/__mock/chaos``: install, list and remove chaos rules (``chaos.py``; documented in admin.yaml)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from mockserver.admin import ADMIN_PREFIX, ADMIN_SPEC, _mock, _problem
from mockserver.chaos import RuleError
from mockserver.control import unable
from mockserver.schemas import SchemaValidator
from mockserver.spec import Spec

chaos_blueprint = Blueprint("mock_chaos", __name__, url_prefix=f"{ADMIN_PREFIX}/chaos")


def _rule_validator() -> SchemaValidator:
    found = current_app.extensions.get("mockserver_chaos_rule")
    if found is None:  # compiled once per app, on first use
        document = Spec.from_file(ADMIN_SPEC).document
        schema = {"$ref": "#/components/schemas/ChaosRuleInput"}
        found = current_app.extensions["mockserver_chaos_rule"] = SchemaValidator(schema, document["components"])
    return found


def _not_found(rule_id: str) -> Response:
    return _problem(404, f"no chaos rule {rule_id!r}")


@chaos_blueprint.get("")
def list_rules() -> Response:
    mock = _mock()
    return jsonify({"rules": mock.chaos.listing(mock.clock.now())})


@chaos_blueprint.post("")
def add_rule() -> Response | tuple[Response, int]:
    given: Any = request.get_json(silent=True)
    if not isinstance(given, dict):
        return _problem(400, "send the rule as a JSON object (see /__mock/openapi.json, ChaosRuleInput)")
    problems = _rule_validator().violations(given)
    if problems:
        return _problem(400, "; ".join("rule" + problem.removeprefix("body") for problem in problems[:10]))
    mock = _mock()
    for effect in ("delay", "fault"):
        if effect in given and effect not in mock.capabilities:
            return _problem(400, f"{effect}: not {unable(effect)}")
    operations = {name: list(runtime.spec.operations) for name, runtime in mock.runtimes.items()}
    try:
        rule = mock.chaos.add(given, mock.clock.now(), operations)
    except RuleError as exc:
        return _problem(400, str(exc))
    return jsonify(rule.shown()), 201


@chaos_blueprint.get("/<rule_id>")
def get_rule(rule_id: str) -> Response:
    mock = _mock()
    for rule in mock.chaos.listing(mock.clock.now()):
        if rule["id"] == rule_id:
            return jsonify(rule)
    return _not_found(rule_id)


@chaos_blueprint.delete("")
def clear_rules() -> Response:
    return jsonify({"cleared": _mock().chaos.clear()})


@chaos_blueprint.delete("/<rule_id>")
def remove_rule(rule_id: str) -> Response:
    if not _mock().chaos.remove(rule_id):
        return _not_found(rule_id)
    return jsonify({"removed": rule_id})
