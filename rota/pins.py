"""Pins that cannot all hold, named exactly; and the rota of the pinned shifts alone.

Every hard rule is an upper bound (at most one shift a day, rest, weekly hours, consecutive days), so pins can be
obeyed together exactly when the pinned shifts alone obey the rules. A small CP-SAT model of the hard rules over the
pinned shifts, each pin an assumption literal, gives a conflicting set; dropping each pin in turn and solving again
makes it minimal. Each rule is the model's own constraint function (rota.constraints), never a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from ortools.sat.python import cp_model

from rota import constraints
from rota.clock import zone
from rota.domain import Pin, Scenario
from rota.grade import rule_breaks
from rota.model import RotaModel
from rota.slots import Plan, Slot


class InfeasiblePins(Exception):
    """Hard rules cannot all hold: only pins can cause this (every other rule is satisfied by an empty rota)."""

    def __init__(self, details: list[str]):
        self.details = details
        super().__init__("the pins cannot all be obeyed: " + "; ".join(details))

    def __reduce__(self) -> tuple[type[InfeasiblePins], tuple[list[str]]]:  # raised in what-if worker processes
        return type(self), (self.details,)


@dataclass(frozen=True)
class PinConflict:
    """A minimal set of one engineer's pinned shifts that break a hard rule together (any one fewer would hold)."""

    engineer: str
    name: str
    slots: tuple[Slot, ...]
    timezone: str
    rules: tuple[str, ...]  # the rule broken and how, e.g. "rest: 6 h after the shift ending … (at least 11 h)"

    def __str__(self) -> str:
        shifts = [_describe(s, self.timezone) for s in self.slots]
        listed = shifts[0] if len(shifts) == 1 else ", ".join(shifts[:-1]) + " and " + shifts[-1]
        together = "cannot all be worked" if len(shifts) > 1 else "cannot be worked"
        why = "; ".join(self.rules) or "the hard rules"
        return f"{self.engineer} ({self.name}): pinned {listed} ({self.timezone}) {together}: {why}"


def _describe(slot: Slot, tz: str) -> str:
    start, end = (moment.astimezone(zone(tz)) for moment in (slot.span.start, slot.span.end))
    return f"{slot.shift} on {slot.date:%a} {slot.date} {start:%H:%M}–{end:%H:%M}"


def pinned_slots(plan: Plan) -> list[Slot]:
    """The pinned shifts that meet the window (a pin outside it, or in an hour the clocks skip, has no slot)."""
    out = []
    for pin in plan.scenario.pins:
        engineer = plan.engineers.get(pin.engineer)
        template = next((t for t in plan.templates_for(engineer) if t.id == pin.shift), None) if engineer else None
        slot = plan.slot(engineer, template, pin.date) if engineer and template else None  # "off" has no template
        if slot is not None and not plan.excluded(slot):
            out.append(slot)
    return sorted(out, key=lambda s: (s.span.start, s.engineer))


class _PinnedOnly(Plan):
    """The plan of the pinned engineers with their pinned shifts as its only slots: the hard rules over those are the
    whole pin question, and cheap to ask even of a large team."""

    @cached_property
    def slots(self) -> list[Slot]:
        return pinned_slots(self)


def conflicts(plan: Plan | Scenario) -> list[PinConflict]:
    """Every minimal set of conflicting pins, disjoint, in engineer order; [] when the pins can all hold."""
    scenario = plan.scenario if isinstance(plan, Plan) else plan
    pinned_ids = {p.engineer for p in scenario.pins if p.shift != Pin.OFF}
    pinned = _PinnedOnly(replace(scenario, engineers=tuple(e for e in scenario.engineers if e.id in pinned_ids)))
    m = RotaModel(pinned)
    for rule in constraints.HARD_RULES:
        if rule is not constraints.pinned_shifts_are_worked:  # the pins are the assumptions instead
            rule(m)
    literal = {m.x[s].index: s for s in pinned.slots}
    found: list[PinConflict] = []
    left = sorted(literal, key=lambda i: (literal[i].engineer, literal[i].span.start))
    while left:
        core = _minimal_core(m.model, left)
        if not core:
            break
        slots = sorted((literal[i] for i in core), key=lambda s: s.span.start)
        found.append(_conflict(pinned, slots))
        left = [i for i in left if i not in core]
    return sorted(found, key=lambda c: (c.engineer, c.slots[0].span.start))


def _infeasible_core(model: cp_model.CpModel, assumed: list[int]) -> list[int] | None:
    """A set of the assumed literals that cannot hold together, or None when they all can."""
    model.clear_assumptions()
    model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in assumed])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions (and their core) need a single worker
    solver.parameters.max_time_in_seconds = 30
    status = solver.solve(model)
    model.clear_assumptions()
    if status != cp_model.INFEASIBLE:  # (an UNKNOWN keeps a pin in its set: the set still conflicts, never wrongly)
        return None
    return list(solver.sufficient_assumptions_for_infeasibility()) or list(assumed)


def _minimal_core(model: cp_model.CpModel, assumed: list[int]) -> list[int]:
    """Shrink CP-SAT's conflicting set until each of its pins is needed (deletion: drop one, still infeasible?)."""
    core = _infeasible_core(model, assumed)
    if core is None:
        return []
    for lit in list(core):
        if lit not in core:
            continue
        smaller = _infeasible_core(model, [i for i in core if i != lit])
        if smaller is not None:
            core = smaller
    return core


def _conflict(plan: Plan, slots: list[Slot]) -> PinConflict:
    engineer = plan.engineers[slots[0].engineer]
    rules = tuple(dict.fromkeys(b.detail for b in rule_breaks(plan, slots)))  # each says its rule and numbers
    return PinConflict(engineer.id, engineer.name, tuple(slots), plan.scenario.zone_of(engineer), rules)


def check_pins(scenario: Scenario) -> None:
    """Raise InfeasiblePins naming each minimal conflicting set; cheap, so run it before a long solve."""
    found = conflicts(scenario)
    if found:
        raise InfeasiblePins([str(c) for c in found])
