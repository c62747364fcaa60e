"""Kona's vendor strings.

Source: /work/shared/api-notes/kona.md, section "Errors" ([EXC] = KonaTeam/kona-api
sections/exceptions.md) and "Conventions" ([README], [RESP]); the details texts are the mock's own
wording for the business rules listed under "Business rules" and "Open questions".
"""

from __future__ import annotations

# [EXC] error envelope: problemType = link to the exceptions page (+ anchor), title = error title.
EXCEPTIONS_PAGE = "https://github.com/KonaTeam/kona-api/blob/master/sections/exceptions.md"
PROBLEM_BAD_REQUEST = EXCEPTIONS_PAGE
PROBLEM_UNAUTHENTICATED = f"{EXCEPTIONS_PAGE}#unauthenticated"
PROBLEM_FORBIDDEN = f"{EXCEPTIONS_PAGE}#render_forbidden"
PROBLEM_NOT_FOUND = f"{EXCEPTIONS_PAGE}#not_found"
PROBLEM_UNPROCESSABLE = f"{EXCEPTIONS_PAGE}#unprocessable_entity"

TITLE_BAD_REQUEST = "Bad Request"
TITLE_UNAUTHENTICATED = "Unauthenticated"
TITLE_FORBIDDEN = "Forbidden"
TITLE_NOT_FOUND = "Not Found"
TITLE_UNPROCESSABLE = "Unprocessable Entity"

# [README]/[RESP] accepted date inputs (open question 1).
INVALID_DATE = (
    "expected epoch seconds, epoch milliseconds, 'YYYY-MM-DD HH:mm:ss.SSS' or an ISO 8601 date-time"
    " such as 2026-12-05T10:00:00Z"
)
DATE_OUT_OF_RANGE = "date outside the supported range 1970-01-01 .. 2096-10-02T07:06:39Z"
# Open question 6.
END_BEFORE_START = "end_at must not be before start_at"
# Open question 7 / [EXC] unprocessable_entity ("acting in a space you are not a member of").
UNKNOWN_SPACE = "space {space_id} does not exist or you are not a member of it"
# [EXC] not_found.
EVENT_NOT_FOUND = "Calendar event {event_id} not found"
OCCURRENCE_NOT_FOUND = "Calendar event {event_id} has no occurrence {num_in_series}"

# [AUTH] OAuth token endpoint; errors use RFC 6749 §5.2 codes (api-notes "Errors").
OAUTH_MISSING_PARAMETER = "The request is missing the required parameter: {name}."
OAUTH_INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection"
    " URI used in the authorization request, or was issued to another client."
)
OAUTH_INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included,"
    " or unsupported authentication method."
)

# Fixed details of the HTTP-level errors.
FORBIDDEN = "You do not have permission to perform this action."
ROUTE_NOT_FOUND = "No route matches the request."
MALFORMED_JSON = "The request body is not valid JSON."
BODY_REQUIRED = "A JSON request body is required."

# Rails' ActiveModel error messages (config/locales/en.yml of activemodel), as Kona's Rails app
# phrases a record's validation errors: "<Attribute> <message>".
RAILS_BLANK = "can't be blank"
RAILS_INVALID = "is invalid"
RAILS_INVALID_DATE = f"is invalid ({INVALID_DATE})"
RAILS_INCLUSION = "is not included in the list"
RAILS_NOT_A_NUMBER = "is not a number"
RAILS_UNKNOWN_ATTRIBUTE = "unknown attribute '{name}' for CalendarEvent."
RAILS_LIMITS = {
    "minLength": "is too short (minimum is {count} characters)",
    "maxLength": "is too long (maximum is {count} characters)",
    "minItems": "is too short (minimum is {count} items)",
    "maxItems": "is too long (maximum is {count} items)",
    "minimum": "must be greater than or equal to {count}",
    "maximum": "must be less than or equal to {count}",
}
