"""Solve a scenario: strict priorities by lexicographic stages, progress as it goes, the best rota on any stop.

Each tier (P0 cover, events, peaks, holidays, fairness) is minimised in turn with every earlier tier held at the best
value found, and warm-started from the previous stage's rota. Small coefficients per stage keep CP-SAT's bounds
tight, and a higher tier can never be traded for a lower one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import constraints
from rota.domain import Scenario
from rota.model import RotaModel
from rota.pins import InfeasiblePins, conflicts, pins_only
from rota.rebalance import rebalance
from rota.slots import Plan, Slot

# Share of the remaining time each stage may use; an early stage that proves optimality hands its rest on.
STAGE_SHARE = {"p0": 3, "event": 1, "peak": 2, "holiday": 1, "changes": 2, "fairness": 4}
STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
          cp_model.MODEL_INVALID: "MODEL_INVALID", cp_model.UNKNOWN: "UNKNOWN"}


@dataclass(frozen=True)
class Progress:
    """One better rota found while solving."""

    stage: str
    seconds: float
    p0_gap_minutes: int
    objective: float
    bound: float

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


@dataclass
class StageResult:
    tier: str
    status: str
    objective: float
    bound: float
    seconds: float
    work: float = 0.0  # CP-SAT deterministic time used: the budget unit that makes a solve reproducible

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


@dataclass
class Solution:
    plan: Plan
    chosen: list[Slot]
    status: str
    seconds: float
    stages: list[StageResult] = field(default_factory=list)
    penalties: dict[str, int] = field(default_factory=dict)  # readable name -> weighted cost, non-zero only
    stopped: bool = False
    reproducible: bool = True  # False when the wall clock or a stop, not the work budget, ended a stage
    planned: list[str] = field(default_factory=list)  # the tiers this solve set out to optimise

    @property
    def objective(self) -> float:
        return self.stages[-1].objective if self.stages else 0.0

    @property
    def bound(self) -> float:
        return self.stages[-1].bound if self.stages else 0.0

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(1.0, abs(objective))


class SolveControl:
    """Lets another thread (Ctrl-C, a Stop button) end the search; the best rota so far is kept."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._solver: cp_model.CpSolver | None = None

    def attach(self, solver: cp_model.CpSolver | None) -> None:
        self._solver = solver

    def stop(self) -> None:
        self._stopped.set()
        if self._solver is not None:
            self._solver.stop_search()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()


# CP-SAT's deterministic time ("work") per wall second on the 2-core reference machine: 0.35–0.42 up to some 30,000
# variables (demo 3.9k, S 4.3k, M 37k variables), falling in proportion beyond (L, 90k: 0.125); the rate below leaves
# a margin for CP-SAT overshooting a work limit. The budget is time_limit * work_rate(model size), a function of the
# model alone, so a solve stays reproducible; the wall limit then normally does not cut in (if it does, the result
# says it was not reproducible).
WORK_PER_SECOND = 0.3


def work_rate(variables: int) -> float:
    return WORK_PER_SECOND * min(1.0, 30_000 / max(1, variables))


@dataclass(frozen=True)
class SolveOptions:
    """`deterministic` (default): interleaved workers and a work budget, so the same seed and worker count give the
    same rota on any machine; the wall-clock `time_limit` stays a hard ceiling (if it cuts in, the result says so).
    Otherwise (`--fast`) the workers search freely on the wall clock: better on large teams, not reproducible."""

    time_limit: float = 30.0
    work_limit: float | None = None  # CP-SAT deterministic time; default time_limit * work_rate(model)
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    last_tier: str | None = None  # stop after this tier (e.g. "p0" to ask only "can P0 be covered?")
    log: bool = False


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, stage: str, p0: cp_model.LinearExprT, start: float, on_progress: Callable[[Progress], None]):
        super().__init__()
        self.stage, self.p0, self.start, self.on_progress = stage, p0, start, on_progress

    def on_solution_callback(self) -> None:
        self.on_progress(Progress(self.stage, time.monotonic() - self.start, int(self.value(self.p0)),
                                  self.objective_value, self.best_objective_bound))


