"""The B2Core renderer: every error kind in the localized ``{"message", "errors"}`` envelope."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from mockserver.apis.b2core import rules
from mockserver.apis.b2core.errors import EventMissing, RuleRejected, rejected, render_error
from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
)

JA = Headers({"Accept-Language": "ja"})


def test_validation_errors_are_grouped_by_field() -> None:
    error = RequestValidationError(
        [
            FieldError("body", ("caption",), "required", "x"),
            FieldError("body", ("recipients", 0), "format", "x", {"format": "email"}),
            FieldError("query", ("filter", "startDate"), "format", "x", {"format": "date-time"}),
        ]
    )
    reply = render_error(error, None, Headers())
    assert reply.status == 400
    assert reply.body["message"] == "The given data was invalid."
    assert list(reply.body["errors"]) == ["caption", "recipients.0", "filter[startDate]"]
    assert reply.body["errors"]["caption"] == ["The caption field is required."]


def test_rules_are_400_in_the_negotiated_language() -> None:
    reply = render_error(rejected(rules.EndBeforeStart()), None, JA)
    assert reply.status == 400
    assert reply.body == {
        "message": "入力内容に誤りがあります。",
        "errors": {"endDate": ["endDate には startDate 以降の日時を指定してください。"]},
    }


def test_rejected_picks_the_status_of_the_rule() -> None:
    assert isinstance(rejected(rules.EventNotFound(3)), EventMissing)
    assert isinstance(rejected(rules.InvalidSortField(["id"])), RuleRejected)


@pytest.mark.parametrize(
    ("error", "status", "english", "japanese"),
    [
        (
            rejected(rules.EventNotFound(3)),
            404,
            "The calendar event was not found.",
            "カレンダーイベントが見つかりません。",
        ),
        (Unauthorized("x", reason="missing"), 401, "Unauthenticated.", "認証されていません。"),
        (Forbidden("x"), 403, "This action is unauthorized.", "この操作を実行する権限がありません。"),
        (
            NotFound("x", path="/nope"),
            404,
            "The requested resource was not found.",
            "指定されたリソースが見つかりません。",
        ),
        (
            MethodNotAllowed(["GET"], "POST"),
            405,
            "The POST method is not supported for this route.",
            "このルートでは POST メソッドを使用できません。",
        ),
    ],
    ids=["event-not-found", "unauthorized", "forbidden", "unknown-path", "method"],
)
def test_other_errors_carry_only_a_message(error: ApiError, status: int, english: str, japanese: str) -> None:
    assert render_error(error, None, Headers()).body == {"message": english}
    reply = render_error(error, None, JA)
    assert reply.status == status and reply.body == {"message": japanese}
