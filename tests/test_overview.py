"""The Overview page and the plain words for a solve's outcome."""

from __future__ import annotations

from rota.overview import Standing, next_steps, outcome, team_text, window_text
from rota.scenario import load_scenario
from rota.slots import Plan
from rota.solver import Solution, StageResult
from tests.test_app import APP, visit
from tests.test_app import solve as solve_in_app

DEMO = "data/demo"




def standing(**changes) -> Standing:
    base = dict(problems=0, solving=False, solved=True, stale=False, p0_gap_minutes=0, other_gap_minutes=0,
                published_version=None, published_window=None, window="2027-03-01 → 2027-03-29")
    return Standing(**{**base, **changes})


def test_next_steps_put_the_most_urgent_first():
    assert next_steps(standing(solved=False)) == ["Solve a rota on **Plan**."]
    steps = next_steps(standing(problems=2, stale=True, p0_gap_minutes=90))
    assert steps[0].startswith("Fix the scenario's 2 problem(s)") and "re-solve" in steps[1]
    assert steps[2].startswith("90 min of the window have no senior") and len(steps) == 3  # no publish while stale
    assert next_steps(standing(other_gap_minutes=600))[0].startswith("P0 is covered; peaks, events or languages are "
                                                                      "short for 10.0 h")
    assert "Publish the rota on **Calendars**" in next_steps(standing())[0]
    assert "replace version 3" in next_steps(standing(published_version=3,
                                                      published_window="2027-03-01 → 2027-03-29"))[0]
    assert "version 3 covers 2027-02-01 → 2027-03-01" in next_steps(
        standing(published_version=3, published_window="2027-02-01 → 2027-03-01"))[0]


def test_the_outcome_names_the_stage_reached_in_plain_words():
    plan = Plan(load_scenario(DEMO))
    planned = ["p0", "peak", "fairness"]

    def solution(*stages: tuple[str, str], stopped: bool = False) -> Solution:
        return Solution(plan, [], "FEASIBLE", 1.0, [StageResult(t, s, 0.0, 0.0, 0.1) for t, s in stages],
                        stopped=stopped, planned=planned)

    best = outcome(solution(("p0", "OPTIMAL"), ("peak", "OPTIMAL"), ("fairness", "OPTIMAL")))
    assert best.level == "success" and best.headline.startswith("The best rota")
    good = outcome(solution(("p0", "OPTIMAL"), ("peak", "OPTIMAL"), ("fairness", "FEASIBLE")))
    assert good.level == "success" and "fairness stage was not proven best" in good.headline
    early = outcome(solution(("p0", "OPTIMAL")))
    assert early.level == "warning" and early.headline.startswith("Stopped early, before the peak cover stage. It ran")
    assert early.advice == "Give it more time and re-solve to optimise peak cover, fairness."
    stopped = outcome(solution(("p0", "OPTIMAL"), ("peak", "OPTIMAL"), ("fairness", "FEASIBLE"), stopped=True))
    assert stopped.level == "warning" and stopped.headline.startswith("You stopped it in the fairness stage")
    assert outcome(solution()).headline.startswith("Only the quick first rota")
    assert outcome(solution(stopped=True)).headline.startswith("You stopped it before the solver's first stage")


def test_team_and_window_lines():
    scenario = load_scenario(DEMO)
    assert window_text(scenario) == "2027-03-01 → 2027-03-29"
    lines = team_text(scenario)
    assert len(lines) == 3 and lines[0].startswith("Singapore (Asia/Singapore): 12 engineers — ")


def test_the_app_opens_on_the_overview_with_the_next_step():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and at.title.values == ["Overview"]
    text = "\n".join(m.value for m in at.markdown)
    assert "1. Solve a rota on **Plan**." in text and "No rota yet." in text and "Nothing published yet." in text
    solve_in_app(at)  # on a work budget: a loaded machine still gets a rota
    visit(at, "overview")
    text = "\n".join(m.value for m in at.markdown)
    assert "No rota yet." not in text and "P0 cover: **" in text
    assert "Publish the rota on **Calendars**" in text or "no senior on shift" in text or "P0 is covered" in text


# ---- a re-plan against the published rota ---------------------------------------------------------------------------


