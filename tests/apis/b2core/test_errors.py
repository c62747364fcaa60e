"""The B2Core renderer: every error kind in the localized ``{"message", "errors"}`` envelope."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from mockserver.apis.b2core import rules
from mockserver.apis.b2core.errors import RENDERER as render_error
from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    Kind,
    MethodNotAllowed,
    RequestValidationError,
    RouteNotFound,
    Unauthorized,
)

JA = Headers({"Accept-Language": "ja"})


def test_validation_errors_are_grouped_by_field() -> None:
    error = RequestValidationError(
        [
            FieldError("body", ("caption",), Kind.REQUIRED),
            FieldError("body", ("recipients", 0), Kind.FORMAT, format="email"),
            FieldError("query", ("filter", "startDate"), Kind.FORMAT, format="date-time"),
        ]
    )
    reply = render_error(error, None, Headers())
    assert reply.status == 400
    assert reply.body["message"] == "The given data was invalid."
    assert list(reply.body["errors"]) == ["caption", "recipients.0", "filter[startDate]"]
    assert reply.body["errors"]["caption"] == ["The caption field is required."]


def test_rules_are_400_in_the_negotiated_language() -> None:
    reply = render_error(rules.EndBeforeStart(), None, JA)
    assert reply.status == 400
    assert reply.body == {
        "message": "入力内容に誤りがあります。",
        "errors": {"endDate": ["endDate には startDate 以降の日時を指定してください。"]},
    }


@pytest.mark.parametrize(
    ("error", "status", "english", "japanese"),
    [
        (
            rules.EventNotFound(3),
            404,
            "The calendar event was not found.",
            "カレンダーイベントが見つかりません。",
        ),
        (Unauthorized("missing"), 401, "Unauthenticated.", "認証されていません。"),
        (Forbidden(), 403, "This action is unauthorized.", "この操作を実行する権限がありません。"),
        (
            RouteNotFound("/nope"),
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
