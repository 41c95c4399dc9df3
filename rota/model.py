"""The CP-SAT model's variables and its penalty ledger; constraints live in `rota.constraints`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from ortools.sat.python import cp_model

from rota.slots import Plan, Slot

# Objective tiers in strict priority order: each is optimised with the ones before it held at their best.
# "changes" exists only when re-planning against a baseline (a published rota): cover first, then few changes.
TIERS = ("p0", "event", "peak", "holiday", "changes", "fairness")


@dataclass(frozen=True)
class Penalty:
    """One soft term: `weight * var`, with a name a person can read in the penalty report."""

    tier: str
    name: str
    var: cp_model.IntVar
    weight: int


class RotaModel:
    """Decision variables (one Boolean per slot) and the penalties that constraints add."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.model = cp_model.CpModel()
        self.x: dict[Slot, cp_model.IntVar] = {
            slot: self.model.new_bool_var(f"{slot.engineer} works {slot.shift} on {slot.date}")
            for slot in plan.slots
        }
        self.penalties: list[Penalty] = []
        self.fixed_changes = 0  # baseline shifts that can no longer be worked at all

    def penalise(self, tier: str, name: str, var: cp_model.IntVar, weight: int = 1) -> None:
        assert tier in TIERS, tier
        self.penalties.append(Penalty(tier, name, var, weight))

    def tier_expr(self, tier: str) -> cp_model.LinearExpr:
        terms = [p for p in self.penalties if p.tier == tier]
        return cp_model.LinearExpr.weighted_sum([p.var for p in terms], [p.weight for p in terms])

    def tiers_used(self) -> list[str]:
        return [t for t in TIERS if any(p.tier == t for p in self.penalties)]

    @cached_property
    def by_engineer_day(self) -> dict[tuple[str, date], list[Slot]]:
        out: dict[tuple[str, date], list[Slot]] = defaultdict(list)
        for slot in self.x:
            out[slot.engineer, slot.date].append(slot)
        return out

    def worked(self, engineer: str, day: date) -> list[cp_model.IntVar]:
        """The Booleans of `engineer`'s slots on local `day` (at most one can be true)."""
        return [self.x[s] for s in self.by_engineer_day.get((engineer, day), [])]

    @property
    def cover_index(self) -> list[list[Slot]]:
        """For each segment of the plan, the slots on shift during all of it."""
        return self.plan.cover_index

    def segment_range(self, start: datetime, end: datetime) -> range:
        return self.plan.segment_range(start, end)
