"""Several teams in the web UI (AppTest, a real SQLite store): the sidebar's team switcher loads a team's published
scenario and shows only its versions; publishes are in the team's audit log with who did them; a rota that breaks a
rule where it meets the published one is refused, and publishing it anyway is recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from rota.cli import main
from rota.clock import shift_interval, window
from rota.ical import CONFIRMED
from rota.result import Assignment, Result
from rota.scenario import load_scenario
from rota.store import open_store
from rota.web.state import DEMO
from tests.calendars import GOLDEN_RESULT
from tests.test_app import solve, start, visit


@pytest.fixture(autouse=True)
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "rota.sqlite3"
    monkeypatch.setenv("ROTA_STORE", str(path))
    for name in ("ROTA_PUBLIC_URL", "ROTA_SECRET_KEY_FILE", "ROTA_TEAM"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_the_team_switcher_loads_a_teams_scenario_and_shows_its_versions(store_path):
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(store_path), "--team", "eu"]) == 0
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(store_path), "--team", "na"]) == 0
    at = visit(start(), "calendars")
    switcher = at.sidebar.selectbox(key="team_choice")
    assert switcher.options == ["eu", "na"] and switcher.value == "eu"
    versions = next(d.value for d in at.dataframe if "shown" in d.value.columns)
    assert list(versions["version"]) == [1]
    switcher.set_value("na").run()
    assert "team na: published version 2" in at.sidebar.caption[0].value
    assert "Golden two-centre rota" in at.sidebar.caption[0].value  # the team's scenario, not the demo
    versions = next(d.value for d in at.dataframe if "shown" in d.value.columns)
    assert list(versions["version"]) == [2]
    audit = next(d.value for d in at.dataframe if "who" in d.value.columns)
    assert list(audit["what"]) == ["publish"] and "(command line)" in audit["who"][0]


def _five_days_before(store, window_start: datetime) -> Result:
    """A window of the four weeks before the published one in which someone who starts the published window works
    the five days right before it: joined, six days in a row."""
    published = [e.content for e in store.events(store.versions()[-1].id) if e.status == CONFIRMED]
    first = next(c for c in published if c.centre in ("dub", "tor") and c.start >= window_start
                 and date.fromisoformat(c.date) == window_start.date())
    scenario = replace(load_scenario(DEMO), start=window_start.date() - timedelta(days=28), days=28)
    engineer = scenario.engineer(first.engineer)
    centre = scenario.centre(engineer.centre)
    template = scenario.shift(first.shift)
    days = [window_start.date() - timedelta(days=k) for k in range(1, 6)]
    rows = tuple(Assignment(i, engineer, centre, template.id, d, shift_interval(template, d, centre.timezone))
                 for i, d in enumerate(sorted(days), start=2))
    return Result(Path("/nonexistent/february"), scenario, window(scenario.start, scenario.days), rows)


def test_a_publish_from_the_ui_is_audited_and_a_seam_break_is_refused_until_forced(store_path):
    at = visit(start(), "plan")
    solve(at)
    at = visit(at, "calendars")
    at.button(key="publish").click().run()
    store = open_store(str(store_path))
    [entry] = store.audit()
    assert entry.action == "publish" and entry.actor == "the web UI's user (no sign-in, on loopback)"
    # Then the four weeks before are published from elsewhere, forced past the days-in-a-row rule at the seam.
    begins = window(load_scenario(DEMO).start, 1).start
    store.publish(_five_days_before(store, begins), force=True, actor="ops@example.com")
    at.button(key="publish").click().run()  # the same rota again: now it breaks the rule where the two meet
    assert any("consecutive days" in e.value and "Not published" in e.value for e in at.error)
    assert len(store.versions()) == 2
    at.button(key="publish_forced").click().run()
    assert len(store.versions()) == 3 and "forced past" in store.versions()[-1].source
    entries = store.audit()
    assert [e.action for e in entries] == ["forced publish", "forced publish", "publish"]
    assert entries[0].actor == "the web UI's user (no sign-in, on loopback)" and entries[1].actor == "ops@example.com"


def test_an_admin_starts_a_new_team_whose_first_publish_makes_it(store_path):
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(store_path), "--team", "eu"]) == 0
    at = visit(start(), "plan")  # on loopback without sign-in: the one person, an admin
    at.sidebar.text_input(key="new_team").input("apac").run()
    assert "Team **apac**: nothing published yet." in at.sidebar.caption.values
    assert at.sidebar.selectbox(key="team_choice").value == "apac"
    solve(at)
    at = visit(at, "calendars")
    at.button(key="publish").click().run()
    assert open_store(str(store_path), "apac").versions()[0].id == 2
    assert [v.id for v in open_store(str(store_path), "eu").versions()] == [1]
