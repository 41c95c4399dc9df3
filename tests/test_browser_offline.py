"""The UI works on a locked-down network: a page load asks nothing of any host but the server's own."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.test_browser import _settle, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_a_page_load_fetches_nothing_from_outside_hosts(server: str, browser) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).hostname not in ("127.0.0.1", "localhost") else None)
    page.goto(server)
    page.get_by_role("heading", name="Team", exact=True).wait_for(timeout=60_000)
    _settle(page)
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert outside == [] and not icon.startswith("http"), (outside, icon)
    page.close()
