"""12Twenty's texts. Sources: ../shared/seeds/002 (S2) and ../shared/api-notes/twelvetwenty.md."""

from __future__ import annotations

# S2 "Example Response with Errors"; the item's own ExternalId is used (notes, rule 2).
OWNED_BY_ANOTHER = "Event '{external_id}' is owned by another student ({owner})."
# S2 "Example Response with Errors".
START_BEFORE_END = "StartTime must be before EndTime"
# Notes, open questions 2-4 (assumed wording).
MAX_BATCH = "Maximum of 1000 calendar events per batch."
NOT_AN_ARRAY = "The request body must be a JSON array of calendar events."
MALFORMED_JSON = "The request body is not valid JSON."
USER_NOT_FOUND = "User {user_id} not found."
REQUIRED = "{field} is required"
TYPE_ID = "TypeId must be 1, 2 or 3"
INTEGER = "{field} must be a 64-bit integer"
POSITIVE = "{field} must be a positive 64-bit integer"
DATE_TIME = "{field} must be an ISO 8601 date/time, e.g. 2018-06-10T20:00:00Z"
TEXT = "{field} must be a non-empty string of at most {limit} characters"
NOT_AN_OBJECT = "A calendar event must be a JSON object"
KEY_REQUIRED = "The key parameter is required."
# ASP.NET Web API's standard texts, which 12Twenty's API answers with (notes, open question 7).
DENIED = "Authorization has been denied for this request."
INVALID_KEY = "Invalid API key."
NO_RESOURCE = "No HTTP resource was found that matches the request URI '{uri}'."
BAD_METHOD = "The requested resource does not support http method '{method}'."
INVALID_REQUEST = "The request is invalid."
BODY_REQUIRED = "A request body is required."
SERVER_ERROR = "An error has occurred."
INVALID_FIELD = "The {field} field is invalid."
