"""A lower bound for the fairness stage: relaxations of a small aggregate model of the whole problem.

Engineers of one centre and level are interchangeable once languages are ignored, so the relaxation counts how many
of a group work each shift instance (template, local day, span) instead of who does. Cover holds per segment for
engineers and seniors, with each earlier tier's shortfall allowed up to the value the stages reached; a group works
at most one shift per member each day, within the sum of its members' weekly caps over any seven days and within
its members' days in a row. Each member's fair-share loads come from how many shifts of each kind (the same
metrics) they work: the kinds add up to the group's counts, and a member works at most their own slots of a kind,
one a day, within their cap. Pattern changes are bounded by 0. Every rota the stage may choose maps to a feasible
point at no higher cost, with whole counts, so both the linear relaxation's optimum (GLOP: exact and deterministic)
and the proven bound of the integer program (SCIP, beside the search) are true lower bounds on the stage's
objective.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from datetime import date, timedelta

from ortools.linear_solver import linear_solver_pb2, pywraplp

from rota import fairness, rules
from rota.constraints import HANDOFF_WEIGHT
from rota.slots import Plan, Slot

Bands = list[tuple[list[str], dict[tuple[str, str], fairness.Band]]]  # (members, their bands) per fairness group
COVER_KINDS = ("p0", "event", "peak")  # language rules are relaxed away


def fairness_floor(plan: Plan, bands: Bands, held: dict[str, int], seconds: float = 10.0) -> float:
    """A lower bound on the fairness stage's objective, given the stage's fair-share `bands` and each earlier
    tier's reached value in `held` (a tier missing from it is not bounded). `seconds` is a ceiling: a relaxation
    not solved to optimality in it gives only the handoffs of the fewest shifts any rota needs."""
    return Relaxation(plan, bands, held).floor(seconds)


class Relaxation:
    """The aggregate model, built once: its linear relaxation's optimum (`floor`), and its optimum with whole counts
    (`integer_floor`), a stronger bound that takes longer."""

    def __init__(self, plan: Plan, bands: Bands, held: dict[str, int]):
        short = sum(v for t, v in held.items() if t in COVER_KINDS)
        self.handoffs = float(HANDOFF_WEIGHT * fairness.fewest_shifts(plan, short))
        self.lp = lp = pywraplp.Solver.CreateSolver("GLOP")
        self.counts: list[pywraplp.Variable] = []  # whole numbers in any rota: how many work a kind of shift
        if not plan.slots:
            return
        group_of: dict[str, str] = {e.id: f"{e.centre}/{e.level}" for e in plan.scenario.engineers}
        kinds: dict[tuple, list[Slot]] = defaultdict(list)
        for slot in plan.slots:
            kinds[_key(plan, group_of[slot.engineer], slot)].append(slot)
        n = {k: lp.NumVar(0, len(slots), "") for k, slots in kinds.items()}
        self.counts += n.values()
        key_of = {slot: k for k, slots in kinds.items() for slot in slots}
        _cover(plan, lp, n, key_of, held)
        if "holiday" in held:
            lp.Add(lp.Sum([v for k, v in n.items() if kinds[k][0].holiday]) <= held["holiday"])
        _group_limits(plan, lp, n, kinds)
        terms = [HANDOFF_WEIGHT * lp.Sum(list(n.values()))]
        for members, band in bands:
            for e, loads in _member_loads(plan, lp, n, group_of[members[0]], members, self.counts).items():
                for name, weight in fairness.WEIGHTS.items():
                    load, top = loads[name]
                    if top == 0:
                        continue  # the stage charges nobody for a metric no slot of theirs carries
                    low, high = band[e, name]
                    under = lp.NumVar(0, max(0, low), "")
                    over = lp.NumVar(0, max(0, top - high), "")
                    lp.Add(load + under >= low)
                    lp.Add(load - over <= high)
                    terms.append(weight * (under + over))
        lp.Minimize(lp.Sum(terms))

    def floor(self, seconds: float) -> float:
        """The linear relaxation's optimum, rounded up (every rota's objective is a whole number): exact and
        deterministic (S 0.15 s, M 1.5 s, L 1.9 s, building included)."""
        if not self.counts:
            return self.handoffs
        self.lp.SetTimeLimit(max(10, int(seconds * 1000)))
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return self.handoffs
        return max(self.handoffs, _whole(self.lp.Objective().Value()))

    def integer_floor(self, seconds: float, floor: float) -> IntegerFloor:
        """The bound with whole counts, solved beside the caller (see `IntegerFloor`); never below `floor`."""
        model = linear_solver_pb2.MPModelProto()
        self.lp.ExportModelToProto(model)
        for v in self.counts:
            model.variable[v.index()].is_integer = True
        return IntegerFloor(model, seconds, floor)


class IntegerFloor:
    """The aggregate model with whole counts, solved by SCIP on a thread of its own, beside the search (SCIP
    releases the GIL; the group phase leaves one core free). Its proven bound is often far above the linear
    relaxation's (M: 29,396 against 28,067; L: 122,144 against 119,577), since a fraction of a shift covers
    nothing. SCIP's time limit makes it depend on the machine, so it only ever raises the reported bound: no
    choice of the solve depends on it."""

    def __init__(self, model: linear_solver_pb2.MPModelProto, seconds: float, floor: float):
        self._floor, self._bound = floor, -math.inf
        self._mip = pywraplp.Solver.CreateSolver("SCIP")
        if self._mip is None or self._mip.LoadModelFromProto(model) or seconds <= 0.05:
            self._thread = None
            return
        self._mip.SetNumThreads(1)
        self._mip.SetTimeLimit(int(seconds * 1000))
        self._thread = threading.Thread(target=self._solve, name="integer floor", daemon=True)
        self._thread.start()

    def _solve(self) -> None:
        if self._mip.Solve() in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            self._bound = _whole(self._mip.Objective().BestBound())

    def result(self, wait: float) -> float:
        """The best bound known after waiting at most `wait` seconds for SCIP to finish (then it is stopped)."""
        if self._thread is not None:
            self._thread.join(max(0.0, wait))
            if self._thread.is_alive():
                self._mip.InterruptSolve()
                self._thread.join(1.0)
        return max(self._floor, self._bound) if self._thread is not None and not self._thread.is_alive() \
            else self._floor


def _whole(value: float) -> float:
    """A relaxation's optimum rounded up to the whole number every rota's objective is, less the solvers'
    tolerance."""
    return float(math.ceil(value - 1e-6 * max(1.0, abs(value))))


def _metrics(slot: Slot) -> tuple[int, ...]:
    return tuple(fairness.metric(slot, name) for name in fairness.WEIGHTS)


def _key(plan: Plan, group: str, slot: Slot) -> tuple:
    """Slots with one key are interchangeable in the relaxation: same group, span, seniority and fair-share
    metrics."""
    return (group, slot.shift, slot.date, slot.span.start, slot.span.end, plan.is_senior(slot.engineer),
            _metrics(slot))


def _cover(plan: Plan, lp: pywraplp.Solver, n: dict[tuple, pywraplp.Variable], key_of: dict[Slot, tuple],
           held: dict[str, int]) -> None:
    """Every engineer and senior requirement met per segment, less the shortfall each tier reached."""
    short_by_tier: dict[str, list] = defaultdict(list)
    on: dict[int, set[tuple]] = {}
    for req in plan.requirements:
        if req.kind not in COVER_KINDS:
            continue
        for i in plan.segment_range(req.span.start, req.span.end):
            if i not in on:
                on[i] = {key_of[s] for s in plan.cover_index[i]}
            staff = lp.Sum([n[k] for k in on[i] if req.who == "engineers" or k[5]])
            if held.get(req.tier) == 0:
                lp.Add(staff >= req.required)
                continue
            short = lp.NumVar(0, req.required, "")
            lp.Add(staff + short >= req.required)
            short_by_tier[req.tier].append(plan.segments[i].minutes * short)
    for tier, shorts in short_by_tier.items():
        if tier in held:
            lp.Add(lp.Sum(shorts) <= held[tier])


def _group_limits(plan: Plan, lp: pywraplp.Solver, n: dict[tuple, pywraplp.Variable],
                  kinds: dict[tuple, list[Slot]]) -> None:
    """Per group: one shift a member a day, the members' weekly caps and their days in a row, each summed."""
    days: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    present: dict[tuple[str, date], set[str]] = defaultdict(set)
    for k, slots in kinds.items():
        days[k[0], k[2]].append(k)
        present[k[0], k[2]].update(s.engineer for s in slots)
    worked = {}
    for (group, day), keys in days.items():
        worked[group, day] = lp.Sum([n[k] for k in keys])
        lp.Add(worked[group, day] <= len(present[group, day]))
    s = plan.scenario
    limit = s.rules.max_consecutive_days
    for group in sorted({g for g, _ in days}):
        dates = sorted(d for g, d in days if g == group)
        for first in _dates(dates[0] - timedelta(days=6), dates[-1]):
            week = [first + timedelta(days=i) for i in range(rules.WEEK_DAYS)]
            keys = [k for d in week for k in days.get((group, d), [])]
            if not keys:
                continue
            people = set().union(*(present.get((group, d), set()) for d in week))
            room = sum(rules.cap_minutes(s.weekly_cap(plan.engineers[e])) for e in people)
            lp.Add(lp.Sum([kinds[k][0].minutes * n[k] for k in keys]) <= room)
        for first in _dates(dates[0] - timedelta(days=limit), dates[-1]):
            run = [first + timedelta(days=i) for i in range(limit + 1)]
            counted = [worked[group, d] for d in run if (group, d) in worked]
            if counted:
                people = set().union(*(present.get((group, d), set()) for d in run))
                lp.Add(lp.Sum(counted) <= limit * len(people))


