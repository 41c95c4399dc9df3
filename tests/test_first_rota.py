"""The constructive first rota: every hard rule holds (the independent checker recomputes them from the files), it
is never empty where cover is possible, and no solve returns anything worse than it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.synthetic import make_scenario, write_folder
from rota.checker import check_rota
from rota.constraints import HANDOFF_WEIGHT
from rota.domain import Pin, Rules
from rota.fairness import fewest_shifts
from rota.first_rota import first_rota
from rota.output import write_result
from rota.report import find_gaps
from rota.scenario import load_scenario
from rota.slots import Plan, Slot
from rota.solver import Solution, SolveOptions, solve
from tests.builders import DAY_1, engineer, scenario, shift

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(make_scenario("S"), tmp_path_factory.mktemp("synthetic-S"))


def checked(folder: Path, plan: Plan, chosen: list[Slot], out: Path) -> list[str]:
    write_result(Solution(plan, chosen, "FEASIBLE", 0.0), out)
    return check_rota(folder, out)


def tiers(plan: Plan, chosen: list[Slot]) -> tuple[int, int, int, int]:
    """(P0, event, peak, holiday) of a rota, measured on the rota itself: short minutes × missing people, then the
    holiday shifts worked."""
    short = dict.fromkeys(("p0", "event", "peak", "language"), 0)
    for gap in find_gaps(plan, chosen):
        short[gap.kind] += gap.span.minutes * gap.shortfall
    return short["p0"], short["event"], short["peak"] + short["language"], sum(bool(s.holiday) for s in chosen)


@pytest.mark.parametrize("where", ["demo", "synthetic"])
def test_first_rota_meets_every_hard_rule_and_every_requirement(where: str, synthetic: Path, tmp_path: Path):
    folder = DEMO if where == "demo" else synthetic
    plan = Plan(load_scenario(folder))
    rota = first_rota(plan)
    assert len(rota.chosen) > len(plan.scenario.engineers)  # far more than the pins: a real rota
    assert checked(folder, plan, rota.chosen, tmp_path) == []
    assert tiers(plan, rota.chosen)[:3] == (0, 0, 0)  # both teams can cover everything, and the greedy does
    assert rota.short_minutes == {"p0": 0, "event": 0, "peak": 0}


def test_first_rota_keeps_the_pins_and_without_cover_rules_is_the_pins_only_rota():
    pins = (Pin("ana", DAY_1, "day"), Pin("bo", DAY_1, "off"))
    sc = scenario([engineer("ana"), engineer("bo")], [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")],
                  days=3, pins=pins, rules=Rules(p0_min_seniors=0))
    rota = first_rota(Plan(sc))
    assert [(s.engineer, s.shift, s.date) for s in rota.chosen] == [("ana", "day", DAY_1)]


def test_first_rota_leaves_a_gap_only_where_the_rules_force_it(tmp_path: Path):
    # One senior, two 12-hour shifts a day, 11 h rest: one shift a day at most, so half of every day is short.
    sc = scenario([engineer("ana"), engineer("jun", level="L1")],
                  [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")], days=7,
                  rules=Rules(min_rest_hours=11, max_hours_per_week=60, max_consecutive_days=5))
    plan = Plan(sc)
    rota = first_rota(plan)
    seniors = [s for s in rota.chosen if s.engineer == "ana"]
    assert len(seniors) == 5  # 60 h a week and 5 days in a row: five 12-hour shifts of the seven days
    assert rota.short_minutes["p0"] == (14 - 5) * 12 * 60


@pytest.mark.parametrize("where", ["demo", "synthetic"])
@pytest.mark.parametrize("deterministic", [True, False])
def test_a_solve_with_almost_no_work_returns_the_first_rota_not_an_empty_one(where: str, deterministic: bool,
                                                                             synthetic: Path, tmp_path: Path):
    """Once, on a large team, a solve returned 0 shifts: no stage found a rota in its share. Now the first rota is
    the rota in hand from the start, so however little the solver can do, the result covers what it covers."""
    folder = DEMO if where == "demo" else synthetic
    sc = load_scenario(folder)
    options = (SolveOptions(work_limit=0.001, seed=1) if deterministic
               else SolveOptions(time_limit=0.3, seed=1, deterministic=False))
    solution = solve(sc, options)
    assert solution.chosen
    assert tiers(solution.plan, solution.chosen)[:3] == (0, 0, 0)
    assert checked(folder, solution.plan, solution.chosen, tmp_path) == []


@pytest.mark.parametrize("where", ["demo", "synthetic"])
@pytest.mark.parametrize("work", [0.01, 0.3])
def test_a_solve_is_never_worse_than_the_first_rota(where: str, work: float, synthetic: Path, tmp_path: Path):
    folder = DEMO if where == "demo" else synthetic
    sc = load_scenario(folder)
    first = first_rota(Plan(sc))
    solution = solve(sc, SolveOptions(work_limit=work, seed=1))
    before, after = tiers(solution.plan, first.chosen), tiers(solution.plan, solution.chosen)
    assert after <= before  # lexicographically: a later tier may only move when every earlier one is no worse
    assert after[:3] == (0, 0, 0)
    assert checked(folder, solution.plan, solution.chosen, tmp_path) == []


def test_a_short_team_keeps_every_minute_the_first_rota_covers():
    sc = scenario([engineer("ana"), engineer("bo"), engineer("jun", level="L1")],
                  [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")], days=14,
                  rules=Rules(min_rest_hours=11, max_hours_per_week=48, max_consecutive_days=5))
    sc = replace(sc, pins=(Pin("ana", DAY_1, "night"),))
    plan = Plan(sc)
    first = first_rota(plan)
    solution = solve(sc, SolveOptions(work_limit=0.01, seed=1))
    assert first.short_minutes["p0"] > 0  # two seniors at 48 h cannot hold 14 days of 24 h
    assert tiers(plan, solution.chosen)[0] <= first.short_minutes["p0"]
    assert ("ana", "night", DAY_1) in {(s.engineer, s.shift, s.date) for s in solution.chosen}


def test_the_fairness_floor_is_a_true_lower_bound_and_tight_on_a_plain_day():
    two_halves = [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")]
    plain = Plan(scenario([engineer("ana"), engineer("bo")], two_halves))
    assert fewest_shifts(plain) == 2  # 24 h of one senior in 12-hour shifts
    assert fewest_shifts(plain, short_minutes=12 * 60) == 1
    demo = load_scenario(DEMO)
    solution = solve(demo, SolveOptions(work_limit=0.5, seed=1))
    floor = fewest_shifts(solution.plan)
    assert 0 < floor <= len(solution.chosen)
    fair = solution.stages[-1]
    assert fair.tier == "fairness" and HANDOFF_WEIGHT * floor <= fair.bound <= fair.objective
