"""Every solved rota of the suite goes through the independent checker (rota/checker.py).

`check_solution` writes the solution's result folder with rota.output, and its scenario as files (a scenario built in
code has none), then lets the checker recompute every instant, hard rule, gap and coverage figure from those files
with zoneinfo alone. It fails on any problem the checker finds, and unless the checker's own gap minutes, P0 cover
and shift count equal the solver's report. `check_result_folder` does the same for a folder the command line wrote.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

from rota import checker
from rota.domain import Scenario
from rota.scenario import ENGINEERS_COLUMNS, LEAVE_COLUMNS, PINS_COLUMNS, load_scenario
from rota.solver import Solution


@dataclass(frozen=True)
class Checked:
    """A result folder the checker passed, and the figures it recomputed itself."""

    scenario: Path
    result: Path
    shifts: int
    gap_minutes: dict[str, int]
    p0_coverage_pct: float
    summary: dict


def check_result_folder(scenario_dir: Path, result_dir: Path) -> Checked:
    """Assert the checker finds nothing wrong in `result_dir` and recomputes the figures its summary.json reports."""
    problems = checker.check_rota(scenario_dir, result_dir)
    assert problems == [], "the independent checker found:\n" + "\n".join(problems)
    figures = recompute(scenario_dir, result_dir)
    summary = json.loads((result_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["gap_minutes"] == figures.gap_minutes
    assert abs(summary["p0_coverage_pct"] - figures.p0_coverage_pct) <= checker.PCT_TOLERANCE
    assert sum(e["shifts"] for e in summary["engineers"].values()) == figures.shifts
    return replace(figures, summary=summary)


def check_solution(solution: Solution, folder: Path) -> Checked:
    """Write `solution` as a result folder under `folder` and check it; its figures must be the solver's own."""
    from rota.output import write_result
    from rota.report import coverage_pct, find_gaps

    scenario_dir = write_scenario(solution.plan.scenario, folder / "input")
    result_dir = folder / "result"
    tables = write_result(solution, result_dir)
    checked = check_result_folder(scenario_dir, result_dir)
    gaps = find_gaps(solution.plan, solution.chosen)
    assert checked.shifts == len(solution.chosen)
    assert checked.gap_minutes == {kind: sum(g.span.minutes for g in gaps if g.kind == kind)
                                   for kind in checker.KIND_ORDER}
    assert abs(checked.p0_coverage_pct - coverage_pct(solution.plan, gaps, ("p0",))) <= checker.PCT_TOLERANCE
    assert tables["summary"]["gap_minutes"] == checked.gap_minutes  # type: ignore[index]
    return checked


def recompute(scenario_dir: Path, result_dir: Path) -> Checked:
    """The checker's own figures for a result folder: from its assignments alone, not from gaps.csv or summary."""
    scn = checker.load_scenario(scenario_dir)
    problems: list[str] = []
    records = checker.read_result_csv(result_dir / "assignments.csv", checker.ASSIGNMENTS_HEADER, problems) or []
    shifts = checker.check_assignments(scn, records, problems)
    assert problems == [], problems
    acts = checker.activities(scn)
    timeline = checker.build_timeline(scn, shifts, acts)
    minutes = checker.gap_minutes(checker.expected_gaps(checker.gap_rules(scn, acts), timeline))
    window = (scn.window_end - scn.window_start).total_seconds() / 60
    pct = 100 * (window - minutes["p0"]) / window if scn.rules.p0_min_seniors > 0 else 100.0
    return Checked(scenario_dir, result_dir, len(shifts), minutes, pct, {})


# ---- a Scenario built in code, as the files of a scenario folder ---------------------------------------------------


def write_scenario(scenario: Scenario, folder: Path) -> Path:
    """The scenario folder that loads back as exactly `scenario` (checked: the checker must judge the same one)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(scenario_toml(scenario), encoding="utf-8")
    _write_csv(folder / "engineers.csv", ENGINEERS_COLUMNS,
               [(e.id, e.name, e.centre, e.level, ";".join(e.languages),
                 "" if e.max_hours_per_week is None else repr(e.max_hours_per_week), e.email)
                for e in scenario.engineers])
    _write_csv(folder / "leave.csv", LEAVE_COLUMNS,
               [(lv.engineer, lv.start.isoformat(), lv.end.isoformat(), lv.reason) for lv in scenario.leave])
    _write_csv(folder / "pins.csv", PINS_COLUMNS, [(p.engineer, p.date.isoformat(), p.shift) for p in scenario.pins])
    loaded = load_scenario(folder)
    assert replace(loaded, source="") == replace(scenario, source="", history=None), \
        "the written scenario files differ from it"
    return folder


def scenario_toml(s: Scenario) -> str:
    r = s.rules
    lines = [f"name = {_q(s.name)}", f"start = {s.start.isoformat()}", f"days = {s.days}", "", "[rules]",
             f"p0_min_seniors = {r.p0_min_seniors}", f"senior_levels = {_list(r.senior_levels)}",
             f"min_rest_hours = {r.min_rest_hours!r}", f"max_hours_per_week = {r.max_hours_per_week!r}",
             f"max_consecutive_days = {r.max_consecutive_days}", f"public_holidays = {_q(r.public_holidays)}"]
    for c in s.centres:
        lines += ["", "[[centres]]", f"id = {_q(c.id)}", f"name = {_q(c.name)}", f"timezone = {_q(c.timezone)}",
                  f"country = {_q(c.country)}", f"subdivision = {_q(c.subdivision)}"]
    for t in s.shifts:
        lines += ["", "[[shifts]]", f"id = {_q(t.id)}", f"start = {_q(str(t.start))}", f"end = {_q(str(t.end))}",
                  f"centres = {_list(t.centres)}"]
    for p in s.peaks:
        lines += ["", "[[peaks]]", f"id = {_q(p.id)}", f"name = {_q(p.name)}", f"timezone = {_q(p.timezone)}",
                  f"days = {_list(p.days)}", f"start = {_q(str(p.start))}", f"end = {_q(str(p.end))}",
                  f"min_engineers = {p.min_engineers}", f"min_seniors = {p.min_seniors}",
                  f"languages = {_list(p.languages)}"]
    for e in s.events:
        lines += ["", "[[events]]", f"id = {_q(e.id)}", f"name = {_q(e.name)}", f"timezone = {_q(e.timezone)}",
                  f"start = {e.start.isoformat()}", f"end = {e.end.isoformat()}", f"min_engineers = {e.min_engineers}",
                  f"min_seniors = {e.min_seniors}", f"languages = {_list(e.languages)}"]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
