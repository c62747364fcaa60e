"""A stand-in for a client project's code: it pushes a course timetable to 12Twenty."""

from __future__ import annotations

from typing import Any

import requests


class Roster:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.session = requests.Session()

    def login(self) -> None:
        answer = self.session.get(
            f"{self.base_url}/api/client/generateAuthenticationToken", params={"key": self.api_key}
        )
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.text}"

    def publish(self, course: str, user_id: int, start: str, end: str) -> Any:
        event = {"ExternalId": course, "UserId": user_id, "TypeId": 1, "StartTime": start, "EndTime": end,
                 "Title": f"Course {course}"}  # fmt: skip
        answer = self.session.put(f"{self.base_url}/api/v2/calendar-events/batch", json=[event])
        answer.raise_for_status()
        return answer.json()