def _member_loads(plan: Plan, lp: pywraplp.Solver, n: dict[tuple, pywraplp.Variable], group: str,
                  members: list[str], counts: list[pywraplp.Variable]) -> dict[str, dict[str, tuple]]:
    """Each member's load per metric (and its most), from how many shifts of each kind (the same metrics) they
    work: the kinds' counts add up to the group's, a member works at most their own slots of a kind, one a day, and
    within their weekly cap over each started week of their days."""
    own: dict[str, dict[tuple, int]] = {}
    for e in members:
        own[e] = defaultdict(int)
        for slot in plan.slots_by_engineer.get(e, []):
            own[e][_metrics(slot)] += 1
    totals: dict[tuple, list] = defaultdict(list)
    for k, v in n.items():
        if k[0] == group:
            totals[k[6]].append(v)
    y = {(e, c): lp.NumVar(0, count, "") for e in members for c, count in own[e].items()}
    counts += y.values()
    by_kind: dict[tuple, list] = defaultdict(list)
    for (_, c), v in y.items():
        by_kind[c].append(v)
    for c, counts in totals.items():
        lp.Add(lp.Sum(by_kind[c]) == lp.Sum(counts))
    out: dict[str, dict[str, tuple]] = {}
    for e in members:
        mine = [(c, y[e, c]) for c in own[e]]
        if not mine:
            continue
        days = sorted({slot.date for slot in plan.slots_by_engineer[e]})
        weeks = -(-((days[-1] - days[0]).days + 1) // rules.WEEK_DAYS)
        lp.Add(lp.Sum([v for _, v in mine]) <= len(days))
        cap = rules.cap_minutes(plan.scenario.weekly_cap(plan.engineers[e]))
        lp.Add(lp.Sum([c[0] * v for c, v in mine]) <= cap * weeks)
        out[e] = {name: (lp.Sum([c[j] * v for c, v in mine]), sum(c[j] * own[e][c] for c, _ in mine))
                  for j, name in enumerate(fairness.WEIGHTS)}
    return out


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
