"""A neighbourhood of a CP-SAT model as a small model of its own: every variable outside it fixed at its value in a
complete solution and folded into constants, every constraint it no longer touches left out.

Fixing domains in the whole model and solving that gives the same optimum, but CP-SAT then loads and presolves the
whole model for each neighbourhood (on L, 160k constraints: a quarter of a second each, most of a stage in
overhead); the extracted model holds only the neighbourhood's slots, the penalties next to them and the constraints
between, and is solved in hundredths of a second.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
SUPPORTED = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
LARGE = 64  # a linear constraint with more terms is folded with numpy (the handoff count, held tiers)


def _var(literal: int) -> int:
    return literal if literal >= 0 else -literal - 1


def _read(model: cp_model.CpModel) -> cp_model_pb2.CpModelProto:
    """The model as a protocol buffer: reading 160k constraints through CP-SAT's own wrapper takes seconds, a file
    round trip a fraction of one."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pb"
        model.export_to_file(str(path))
        return cp_model_pb2.CpModelProto.FromString(path.read_bytes())


class Index:
    """A model's constraints as plain data, which variables each touches and the constraints of each variable; read
    once per stage (the model must not change while the index is used). `decisions` are the variables a
    neighbourhood frees (the slots); the others (penalties, counts) follow them."""

    def __init__(self, model: cp_model.CpModel, decisions: Iterable[int]):
        proto = _read(model)
        self.domains = [tuple(v.domain) for v in proto.variables]
        self.decisions = np.zeros(len(self.domains), dtype=bool)
        self.decisions[np.fromiter(decisions, dtype=np.int64)] = True
        self.kinds: list[str] = []
        self.enforcement: list[tuple[int, ...]] = []
        self.body: list[Sequence[int]] = []  # a linear constraint's variables, or a Boolean constraint's literals
        self.coeffs: list[Sequence[int]] = []
        self.rhs: list[tuple[int, ...]] = []
        literals: list[int] = []  # every constraint's enforcement and body, one after another
        sizes: list[int] = []
        for c in proto.constraints:
            kind = c.WhichOneof("constraint")
            if kind not in SUPPORTED:
                raise ValueError(f"constraint kind not supported in a neighbourhood: {kind}")
            enforcement = tuple(c.enforcement_literal)
            if kind == "linear":
                body: Sequence[int] = tuple(c.linear.vars)
                coeffs: Sequence[int] = tuple(c.linear.coeffs)
                self.rhs.append(tuple(c.linear.domain))
            else:
                body, coeffs = tuple(getattr(c, kind).literals), ()
                self.rhs.append(())
            literals += enforcement
            literals += body
            sizes.append(len(enforcement) + len(body))
            if len(body) > LARGE:
                body, coeffs = np.asarray(body, dtype=np.int64), np.asarray(coeffs, dtype=np.int64)
            self.kinds.append(kind)
            self.enforcement.append(enforcement)
            self.body.append(body)
            self.coeffs.append(coeffs)
        flat = np.asarray(literals, dtype=np.int64)
        self._terms = np.where(flat < 0, -flat - 1, flat)  # the variables each constraint touches, in turn
        counts = np.asarray(sizes, dtype=np.int64)
        self._term_starts = np.concatenate(([0], np.cumsum(counts)))
        owners = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        order = np.argsort(self._terms, kind="stable")
        self._by_var = owners[order]
        self._starts = np.searchsorted(self._terms[order], np.arange(len(self.domains) + 1))
        self.objective_vars = np.asarray(proto.objective.vars, dtype=np.int64)
        self.objective_coeffs = np.asarray(proto.objective.coeffs, dtype=np.int64)
        self.size = len(self.kinds) + len(self.domains)  # what reading it cost, in constraints and variables

    def constraints_of(self, variables: np.ndarray) -> np.ndarray:
        """Every constraint touching one of `variables`, each once, in order."""
        return np.unique(self._by_var[_ranges(self._starts[variables], self._starts[variables + 1])])

    def variables_of(self, constraints: np.ndarray) -> np.ndarray:
        """Every variable one of `constraints` touches (with repeats)."""
        return self._terms[_ranges(self._term_starts[constraints], self._term_starts[constraints + 1])]

    def objective(self, values: np.ndarray) -> int:
        return int(self.objective_coeffs @ values[self.objective_vars])


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenated ranges start..end-1 of each pair."""
    lengths = ends - starts
    total = int(lengths.sum())
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)


@dataclass
class Neighbourhood:
    """The small model, and how its variables map back to the whole model's."""

    model: cp_model.CpModel
    variables: np.ndarray  # whole-model index of each of the small model's variables, in order
    objective: int  # the small model's objective in the solution it was drawn from
    size: int  # constraints and variables copied into it

    def merge(self, values: np.ndarray, solution: Sequence[int]) -> np.ndarray:
        """The whole model's values with this neighbourhood's taken from `solution` (of the small model)."""
        out = values.copy()
        out[self.variables] = np.asarray(solution, dtype=np.int64)
        return out