def solve(scenario: Scenario, options: SolveOptions = SolveOptions(),
          on_progress: Callable[[Progress], None] | None = None, control: SolveControl | None = None,
          baseline: constraints.Baseline | None = None, *, hint: constraints.Baseline | None = None) -> Solution:
    """Solve `scenario` within `options.time_limit` seconds; never raises for short cover.

    `baseline` is a rota to stay close to, as (engineer, local date ISO, shift) triples (e.g. the published one):
    it warm-starts the search, and after cover the solver minimises the shifts that differ from it.
    `hint` (same triples; ignored with a baseline) only warm-starts: a re-solve starts from the last rota, and every
    tier, fairness included, may move it.
    """
    started = time.monotonic()
    control = control or SolveControl()
    plan = Plan(scenario)
    m = constraints.build(RotaModel(plan), baseline)
    p0 = m.tier_expr("p0")
    values: dict[Slot, int] | None = None
    full: list[int] | None = None  # every variable's value in the last stage's rota: a complete hint
    start_from = baseline or hint
    if start_from:
        values = {s: int((s.engineer, s.date.isoformat(), s.shift) in start_from) for s in m.x}
        # Where the kept rota still obeys every hard rule, a complete hint makes it the first rota of every stage;
        # a hint of the shifts alone was soon lost (an unchanged demo re-planned in 3 s changed 63 of 330 shifts).
        full = _complete(m, values)
    stages: list[StageResult] = []
    tiers = m.tiers_used()
    if options.last_tier in tiers:
        tiers = tiers[: tiers.index(options.last_tier) + 1]
    work_left = (options.work_limit if options.work_limit is not None
                 else options.time_limit * work_rate(len(m.model.proto.variables)))
    reproducible = True
    for i, tier in enumerate(tiers):
        if tier == "fairness" and values is not None:
            if baseline is None:  # with a baseline, moving shifts around would cost changes
                fairer = set(rebalance(plan, [s for s, v in values.items() if v]))
                if fairer != {s for s, v in values.items() if v}:
                    values = {s: int(s in fairer) for s in values}
                    full = _complete(m, values)
            constraints.load_away_from_fair_share(m, values)  # shares need the settled cover of earlier stages
        wall_left = options.time_limit - (time.monotonic() - started)
        if wall_left <= 0.05 or control.stopped:
            reproducible = False
            break
        share = STAGE_SHARE[tier] / sum(STAGE_SHARE[t] for t in tiers[i:])
        # Budgets come from work used, never from wall time measured so far: that keeps stages reproducible.
        budget = work_left if i == len(tiers) - 1 else round(work_left * share, 3)
        wall = wall_left if i == len(tiers) - 1 else max(0.05, wall_left * share)
        expr = m.tier_expr(tier)
        if full is not None and i < len(tiers) - 1 and _value(m, tier, full) == 0:
            # The rota in hand already pays nothing in this tier: a search could only wander to another rota as good
            # (which cost a re-plan most of its kept shifts). Hold the tier at 0 and go on.
            stages.append(StageResult(tier, "OPTIMAL", 0.0, 0.0, 0.0))
            m.model.add(expr <= 0)
            continue
        m.model.minimize(expr)
        _hint(m, values, full)
        stage_start = time.monotonic()
        reporter = _Reporter(tier, p0, started, on_progress) if on_progress else None
        solver, status, work = _search(m, options, wall_left if options.deterministic else wall, budget, control,
                                       reporter, lns_first=full is not None and not baseline)
        work_left = max(0.0, work_left - work)
        if options.deterministic and status != cp_model.OPTIMAL and work < 0.99 * budget:
            reproducible = False  # the wall clock or a stop ended this stage, not the work budget
        if status == cp_model.INFEASIBLE:
            raise InfeasiblePins(_pin_conflicts(plan))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # No rota in this stage's work: keep the previous one, and hold this tier at that rota's value, so a
            # later tier can never buy its gains with this one's cover.
            if full is not None and i < len(tiers) - 1:
                m.model.add(expr <= _value(m, tier, full))
            continue
        values = {slot: int(solver.boolean_value(var)) for slot, var in m.x.items()}
        full = list(solver.response_proto.solution)
        best = round(solver.objective_value)
        stages.append(StageResult(tier, STATUS[status], solver.objective_value, solver.best_objective_bound,
                                  time.monotonic() - stage_start, work))
        m.model.add(expr <= best)  # hold this tier at its best while optimising the next
    if not stages and full is None:
        # Not even a first rota in time (or only a kept one that breaks a rule): the pinned shifts alone, which keep
        # every hard rule when the pins do; every gap is reported and the status stays UNKNOWN.
        kept = set(pins_only(plan))
        values = {slot: int(slot in kept) for slot in m.x}
    chosen = sorted((s for s, v in values.items() if v), key=lambda s: (s.span.start, s.engineer))
    statuses = {st.status for st in stages}
    overall = "OPTIMAL" if stages and statuses == {"OPTIMAL"} and len(stages) == len(tiers) else (
        "FEASIBLE" if stages else "UNKNOWN")
    return Solution(plan, chosen, overall, time.monotonic() - started, stages,
                    _penalty_report(m, values), control.stopped, reproducible and options.deterministic, tiers)


