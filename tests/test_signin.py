"""Sign-in and roles for real: an OIDC provider on loopback (oidc-provider-mock), `rota serve` as the README starts it
with an [auth] section pointing at that provider, Chromium signing in through it as each role, and a client with no
cookie talking to Streamlit's websocket the way the issue's script did.

The same websocket probe is first run against a server without sign-in: there it reads feed tokens and rolls a
version back (the attack in the issue), so its failing against the signed-in server means something.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from rota.store import open_store
from tests.calendars import rota
from tests.checked import check_result_folder
from tests.servers import wait_healthy
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serve_command

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ADMIN, MANAGER, VIEWER, ENGINEER, NOBODY = ("ada@example.com", "lin@example.com", "vera@example.com",
                                            "siti.nurhaliza@example.com", "nora@example.com")
ENGINEER_ID = "sin-01"  # ENGINEER's row in the demo's engineers.csv
ROLES = f"""
[admin]
emails = ["{ADMIN}"]
[manager]
emails = ["{MANAGER}"]
[viewer]
groups = ["support"]   # VIEWER has this role only through the provider's group claim
"""
MANAGER_PAGES = ["Overview", "Team", "Rules & cover", "Plan", "Coverage", "People", "Calendars", "What-if"]
VIEWER_PAGES = ["Overview", "Coverage", "People", "Calendars"]
FEED = re.compile(r"https?://[^\s\"'<>]+/feeds/[A-Za-z0-9_-]+\.ics")


@dataclass
class Site:
    url: str
    store: Path
    log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def versions(self) -> int:
        store = open_store(str(self.store))
        try:
            return len(store.versions())
        finally:
            store.close()

    def tokens(self) -> list[str]:
        store = open_store(str(self.store))
        try:
            return [store.token(f) for f in store.feeds()]
        finally:
            store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo solved on a fixed work budget (the engineer's page reads the demo's engineers.csv)."""
    result = tmp_path_factory.mktemp("demo") / "result"
    solved = rota("solve", "data/demo", "--out", str(result), "--work-limit", "1", "--workers", "1", "--quiet")
    assert solved.returncode == 0, solved.stderr
    check_result_folder(REPO / "data" / "demo", result)
    return result


