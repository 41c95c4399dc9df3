"""The model, the report, the CLI and the UI count the same things the same way (issue 12's model/report mismatches).

Every rota solved here also passes the independent checker."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rota import publishing
from rota.cli import main
from rota.grade import grade, rule_breaks
from rota.output import write_result
from rota.report import diff, shifts_of
from rota.scenario import load_scenario
from rota.slots import Plan
from rota.solver import Solution, SolveOptions, solve
from tests.builders import engineer, scenario, shift
from tests.checked import check_result_folder, check_solution

BUDGET = SolveOptions(time_limit=60, work_limit=2.0, seed=1, workers=1)  # deterministic: never the wall clock

RULES = """
[rules]
p0_min_seniors = 0
min_rest_hours = 0
max_hours_per_week = 168
max_consecutive_days = 31
"""

ONE_CENTRE = """
name = "consistency"
start = 2027-03-01
days = 1
{rules}
[[centres]]
id = "rey"
name = "Reykjavik"
timezone = "Atlantic/Reykjavik"
country = "IS"

[[shifts]]
id = "early"
start = "08:00"
end = "12:00"

[[shifts]]
id = "late"
start = "16:00"
end = "24:00"
"""


def folder_of(path: Path, toml: str, engineers: str, pins: str = "") -> Path:
    path.mkdir(parents=True)
    (path / "scenario.toml").write_text(toml)
    (path / "engineers.csv").write_text("id,name,centre,level,languages,max_hours_per_week,email\n" + engineers)
    (path / "leave.csv").write_text("engineer,start,end,reason\n")
    (path / "pins.csv").write_text("engineer,date,shift\n" + pins)
    return path


def solved(folder: Path, out: Path, baseline: frozenset[tuple[str, str, str]] | None = None) -> Solution:
    """Solve the scenario folder on a work budget, write the result and hold it to the independent checker."""
    solution = solve(load_scenario(folder), BUDGET, baseline=baseline)
    write_result(solution, out)
    check_result_folder(folder, out)
    return solution


# ---- an event's language is ranked with the event, before peaks -------------------------------------------------


EVENING = ONE_CENTRE.format(rules=RULES) + """
[[peaks]]
id = "evening"
timezone = "Atlantic/Reykjavik"
start = "16:00"
end = "24:00"
min_engineers = 1
"""  # the peak leaves `days` out: every day, as the loader and the independent checker both read it

EVENT_LANGUAGE = EVENING + """
[[events]]
id = "launch"
timezone = "Atlantic/Reykjavik"
start = 2027-03-01T08:00:00
end = 2027-03-01T12:00:00
languages = ["de"]
"""


def test_an_events_language_comes_before_a_peaks_headcount(tmp_path: Path):
    # Hans alone can work the morning launch (German needed, 4 h) or the evening peak (8 h), one shift a day. Events
    # come before peaks in strict priority, so the launch gets its German speaker, however long the peak.
    folder = folder_of(tmp_path / "s", EVENT_LANGUAGE, "hans,Hans,rey,L2,de;en,,\n")
    solution = solved(folder, tmp_path / "out")
    assert [(s.engineer, s.shift) for s in solution.chosen] == [("hans", "early")]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["gap_minutes"] == {"p0": 0, "event": 0, "peak": 480, "language": 0}
    assert [st.tier for st in solution.stages][:2] == ["event", "peak"]


# ---- one changed shift is one change, in the re-plan objective and in report.diff -------------------------------


def test_a_moved_shift_is_one_change_in_the_objective_in_report_diff_and_on_the_plan_page(tmp_path: Path):
    # Published: Hans on early. Now the evening needs him: moving early → late is one change of his day.
    folder = folder_of(tmp_path / "s", EVENING, "hans,Hans,rey,L2,en,,\n")
    published = frozenset({("hans", "2027-03-01", "early")})
    solution = solved(folder, tmp_path / "out", baseline=published)
    assert {(s.engineer, s.shift) for s in solution.chosen} == {("hans", "late")}
    changes = diff(published, shifts_of(solution.chosen))
    [stage] = [st for st in solution.stages if st.tier == "changes"]
    assert stage.objective == len(changes) == 1
    assert len(publishing.diff_frame(published, shifts_of(solution.chosen))) == 1  # the Plan page's "N changes"


def test_a_dropped_and_an_added_shift_are_a_change_each(tmp_path: Path):
    folder = folder_of(tmp_path / "s", EVENING, "hans,Hans,rey,L2,en,,\nkai,Kai,rey,L2,en,,\n",
                       pins="hans,2027-03-01,off\n")
    published = frozenset({("hans", "2027-03-01", "late")})  # Hans is pinned off now: Kai takes the evening
    solution = solved(folder, tmp_path / "out", baseline=published)
    assert {(s.engineer, s.shift) for s in solution.chosen} == {("kai", "late")}
    changes = diff(published, shifts_of(solution.chosen))
    [stage] = [st for st in solution.stages if st.tier == "changes"]
    assert len(changes) == 2 and stage.objective == 1  # Kai's added shift; Hans's loss is fixed by the pin


# ---- Scenario lookups after dataclasses.replace --------------------------------------------------------------------


def test_a_replaced_scenario_looks_up_its_own_engineers_not_the_old_ones():
    base = scenario([engineer("ana", level="L1")], [shift("day", "08:00", "16:00")])
    assert base.engineer("ana").level == "L1"  # fills the lookup cache
    promoted = replace(base, engineers=(engineer("ana", level="L3"),))
    assert promoted.engineer("ana").level == "L3"
    assert base.engineer("ana").level == "L1"


# ---- peak headcount cover and language cover, each on its own ------------------------------------------------------

PEAK_LANGUAGE = EVENING + 'languages = ["de"]\n'


def test_peak_cover_is_headcount_and_language_cover_is_its_own_number(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]):
    folder = folder_of(tmp_path / "s", PEAK_LANGUAGE, "kai,Kai,rey,L2,en,,\n")  # nobody speaks German
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--work-limit", "2", "--workers", "1", "--out", str(out)]) == 0
    check_result_folder(folder, out)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["peak_coverage_pct"], summary["language_coverage_pct"], summary["event_coverage_pct"]) == \
        (100.0, 0.0, 100.0)
    assert "peak headcount cover 100.0%, language cover 0.0%" in capsys.readouterr().out
    graded = grade(Plan(load_scenario(folder)), ical_of(out, tmp_path / "ics") / "kai.ics", {}).numbers()
    assert (graded["peak_coverage_pct"], graded["language_coverage_pct"]) == (100.0, 0.0)


# ---- reproducible: false is said where the rota is read ------------------------------------------------------------


def test_rota_solve_says_when_a_rota_is_not_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = folder_of(tmp_path / "s", PEAK_LANGUAGE, "kai,Kai,rey,L2,en,,\n")
    assert main(["solve", str(folder), "--work-limit", "2", "--workers", "1", "--out", str(tmp_path / "a")]) == 0
    assert "Not reproducible" not in capsys.readouterr().out
    check_result_folder(folder, tmp_path / "a")
    assert main(["solve", str(folder), "--fast", "--time-limit", "1", "--workers", "1",
                 "--out", str(tmp_path / "b")]) == 0
    assert check_result_folder(folder, tmp_path / "b").summary["reproducible"] is False  # any rota obeys the rules
    assert "Not reproducible: the wall clock, a stop or the free-running search (--fast)" in capsys.readouterr().out


# ---- rota's own calendars are gradable -----------------------------------------------------------------------------

ACROSS_DST = """
name = "round trip"
start = 2027-03-27
days = 3