def test_a_re_plan_is_flagged_when_it_stops_before_its_changes_stage_or_leaves_more_gaps():
    from rota.overview import REPLAN_SECONDS, replan_warning

    plan = Plan(load_scenario(DEMO))
    planned = ["p0", "peak", "changes", "fairness"]

    def solution(*tiers: str) -> Solution:
        return Solution(plan, [], "FEASIBLE", 1.0, [StageResult(t, "OPTIMAL", 0.0, 0.0, 0.1) for t in tiers],
                        planned=planned)

    done = solution("p0", "peak", "changes", "fairness")
    assert replan_warning(done, (0, 60), (0, 60)) is None
    traded = replan_warning(done, (0, 600), (30, 0))  # fewer P0 gaps do not hide other cover lost
    assert traded is not None and "P0 0 min and other 10.0 h, against 30 min and 0 min" in traded
    more = replan_warning(done, (30, 0), (0, 600))
    assert more is not None and "more cover gaps than the published rota" in more and "P0 30 min" in more
    assert f"at least {REPLAN_SECONDS} s" in more
    early = replan_warning(solution("p0", "peak"), (0, 0), (0, 0))
    assert early is not None and "stopped before its *keeping the published rota* stage" in early
    assert "more cover gaps" not in early
    assert replan_warning(solution(), (0, 0), (0, 0)) is not None  # only the first rota: no stage at all
    both = replan_warning(solution("p0"), (10, 0), (0, 0))
    assert both is not None and "stage" in both and "more cover gaps" in both


def test_the_published_rota_as_it_still_stands_drops_what_leave_now_rules_out():
    from dataclasses import replace

    from rota.domain import Leave
    from rota.overview import gap_minutes, still_standing
    from rota.report import shifts_of
    from rota.slots import Plan as RotaPlan

    scenario = load_scenario(DEMO)
    plan = RotaPlan(scenario)
    chosen = [s for s in plan.slots if s.shift.endswith("-day")][:40]
    one = chosen[0]
    ill = RotaPlan(replace(scenario, leave=(*scenario.leave, Leave(one.engineer, one.date, one.date, "sick"))))
    standing = still_standing(ill, shifts_of(chosen))
    assert len(standing) == len(chosen) - 1 and all(s.engineer != one.engineer or s.date != one.date
                                                    for s in standing)
    p0, other = gap_minutes(plan, chosen)
    assert p0 > 0 and other >= 0 and gap_minutes(plan, []) >= (p0, other)
    from rota.views import analyse
    summary = analyse(plan, chosen).summary  # the same count as the heatmap's
    assert (p0, other) == (summary["p0_gap_minutes"], summary["cover_gap_minutes"])


def test_the_publish_message_tells_shift_changes_from_calendar_events_sent():
    from datetime import UTC, datetime

    from rota.overview import publish_message
    from rota.store import PublishReport, VersionInfo

    version = VersionInfo(2, datetime(2027, 3, 1, tzinfo=UTC), "demo", "2027-03-01T00:00:00Z",
                          "2027-03-29T00:00:00Z", "web UI", None, 330, 1, 16, 312, 1)
    message = publish_message(PublishReport(version, 0, 0), 4)
    assert message.startswith("Published version 2: 330 shifts — 4 shift change(s) (engineer-days, as Plan counts); "
                              "calendar events sent: 1 new, 16 updated, 1 cancelled, 14 of them only for a changed "
                              "hand-over note; 312 unchanged")
    assert publish_message(PublishReport(version, 0, 0, republished=True), 0).startswith("Nothing to publish")
    first = publish_message(PublishReport(version, 2, 0), None)
    assert "shift change" not in first and first.endswith("; 2 kept from outside this window.")


def test_the_next_window_follows_the_latest_published_one():
    from datetime import UTC, date, datetime

    from rota.store import VersionInfo
    from rota.windows import next_window, with_window

    def version(i: int, start: str, end: str) -> VersionInfo:
        return VersionInfo(i, datetime(2027, 1, 1, tzinfo=UTC), "demo", start, end, "cli", None, 0, 0, 0, 0, 0)

    assert next_window([]) is None
    assert next_window([version(1, "2027-03-01T00:00:00Z", "2027-03-29T00:00:00Z"),
                        version(2, "2027-02-01T00:00:00Z", "2027-02-15T00:00:00Z")]) == (date(2027, 3, 29), 28)
    toml = b'# a comment\nname = "x"\nstart = 2027-03-01   # first day\ndays = 28\n\n[rules]\ndays = 5\n'
    assert with_window(toml, date(2027, 3, 29), 14) == (
        b'# a comment\nname = "x"\nstart = 2027-03-29   # first day\ndays = 14\n\n[rules]\ndays = 5\n')
