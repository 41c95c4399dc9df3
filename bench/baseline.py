"""The plain model rota is measured against: the same rules and penalties (`rota.constraints.build`) in one CP-SAT
model, one objective — every penalty weighted by its tier's priority — and no stages, no first rota, no hints.

Fair shares need a settled rota to draw their bands from, so the plain model's fairness tier is what it can state
alone (handoffs and pattern changes); the benchmark compares both rotas on the same measured fair-share cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import constraints
from rota.domain import Scenario
from rota.model import RotaModel
from rota.slots import Plan, Slot

# A tier's penalty unit (a short minute, a holiday shift, a handoff) times its tier's weight: strict priorities as
# a plain weighted sum states them.
TIER_WEIGHTS = {"p0": 10_000, "event": 1_000, "peak": 100, "holiday": 10, "changes": 5, "fairness": 1}


@dataclass
class PlainResult:
    plan: Plan
    chosen: list[Slot]
    status: str
    objective: float
    bound: float
    seconds: float
    variables: int


class _FirstZeroP0(cp_model.CpSolverSolutionCallback):
    def __init__(self, p0: cp_model.LinearExprT, on_zero: Callable[[], None]):
        super().__init__()
        self.p0, self.on_zero = p0, on_zero

    def on_solution_callback(self) -> None:
        if self.value(self.p0) == 0:
            self.on_zero()


def solve_plain(scenario: Scenario, time_limit: float, workers: int = 2, seed: int = 0,
                on_zero_p0: Callable[[], None] = lambda: None) -> PlainResult:
    """Solve `scenario` with the plain model within `time_limit` seconds, model building included."""
    started = time.monotonic()
    plan = Plan(scenario)
    m = constraints.build(RotaModel(plan))
    m.model.minimize(cp_model.LinearExpr.weighted_sum([p.var for p in m.penalties],
                                                      [TIER_WEIGHTS[p.tier] * p.weight for p in m.penalties]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(m.model, _FirstZeroP0(m.tier_expr("p0"), on_zero_p0))
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen = sorted((s for s, v in m.x.items() if found and solver.boolean_value(v)),
                    key=lambda s: (s.span.start, s.engineer))
    return PlainResult(plan, chosen, solver.status_name(status), solver.objective_value if found else 0.0,
                       solver.best_objective_bound if found else 0.0, time.monotonic() - started,
                       len(m.model.proto.variables))
