"""The weekly re-plan through AppTest: the re-plan's own time limit, its quality flag with Publish's confirmation,
the next window, and Calendars counting changes as Plan does. Real app, real solver (work budgets), a real store in
a temporary SQLite file (ROTA_STORE)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rota.overview import REPLAN_SECONDS
from rota.store import open_store
from tests.test_app import CEILING, edit, engineers, finish, solve, start, visit


@pytest.fixture(autouse=True)
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "rota.sqlite3"
    monkeypatch.setenv("ROTA_STORE", str(path))
    monkeypatch.delenv("ROTA_PUBLIC_URL", raising=False)
    monkeypatch.delenv("ROTA_SECRET_KEY_FILE", raising=False)
    return path


def publish_first(at) -> list:
    """Solve the demo and publish it as version 1; returns the published rota."""
    solve(at)
    chosen = at.session_state["last"].analysis.chosen
    visit(at, "calendars")
    at.button(key="publish").click().run()
    assert any(m.value.startswith("Published version 1") for m in at.success)
    return chosen


REPLAN_WORK = 3.0  # what the page's default re-plan limit gives: with much less, a sick week's re-plan may run out
# of work in the peak stage after the P0 stage (each stage optimises its own tier) and be flagged


def replan(at, limit: float | None = CEILING) -> None:
    """Re-plan keeping the published rota, on a work budget (`limit` None: the page's default limit)."""
    visit(at, "plan")
    at.toggle(key="keep_published").set_value(True).run()
    if limit is not None:
        at.number_input(key="replan_limit").set_value(limit)
    at.number_input(key="work_limit").set_value(REPLAN_WORK)
    at.button(key="solve").click().run()
    finish(at)
    assert not at.error, [e.value for e in at.error]


def versions(store_path) -> list[int]:
    store = open_store(str(store_path))
    try:
        return [v.id for v in store.versions()]
    finally:
        store.close()


def test_a_re_plan_has_its_own_time_limit_that_reaches_the_changes_stage():
    at = visit(start(), "plan")
    at.number_input(key="time_limit").set_value(7).run()
    at.toggle(key="keep_published").set_value(True).run()
    [limit] = [n for n in at.number_input if n.label == "Time limit (seconds)"]
    assert (limit.key, limit.value) == ("replan_limit", REPLAN_SECONDS)
    at.toggle(key="keep_published").set_value(False).run()
    assert at.number_input(key="time_limit").value == 7  # each mode keeps its own limit


def test_the_default_re_plan_limit_is_the_one_the_solve_gets(store_path):
    at = start()
    publish_first(at)
    replan(at, limit=None)
    job = at.session_state["last"]
    assert job.options.time_limit == REPLAN_SECONDS and job.context["kept_version"] == 1
    assert "changes" in [s.tier for s in job.solution.stages]  # the demo's re-plan reaches it in that limit
    assert not any("This re-plan is worse" in w.value for w in at.warning)


def test_a_re_plan_with_more_gaps_than_the_published_rota_is_flagged_and_publish_asks_first(store_path):
    at = start()
    publish_first(at)
    # Every senior capped at one hour a week: no senior can work a shift, so the re-plan's P0 gaps are certain;
    # the published shifts are still allowed by leave and pins and keep P0 covered.
    team = engineers(visit(at, "team"))
    seniors = team.index[team["level"].isin(["L2", "L3"])]
    edit(at, "engineers.csv", edited={int(i): {"max_hours_per_week": "1"} for i in seniors})
    visit(at, "plan")
    edit(at, "pins.csv", deleted=[0, 1])  # the demo's pinned shift is a senior's, which the cap now forbids
    replan(at)
    [flag] = [w.value for w in at.warning if w.value.startswith("This re-plan is worse")]
    assert "more cover gaps than the published rota would: P0 672.0 h" in flag  # no senior can work at all

    visit(at, "calendars")
    assert any(w.value == flag for w in at.warning)
    assert not [b for b in at.button if b.key == "publish_anyway"]
    at.button(key="publish").click().run()
    assert versions(store_path) == [1]  # not published yet: it asks first
    assert not any(m.value.startswith("Published version 2") for m in at.success)
    at.button(key="publish_anyway").click().run()
    assert not at.exception and not at.error
    assert versions(store_path) == [1, 2]
    assert any(m.value.startswith("Published version 2") for m in at.success)
    assert not [b for b in at.button if b.key == "publish_anyway"]


def test_next_window_starts_the_day_after_the_published_window_with_the_same_length(store_path):
    at = start()
    publish_first(at)
    visit(at, "plan")
    [button] = [b for b in at.button if b.key == "next_window"]
    assert button.label == "Next window: 2027-03-29 → 2027-04-26 (28 days)"
    button.click().run()
    assert not at.exception and not at.error
    scenario = at.session_state["valid_files"]["scenario.toml"].decode()
    assert "start = 2027-03-29" in scenario and "days = 28" in scenario
    assert any("The scenario changed since this rota was solved" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "next_window"]  # already the next window


def test_calendars_counts_changes_as_plan_does(store_path):
    at = start()
    first = publish_first(at)
    sick = next(s for s in first if s.date >= date(2027, 3, 8))
    visit(at, "team")
    edit(at, "leave.csv", added=[{"engineer": sick.engineer, "start": sick.date.isoformat(),
                                  "end": (sick.date + timedelta(days=6)).isoformat(), "reason": "sick"}])
    replan(at)
    [heading] = [h.value for h in at.subheader if h.value.startswith("Changes from published version 1: ")]
    changes = int(heading.rsplit(": ", 1)[1])
    assert changes > 0
    visit(at, "calendars")
    [before] = [m.value for m in at.markdown if m.value.startswith("**Before you publish:**")]
    assert before.startswith(f"**Before you publish:** {changes} change(s) from version 1")
    at.button(key="publish").click().run()
    [message] = [m.value for m in at.success if m.value.startswith("Published version 2")]
    assert f"— {changes} shift change(s) (engineer-days, as Plan counts); calendar events sent: " in message
    assert " of them only for a changed hand-over note" in message or "0 updated" in message
