"""Message keys and the English / Japanese catalogues for B2Core error bodies.

Source: /work/shared/api-notes/b2core.md, "Status codes and errors" and open question 6. The
vendor's own texts are not published, so the wording is the mock's own; ``Accept-Language``
selects the catalogue (the vendor's examples send ``ja``). Templates use ``str.format`` fields:
``{field}`` is the API's field name (never translated); the others are listed per key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

VALIDATION_FAILED = "validation_failed"  # the envelope's top-level message on a 400
REQUIRED = "required"
BODY_REQUIRED = "body_required"
MALFORMED_JSON = "malformed_json"
TYPE = "type"  # {expected}
FORMAT_DATE_TIME = "format_date_time"
FORMAT_EMAIL = "format_email"
DURATION = "duration"
RECIPIENTS_FILTER = "recipients_filter"
ENUM = "enum"  # {allowed}
MINIMUM = "minimum"  # {limit}
MAXIMUM = "maximum"  # {limit}
MIN_LENGTH = "min_length"  # {limit}
MAX_LENGTH = "max_length"  # {limit}
MAX_ITEMS = "max_items"  # {limit}
UNKNOWN_FIELD = "unknown_field"  # {names}
INVALID = "invalid"
END_BEFORE_START = "end_before_start"
NOT_FOUND = "not_found"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
ROUTE_NOT_FOUND = "route_not_found"  # an unknown path (not an unknown event)
METHOD_NOT_ALLOWED = "method_not_allowed"  # {method}

ENGLISH: Mapping[str, str] = MappingProxyType(
    {
        VALIDATION_FAILED: "The given data was invalid.",
        REQUIRED: "The {field} field is required.",
        BODY_REQUIRED: "A JSON request body is required.",
        MALFORMED_JSON: "The request body is not valid JSON.",
        TYPE: "The {field} field must be of type {expected}.",
        FORMAT_DATE_TIME: (
            "The {field} field must be an ISO 8601 date and time with an offset, "
            "e.g. 2022-01-01T00:00:00+00:00."
        ),
        FORMAT_EMAIL: "The {field} field must be a valid e-mail address.",
        DURATION: "The {field} field must be an ISO 8601 duration, e.g. PT2H.",
        RECIPIENTS_FILTER: "The {field} filter must be a comma-separated list of e-mail addresses.",
        ENUM: "The selected {field} is invalid. Allowed values: {allowed}.",
        MINIMUM: "The {field} field must be at least {limit}.",
        MAXIMUM: "The {field} field must not be greater than {limit}.",
        MIN_LENGTH: "The {field} field must be at least {limit} characters.",
        MAX_LENGTH: "The {field} field must not be greater than {limit} characters.",
        MAX_ITEMS: "The {field} field must not have more than {limit} items.",
        UNKNOWN_FIELD: "The {field} field does not accept: {names}.",
        INVALID: "The {field} field is invalid.",
        END_BEFORE_START: "The endDate must not be before the startDate.",
        NOT_FOUND: "The calendar event was not found.",
        UNAUTHORIZED: "Unauthenticated.",
        FORBIDDEN: "This action is unauthorized.",
        ROUTE_NOT_FOUND: "The requested resource was not found.",
        METHOD_NOT_ALLOWED: "The {method} method is not supported for this route.",
    }
)

JAPANESE: Mapping[str, str] = MappingProxyType(
    {
        VALIDATION_FAILED: "入力内容に誤りがあります。",
        REQUIRED: "{field} は必須項目です。",
        BODY_REQUIRED: "JSON 形式のリクエスト本文を指定してください。",
        MALFORMED_JSON: "リクエスト本文が正しい JSON ではありません。",
        TYPE: "{field} には{expected}を指定してください。",
        FORMAT_DATE_TIME: (
            "{field} にはタイムゾーン付きの ISO 8601 形式の日時を指定してください"
            "（例: 2022-01-01T00:00:00+00:00）。"
        ),
        FORMAT_EMAIL: "{field} には有効なメールアドレスを指定してください。",
        DURATION: "{field} には ISO 8601 形式の期間を指定してください（例: PT2H）。",
        RECIPIENTS_FILTER: "{field} にはカンマ区切りのメールアドレスを指定してください。",
        ENUM: "{field} の値が正しくありません。次のいずれかを指定してください: {allowed}。",
        MINIMUM: "{field} には {limit} 以上の値を指定してください。",
        MAXIMUM: "{field} には {limit} 以下の値を指定してください。",
        MIN_LENGTH: "{field} は {limit} 文字以上で指定してください。",
        MAX_LENGTH: "{field} は {limit} 文字以内で指定してください。",
        MAX_ITEMS: "{field} の要素は {limit} 個以内で指定してください。",
        UNKNOWN_FIELD: "{field} に指定できない項目があります: {names}。",
        INVALID: "{field} の値が正しくありません。",
        END_BEFORE_START: "endDate には startDate 以降の日時を指定してください。",
        NOT_FOUND: "カレンダーイベントが見つかりません。",
        UNAUTHORIZED: "認証されていません。",
        FORBIDDEN: "この操作を実行する権限がありません。",
        ROUTE_NOT_FOUND: "指定されたリソースが見つかりません。",
        METHOD_NOT_ALLOWED: "このルートでは {method} メソッドを使用できません。",
    }
)

# JSON Schema type names as the TYPE message's {expected} shows them (English keeps them as is).
_JAPANESE_TYPE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "string": "文字列",
        "integer": "整数",
        "number": "数値",
        "boolean": "真偽値",
        "array": "配列",
        "object": "オブジェクト",
        "null": "null",
    }
)
_NO_TYPE_NAMES: Mapping[str, str] = MappingProxyType({})
TYPE_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"en": _NO_TYPE_NAMES, "ja": _JAPANESE_TYPE_NAMES}
)

CATALOGUES: Mapping[str, Mapping[str, str]] = MappingProxyType({"en": ENGLISH, "ja": JAPANESE})
DEFAULT_LANGUAGE = "en"
