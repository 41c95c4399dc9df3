"""The published rota joined with a new result: which hard rules break where the two meet.

A publish replaces the shifts of its own window and keeps every other published shift, so the rota engineers live is
the join of the two. Each new shift is weighed against the published shifts kept around it with the rule predicates
of `rota.rules` (the same ones the gap report and the grade use).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from rota import rules
from rota.clock import Interval
from rota.domain import Scenario
from rota.ical import ShiftContent
from rota.slots import Slot

NEAR_DAYS = rules.WEEK_DAYS + 7  # a new shift further than this from every kept one cannot break a rule with it


@dataclass(frozen=True)
class SeamBreak:
    engineer: str
    dates: str  # the local dates involved, "2027-03-28" or "2027-03-24 → 2027-03-30"
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.engineer} {self.dates}: {self.rule}: {self.text}"


def _slot(c: ShiftContent) -> Slot:
    return Slot(c.engineer, c.shift, date.fromisoformat(c.date), Interval(c.start, c.end), 0, False, "", False)


def breaks(scenario: Scenario, new: Iterable[ShiftContent], kept: Iterable[ShiftContent]) -> list[SeamBreak]:
    """Every hard rule the joined rota breaks between a `new` shift and the `kept` published ones, once each."""
    engineers = {e.id: e for e in scenario.engineers}
    mine: dict[str, list[Slot]] = defaultdict(list)
    theirs: dict[str, list[Slot]] = defaultdict(list)
    for c in new:
        mine[c.engineer].append(_slot(c))
    for c in kept:
        if c.engineer in engineers:
            theirs[c.engineer].append(_slot(c))
    out: dict[tuple, SeamBreak] = {}
    for engineer_id in sorted(set(mine) & set(theirs)):
        cap = scenario.weekly_cap(engineers[engineer_id])
        fixed = theirs[engineer_id]
        for slot in sorted(mine[engineer_id], key=lambda s: s.span.start):
            near = [k for k in fixed if abs((k.date - slot.date).days) <= NEAR_DAYS]
            if not near:
                continue
            joined = [*near, *(s for s in mine[engineer_id] if abs((s.date - slot.date).days) <= NEAR_DAYS)]
            days = {s.date for s in joined}
            for found in _each(scenario, near, joined, slot, cap):
                key, dates = _where(found, slot, days)
                out.setdefault((engineer_id, found.rule, key),
                               SeamBreak(engineer_id, dates, found.rule, found.text))
    return list(out.values())


def _each(scenario: Scenario, near: list[Slot], joined: list[Slot], slot: Slot, cap: float) -> Iterable[rules.Breach]:
    limits = scenario.rules
    checks = (rules.second_shift_that_day(near, slot), rules.closest_clash(near, slot, limits.min_rest_hours),
              rules.over_weekly_cap(joined, slot, cap),
              rules.too_many_days_in_a_row(joined, slot, limits.max_consecutive_days))
    return [c for c in checks if c is not None]


def _where(found: rules.Breach, slot: Slot, days: set[date]) -> tuple[object, str]:
    """A key that makes one break of a rule one entry (a week, a run, a pair), and its dates in words."""
    if found.rule == rules.WEEKLY and found.first is not None:
        last = found.first + timedelta(days=rules.WEEK_DAYS - 1)
        return found.first, f"{found.first} → {last}"
    if found.rule == rules.CONSECUTIVE:
        first = last = slot.date
        while first - timedelta(days=1) in days:
            first -= timedelta(days=1)
        while last + timedelta(days=1) in days:
            last += timedelta(days=1)
        return first, f"{first} → {last}"
    other = found.other.date if found.other is not None else slot.date
    first, last = sorted((other, slot.date))
    return (first, last), str(first) if first == last else f"{first} → {last}"