def _published_store(folder: Path, result: Path) -> Path:
    """A store with two versions (the golden rota, then the demo's), so there is a version to roll back to."""
    store = folder / "rota.sqlite3"
    for source in (REPO / "tests" / "golden" / "result", result):
        published = rota("publish", str(source), "--store", str(store))
        assert published.returncode == 0, published.stderr
    return store


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **env})


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, demo_result: Path) -> Iterator[Site]:
    """`rota serve` with sign-in through a real OIDC provider on loopback, and a roles file."""
    folder = tmp_path_factory.mktemp("signin")
    store = _published_store(folder, demo_result)
    log = folder / "servers.log"
    idp_port, port = free_port(), free_port()
    idp = f"http://127.0.0.1:{idp_port}"
    viewer = json.dumps({"sub": VIEWER, "email": VIEWER, "groups": ["support"]})
    processes = [_start([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(idp_port),
                         "--user-claims", viewer], log, {})]
    try:
        wait_healthy(f"{idp}/.well-known/openid-configuration", processes[0], log)
        url = f"http://127.0.0.1:{port}"
        (folder / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "{url}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "rota"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{idp}/.well-known/openid-configuration"
""", encoding="utf-8")
        (folder / "roles.toml").write_text(ROLES, encoding="utf-8")
        env = {"ROTA_SECRETS": str(folder / "secrets.toml"), "ROTA_ROLES": str(folder / "roles.toml"),
               "ROTA_PUBLIC_URL": url}
        processes.append(_start(serve_command(port, store), log, env))
        wait_healthy(f"{url}/_stcore/health", processes[1], log)
        yield Site(url, store, log, processes)
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def open_site(tmp_path_factory: pytest.TempPathFactory, demo_result: Path) -> Iterator[Site]:
    """The same, without sign-in: one person on loopback, as before."""
    folder = tmp_path_factory.mktemp("open")
    store = _published_store(folder, demo_result)
    log = folder / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(serve_command(port, store), log, {"ROTA_PUBLIC_URL": url})
    try:
        wait_healthy(f"{url}/_stcore/health", process, log)
        yield Site(url, store, log, [process])
    finally:
        _stop([process])


# ---- the websocket probe: a script with no cookie, as in the issue ----------------------------------------------


@dataclass
class Probe:
    raw: bytes  # everything the server sent
    buttons: dict[str, str]  # label -> widget id of every button it was shown
    pages: list[str]  # the page titles the app's navigation offered


async def _probe(url: str, page: str, press: list[str]) -> Probe:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    raw, buttons, pages = bytearray(), {}, []
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=url, max_size=None) as ws:

        async def run(widgets: list[str]) -> None:
            message = BackMsg()
            message.rerun_script.page_name = page
            for ident in widgets:
                state = message.rerun_script.widget_states.widgets.add()
                state.id, state.trigger_value = ident, True
            await ws.send(message.SerializeToString())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                data = await asyncio.wait_for(ws.recv(), timeout=60)
                raw.extend(data)
                forward = ForwardMsg()
                forward.ParseFromString(data)
                kind = forward.WhichOneof("type")
                if kind == "navigation":
                    pages[:] = [p.page_name for p in forward.navigation.app_pages]
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    if element.WhichOneof("type") == "button":
                        buttons[element.button.label] = element.button.id
                elif kind == "script_finished":
                    return
            raise AssertionError("the script never finished")

        await run([])
        if press:
            await run(press)
    return Probe(bytes(raw), buttons, pages)


def probe(url: str, page: str, press: list[str] | None = None) -> Probe:
    return asyncio.run(_probe(url, page, press or []))


def test_the_probe_reads_tokens_and_rolls_back_on_a_server_without_sign_in(open_site: Site) -> None:
    # The control: what the script did. Without it, the probe's failing below would prove nothing.
    seen = probe(open_site.url, "calendars")
    assert any(t.encode() in seen.raw for t in open_site.tokens()), "the open Calendars page shows a feed link"
    assert "Version 1" in seen.buttons
    before = open_site.versions()
    probe(open_site.url, "calendars", press=[seen.buttons["Version 1"]])
    assert open_site.versions() == before + 1


def test_an_anonymous_websocket_gets_no_token_and_presses_nothing(signed: Site, open_site: Site) -> None:
    rollback = probe(open_site.url, "calendars").buttons["Version 1"]  # the real button's id (same script, path)
    before = signed.versions()
    for page in ("calendars", "plan", "mine", ""):
        seen = probe(signed.url, page, press=[rollback])
        assert seen.pages == ["Sign in"], f"{page!r}: the navigation offered {seen.pages}"
        assert list(seen.buttons) == ["Sign in"]
        assert not any(t.encode() in seen.raw for t in signed.tokens())
        assert b"/feeds/" not in seen.raw
    assert signed.versions() == before


# ---- each role in Chromium, signed in through the provider ---------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test.sh, which installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _settle(page) -> None:
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)
    page.wait_for_timeout(200)


def sign_in(chromium, site: Site, email: str):
    """A fresh browser signs in through the provider's form, as a person does; returns the page, signed in."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(site.url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(email)  # the provider's form: the account to sign in as
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(site.url) + r"/?(\?.*)?$"), timeout=30_000)
    page.get_by_text(f"Signed in as {email}").or_(page.get_by_text("no role in rota yet")).first.wait_for(
        timeout=30_000)
    _settle(page)
    return page


def nav(page) -> list[str]:
    # Each link's text is its icon's name, then its title.
    return [t.strip().splitlines()[-1] for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)
    _settle(page)


def shown_links(page) -> list[str]:
    """The feed links on the page as a person reads them (st.code splits its text into spans in the HTML); a code
    block draws its text a moment after it appears, so this waits for some."""
    page.locator('[data-testid="stCode"]').first.wait_for(timeout=30_000)
    for _ in range(100):
        found = FEED.findall(page.locator("body").inner_text())
        if found:
            return found
        page.wait_for_timeout(100)
    return []


def no_secret(page, site: Site) -> bool:
    text, html = page.locator("body").inner_text(), page.content()
    return not FEED.search(text) and not any(t in html or t in text for t in site.tokens())


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_not_signed_in_sees_only_the_sign_in_page(chromium, signed: Site) -> None:
    page = chromium.new_page()
    page.goto(f"{signed.url}/calendars")
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    _settle(page)
    assert nav(page) == []
    assert no_secret(page, signed)
    assert page.get_by_role("heading", name="Calendars").count() == 0
    page.close()


