"""How fast the web UI answers a manager, in a real browser: first load, each page's first open, page switches.

    python -m bench.ui_bench [--rounds 5] [--width 1440]

Starts `rota serve` on a free loopback port with a fresh store, drives Debian's chromium with Playwright, solves the
demo once, then times page switches (click → the page's heading drawn and Streamlit idle). Then the weekly loop of
tests/test_browser_loop.py: publish on Calendars, re-plan keeping the published rota, and the loop's page switches
(Team → Plan → Coverage → Calendars → Overview) round after round. Prints a table of the median and the worst of
each. Wall-clock figures: they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PAGES = ("Team", "Rules & cover", "Plan", "Coverage", "People", "Calendars", "What-if", "Overview")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _idle(page: Page) -> None:
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)


def _open(page: Page, title: str) -> float:
    started = time.monotonic()
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=120_000)
    _idle(page)
    return time.monotonic() - started


def _solve(page: Page, seconds: int) -> None:
    _open(page, "Plan")
    limit = page.get_by_label("Time limit (seconds)")
    limit.fill(str(seconds))
    limit.press("Enter")
    _idle(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_role("button", name="Re-solve", exact=True).wait_for(timeout=300_000)
    _idle(page)


LOOP = ("Team", "Plan", "Coverage", "Calendars", "Overview")  # the weekly loop's pages, in its order


def _weekly_loop(page: Page, rounds: int) -> list[tuple[str, list[float]]]:
    """Publish the solved rota, re-plan keeping it, then time the loop's page switches."""
    _open(page, "Calendars")
    page.get_by_role("button", name="Publish this rota as a new version").click()
    page.get_by_text("Published version 1").wait_for(timeout=120_000)
    _idle(page)
    _open(page, "Plan")
    page.get_by_text("Keep the published rota where possible").click()
    page.get_by_text("Re-plans from published version 1").wait_for(timeout=60_000)
    _idle(page)
    page.get_by_role("button", name="Re-solve", exact=True).click()
    page.get_by_role("heading", name="Changes from published version 1", exact=False).wait_for(timeout=300_000)
    _idle(page)
    times: dict[str, list[float]] = {title: [] for title in LOOP}
    for _ in range(rounds):
        for title in LOOP:
            times[title].append(_open(page, title))
    return [(f"weekly loop: → {title}", values) for title, values in times.items()]


def measure(url: str, rounds: int, width: int) -> list[tuple[str, list[float]]]:
    rows: list[tuple[str, list[float]]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": 1000})
        started = time.monotonic()
        page.goto(url)
        page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=120_000)
        _idle(page)
        rows.append(("first page load (Overview)", [time.monotonic() - started]))
        for title in PAGES[:2]:
            rows.append((f"first open: {title}", [_open(page, title)]))
        _solve(page, 8)
        for title in PAGES[3:7]:
            rows.append((f"first open after a solve: {title}", [_open(page, title)]))
        switches = []
        for _ in range(rounds):
            switches += [_open(page, "Coverage"), _open(page, "People")]
        rows.append(("switch Coverage ↔ People", switches))
        others = [_open(page, title) for _ in range(rounds) for title in ("Team", "Plan", "Overview")]
        rows.append(("switch Team → Plan → Overview", others))
        rows += _weekly_loop(page, rounds)
        browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--width", type=int, default=1440)
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    rota = Path(sys.executable).with_name("rota")
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen([str(rota), "serve", "--port", str(port), "--store", f"{tmp}/rota.sqlite3",
                                   "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("the server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.3)
            rows = measure(url, args.rounds, args.width)
        finally:
            server.terminate()
            server.wait(10)
    print(f"| what ({args.width} px) | n | median s | worst s |")
    print("|---|---|---|---|")
    for name, times in rows:
        print(f"| {name} | {len(times)} | {statistics.median(times):.2f} | {max(times):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
