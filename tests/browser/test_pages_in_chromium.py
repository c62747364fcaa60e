"""The landing page, the API docs and the dashboard in headless Chromium, offline, strict mode on."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Error, Locator, Page, expect

from contracts.live import LiveServer
from mockserver.admin import ADMIN_SPEC
from mockserver.apis import API_DEFINITIONS
from mockserver.spec import Spec
from tests.browser.conftest import QA_TOKEN, Watch, screenshot

pytestmark = pytest.mark.browser

EVENT = {
    "caption": "Quarterly review",
    "startDate": "2030-01-01T10:00:00Z",
    "endDate": "2030-01-01T11:00:00Z",
}


def _call(server: LiveServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer dev-token", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _last_entry(server: LiveServer) -> dict[str, Any]:
    entries: list[dict[str, Any]] = _call(server, "GET", "/__mock/journal?limit=1")[1]["entries"]
    return entries[-1]


@pytest.fixture(autouse=True)
def _fresh(server: LiveServer) -> None:
    _call(server, "POST", "/__mock/reset", {})
    _call(server, "DELETE", "/__mock/journal")


def test_landing_page_shows_the_apis_and_strict_mode(page: Page, server: LiveServer) -> None:
    page.goto("/")
    expect(page.locator("#apis tbody tr")).to_have_count(len(API_DEFINITIONS))
    expect(page.locator(".badge")).to_have_text("strict mode on")
    expect(page.locator("#apis")).to_contain_text(f"{server.url}/perscom")
    screenshot(page, "landing")
    page.get_by_role("link", name="Open the live dashboard").click()
    expect(page).to_have_url(re.compile(r"/__mock/ui$"))


def test_docs_page_lists_the_five_specs_with_their_operations(page: Page) -> None:
    expected = {
        str(d.load_spec().document["info"]["title"]): len(d.load_spec().operations)
        for d in API_DEFINITIONS.values()
    }
    admin = Spec.from_file(ADMIN_SPEC)
    expected[str(admin.document["info"]["title"])] = len(admin.operations)
    page.goto("/__mock/docs")
    # Swagger UI hides its online validator badge on a loopback URL anyway; off, it stays off
    # when the mock is reached by any other name
    assert page.evaluate("window.ui.getConfigs().validatorUrl") is None
    selector = page.locator(".topbar select")
    expect(selector.locator("option")).to_have_count(5)
    names = selector.locator("option").all_inner_texts()
    assert sorted(re.sub(r" \(\d+ operations\)$", "", n) for n in names) == sorted(expected)
    for name in names:
        title = re.sub(r" \(\d+ operations\)$", "", name)
        selector.select_option(label=name)
        expect(page.locator(".info .title")).to_contain_text(title)
        expect(page.locator(".opblock")).to_have_count(expected[title])
        assert f"({expected[title]} operations)" in name
    screenshot(page, "docs")


def _execute(page: Page, operation_id: str) -> Locator:
    block = page.locator(".opblock").filter(
        has=page.locator(".opblock-summary-operation-id", has_text=re.compile(f"^{operation_id}$"))
    )
    block.locator(".opblock-summary").click()
    block.locator("button.execute").click()
    expect(block.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")
    return block


def _reload(page: Page) -> None:
    """Load the page again, without the deep link Swagger UI put in the URL (it would open the operation)."""
    page.goto(page.url.split("#")[0])
    expect(page.locator(".opblock").first).to_be_visible()


def _authorized(page: Page) -> Any:
    return page.evaluate("window.ui.authSelectors.authorized().toJS()")


def test_try_it_out_answers_200_with_the_dev_token_kept_across_reloads(
    page: Page, server: LiveServer
) -> None:
    page.goto("/__mock/docs?api=b2core")
    block = _execute(page, "listCalendarEvents")
    entry = _last_entry(server)
    assert (entry["operation_id"], entry["status"]) == ("listCalendarEvents", 200)
    assert entry["request"]["headers"]["Authorization"] == "Bearer dev-…(9)"
    assert entry["path"] == "/b2core/api/v2/calendars/events"  # servers rewritten to the mock's mount
    block.locator(".responses-inner h4", has_text="Server response").scroll_into_view_if_needed()
    screenshot(page, "docs-try-it-out", full_page=False)
    _reload(page)
    assert _authorized(page)["bearerAuth"]["value"] == "dev-token"

    # a token the user authorises in the dialog replaces the dev token, and survives a reload
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux")
    dialog.locator("button", has_text="Logout").click()
    dialog.locator("#auth-bearer-value").fill(QA_TOKEN)
    dialog.locator("button[type=submit]", has_text="Authorize").click()
    dialog.locator("button.btn-done").click()
    _reload(page)
    assert _authorized(page)["bearerAuth"]["value"] == QA_TOKEN
    _execute(page, "listCalendarEvents")
    assert _last_entry(server)["request"]["headers"]["Authorization"] == "Bearer qa-t…(20)"


def test_a_request_shows_up_in_the_dashboard_within_2s_and_opens_to_its_body(
    page: Page, server: LiveServer
) -> None:
    page.goto("/__mock/ui")
    expect(page.locator("#live")).to_have_text("live")
    caption = f"Seen in the dashboard {time.time_ns()}"
    sent = time.monotonic()
    status, created = _call(server, "POST", "/b2core/api/v2/calendars/events", {**EVENT, "caption": caption})
    assert status == 201
    row = page.locator(f'tr.entry[data-seq="{_last_entry(server)["seq"]}"]')
    expect(row).to_be_visible(timeout=2000)
    assert time.monotonic() - sent < 2
    expect(row).to_contain_text("createCalendarEvent")
    expect(row.locator(".status")).to_have_text("201")
    row.click()
    detail = page.locator("tr.detail-row").first
    expect(detail).to_contain_text(caption)  # the request body
    expect(detail).to_contain_text(f'"id": {created["id"]}')  # the response body
    expect(detail).to_contain_text("Bearer dev-…(9)")  # headers, credentials masked
    # the state panel follows the journal: the new record shows without pressing Refresh
    expect(page.locator('.state-part[data-key="events"]')).to_contain_text(caption, timeout=2000)
    screenshot(page, "dashboard")

    # a fault injected with Prefer is named in its row
    request = urllib.request.Request(
        f"{server.url}/b2core/api/v2/calendars/events",
        headers={"Authorization": "Bearer dev-token", "Prefer": "fail=503, undocumented"},
    )
    with pytest.raises(urllib.error.HTTPError, match="503"):
        urllib.request.urlopen(request, timeout=10)
    faulty = page.locator(f'tr.entry[data-seq="{_last_entry(server)["seq"]}"]')
    expect(faulty.locator(".fault")).to_have_text("prefer: status 503", timeout=2000)

    # a hostile path is shown as text, never run as markup; filters hide what they should
    _call(server, "GET", "/b2core/%3Cimg%20src=x%20onerror=alert(1)%3E")
    hostile = page.locator("tr.entry", has_text="<img src=x onerror=alert(1)>")
    expect(hostile).to_be_visible(timeout=2000)
    assert page.locator("#journal-rows img").count() == 0
    page.select_option("#filter-status", "4xx")
    expect(row).to_be_hidden()
    expect(hostile).to_be_visible()
    page.select_option("#filter-status", "")
    page.select_option("#filter-api", "kona")
    expect(page.locator("tr.entry:visible")).to_have_count(0)
    page.select_option("#filter-api", "b2core")
    page.select_option("#filter-operation", "b2core createCalendarEvent")
    expect(page.locator("tr.entry:visible")).to_have_count(1)
    expect(row).to_be_visible()


def test_reset_from_the_dashboard_empties_the_state(page: Page, server: LiveServer) -> None:
    assert _call(server, "POST", "/b2core/api/v2/calendars/events", EVENT)[0] == 201
    page.goto("/__mock/ui")
    events = page.locator('.state-part[data-key="events"]')
    expect(events.locator("table.records tbody tr")).to_have_count(1)
    expect(events).to_contain_text("Quarterly review")
    with page.expect_download() as download:
        page.locator("#state-export").click()
    exported = json.loads(download.value.path().read_text())
    assert [e["caption"] for e in exported["b2core"]["events"]] == ["Quarterly review"]
    page.get_by_role("button", name="Reset b2core").click()
    expect(page.locator("#notice")).to_have_text("b2core is back to its start-up state.")
    expect(events.locator(".empty-records")).to_be_visible()
    assert _call(server, "GET", "/__mock/state/b2core")[1]["b2core"]["events"] == []
    screenshot(page, "dashboard-after-reset")


def test_the_network_is_really_cut_off_and_the_pages_work_without_it(page: Page, watch: Watch) -> None:
    probe = page.context.new_page()  # the same context, so the same cut
    with pytest.raises(Error, match="ERR_INTERNET_DISCONNECTED"):
        probe.goto("http://198.51.100.7/")
    probe.close()
    assert watch.blocked == ["http://198.51.100.7/"]
    watch.blocked.clear()
    watch.requested.clear()
    watch.errors.clear()
    for path, ready in (("/", "#apis"), ("/__mock/docs", ".opblock"), ("/__mock/ui", "#live")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
