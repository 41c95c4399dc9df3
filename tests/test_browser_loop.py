"""The manager's weekly loop in a real browser, at 1440 and 1024 px: a new engineer on Team, a sick week on Leave, a
re-plan keeping the published rota, a gap's reason on Coverage, the preview and Publish on Calendars, a feed link
copied and fetched over HTTP. The server is started as the README does (`rota serve`) on a store where a first rota
was published with `rota publish`; the scenario is the demo with one senior per centre, so P0 gaps are certain.

Screenshots of each step go to $ROTA_SCREENSHOTS, else to the test's tmp_path.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rota.scenario_io import read_folder, zip_files
from tests.servers import stop, wait_healthy
from tests.test_browser import (
    ERRORS,
    ROOT,
    _free_port,
    _settle,
    _start_solve,
    browser,  # noqa: F401 (a fixture)
    serve_command,
)

pytestmark = pytest.mark.browser

SICK = ("2027-03-08", "2027-03-14")  # a week of sickness, Monday to Sunday in Singapore
NEW = ("sin-20", "Ana Cruz", "sin", "L1")
REPLAN_SECONDS = 20  # a ceiling: the re-plan's work budget decides, and a short-staffed P0 stage uses its share


def short_staffed(folder: Path) -> Path:
    """The demo with its L1 engineers and one senior per centre: three seniors cannot hold P0 for four weeks."""
    files = read_folder(ROOT / "data" / "demo")
    rows = list(csv.DictReader(io.StringIO(files["engineers.csv"].decode())))
    kept = [r for r in rows if r["level"] == "L1" or r["id"].endswith("-01")]
    ids = {r["id"] for r in kept}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    files["engineers.csv"] = out.getvalue().encode()
    for name in ("leave.csv", "pins.csv"):
        lines = files[name].decode().splitlines()
        files[name] = ("\n".join([lines[0], *(x for x in lines[1:] if x.split(",")[0] in ids)]) + "\n").encode()
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _rota(*args: str) -> None:
    rota = Path(sys.executable).with_name("rota")
    done = subprocess.run([str(rota), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """(server URL, the scenario zip to upload, the engineer who falls sick): version 1 is already published."""
    scenario = short_staffed(tmp_path / "short")
    store = tmp_path / "rota.sqlite3"
    _rota("solve", str(scenario), "--out", str(tmp_path / "v1"), "--work-limit", "1", "--time-limit", "600",
          "--quiet")
    _rota("publish", str(tmp_path / "v1"), "--store", str(store))
    published = list(csv.DictReader((tmp_path / "v1" / "assignments.csv").open(encoding="utf-8")))
    # An L1 in Singapore with published shifts in the sick week: those must be cancelled in their feed.
    sick = next(r["engineer"] for r in published if r["engineer"].startswith("sin-") and r["engineer"] != "sin-01"
                and SICK[0] <= r["date"] <= SICK[1])
    upload = tmp_path / "short.zip"
    upload.write_bytes(zip_files(read_folder(scenario), "short"))
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(serve_command(port, store), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(f"{url}/_stcore/health", process, log)
            yield url, upload, sick
        finally:
            stop(process)


class Loop:
    """One page of the loop, with its screenshots numbered in the order taken."""

    def __init__(self, page: Page, shots: Path):
        self.page, self.shots, self.n = page, shots, 0

    def shot(self, name: str) -> None:
        self.n += 1
        self.page.mouse.move(5, 5)  # no tooltip over the page
        self.page.screenshot(path=str(self.shots / f"{self.n:02d}-{name}.png"), full_page=True)

    def go(self, title: str) -> None:
        self.page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
        self.page.get_by_role("heading", name=title, exact=True).wait_for()
        _settle(self.page)

    def main_text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def sidebar_text(self) -> str:
        return self.page.locator('[data-testid="stSidebar"]').inner_text()

    def fail(self, message: str) -> None:
        self.shot("failure")
        pytest.fail(f"{message}; the page showed:\n{self.main_text()[:3000]}")

    def wait(self, locator, what: str, **kwargs) -> None:
        """Wait for `locator` (Playwright's wait_for arguments); on a timeout, fail with the page and a screenshot."""
        try:
            locator.wait_for(**kwargs)
        except PlaywrightTimeout:
            self.fail(f"waited in vain: {what}")

    def complete(self, banner, what: str) -> None:
        """The edited scenario has no problem left: the sidebar's banner is gone and stays gone once the page is idle
        (it is redrawn during a run)."""
        self.wait(banner, what, state="detached")
        _settle(self.page)
        self.page.wait_for_timeout(1_000)
        if banner.count():
            self.fail(f"{what}: the problem banner came back")

    def no_errors(self) -> None:
        if self.page.locator(ERRORS).count():
            self.fail("an error or exception is on the page")

    def last_row(self, grid: int) -> dict[str, float]:
        """Select the first cell of a data editor's last row with the keyboard (the grid scrolls inside itself, to
        that row); returns the grid's box."""
        page = self.page
        frame = page.locator('[data-testid="stDataFrame"]').nth(grid)
        frame.scroll_into_view_if_needed()
        box = frame.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.click(box["x"] + 60, box["y"] + 35 + 17)  # a cell of the first row
        page.wait_for_timeout(300)  # a grid just redrawn takes the keys once it has the focus
        page.keyboard.press("Control+ArrowDown")
        page.wait_for_timeout(300)
        page.keyboard.press("Control+ArrowLeft")
        page.wait_for_timeout(400)
        return box

    def cell(self, grid: int, column: int, text: str, *, choose: bool = False, new_row: bool = False) -> None:
        """Edit the last row of a data editor as a person does: `new_row` clicks the empty row below it, which adds
        a row and opens its first cell. `choose`: a select column (type, Enter). Each edit is checked at once, so
        the problem column may appear or go between two edits: count from it."""
        page = self.page
        box = self.last_row(grid)
        editor = page.locator("textarea.gdg-input").first
        if new_row:
            page.mouse.wheel(0, 5000)  # past the last row to the empty one under it
            page.wait_for_timeout(400)
            page.mouse.click(box["x"] + 60, box["y"] + box["height"] - 17)
        else:
            for _ in range(column):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
        if choose:
            page.wait_for_timeout(400)
            page.keyboard.type(text)
            page.wait_for_timeout(300)
            page.keyboard.press("Enter")
        else:
            try:
                editor.wait_for(timeout=5_000)
            except PlaywrightTimeout:
                self.fail(f"no cell editor opened for {text!r}")
            if new_row and editor.input_value():
                self.fail(f"the click meant for the empty row opened a filled cell: {editor.input_value()!r}")
            editor.fill(text)
            editor.press("Enter")
        _settle(page)
        page.wait_for_timeout(500)  # a grid redrawn after the edit takes clicks once drawn

    def choose(self, label: str, text: str) -> None:
        """Pick the option of a select box that contains `text` (typed to filter, then clicked)."""
        box = self.page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
        box.locator("input").click()
        self.page.keyboard.type(text)
        option = self.page.get_by_role("option").filter(has_text=text).first
        self.wait(option, f"an option with {text!r}")
        option.click()
        _settle(self.page)

    def link_of(self, engineer: str) -> str:
        """Choose an engineer's feed links; returns the https link once the page shows it."""
        code = self.page.locator('[data-testid="stCode"]').first
        before = code.inner_text().strip()
        self.choose("Links of", f"(engineer {engineer})")
        try:
            self.page.wait_for_function("b => document.querySelector('[data-testid=\"stCode\"]').innerText.trim() "
                                        "!== b", arg=before, timeout=30_000)
        except PlaywrightTimeout:
            self.fail(f"the links of {engineer} did not replace {before}")
        return code.inner_text().strip()


@pytest.mark.parametrize("width", [1440, 1024])
def test_the_weekly_loop(loop, browser, width: int, tmp_path: Path) -> None:  # noqa: F811
    url, upload, sick = loop
    shots = Path(os.environ.get("ROTA_SCREENSHOTS") or tmp_path / "screenshots") / f"loop-{width}"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 1100}, timezone_id="Europe/Berlin")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.set_default_timeout(90_000)  # waits for behaviour, not speed: a busy machine is slow
    ui = Loop(page, shots)

    # Overview: the published version 1 and its window.
    page.goto(url)
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=60_000)
    _settle(page)
    assert re.search(r"Version 1, \d{4}-\d\d-\d\d \d\d:\d\d UTC: \d+ shifts for 2027-03-01 → 2027-03-29",
                     ui.main_text()), ui.main_text()
    ui.shot("overview")

    # The week's scenario, uploaded from the sidebar.
    page.get_by_text("Load, upload, download").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_text("upload: short.zip").wait_for()
    _settle(page)
    ui.go("Team")
    page.locator('[data-testid="stDataFrame"]').nth(2).wait_for()  # centres, engineers, leave
    page.wait_for_timeout(500)

    # Team: a new engineer, typed into the empty row under the table.
    banner = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentError"]')
    ui.cell(1, 0, NEW[0], new_row=True)
    banner.wait_for()  # the row is checked at once: a name, a centre and a level are still missing
    ui.cell(1, 2, NEW[1])  # the problem column comes first now: problem, id, name, centre, level
    ui.cell(1, 3, NEW[2], choose=True)
    ui.cell(1, 4, NEW[3], choose=True)
    ui.complete(banner, "the new engineer's row is complete")
    ui.last_row(1)
    page.locator('[data-testid^="glide-cell"]').filter(has_text=NEW[1]).first.wait_for(state="attached")
    ui.no_errors()
    ui.shot("team-new-engineer")

    # Leave: a sick week for an engineer with published shifts in it.
    ui.cell(2, 0, sick, choose=True, new_row=True)
    banner.wait_for()  # its dates are still missing
    ui.cell(2, 2, SICK[0])  # problem, engineer, start, end, reason
    ui.cell(2, 3, SICK[1])
    ui.complete(banner, "the sick week's row is complete")
    ui.last_row(2)
    page.locator('[data-testid^="glide-cell"]').filter(has_text=SICK[1]).first.wait_for(state="attached")
    ui.no_errors()
    ui.shot("leave-sick-week")

    # Plan: re-plan keeping the published rota; the changes from version 1 are listed.
    ui.go("Plan")
    page.get_by_text("Keep the published rota where possible").click()
    page.get_by_text(re.compile(r"^Re-plans from published version 1 \(\d+ shifts in this window\)")).wait_for()
    _settle(page)
    # The re-plan's own limit and its default replace the plain solve's input (once the old one is cleared away).
    page.wait_for_function("() => { const l = document.querySelectorAll('input[aria-label=\"Time limit (seconds)\"]');"
                           " return l.length === 1 && l[0].value === '10'; }", timeout=30_000)
    _start_solve(page, REPLAN_SECONDS)
    try:
        page.get_by_role("button", name="Re-solve", exact=True).wait_for(timeout=(REPLAN_SECONDS + 180) * 1000)
    except PlaywrightTimeout:
        ui.fail("the re-plan did not end")
    _settle(page)
    heading = page.get_by_role("heading", name=re.compile(r"^Changes from published version 1: \d+$"))
    heading.wait_for()
    changes = int(heading.inner_text().rsplit(": ", 1)[1])
    assert changes > 0  # at least the sick week's shifts
    flagged = "This re-plan is worse than it should be" in ui.main_text()
    ui.no_errors()
    ui.shot("plan-replanned")

    # Coverage: P0 gaps are certain with three seniors; each gap says why in its row.
    ui.go("Coverage")
    gaps = page.get_by_role("heading", name=re.compile(r"^Gaps \(\d+\)$"))
    gaps.wait_for()
    assert int(gaps.inner_text().strip()[6:-1]) > 0
    reason = page.locator('[data-testid^="glide-cell"]').filter(
        has_text=re.compile(r"senior|weekly hours|consecutive days|rest|on shift"))
    page.locator('[data-testid="stDataFrame"]').last.scroll_into_view_if_needed()  # the gaps table, under the map
    reason.first.wait_for(state="attached")
    assert reason.first.inner_text().strip()
    ui.no_errors()
    ui.shot("coverage-gap-reason")

    # Calendars: the preview counts what Plan counted; Publish (asking first if the re-plan was flagged).
    ui.go("Calendars")
    preview = page.get_by_text(re.compile(r"^Before you publish: \d+ change\(s\) from version 1"))
    preview.wait_for()
    assert preview.inner_text().startswith(f"Before you publish: {changes} change(s) from version 1")
    page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()  # the preview's table
    # Per engineer: "2027-03-08 sin-day" added, moved ("… → …") or cancelled.
    page.locator('[data-testid^="glide-cell"]').filter(has_text=re.compile(r"2027-03-\d\d \w+-\w+")).first.wait_for(
        state="attached")
    ui.shot("calendars-preview")
    page.get_by_role("button", name="Publish this rota as a new version").click()
    _settle(page)
    if flagged:
        page.get_by_text("Publish this re-plan anyway?").wait_for()
        ui.shot("calendars-publish-anyway")
        page.get_by_role("button", name="Publish anyway").click()
    message = page.get_by_text(re.compile(r"^Published version 2: \d+ shifts"))
    message.wait_for()
    assert f"{changes} shift change(s)" in message.inner_text()
    _settle(page)
    ui.no_errors()

    # Feed links: the sick engineer's, copied with the page's copy control, fetched over HTTP.
    shown = ui.link_of(sick)
    code = page.locator('[data-testid="stCode"]').first
    code.hover()
    code.get_by_role("button").first.click()
    link = page.evaluate("navigator.clipboard.readText()").strip()
    # The link is on the address this browser came in on (no ROTA_PUBLIC_URL), so it opens from here as it is.
    assert link == shown and re.fullmatch(re.escape(url) + r"/feeds/[\w-]{43}\.ics", link)
    ui.shot("calendars-feed-link")
    feed = _fetch(link)
    singapore = ZoneInfo("Asia/Singapore")  # the shifts' local dates, as the leave's
    events = {e.decoded("DTSTART").astimezone(singapore).date(): str(e.get("STATUS")) for e in feed.walk("VEVENT")}
    in_week = {d: s for d, s in events.items() if date.fromisoformat(SICK[0]) <= d <= date.fromisoformat(SICK[1])}
    summaries = [(str(e.get("SUMMARY")), str(e.get("STATUS")), e.decoded("DTSTART").isoformat(),
                  int(e.get("SEQUENCE"))) for e in feed.walk("VEVENT")]
    # The sick week's shifts are called off.
    assert in_week and set(in_week.values()) == {"CANCELLED"}, summaries
    assert "CONFIRMED" in events.values()  # and the rest of the rota stands

    # The new engineer has a feed of their own, named for them.
    mine = _fetch(ui.link_of(NEW[0]))
    assert NEW[1] in str(mine.get("X-WR-CALNAME"))
    ui.no_errors()
    context.close()


def _fetch(link: str) -> icalendar.Calendar:
    """A feed link from the page, fetched as a calendar app would."""
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.status == 200
        body = response.read()
    assert body.startswith(b"BEGIN:VCALENDAR")
    return icalendar.Calendar.from_ical(body)