# CP-SAT's full-problem workers take most of the effort, and the neighbourhood searches (LNS) that improve rotas of
# large teams hardly run: interleaved (deterministic), M's peak stage was 554,940 peak-minutes short after 6 units
# of work while LNS alone reached 0 in 1.9; free-running on 2 cores, L's peak stage ended 1,168,560 short. So a stage
# first searches with LNS alone for this share of its work (or seconds), then, warm-started from that rota, with the
# full search that also proves the bound.
LNS_SHARE = 0.5


def _search(m: RotaModel, options: SolveOptions, wall: float, budget: float, control: SolveControl,
            reporter: _Reporter | None, lns_first: bool) -> tuple[cp_model.CpSolver, int, float]:
    """One stage's search within `wall` seconds and `budget` work: the solver holding its best rota, its status and
    the work it used. `lns_first` when the model holds a complete hint: LNS improves a rota, it does not find one.
    Not when re-planning against a published rota: LNS wanders among equally good rotas away from it (a 3-second
    re-plan of the demo after three sick days changed 140 of 335 shifts with LNS first, 2 with the hinted full
    search alone)."""
    started = time.monotonic()
    phases = [(round(budget * LNS_SHARE, 3), True), (None, False)] if lns_first else [(None, False)]
    best: tuple[cp_model.CpSolver, int] | None = None
    work = 0.0
    for share, lns_only in phases:
        wall_left = wall - (time.monotonic() - started)
        if best is not None and (best[1] in (cp_model.OPTIMAL, cp_model.INFEASIBLE) or control.stopped
                                 or wall_left <= 0.05):
            break
        if best is not None and best[1] == cp_model.FEASIBLE:
            _hint(m, None, list(best[0].response_proto.solution))
        if share is not None and not options.deterministic:
            wall_left *= LNS_SHARE  # on the wall clock, the first phase gets its share of the stage's seconds
        solver = _solver(options, wall_left, budget - work if share is None else share, lns_only)
        control.attach(solver)
        status = solver.solve(m.model, reporter) if reporter else solver.solve(m.model)
        control.attach(None)
        work += solver.response_proto.deterministic_time
        if best is None or status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            best = solver, status  # a later phase starts from the earlier rota, so it is never worse
    assert best is not None
    return best[0], best[1], work


def _solver(options: SolveOptions, wall: float, work: float, lns_only: bool = False) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = wall
    if options.deterministic:
        # Interleaved workers scheduled by work, not by the clock: the same seed and worker count give the same
        # rota. (At an equal work budget on S, two interleaved workers left 7,680 minutes of peaks short, one 43,020.)
        p.max_deterministic_time = max(0.001, work)
        p.interleave_search = True
    p.use_lns_only = lns_only
    if options.deterministic or lns_only:
        # Every stage and phase presolves afresh; a light presolve keeps that from eating a stage's work (on L a full
        # one used all 3.3 units of the peak stage's first phase; a light one left room to reach 0 short in 1.9).
        p.max_presolve_iterations = 1
        p.find_big_linear_overlap = False
    p.num_workers = options.workers
    p.random_seed = options.seed
    p.log_search_progress = options.log
    return solver


def _value(m: RotaModel, tier: str, full: list[int]) -> int:
    """A tier's value in a rota given as every variable's value."""
    return sum(p.weight * full[p.var.index] for p in m.penalties if p.tier == tier)


def _hint(m: RotaModel, values: dict[Slot, int] | None, full: list[int] | None) -> None:
    """Hint the previous rota: every variable when known (a complete, feasible hint is a first rota at once)."""
    m.model.clear_hints()
    if full is not None:
        hint = m.model.proto.solution_hint
        hint.vars.extend(range(len(full)))
        hint.values.extend(full)
    elif values is not None:
        for slot, var in m.x.items():
            m.model.add_hint(var, values[slot])


def _complete(m: RotaModel, values: dict[Slot, int]) -> list[int] | None:
    """Every variable's value for a fixed rota (penalties at their least), by one quick solve with each slot fixed."""
    model = m.model.clone()
    model.clear_hints()
    for slot, var in m.x.items():
        model.add(model.get_bool_var_from_proto_index(var.index) == values[slot])
    model.clear_objective()
    model.minimize(sum(p.weight * model.get_int_var_from_proto_index(p.var.index) for p in m.penalties))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def _penalty_report(m: RotaModel, values: dict[Slot, int]) -> dict[str, int]:
    """Evaluate each named penalty on the final rota (the readable breakdown of the objective)."""
    full = _complete(m, values) or []
    out = {}
    for penalty in m.penalties:
        cost = (full[penalty.var.index] if penalty.var.index < len(full) else 0) * penalty.weight
        if cost:
            out[f"{penalty.tier}: {penalty.name}"] = cost
    return out


def _pin_conflicts(plan: Plan) -> list[str]:
    found = [str(c) for c in conflicts(plan)]
    return found or ["the solver proved the hard rules cannot hold, yet no set of pins conflicts (please report this)"]
