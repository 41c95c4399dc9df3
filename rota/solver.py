"""Solve a scenario: strict priorities by lexicographic stages, progress as it goes, the best rota on any stop.

Each tier (P0 cover, events, peaks, holidays, fairness) is minimised in turn with every earlier tier held at the best
value found, and warm-started from the previous stage's rota. Small coefficients per stage keep CP-SAT's bounds
tight, and a higher tier can never be traded for a lower one.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.sat.python import cp_model

from rota import constraints, fair_bound, submodel
from rota.domain import Engineer, Scenario
from rota.first_rota import first_rota
from rota.model import RotaModel
from rota.pins import InfeasiblePins, conflicts
from rota.rebalance import rebalance, trim
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
    """Lets another thread (Ctrl-C, a Stop button) end the search; the best rota so far is kept.

    OR-Tools 9.15 aborts the whole process (`Check failed: solution->size() == postsolve_mapping.size()`) when
    `stop_search` reaches an interleaved search with a complete hint while it takes in a solution: during the
    solution's callback or just after (a UI re-solve met it on the hint's own solution). So the stop is passed on only
    when no callback is running and none ended within `QUIET` seconds; until then it is retried.
    """

    QUIET = 0.1

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._solver: cp_model.CpSolver | None = None
        self._lock = threading.Lock()
        self._in_callback = False
        self._quiet_since = 0.0

    def attach(self, solver: cp_model.CpSolver | None) -> None:
        with self._lock:
            self._solver, self._in_callback, self._quiet_since = solver, False, 0.0
        if solver is not None and self.stopped:
            self._stop_when_safe()  # a stop that came between two searches

    def stop(self) -> None:
        self._stopped.set()
        self._stop_when_safe()

    def callback_started(self) -> None:
        with self._lock:
            self._in_callback = True

    def callback_ended(self) -> None:
        with self._lock:
            self._in_callback, self._quiet_since = False, time.monotonic()

    def _stop_when_safe(self) -> None:
        with self._lock:
            if self._solver is None:
                return
            if not self._in_callback and time.monotonic() - self._quiet_since >= self.QUIET:
                self._solver.stop_search()
                return
        retry = threading.Timer(self.QUIET, self._stop_when_safe)
        retry.daemon = True
        retry.start()

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


# Model building and the fairness floor on the reference machine (L: 90k variables, about 9 s and 2 s).
BUILD_SECONDS_PER_VARIABLE = 1.2e-4


def work_budget(time_limit: float, variables: int) -> float:
    """The default work budget: the limit less the model's building time, at the model's work rate (a function of the
    model alone, so a solve stays reproducible)."""
    return max(0.0, time_limit - variables * BUILD_SECONDS_PER_VARIABLE) * work_rate(variables)


@dataclass(frozen=True)
class SolveOptions:
    """`deterministic` (default): interleaved workers and a work budget, so the same seed and worker count give the
    same rota on any machine; the wall-clock `time_limit` stays a hard ceiling (if it cuts in, the result says so).
    Otherwise (`--fast`) whole-model searches run freely on the wall clock (groups search the same way): not
    reproducible."""

    time_limit: float = 30.0
    work_limit: float | None = None  # CP-SAT deterministic time; default time_limit * work_rate(model)
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    last_tier: str | None = None  # stop after this tier (e.g. "p0" to ask only "can P0 be covered?")
    log: bool = False


class _Guard(cp_model.CpSolverSolutionCallback):
    """Every search has one, so a stop is never passed on while a solution is being taken in (see SolveControl)."""

    def __init__(self, control: SolveControl):
        super().__init__()
        self.control = control

    def on_solution_callback(self) -> None:
        self.control.callback_started()
        try:
            self.report()
        finally:
            self.control.callback_ended()

    def report(self) -> None:
        pass


class _Reporter(_Guard):
    """A search of the whole model, telling `on_progress` of each better rota."""

    def __init__(self, stage: str, p0: cp_model.LinearExprT, start: float, control: SolveControl,
                 on_progress: Callable[[Progress], None] | None):
        super().__init__(control)
        self.stage, self.p0, self.start, self.on_progress = stage, p0, start, on_progress

    def report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.stage, time.monotonic() - self.start, int(self.value(self.p0)),
                                      self.objective_value, self.best_objective_bound))


def solve(scenario: Scenario, options: SolveOptions = SolveOptions(),
          on_progress: Callable[[Progress], None] | None = None, control: SolveControl | None = None,
          baseline: constraints.Baseline | None = None, *, hint: constraints.Baseline | None = None,
          started: float | None = None) -> Solution:
    """Solve `scenario` within `options.time_limit` seconds, model building and the penalty report included;
    never raises for short cover.

    Every solve starts from the constructive first rota (`rota.first_rota`), so the result is never empty where cover
    is possible and never lexicographically worse than that rota. `baseline` is a rota to stay close to, as (engineer,
    local date ISO, shift) triples (e.g. the published one): the first rota keeps every shift of it that the rules
    still allow, and after cover the solver minimises the shifts that differ from it. `hint` (same triples; ignored
    with a baseline) only warm-starts: a re-solve starts from the last rota, and every tier, fairness included, may
    move it. `started` is the `time.monotonic()` the limit counts from (default: now; the command line passes its own
    start).
    """
    started = time.monotonic() if started is None else started
    control = control or SolveControl()
    plan = Plan(scenario)
    start_from = baseline or hint
    kept = [s for s in plan.slots if (s.engineer, s.date.isoformat(), s.shift) in start_from] if start_from else []
    first = first_rota(plan, kept)
    ready = time.monotonic() - started
    if on_progress:
        on_progress(Progress("first", ready, first.short_minutes["p0"], float(sum(first.short_minutes.values())),
                             0.0))
    # The result files are written after the solve; they cost about half of what laying out the plan did.
    deadline = started + options.time_limit - OUTPUT_SHARE * ready
    values = dict.fromkeys(plan.slots, 0) | dict.fromkeys(first.chosen, 1)
    solution = Solution(plan, first.chosen, "FEASIBLE", 0.0, reproducible=options.deterministic)
    try:
        m = constraints.build(RotaModel(plan), baseline, should_stop=lambda: _past(deadline) or control.stopped)
    except constraints.Stopped:
        solution.reproducible = False
        return _finish(solution, started, control)
    tiers = m.tiers_used()
    if options.last_tier in tiers:
        tiers = tiers[: tiers.index(options.last_tier) + 1]
    solution.planned = tiers
    full = _complete(m, values, _left(deadline))  # every variable's value in the rota in hand: a complete hint
    work_left = (options.work_limit if options.work_limit is not None
                 else work_budget(options.time_limit, len(m.model.proto.variables)))
    floor = 0.0
    for i, tier in enumerate(tiers):
        if tier == "fairness":
            # Shares need the settled cover of earlier stages; the trimmed and rebalanced rota keeps that cover (with
            # a baseline, dropping or moving shifts would cost changes).
            fairer = values if baseline else dict.fromkeys(values, 0) | dict.fromkeys(
                rebalance(plan, trim(plan, [s for s, v in values.items() if v]),
                          should_stop=lambda: _past(deadline)), 1)
            bands = constraints.load_away_from_fair_share(m, fairer)
            completed = _complete(m, fairer, _left(deadline))  # the fair-share penalties are new variables
            if completed is None and fairer is not values:
                completed = _complete(m, values, _left(deadline))
            else:
                values = fairer
            full = completed
            held_tiers = {st.tier: round(st.objective) for st in solution.stages}
            relaxation = fair_bound.Relaxation(plan, bands, held_tiers)
            floor = relaxation.floor(_left(deadline) / 4)
        expr = m.tier_expr(tier)
        if full is not None:
            held = _value(m, tier, full)
            m.model.add(expr <= held)  # never worse than the rota in hand, whatever the search finds
            if (held == 0 and i < len(tiers) - 1) or (tier == "fairness" and held <= floor):
                # The rota in hand already pays nothing in this tier (or meets the fairness floor): a search could
                # only wander to another rota as good (which cost a re-plan most of its kept shifts). Hold it, go on.
                solution.stages.append(StageResult(tier, "OPTIMAL", float(held), float(held), 0.0))
                continue
        wall_left = _left(deadline)
        if wall_left <= 0.05 or control.stopped:
            solution.reproducible = False
            break
        share = STAGE_SHARE[tier] / sum(STAGE_SHARE[t] for t in tiers[i:])
        # Budgets come from work used, never from wall time measured so far: that keeps stages reproducible.
        budget = work_left if i == len(tiers) - 1 else round(work_left * share, 3)
        wall = wall_left if i == len(tiers) - 1 else max(0.05, wall_left * share)
        m.model.minimize(expr)
        stage_start = time.monotonic()
        if tier == "fairness":
            integer = relaxation.integer_floor(wall_left, floor)
        group_work, group_bound, clocked = 0.0, 0.0, False
        by_group = full is not None and tier in GROUP_TIERS and not baseline
        if by_group:
            assert full is not None

            def heard(objective: int, stage: str = f"{tier} by group", p0: int = _value(m, "p0", full),
                      bound: float = floor) -> None:  # P0 is held through the group phase
                if on_progress is not None:
                    on_progress(Progress(stage, time.monotonic() - started, p0, float(objective), bound))

            # A team small enough to search whole keeps part of the stage for that search: it proves the bound.
            share = GROUP_SHARE if FULL_AFTER_GROUPS[tier] and len(m.x) <= NEIGHBOURHOOD_SLOTS[-1] else 1.0
            values, full, group_work, group_bound, clocked = _by_group(
                m, tier, values, full, options, budget * share, wall * share, control, heard)
        solver, status, work = None, cp_model.UNKNOWN, 0.0
        if full is not None and group_bound >= _value(m, tier, full):
            status = cp_model.OPTIMAL  # the group phase proved its rota optimal
        elif not by_group or (FULL_AFTER_GROUPS[tier] and budget - group_work > 0.01 and _left(deadline) > 0.05):
            _hint(m, values, full)
            reporter = _Reporter(tier, m.tier_expr("p0"), started, control, on_progress)
            wall_left = _left(deadline)
            solver, status, work = _search(m, options, wall_left if options.deterministic else wall - (
                time.monotonic() - stage_start), budget - group_work, control, reporter,
                lns_first=full is not None and not baseline)
            clocked = clocked or (status != cp_model.OPTIMAL and work < 0.99 * (budget - group_work))
        work += group_work
        work_left = max(0.0, work_left - work)
        if options.deterministic and clocked:
            solution.reproducible = False  # the wall clock or a stop ended this stage, not the work budget
        if status == cp_model.INFEASIBLE:
            raise InfeasiblePins(_pin_conflicts(plan))
        if solver is not None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {slot: int(solver.boolean_value(var)) for slot, var in m.x.items()}
            full = list(solver.response_proto.solution)
            objective, bound = solver.objective_value, max(solver.best_objective_bound, group_bound)
        elif full is not None:  # the group phase's rota (proven optimal or not), or the one in hand
            objective = float(_value(m, tier, full))
            bound, status = (objective, status) if status == cp_model.OPTIMAL else (group_bound, cp_model.FEASIBLE)
        else:
            continue
        if tier == "fairness":  # CP-SAT's bound on a large team stays near 0: the relaxations' are real ones
            # SCIP ran beside the search; a search that ended early waits a little for it, never long: the bound
            # is only reported, and SCIP can take far longer than the search (a short-staffed demo: 20 s).
            waited = min(_left(deadline) / 2, INTEGER_FLOOR_WAIT * (time.monotonic() - stage_start))
            bound = max(bound, integer.result(wait=0.0 if control.stopped else waited))
            if bound >= objective:
                status = cp_model.OPTIMAL
        solution.stages.append(StageResult(tier, STATUS[status], objective, max(0.0, bound),
                                           time.monotonic() - stage_start, work))
        m.model.add(expr <= round(objective))  # hold this tier at its best while optimising the next
    solution.chosen = sorted((s for s, v in values.items() if v), key=lambda s: (s.span.start, s.engineer))
    statuses = {st.status for st in solution.stages}
    solution.status = "OPTIMAL" if statuses == {"OPTIMAL"} and len(solution.stages) == len(tiers) else "FEASIBLE"
    solution.penalties = _penalty_report(m, values, full, _left(deadline))
    solution.reproducible = solution.reproducible and options.deterministic
    return _finish(solution, started, control)


INTEGER_FLOOR_WAIT = 0.25  # of the fairness stage's own time


def process_start() -> float:
    """The `time.monotonic()` at which this process started (Linux; elsewhere: now), so that a command's time limit
    covers Python's start and its imports too. A process older than `FRESH` seconds is not a command just started
    (a test or a server calling the command in-process): then it is now."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22: start time, in ticks since boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        age = 0.0
    return time.monotonic() - (age if 0.0 < age <= FRESH else 0.0)


