"""A constructive first rota: every hard rule met, cover added greedily in strict priority order, in about a second.

It starts from the pins-only rota, then for P0, then events, then peaks (each with its languages) walks the
requirement's segments in time order and, wherever one is short, adds the shift of the least loaded engineer who may
still work it (preferring shifts that reach furthest into the requirement and, under `public_holidays = "avoid"`,
a colleague for whom the day is no holiday). A higher tier is settled before a lower one takes anyone's hours, so the
rota is a sound lexicographic starting point: every solve begins from it and only ever improves on it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from rota import fairness
from rota.slots import Plan, Requirement, Slot

# The order cover is settled in; a language rule belongs to the event or peak it comes from.
TIER_ORDER = ("p0", "event", "peak")
LOAD_BUCKETS = 20  # engineers whose loads are within 1/20 of their availability count as equally loaded


@dataclass(frozen=True)
class FirstRota:
    chosen: list[Slot]
    short_minutes: dict[str, int]  # tier -> requirement-minutes still short (the model's cover penalties)


class Roster:
    """One engineer's shifts so far, with the checks a new shift must pass (the model's hard rules)."""

    def __init__(self, plan: Plan, engineer_id: str):
        rules = plan.scenario.rules
        self.rest = timedelta(hours=rules.min_rest_hours)
        self.rest_days = math.ceil(rules.min_rest_hours / 24) + 2
        self.cap = math.floor(plan.scenario.weekly_cap(plan.engineers[engineer_id]) * 60 + 1e-9)
        self.max_run = rules.max_consecutive_days
        self.by_day: dict[date, Slot] = {}
        for fact in plan.past.get(engineer_id, ()):  # published shifts at the seams: in the rules, not in the load
            self.by_day.setdefault(fact.date, fact)
        self.minutes = 0

    def allows(self, slot: Slot) -> bool:
        if slot.date in self.by_day:
            return False
        return self._rested(slot) and self._under_cap(slot) and self._run(slot.date) <= self.max_run

    def _rested(self, slot: Slot) -> bool:
        for offset in range(-self.rest_days, self.rest_days + 1):
            other = self.by_day.get(slot.date + timedelta(days=offset))
            if other is None:
                continue
            first, second = sorted((slot, other), key=lambda s: (s.span.start, s.shift))
            if second.span.start < first.span.end + self.rest:
                return False
        return True

    def _under_cap(self, slot: Slot) -> bool:
        daily = [self.by_day[d].minutes if d in self.by_day else 0
                 for d in (slot.date + timedelta(days=k) for k in range(-6, 7))]
        daily[6] = slot.minutes
        week = sum(daily[:7])
        for start in range(7):  # the seven 7-day windows that contain slot.date
            if week > self.cap:
                return False
            if start < 6:
                week += daily[start + 7] - daily[start]
        return True

    def _run(self, day: date) -> int:
        run, d = 1, day
        while (d := d - timedelta(days=1)) in self.by_day:
            run += 1
        d = day
        while (d := d + timedelta(days=1)) in self.by_day:
            run += 1
        return run

    def add(self, slot: Slot) -> None:
        self.by_day[slot.date] = slot
        self.minutes += slot.minutes

    def remove(self, slot: Slot) -> None:
        del self.by_day[slot.date]
        self.minutes -= slot.minutes


def _preference(slot: Slot, load: float, reach: float, holidays_cost: bool) -> tuple:
    """Sort key, best first: no avoidable holiday, the least loaded, the furthest reach into the requirement."""
    return (holidays_cost and bool(slot.holiday), int(load * LOAD_BUCKETS), -reach, load, slot.engineer)


def tier_of(plan: Plan, req: Requirement) -> str:
    """The cover tier a requirement is settled in (a language rule goes with its event or peak)."""
    if req.kind != "language":
        return req.kind
    event_ids = {e.id for e in plan.scenario.events}
    return "event" if req.rule.split(":", 1)[0] in event_ids else "peak"


def first_rota(plan: Plan, keep: Collection[Slot] = ()) -> FirstRota:
    """The pins-only rota, then each shift of `keep` (a rota to stay close to) that the rules still allow, then cover
    added greedily by tier; deterministic, no clock involved."""
    holidays_cost = plan.scenario.rules.public_holidays == "avoid"
    rosters = {e: Roster(plan, e) for e in plan.engineers}
    availability = {e: max(1e-9, fairness.availability(plan, e) * 60) for e in plan.engineers}
    cover = plan.cover_index
    segments = plan.segments
    slot_segments = plan.slot_segments
    languages = {r.who for r in plan.requirements if r.kind == "language"}
    staffed: dict[str, list[int]] = defaultdict(lambda: [0] * len(segments))
    chosen: list[Slot] = []

    def whos(slot: Slot) -> list[str]:
        out = ["engineers"] + (["seniors"] if plan.is_senior(slot.engineer) else [])
        return out + [lang for lang in plan.engineers[slot.engineer].languages if lang in languages]

    def add(slot: Slot) -> None:
        rosters[slot.engineer].add(slot)
        chosen.append(slot)
        for who in whos(slot):
            counts = staffed[who]
            for i in slot_segments[slot]:
                counts[i] += 1

    pinned = {(slot.engineer, slot.date) for slot in plan.slots if plan.pins.get((slot.engineer, slot.date))}
    for slot in plan.slots:
        if (slot.engineer, slot.date) in pinned and plan.pins[slot.engineer, slot.date] == slot.shift:
            add(slot)

    for slot in keep:
        if (slot.engineer, slot.date) not in pinned and rosters[slot.engineer].allows(slot):
            add(slot)

    def counts(req: Requirement, slot: Slot) -> bool:
        if req.who == "engineers":
            return True
        if req.who == "seniors":
            return plan.is_senior(slot.engineer)
        return plan.speaks(slot.engineer, req.who)

    by_tier: dict[str, list[Requirement]] = defaultdict(list)
    for req in plan.requirements:
        by_tier[tier_of(plan, req)].append(req)
    for tier in TIER_ORDER:
        for req in sorted(by_tier[tier], key=lambda r: (r.span.start, r.rule)):
            need = staffed[req.who]
            for i in plan.segment_range(req.span.start, req.span.end):
                if need[i] >= req.required:
                    continue
                seg_start = segments[i].start
                candidates = [s for s in cover[i] if (s.engineer, s.date) not in pinned and counts(req, s)]
                ranked = sorted(candidates, key=lambda s: _preference(s, rosters[s.engineer].minutes / availability[
                    s.engineer], (min(s.span.end, req.span.end) - seg_start).total_seconds(), holidays_cost))
                for slot in ranked:
                    if need[i] >= req.required:
                        break
                    if rosters[slot.engineer].allows(slot):
                        add(slot)
    # Prune: a shift every requirement it counts for can spare is a needless handoff (a segment greedy added it for
    # may since be covered by later, longer-reaching shifts). Removing shifts breaks no hard rule.
    required: dict[str, list[int]] = defaultdict(lambda: [0] * len(segments))
    for req in plan.requirements:
        need = required[req.who]
        for i in plan.segment_range(req.span.start, req.span.end):
            need[i] = max(need[i], req.required)
    fixed = pinned | {(s.engineer, s.date) for s in keep}
    pruned: set[Slot] = set()
    for slot in sorted(chosen, key=lambda s: (not (holidays_cost and s.holiday),
                                              -rosters[s.engineer].minutes / availability[s.engineer],
                                              s.span.start, s.engineer)):
        if (slot.engineer, slot.date) in fixed:
            continue
        groups = whos(slot)
        if all(staffed[who][i] > required[who][i] for who in groups for i in slot_segments[slot]):
            for who in groups:
                for i in slot_segments[slot]:
                    staffed[who][i] -= 1
            rosters[slot.engineer].remove(slot)
            pruned.add(slot)
    chosen = [s for s in chosen if s not in pruned]
    short: dict[str, int] = dict.fromkeys(TIER_ORDER, 0)
    for req in plan.requirements:
        need = staffed[req.who]
        for i in plan.segment_range(req.span.start, req.span.end):
            short[tier_of(plan, req)] += max(0, req.required - need[i]) * segments[i].minutes
    chosen.sort(key=lambda s: (s.span.start, s.engineer))
    return FirstRota(chosen, short)
