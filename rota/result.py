"""Read a result folder back (docs/CONTRACT.md): its scenario copy and assignments.csv, checked row by row.

`rota ical` and `rota publish` start from a folder on disk that a person may have copied, edited or mixed up, so
every row is checked against the scenario it claims to come from; problems name the file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rota.clock import Interval, iso_utc, shift_interval, window
from rota.domain import Centre, Engineer, Scenario
from rota.scenario import Problem, ScenarioError, date_problem, folder_problem, load_scenario, read_csv

ASSIGNMENTS = "assignments.csv"
SCENARIO_COPY = "scenario"
# The contract's header; tests/test_ical.py checks it equals rota.output's (imported lazily there: it pulls in ortools).
ASSIGNMENT_COLUMNS = ("engineer", "name", "centre", "level", "date", "shift", "start_utc", "end_utc", "start_local",
                      "end_local", "timezone", "hours")
_UTC_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class Assignment:
    """One worked shift of the rota, as rota solve wrote it and as the scenario says it must be."""

    line: int
    engineer: Engineer
    centre: Centre
    shift: str
    date: date
    span: Interval  # UTC


@dataclass(frozen=True)
class Result:
    folder: Path
    scenario: Scenario
    window: Interval
    assignments: tuple[Assignment, ...]  # sorted by start, then engineer


def parse_utc(text: str) -> datetime | None:
    """'2027-03-01T07:00:00Z' → an aware UTC datetime; None if it is not exactly that form."""
    if not _UTC_INSTANT.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def load_result(folder: str | Path) -> Result:
    """Load a result folder; raise ScenarioError listing every problem (file, line, field)."""
    folder = Path(folder)
    problem = folder_problem(folder, "a result folder written by rota solve")
    if problem:
        raise ScenarioError([Problem(str(folder), "", "", problem)])
    copy = folder / SCENARIO_COPY
    if not copy.is_dir():
        raise ScenarioError([Problem(str(folder), "", "", not_a_result(folder))])
    try:
        scenario = load_scenario(copy)
    except ScenarioError as error:
        raise ScenarioError([Problem(f"{SCENARIO_COPY}/{p.file}", p.where, p.field, p.message)
                             for p in error.problems]) from None
    problems: list[Problem] = []
    path = folder / ASSIGNMENTS
    if not path.is_file():
        raise ScenarioError([Problem(ASSIGNMENTS, "", "", f"not found in {folder}")])
    rows = read_csv(path, ASSIGNMENT_COLUMNS, problems)
    engineers = {e.id: e for e in scenario.engineers}
    templates = {t.id: t for t in scenario.shifts}
    out: list[Assignment] = []
    first_line: dict[tuple[str, date], int] = {}
    for row in rows:
        v, where = row.values, f"line {row.line}"
        before = len(problems)
        engineer = engineers.get(v["engineer"])
        if engineer is None:
            problems.append(Problem(ASSIGNMENTS, where, "engineer",
                                    f"unknown engineer '{v['engineer']}' (not in {SCENARIO_COPY}/engineers.csv)"))
        elif v["centre"] != engineer.centre:
            problems.append(Problem(ASSIGNMENTS, where, "centre", f"'{v['centre']}' but {engineer.id} works in "
                                                                  f"'{engineer.centre}'"))
        template = templates.get(v["shift"])
        if template is None:
            problems.append(Problem(ASSIGNMENTS, where, "shift", f"unknown shift '{v['shift']}'; expected one of "
                                                                 f"{', '.join(templates)}"))
        day = _parse_date(v["date"])
        if day is None:
            problems.append(Problem(ASSIGNMENTS, where, "date", date_problem(v["date"])))
        instants = {}
        for field in ("start_utc", "end_utc"):
            instants[field] = parse_utc(v[field])
            if instants[field] is None:
                problems.append(Problem(ASSIGNMENTS, where, field,
                                        f"expected a UTC instant like 2027-03-01T07:00:00Z, got {v[field]!r}"))
        if len(problems) > before or not (engineer and template and day):
            continue
        centre = scenario.centre(engineer.centre)
        span = shift_interval(template, day, centre.timezone)
        for field, value, expected in (("start_utc", instants["start_utc"], span.start),
                                       ("end_utc", instants["end_utc"], span.end)):
            if value != expected:
                problems.append(Problem(ASSIGNMENTS, where, field,
                                        f"{v[field]} does not match shift '{template.id}' on {day} in "
                                        f"{centre.timezone} (expected {iso_utc(expected)}); the result and its "
                                        f"{SCENARIO_COPY}/ copy disagree"))
        if (engineer.id, day) in first_line:
            problems.append(Problem(ASSIGNMENTS, where, "date",
                                    f"{engineer.id} already has a shift on {day} (line "
                                    f"{first_line[engineer.id, day]}); one shift per engineer per local date"))
        if len(problems) == before:
            first_line[engineer.id, day] = row.line
            out.append(Assignment(row.line, engineer, centre, template.id, day, span))
    if problems:
        raise ScenarioError(problems)
    out.sort(key=lambda a: (a.span.start, a.engineer.id))
    return Result(folder, scenario, window(scenario.start, scenario.days), tuple(out))


def _parse_date(value: str) -> date | None:
    return None if date_problem(value) else date.fromisoformat(value)


def not_a_result(folder: Path) -> str:
    """What a folder without a scenario/ copy is, and what to give instead."""
    if (folder / "scenario.toml").is_file():
        return ("is a scenario folder, not a result folder; give the folder `rota solve SCENARIO --out RESULT` wrote "
                "(or, for rota verify, both: SCENARIO RESULT)")
    return (f"is not a result folder of rota solve: it has no {SCENARIO_COPY}/ copy of its scenario (solve again "
            "with rota solve to write one)")
