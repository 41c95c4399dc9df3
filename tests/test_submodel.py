"""A neighbourhood extracted as a small model (rota/submodel.py) has the same optimum as the whole model with every
other variable fixed, and each of its solutions is one of the whole model's."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from rota import constraints, submodel
from rota.first_rota import first_rota
from rota.model import RotaModel
from rota.slots import Plan
from tests.builders import engineer, peak, scenario, shift


def _random_model(seed: int) -> tuple[cp_model.CpModel, list[int], list[int]]:
    """A model of Booleans and a few integers, every kind of constraint a neighbourhood copies, with and without
    enforcement, all met by the returned solution; and which variables are decisions."""
    rng = random.Random(seed)
    model = cp_model.CpModel()
    n = rng.randint(4, 9)
    booleans = [model.new_bool_var(f"b{i}") for i in range(n)]
    counts = [model.new_int_var(0, 6, f"k{i}") for i in range(rng.randint(1, 3))]
    values = [rng.randint(0, 1) for _ in booleans] + [rng.randint(0, 6) for _ in counts]
    value = {v.index: values[v.index] for v in booleans + counts}

    def literal() -> cp_model.IntVar:
        b = rng.choice(booleans)
        return b if rng.random() < 0.6 else b.Not()

    def holds(lit: cp_model.IntVar) -> bool:
        index = lit.index
        return bool(value[index]) if index >= 0 else not value[-index - 1]

    for _ in range(rng.randint(3, 10)):
        kind = rng.choice(("linear", "bool_or", "bool_and", "at_most_one", "exactly_one"))
        lits = [literal() for _ in range(rng.randint(1, 4))]
        if kind == "linear":
            terms = rng.sample(booleans + counts, rng.randint(1, min(4, n)))
            coeffs = [rng.choice((-3, -2, -1, 1, 2, 3)) for _ in terms]
            total = sum(c * value[t.index] for c, t in zip(coeffs, terms, strict=True))
            low, high = total - rng.randint(0, 2), total + rng.randint(0, 2)
            unmet = [b for b in booleans if not value[b.index]]
            if unmet and rng.random() < 0.2:  # broken by the solution, so enforced by a literal it leaves false
                low = high = total + 1
                ct = model.add_linear_constraint(sum(c * t for c, t in zip(coeffs, terms, strict=True)), low, high)
                ct.only_enforce_if(rng.choice(unmet))
                continue
            ct = model.add_linear_constraint(sum(c * t for c, t in zip(coeffs, terms, strict=True)), low, high)
        elif kind == "bool_or":
            if not any(holds(lit) for lit in lits):
                lits.append(_true(booleans, value))
            ct = model.add_bool_or(lits)
        elif kind == "bool_and":
            ct = model.add_bool_and([lit if holds(lit) else lit.Not() for lit in lits])
        else:
            distinct = {_var(lit): lit for lit in lits}
            chosen = list(distinct.values())
            true = [lit for lit in chosen if holds(lit)]
            keep = [lit for lit in chosen if not holds(lit)] + true[:1]
            if kind == "exactly_one" and not true:
                keep.append(_true(booleans, value, avoid={_var(lit) for lit in keep}))
            if not keep:
                continue
            ct = model.add_at_most_one(keep) if kind == "at_most_one" else model.add_exactly_one(keep)
        if rng.random() < 0.3:
            ct.only_enforce_if(literal())
    model.minimize(sum(rng.randint(-3, 5) * v for v in booleans + counts))
    return model, values, [b.index for b in booleans]


def _var(lit: cp_model.IntVar) -> int:
    return lit.index if lit.index >= 0 else -lit.index - 1


def _true(booleans: list[cp_model.IntVar], value: dict[int, int], avoid: set[int] = frozenset()) -> cp_model.IntVar:
    for b in booleans:
        if b.index not in avoid:
            return b if value[b.index] else b.Not()
    raise AssertionError("no Boolean left")


def _fix(var: object, value: int) -> None:
    var.domain.clear()  # type: ignore[attr-defined]
    var.domain.extend([int(value), int(value)])  # type: ignore[attr-defined]


def _fixed_optimum(model: cp_model.CpModel, values: list[int], free: set[int]) -> tuple[int, int | None]:
    whole = model.clone()
    for v, var in enumerate(whole.proto.variables):
        if v not in free:
            _fix(var, values[v])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(whole)
    return status, round(solver.objective_value) if status == cp_model.OPTIMAL else None


def _feasible(model: cp_model.CpModel, values: list[int]) -> bool:
    whole = model.clone()
    for v, var in enumerate(whole.proto.variables):
        _fix(var, values[v])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(whole) == cp_model.OPTIMAL


@settings(derandomize=True, database=None, deadline=None, max_examples=150)
@given(seed=st.integers(0, 10**6), share=st.floats(0.1, 0.9))
def test_a_neighbourhood_has_the_optimum_of_the_whole_model_with_the_rest_fixed(seed: int, share: float) -> None:
    model, values, decisions = _random_model(seed)
    assert _feasible(model, values)
    rng = random.Random(seed + 1)
    free = [d for d in decisions if rng.random() < share] or decisions[:1]
    index = submodel.Index(model, decisions)
    current = np.asarray(values, dtype=np.int64)
    hood = submodel.extract(index, free, current)
    if hood is None:  # its part of the objective is at its least: then freeing its decisions cannot do better
        assert _fixed_optimum(model, values, set(free))[1] == index.objective(current)
        return
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(hood.model) == cp_model.OPTIMAL  # the solution drawn from is one of its own
    merged = hood.merge(current, solver.response_proto.solution)
    assert _feasible(model, merged.tolist())
    assert np.array_equal(merged[[v for v in decisions if v not in free]],
                          current[[v for v in decisions if v not in free]])
    _, optimum = _fixed_optimum(model, values, set(hood.variables.tolist()))
    assert index.objective(merged) == optimum
    assert index.objective(merged) - index.objective(current) == round(solver.objective_value) - hood.objective


def test_a_group_of_a_rota_model_solves_to_the_fixed_models_optimum() -> None:
    team = [engineer(f"s{i}") for i in range(3)] + [engineer(f"j{i}", level="L1") for i in range(3)]
    plan = Plan(scenario(team, [shift("day", "06:00", "14:00"), shift("late", "14:00", "22:00"),
                                shift("night", "22:00", "06:00")], days=6,
                         peaks=(peak("rush", "10:00", "16:00", engineers=3),)))
    m = constraints.build(RotaModel(plan))
    m.model.minimize(m.tier_expr("fairness"))
    values = dict.fromkeys(plan.slots, 0) | dict.fromkeys(first_rota(plan, []).chosen, 1)
    complete = m.model.clone()
    for slot, var in m.x.items():
        _fix(complete.proto.variables[var.index], values[slot])
    solver = cp_model.CpSolver()
    assert solver.solve(complete) == cp_model.OPTIMAL
    full = list(solver.response_proto.solution)
    index = submodel.Index(m.model, (v.index for v in m.x.values()))
    juniors = [m.x[s].index for s in m.x if s.engineer.startswith("j")]
    hood = submodel.extract(index, juniors, np.asarray(full, dtype=np.int64))
    assert hood is not None
    assert len(hood.model.proto.constraints) < len(m.model.proto.constraints)
    small = cp_model.CpSolver()
    assert small.solve(hood.model) == cp_model.OPTIMAL
    merged = hood.merge(np.asarray(full, dtype=np.int64), small.response_proto.solution)
    _, optimum = _fixed_optimum(m.model, full, set(hood.variables.tolist()))
    assert index.objective(merged) == optimum < index.objective(np.asarray(full, dtype=np.int64))
    seniors = [s for s in m.x if s.engineer.startswith("s")]
    assert all(merged[m.x[s].index] == values[s] for s in seniors)
