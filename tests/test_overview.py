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