FRESH = 10.0


OUTPUT_SHARE = 0.5  # writing the result files, relative to laying out the plan and the first rota


def _past(deadline: float) -> bool:
    return time.monotonic() >= deadline


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _finish(solution: Solution, started: float, control: SolveControl) -> Solution:
    solution.seconds = time.monotonic() - started
    solution.stopped = control.stopped
    return solution


# CP-SAT's full-problem workers take most of the effort, and the neighbourhood searches (LNS) that improve rotas of
# large teams hardly run: interleaved (deterministic), M's peak stage was 554,940 peak-minutes short after 6 units
# of work while LNS alone reached 0 in 1.9; free-running on 2 cores, L's peak stage ended 1,168,560 short. So a stage
# first searches with LNS alone for this share of its work (or seconds), then, warm-started from that rota, with the
# full search that also proves the bound.
LNS_SHARE = 0.5


def _search(m: RotaModel, options: SolveOptions, wall: float, budget: float, control: SolveControl,
            reporter: _Reporter, lns_first: bool) -> tuple[cp_model.CpSolver, int, float]:
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
        status = solver.solve(m.model, reporter)
        control.attach(None)
        work += solver.response_proto.deterministic_time
        if best is None or status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            best = solver, status  # a later phase starts from the earlier rota, so it is never worse
    assert best is not None
    return best[0], best[1], work