def test_no_role_is_asked_to_see_the_admin(chromium, signed: Site) -> None:
    page = sign_in(chromium, signed, NOBODY)
    assert page.get_by_text("no role in rota yet").is_visible()
    assert nav(page) == []
    page.context.close()


def test_a_viewer_by_group_sees_coverage_people_and_calendars_without_links(chromium, signed: Site) -> None:
    page = sign_in(chromium, signed, VIEWER)
    assert page.get_by_text(f"Signed in as {VIEWER} (viewer)").is_visible()
    assert nav(page) == VIEWER_PAGES
    go(page, "Coverage")  # the published rota: a viewer solves nothing
    page.get_by_text(re.compile(r"^The published rota, version \d+\.$")).wait_for(timeout=30_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    go(page, "Calendars")
    page.get_by_role("heading", name="Versions").wait_for(timeout=30_000)  # the page's last part: drawn whole
    page.get_by_text("Feed links are secrets").wait_for(timeout=30_000)
    assert no_secret(page, signed), "a viewer sees no feed link"
    assert page.get_by_role("button", name="Version 1").count() == 0, "nor a rollback"
    assert page.get_by_role("button", name="Publish this rota as a new version").is_disabled()
    page.goto(f"{signed.url}/plan")  # a page not listed for the role, by its address
    _settle(page)
    assert page.get_by_role("heading", name="Plan", exact=True).count() == 0
    assert page.get_by_role("button", name="Solve").count() == 0
    page.context.close()


def test_an_engineer_sees_their_own_page_and_rotates_their_link(chromium, signed: Site) -> None:
    page = sign_in(chromium, signed, ENGINEER)
    page.get_by_role("heading", name="My calendar feed").wait_for(timeout=60_000)
    _settle(page)
    assert nav(page) == []  # one page: Streamlit shows no menu
    body = page.content()
    assert "Siti Nurhaliza" in body and "Asia/Singapore" in body
    assert page.get_by_role("heading", name="Upcoming shifts").is_visible()
    assert page.get_by_role("heading", name="My load and my fair share").is_visible()
    links = shown_links(page)
    assert links and len(set(links)) == 1, "their own link, and only theirs"
    store = open_store(str(signed.store))
    mine = next(f for f in store.feeds() if f.kind == "engineer" and f.ident == ENGINEER_ID)
    assert links[0].endswith(f"/feeds/{store.token(mine)}.ics")
    store.close()
    assert fetch(links[0]) == 200
    page.get_by_role("button", name="Rotate my link").click()
    page.get_by_text("New link issued").wait_for(timeout=30_000)
    _settle(page)
    new = shown_links(page)
    assert new and new[0] != links[0]
    assert fetch(links[0]) == 404 and fetch(new[0]) == 200
    page.goto(f"{signed.url}/calendars")  # another page, by its address: not theirs
    page.get_by_role("heading", name="My calendar feed").wait_for(timeout=60_000)
    _settle(page)
    assert page.get_by_role("heading", name="Calendars", exact=True).count() == 0
    assert set(shown_links(page)) <= {new[0]}
    page.context.close()


def test_a_manager_sees_the_links_and_rolls_back(chromium, signed: Site) -> None:
    page = sign_in(chromium, signed, MANAGER)
    assert nav(page) == MANAGER_PAGES
    go(page, "Calendars")
    page.get_by_role("button", name="Version 1").wait_for(timeout=30_000)  # the page's last part: drawn whole
    assert shown_links(page), "a manager sees the feed links"
    before = signed.versions()
    page.get_by_role("button", name="Version 1").click()
    page.get_by_text("the shifts of version 1 again").wait_for(timeout=30_000)
    assert signed.versions() == before + 1
    page.context.close()


def test_an_admin_also_sees_who_has_which_role(chromium, signed: Site) -> None:
    page = sign_in(chromium, signed, ADMIN)
    assert nav(page) == [*MANAGER_PAGES, "Access"]
    go(page, "Access")
    table = page.locator('[data-testid="stTable"]')
    table.wait_for(timeout=30_000)
    text = table.inner_text()
    assert ADMIN in text and MANAGER in text and "support" in text
    page.context.close()