[rules]
p0_min_seniors = 1
min_rest_hours = 11
max_hours_per_week = 48
max_consecutive_days = 5

[[centres]]
id = "dub"
name = "Dublin"
timezone = "Europe/Dublin"
country = "IE"

[[centres]]
id = "sin"
name = "Singapore"
timezone = "Asia/Singapore"
country = "SG"

[[shifts]]
id = "dub-day"
start = "08:00"
end = "20:00"
centres = ["dub"]

[[shifts]]
id = "sin-day"
start = "08:00"
end = "20:00"
centres = ["sin"]
"""


def ical_of(result: Path, out: Path) -> Path:
    assert main(["ical", str(result), "--out", str(out), "--stamp", "2027-03-01T00:00:00Z"]) == 0
    return out


def test_rotas_own_calendars_grade_to_the_same_rota_with_no_rule_broken(tmp_path: Path):
    folder = folder_of(tmp_path / "s", ACROSS_DST, "aoife,Aoife Byrne,dub,L3,en,,aoife@example.com\n"
                                                   "liam,Liam Walsh,dub,L2,en,,\n"
                                                   "siti,Siti Nurhaliza,sin,L3,ms;en,,siti@example.com\n"
                                                   "wei,Tan Wei,sin,L2,zh;en,,\n")
    solution = solved(folder, tmp_path / "out")
    assert solution.chosen
    ics = ical_of(tmp_path / "out", tmp_path / "ics")
    plan = Plan(load_scenario(folder))
    rota = {(s.engineer, s.date, s.shift, s.span) for s in solution.chosen}
    graded = set()
    for person in plan.scenario.engineers:  # each engineer's own calendar: no name, no e-mail in it
        result = grade(plan, ics / f"{person.id}.ics", {})
        assert result.unmapped == [] and result.breaks == []
        graded |= {(s.engineer, s.date, s.shift, s.span) for s in result.slots}
    assert graded == rota
    team = grade(plan, ics / "team.ics", {})
    assert {(s.engineer, s.date, s.shift, s.span) for s in team.slots} == rota and team.breaks == []
    assert rule_breaks(plan, team.slots) == []
    assert main(["grade", str(folder), "--ics", str(ics / "aoife.ics"), "--no-solve",
                 "--out", str(tmp_path / "graded")]) == 0
    saved = json.loads((tmp_path / "graded" / "grade.json").read_text())
    assert saved["schedule"]["unmapped_events"] == 0 and saved["schedule"]["rule_breaks"] == 0
    assert saved["schedule"]["shifts"] == sum(s.engineer == "aoife" for s in solution.chosen)


def test_the_plan_page_says_when_a_rota_is_not_reproducible(tmp_path: Path):
    import sys
    import time

    from streamlit.testing.v1 import AppTest

    main_module = sys.modules["__main__"]  # AppTest leaves app.py as __main__: put pytest's back afterwards
    try:
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
        at.run()
        at.switch_page("rota/web/app_pages/plan.py").run()
        at.number_input(key="time_limit").set_value(1)
        at.toggle(key="fast").set_value(True)
        at.button(key="solve").click().run()
        deadline = time.monotonic() + 120
        while at.session_state["job"].running and time.monotonic() < deadline:
            time.sleep(0.2)
        at.run()
        assert not at.exception
        assert any(w.value.startswith("Not reproducible: the wall clock") for w in at.warning)
        check_solution(at.session_state["job"].solution, tmp_path)  # a wall-clock rota still obeys every rule
    finally:
        sys.modules["__main__"] = main_module