# Tiers whose terms are per engineer (holiday shifts, fair shares, patterns): each is improved one neighbourhood at
# a time with every other shift fixed, a small model CP-SAT solves in hundredths of a second, until they stall. What
# the fairness stage's work has left then goes to a search of the whole model; on a team small enough to be one
# neighbourhood that search keeps 30 % of the stage, since it proves the bound (holidays hand their rest on).
GROUP_TIERS = ("holiday", "fairness")
FULL_AFTER_GROUPS = {"holiday": False, "fairness": True}
GROUP_SHARE = 0.7
MAX_SWEEPS = 6
MAX_ROUNDS = 4
# Neighbourhoods in turn: each centre-and-level group, each centre whole (its levels share its cover: a senior can
# take a shift off a junior), then the whole team (centres share P0 cover across their hours). A part with more
# slots than a neighbourhood's size is cut into blocks of whole weeks, swept until a sweep improves nothing, then
# again in blocks of twice the size: small ones are proven optimal in hundredths of a second, larger ones free
# what the small ones hold at their edges.
PARTITIONS: tuple[Callable[[Engineer], tuple[str, ...]], ...] = (
    lambda e: (e.centre, e.level), lambda e: (e.centre,), lambda e: ())
NEIGHBOURHOOD_SLOTS = (2_000, 4_000, 8_000)
NEIGHBOURHOODS = {
    # A holiday shift cover needs seldom moves: one sweep of the groups, one of the whole team (on a small team: the
    # whole model, solved and proven at once).
    "holiday": ((PARTITIONS[0], NEIGHBOURHOOD_SLOTS[0]), (PARTITIONS[2], NEIGHBOURHOOD_SLOTS[-1])),
    "fairness": tuple((p, size) for p in PARTITIONS for size in NEIGHBOURHOOD_SLOTS),
}