def extract(index: Index, free: Iterable[int], values: np.ndarray) -> Neighbourhood | None:
    """The neighbourhood of the `free` decision variables: they and every other variable sharing a constraint with
    them (penalties, counts) may change; all others keep their `values` (a complete, feasible solution of the whole
    model), which the small model also takes as its hint. Every solution of it, merged into `values`, is a solution
    of the whole model. None when its part of the objective is already the least it can be: nothing to search."""
    decisions = np.unique(np.fromiter(free, dtype=np.int64))
    touching = index.constraints_of(decisions)
    near = index.variables_of(touching)
    movable = np.union1d(decisions, near[~index.decisions[near]])
    if len(decisions) == int(index.decisions.sum()):  # every decision free: the whole model, nothing held
        movable = np.arange(len(index.domains), dtype=np.int64)
    in_objective = np.isin(index.objective_vars, movable, assume_unique=False)
    coeffs, variables = index.objective_coeffs[in_objective], index.objective_vars[in_objective]
    objective = int(coeffs @ values[variables])
    floor = sum(a * (index.domains[v][0] if a > 0 else index.domains[v][-1])
                for v, a in zip(variables.tolist(), coeffs.tolist(), strict=True))
    if objective <= floor:
        return None
    kept = index.constraints_of(movable)
    position = np.full(len(index.domains), -1, dtype=np.int64)
    position[movable] = np.arange(len(movable))
    fixed = values.tolist()
    new_index = dict(zip(movable.tolist(), range(len(movable)), strict=True))
    small = cp_model.CpModel()
    out = small.proto
    for v in movable.tolist():
        out.variables.add().domain.extend(index.domains[v])
    for c in kept.tolist():
        _copy(index, c, out, new_index, position, fixed, values)
    out.objective.vars.extend(position[variables].tolist())
    out.objective.coeffs.extend(coeffs.tolist())
    out.solution_hint.vars.extend(range(len(movable)))
    out.solution_hint.values.extend(values[movable].tolist())
    return Neighbourhood(small, movable, objective, len(kept) + len(movable))


def _literal(literal: int, new_index: dict[int, int], fixed: list[int]) -> int | bool:
    """The small model's literal, or the literal's fixed truth value."""
    v = _var(literal)
    if v in new_index:
        return new_index[v] if literal >= 0 else -new_index[v] - 1
    return bool(fixed[v]) == (literal >= 0)


def _copy(index: Index, c: int, out: cp_model_pb2.CpModelProto, new_index: dict[int, int], position: np.ndarray,
          fixed: list[int], values: np.ndarray) -> None:
    enforcement = []
    for lit in index.enforcement[c]:
        mapped = _literal(lit, new_index, fixed)
        if mapped is False:
            return  # not enforced in this solution, and it cannot become so
        if mapped is not True:
            enforcement.append(mapped)
    kind = index.kinds[c]
    if kind == "linear":
        _copy_linear(index, c, enforcement, out, new_index, position, fixed, values)
        return
    literals = [_literal(lit, new_index, fixed) for lit in index.body[c]]
    free = [lit for lit in literals if not isinstance(lit, bool)]
    true = sum(1 for lit in literals if lit is True)
    false = len(literals) - len(free) - true
    if (kind == "bool_or" and true) or (kind == "bool_and" and not free and not false):
        return
    if (kind == "bool_and" and false) or (kind in ("at_most_one", "exactly_one") and true > 1) or (
            kind in ("bool_or", "exactly_one") and not free and not true):
        _never_enforced(enforcement, out)  # the fixed literals alone break it
        return
    if kind in ("at_most_one", "exactly_one") and true:
        kind, free = "bool_and", [-lit - 1 for lit in free]  # the one is taken: every other must be false
    if not free:
        return
    target = out.constraints.add()
    target.enforcement_literal.extend(enforcement)
    getattr(target, kind).literals.extend(free)


def _copy_linear(index: Index, c: int, enforcement: list[int], out: cp_model_pb2.CpModelProto,
                 new_index: dict[int, int], position: np.ndarray, fixed: list[int], values: np.ndarray) -> None:
    body, coeffs = index.body[c], index.coeffs[c]
    if isinstance(body, np.ndarray):
        assert isinstance(coeffs, np.ndarray)
        moves = position[body] >= 0
        variables = position[body[moves]].tolist()
        factors = coeffs[moves].tolist()
        constant = int(coeffs[~moves] @ values[body[~moves]])
    else:
        variables, factors, constant = [], [], 0
        for v, a in zip(body, coeffs, strict=True):
            if v in new_index:
                variables.append(new_index[v])
                factors.append(a)
            else:
                constant += a * fixed[v]
    if not variables:
        bounds = index.rhs[c]
        if not any(low <= constant <= high for low, high in zip(bounds[::2], bounds[1::2], strict=True)):
            _never_enforced(enforcement, out)
        return
    target = out.constraints.add()
    target.enforcement_literal.extend(enforcement)
    target.linear.vars.extend(variables)
    target.linear.coeffs.extend(factors)
    target.linear.domain.extend(d if d in (INT64_MIN, INT64_MAX) else min(INT64_MAX, max(INT64_MIN, d - constant))
                                for d in index.rhs[c])


def _never_enforced(enforcement: list[int], out: cp_model_pb2.CpModelProto) -> None:
    """A constraint its fixed part breaks: its enforcement must stay off (the solution drawn from keeps it off)."""
    if not enforcement:
        raise ValueError("the solution the neighbourhood is drawn from breaks a constraint")
    out.constraints.add().bool_or.literals.extend(-lit - 1 for lit in enforcement)
