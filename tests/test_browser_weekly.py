"""The manager's weekly use in a real browser: nothing fetched from outside, settings that stay as set."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.test_browser import _go, _settle, _start_solve, _type_into, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _open(browser, server: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{server}/team")
    page.get_by_role("heading", name="Team", exact=True).wait_for(timeout=60_000)
    _settle(page)
    return page


def test_a_page_load_fetches_nothing_from_outside_hosts(server: str, browser) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).hostname not in ("127.0.0.1", "localhost") else None)
    page.goto(f"{server}/team")
    page.get_by_role("heading", name="Team", exact=True).wait_for(timeout=60_000)
    _settle(page)
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert outside == [] and not icon.startswith("http"), (outside, icon)
    page.close()


def test_the_time_limit_survives_a_solve_that_ends_on_another_page(server: str, browser) -> None:  # noqa: F811
    page = _open(browser, server)
    _go(page, "Plan")
    _start_solve(page, 3)
    page.locator('[data-testid="stSidebarNav"] a', has_text="People").first.click()
    deadline = time.monotonic() + 120
    while "Solving…" in page.locator('[data-testid="stSidebar"]').inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    page.wait_for_timeout(1_500)  # the sidebar's progress fragment reruns the app when the solve ends
    _go(page, "Plan")
    assert page.get_by_label("Time limit (seconds)").input_value() == "3"
    page.close()


def test_a_leave_date_typed_another_way_is_reported_not_reverted(server: str, browser) -> None:  # noqa: F811
    page = _open(browser, server)
    page.locator('[data-testid="stDataFrame"]').nth(2).wait_for(timeout=30_000)  # centres, engineers, leave
    page.locator('[data-testid="stDataFrame"]').nth(2).scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the grid takes clicks once drawn
    _type_into(page, grid=2, row=0, column=1, text="15/03/2027")
    problem = page.locator('[data-testid^="glide-cell"]').filter(has_text="15/03/2027")
    problem.first.wait_for(state="attached", timeout=20_000)
    banner = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentError"]')
    banner.wait_for(timeout=20_000)
    assert "problem" in banner.inner_text()
    page.close()