def _neighbourhoods(m: RotaModel, partition: Callable[[Engineer], tuple[str, ...]], size: int,
                    shifted: bool = False) -> list[list[Slot]]:
    """Each part's slots in blocks of whole weeks; `shifted` moves the blocks' edges by half a block, so a sweep
    after a stalled one can move shifts across the edges the last one held."""
    groups: dict[tuple[str, ...], list[Slot]] = defaultdict(list)
    for slot in m.x:
        groups[partition(m.plan.engineers[slot.engineer])].append(slot)
    out = []
    for key in sorted(groups):
        members = groups[key]
        first = min(s.date for s in members)
        days = (max(s.date for s in members) - first).days + 1
        block = 7 * max(1, days * size // len(members) // 7)
        offset = block // 2 if shifted and block < days else 0
        blocks: dict[int, list[Slot]] = defaultdict(list)
        for slot in members:
            blocks[((slot.date - first).days + offset) // block].append(slot)
        out += [blocks[b] for b in sorted(blocks)]
    return out


def _by_group(m: RotaModel, tier: str, values: dict[Slot, int], full: list[int], options: SolveOptions,
              budget: float, wall: float, control: SolveControl, progress: Callable[[int], None]
              ) -> tuple[dict[Slot, int], list[int], float, float, bool]:
    """Improve the model's objective one group of engineers at a time (`NEIGHBOURHOODS`), every other group's shifts
    fixed, each group solved as a small model of its own (`rota.submodel`): the rota, its complete values, the work
    used, a bound (a neighbourhood holding every slot is the whole model: its bound is one; else 0) and whether the
    clock or a stop ended it (not the work budget, nor a stall). Each step starts from the rota in hand, so none is
    worse; `progress` hears each better one's objective."""
    started = time.monotonic()
    index = submodel.Index(m.model, (v.index for v in m.x.values()))
    # Extracting costs wall time and a small model's work accrues at its own rate: both are charged as the seconds
    # they stand for, at the whole model's rate (the unit its budget is in).
    per_second = work_rate(len(m.model.proto.variables))
    work = index.size * EXTRACT_SECONDS * per_second
    current = np.asarray(full, dtype=np.int64)
    guard = _Guard(control)
    bound = 0.0
    improved_round, rounds = True, 0
    while improved_round and rounds < MAX_ROUNDS:  # until a round of every partition improves nothing
        improved_round, rounds = False, rounds + 1
        cut: dict[Callable, list[list[Slot]]] = {}
        for partition, size in NEIGHBOURHOODS[tier]:
            blocks = _neighbourhoods(m, partition, size)
            if blocks == cut.get(partition):
                continue  # every part already fits one block: a larger size cuts no differently
            cut[partition] = blocks
            improved, sweep = True, 0
            while improved and sweep < MAX_SWEEPS:  # a sweep that improves no group: this partition has stalled
                improved, sweep = False, sweep + 1
                for members in _neighbourhoods(m, partition, size, shifted=sweep % 2 == 0):
                    wall_left = wall - (time.monotonic() - started)
                    if control.stopped or wall_left <= 0.05 or work >= budget:
                        return _rota(m, current), current.tolist(), work, bound, work < budget
                    hood = submodel.extract(index, (m.x[slot].index for slot in members), current)
                    if hood is None:
                        continue  # this group already pays the least it can: nothing to search for
                    work += hood.size * EXTRACT_SECONDS * per_second
                    # In either mode a group's work share ends its search (the wall left is only the ceiling):
                    # cut by the clock instead, `--fast` reached fewer groups and ended worse on L.
                    share = min(budget - work, budget * len(members) / len(m.x))
                    solver = _group_solver(options, wall_left, share / per_second * GROUP_WORK_PER_SECOND)
                    control.attach(solver)
                    status = solver.solve(hood.model, guard)
                    control.attach(None)
                    work += solver.response_proto.deterministic_time / GROUP_WORK_PER_SECOND * per_second
                    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                    if found and round(solver.objective_value) < hood.objective:
                        improved = improved_round = True
                        current = hood.merge(current, solver.response_proto.solution)
                        progress(index.objective(current))
                    if len(members) == len(m.x) and found:
                        bound = max(bound, float(math.ceil(solver.best_objective_bound - 1e-6)))
                        if status == cp_model.OPTIMAL:
                            return _rota(m, current), current.tolist(), work, bound, False
    return _rota(m, current), current.tolist(), work, bound, False


# Reading the model into an index and extracting a neighbourhood take about 7 µs per constraint or variable handled
# on the reference machine, and one worker on a small model does 0.19-0.38 units of CP-SAT work a second (M, L);
# charged by these (deterministic) figures, a group phase ends by work, so it stays reproducible.
EXTRACT_SECONDS = 7e-6
GROUP_WORK_PER_SECOND = 0.2


def _rota(m: RotaModel, full: np.ndarray) -> dict[Slot, int]:
    return {slot: int(full[var.index]) for slot, var in m.x.items()}


def _group_solver(options: SolveOptions, wall: float, work: float) -> cp_model.CpSolver:
    """One worker with the strongest LP: a group's model is small, and this proves it optimal where interleaved
    workers did not (S at 10 s: all 27 group solves optimal, fairness 6,814, against 2 of 7 and 10,807)."""
    # The same search in either mode (one worker, its work share): `--fast` differs only where the whole model is
    # searched, so on a large team, where groups do the work, it is never worse than the default.
    solver = _solver(replace(options, deterministic=True), wall, work)
    p = solver.parameters
    p.num_workers = 1
    p.interleave_search = False
    p.linearization_level = 2
    return solver


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


def _complete(m: RotaModel, values: dict[Slot, int], seconds: float) -> list[int] | None:
    """Every variable's value for a fixed rota (penalties at their least), by one quick solve with each slot fixed;
    None when the rota breaks a hard rule or `seconds` run out first."""
    if seconds <= 0.05:
        return None
    model = m.model.clone()
    model.clear_hints()
    variables = model.proto.variables
    for slot, var in m.x.items():  # fixing the domains is far cheaper than adding a constraint per slot
        domain = variables[var.index].domain
        domain.clear()
        domain.extend((values[slot], values[slot]))
    model.proto.clear_objective()
    model.proto.objective.vars.extend(p.var.index for p in m.penalties)
    model.proto.objective.coeffs.extend(p.weight for p in m.penalties)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def _penalty_report(m: RotaModel, values: dict[Slot, int], full: list[int] | None, seconds: float) -> dict[str, int]:
    """Evaluate each named penalty on the final rota (the readable breakdown of the objective); when time is short,
    read it off the last stage's rota instead (the same shifts, penalties perhaps not all at their least)."""
    full = _complete(m, values, seconds) or full or []
    out = {}
    for penalty in m.penalties:
        cost = (full[penalty.var.index] if penalty.var.index < len(full) else 0) * penalty.weight
        if cost:
            out[f"{penalty.tier}: {penalty.name}"] = cost
    return out


def _pin_conflicts(plan: Plan) -> list[str]:
    found = [str(c) for c in conflicts(plan)]
    return found or ["the solver proved the hard rules cannot hold, yet no set of pins conflicts (please report this)"]
