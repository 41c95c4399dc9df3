"""The fairness stage's floor (rota/fair_bound.py) never exceeds a proven optimum, and the trim before fair shares
drops only shifts no cover needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ortools.sat.python import cp_model

from rota import constraints
from rota.domain import Leave, Rules, Scenario
from rota.fair_bound import Relaxation, fairness_floor
from rota.fairness import fewest_shifts
from rota.model import RotaModel
from rota.rebalance import trim
from rota.report import find_gaps
from rota.slots import Plan
from rota.solver import SolveOptions
from tests.builders import DAY_1, engineer, peak, scenario, shift

THREE = [shift("day", "06:00", "14:00"), shift("mid", "10:00", "18:00"), shift("late", "14:00", "22:00"),
         shift("night", "22:00", "06:00")]
TIGHT = Rules(min_rest_hours=11, max_hours_per_week=40, max_consecutive_days=4)


def _team(n_senior: int, n_junior: int) -> list:
    return [engineer(f"s{i}") for i in range(n_senior)] + [engineer(f"j{i}", level="L1") for i in range(n_junior)]


CASES = {
    "two seniors, half days": scenario(_team(2, 0), [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")],
                                       days=3),
    "mixed team, a peak, tight rules": scenario(_team(3, 3), THREE, days=6, rules=TIGHT,
                                                peaks=(peak("rush", "10:00", "16:00", engineers=3),)),
    "leave and a senior peak": scenario(_team(4, 2), THREE, days=5, rules=TIGHT,
                                        leave=(Leave("s1", DAY_1 + timedelta(days=1), DAY_1 + timedelta(days=3)),),
                                        peaks=(peak("eve", "16:00", "20:00", engineers=2, seniors=2),)),
    "short of seniors": scenario(_team(2, 2), THREE, days=6, rules=TIGHT,
                                 peaks=(peak("rush", "10:00", "14:00", engineers=2),)),
}


def _proven(sc: Scenario) -> tuple[float, float, dict[str, int], float]:
    """The fairness stage solved to a proven optimum (each earlier tier first minimised and held, fair shares drawn
    from that rota, as the solver does): the optimum, the floor with whole counts, the held tiers and the linear
    relaxation's floor."""
    plan = Plan(sc)
    m = constraints.build(RotaModel(plan))
    held: dict[str, int] = {}
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 30.0
    for tier in (t for t in m.tiers_used() if t != "fairness"):
        m.model.minimize(m.tier_expr(tier))
        assert solver.solve(m.model) == cp_model.OPTIMAL
        held[tier] = round(solver.objective_value)
        m.model.add(m.tier_expr(tier) <= held[tier])
    if not held:
        m.model.minimize(0)
        assert solver.solve(m.model) == cp_model.OPTIMAL
    values = {s: int(solver.boolean_value(v)) for s, v in m.x.items()}
    chosen = trim(plan, [s for s, v in values.items() if v])
    bands = constraints.load_away_from_fair_share(m, dict.fromkeys(values, 0) | dict.fromkeys(chosen, 1))
    m.model.minimize(m.tier_expr("fairness"))
    assert solver.solve(m.model) == cp_model.OPTIMAL
    relaxation = Relaxation(plan, bands, held)
    floor = relaxation.floor(10.0)
    integer = relaxation.integer_floor(30.0, floor).result(wait=30.0)
    assert floor == fairness_floor(plan, bands, held) <= integer  # the whole counts' bound is never the weaker
    return solver.objective_value, integer, held, floor


@pytest.mark.parametrize("name", list(CASES))
def test_the_fairness_floor_never_exceeds_the_proven_optimum(name):
    optimum, floor, held, _ = _proven(CASES[name])
    short = sum(v for t, v in held.items() if t in ("p0", "event", "peak"))
    assert constraints.HANDOFF_WEIGHT * fewest_shifts(Plan(CASES[name]), short) <= floor <= optimum
    if name == "short of seniors":
        assert held["p0"] > 0  # the floor allows the shortfall the earlier stages could not avoid
    if name == "two seniors, half days":
        assert floor == optimum  # six half-day shifts, nothing else to pay


def test_the_floor_sees_cover_per_segment_where_the_handoff_count_alone_does_not():
    """One hour of three people in 12-hour shifts needs three day shifts: person-minutes over the longest shift say
    a little over two a day."""
    sc = scenario(_team(2, 2), [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")], days=2,
                  peaks=(peak("rush", "10:00", "11:00", engineers=3),))
    optimum, floor, held, _ = _proven(sc)
    assert held == {"p0": 0, "peak": 0}
    crude = constraints.HANDOFF_WEIGHT * fewest_shifts(Plan(sc))
    assert crude == constraints.HANDOFF_WEIGHT * 5  # 50 person-hours in 12-hour shifts
    assert constraints.HANDOFF_WEIGHT * 8 <= floor <= optimum  # three day shifts and a night, each day


def test_whole_counts_raise_the_floor_where_fractions_of_shifts_would_do():
    optimum, integer, _, linear = _proven(CASES["mixed team, a peak, tight rules"])
    assert linear < integer <= optimum


def test_the_solver_reports_the_floor_and_proves_a_small_team_optimal(checked):
    sc = CASES["two seniors, half days"]
    solution = checked.solve(sc, SolveOptions(work_limit=2.0, seed=0, workers=1))
    fair = solution.stages[-1]
    assert fair.tier == "fairness" and fair.status == "OPTIMAL" and fair.bound == fair.objective
    assert solution.status == "OPTIMAL"


def test_trim_drops_only_shifts_no_cover_needs():
    sc = scenario(_team(2, 2), THREE, days=3, rules=TIGHT, peaks=(peak("rush", "10:00", "14:00", engineers=2),))
    plan = Plan(sc)
    mine = {"s0": "day", "j0": "day", "s1": "mid", "j1": "mid"}  # a valid rota: one shift a day each
    every = [s for s in plan.slots if mine.get(s.engineer) == s.shift]
    kept = trim(plan, every)
    assert len(kept) < len(every)
    assert set(kept) <= set(every)

    def short(chosen: list) -> dict[str, int]:
        out: dict[str, int] = {}
        for gap in find_gaps(plan, chosen):
            out[gap.kind] = out.get(gap.kind, 0) + gap.span.minutes
        return out

    assert short(kept) == short(every)
    for slot in kept:  # each shift left is needed: without it some requirement goes short
        assert short([s for s in kept if s != slot]) != short(kept)
