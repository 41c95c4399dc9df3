"""Fair shares: what each engineer's part of their group's work should be, and how far a rota is from it.

A group is a centre and level. Its totals (hours, night, weekend, holiday and peak shifts) come from a rota whose
cover is settled; each member's share is proportional to their availability (local days not away × weekly cap),
so a 40 h contract or a week off is not "unfair". Hours within half a shift of the share, and counts at the share
rounded either way, cost nothing; beyond that every minute or shift costs its weight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from rota.clock import local_dates
from rota.slots import Plan, Slot

WEIGHTS = {"hours": 1, "night_shifts": 30, "weekend_shifts": 60, "holiday_shifts": 120, "peak_shifts": 20}
NIGHT_SHIFT_MINUTES = 120  # a shift with at least this much of local 22:00–06:00 counts as a night shift

Band = tuple[int, int]  # (low, high): the load that costs nothing


def metric(slot: Slot, name: str) -> int:
    if name == "hours":
        return slot.minutes
    if name == "night_shifts":
        return int(slot.night_minutes >= NIGHT_SHIFT_MINUTES)
    if name == "weekend_shifts":
        return int(slot.weekend)
    if name == "holiday_shifts":
        return int(bool(slot.holiday))
    return int(slot.peak)


def groups(plan: Plan) -> list[list[str]]:
    """Engineers by centre and level, groups of two or more (a group of one has nobody to be fair to)."""
    out: dict[str, list[str]] = defaultdict(list)
    for e in plan.scenario.engineers:
        out[f"{e.centre}/{e.level}"].append(e.id)
    return [members for members in out.values() if len(members) > 1]


def availability(plan: Plan, engineer_id: str) -> float:
    engineer = plan.engineers[engineer_id]
    days = local_dates(plan.window, plan.scenario.zone_of(engineer))
    present = sum(1 for d in days if plan.unavailable(engineer, d) in ("", "pinned off"))
    return present * plan.scenario.weekly_cap(engineer)


def lookback(plan: Plan, engineer_id: str) -> list[Slot]:
    """The engineer's published shifts in the look-back before the window (they count towards fair shares)."""
    return [s for s in plan.past.get(engineer_id, ()) if s.span.start < plan.window.start]


def lookback_availability(plan: Plan, engineer_id: str) -> float:
    """Availability over the look-back, from the engineer's first published shift in it (someone who joined last
    month owes nothing for the months before), less the leave the scenario still lists."""
    carried = lookback(plan, engineer_id)
    if not carried:
        return 0.0
    engineer = plan.engineers[engineer_id]
    first = min(s.date for s in carried)
    last = local_dates(plan.window, plan.scenario.zone_of(engineer))[0] - timedelta(days=1)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    present = sum(1 for d in days if (engineer_id, d) not in plan.leave)
    return present * plan.scenario.weekly_cap(engineer)


def bands(plan: Plan, members: list[str], chosen: Iterable[Slot]) -> dict[tuple[str, str], Band]:
    """Each member's cost-free band per metric in the window, from the group's totals in `chosen` and, with a
    published history, in the look-back too: what an engineer carried in earlier windows comes off their share."""
    mine = [s for s in chosen if s.engineer in set(members)]
    weights = [availability(plan, e) + lookback_availability(plan, e) for e in members]
    carried = {e: loads(lookback(plan, e)) for e in members}
    whole = max(1e-9, sum(weights))
    lengths = [s.minutes for e in members for s in plan.slots_by_engineer.get(e, [])]
    half_shift = (sum(lengths) // len(lengths)) // 2 if lengths else 0
    out: dict[tuple[str, str], Band] = {}
    for name in WEIGHTS:
        total = sum(metric(s, name) for s in mine) + sum(carried[e][name] for e in members)
        for e, w in zip(members, weights, strict=True):
            share = max(0.0, total * w / whole - carried[e][name])
            out[e, name] = ((max(0, round(share) - half_shift), round(share) + half_shift) if name == "hours"
                            else (int(share), -int(-share // 1)))
    return out


def cost(load: dict[str, int], band: dict[str, Band]) -> int:
    """The fairness cost of one engineer's loads against their bands."""
    return sum(WEIGHTS[n] * (max(0, load[n] - band[n][1]) + max(0, band[n][0] - load[n])) for n in WEIGHTS)


def loads(slots: Iterable[Slot]) -> dict[str, int]:
    out = dict.fromkeys(WEIGHTS, 0)
    for s in slots:
        for n in WEIGHTS:
            out[n] += metric(s, n)
    return out


def fewest_shifts(plan: Plan, short_minutes: int = 0) -> int:
    """A lower bound on the shifts any rota needs to leave at most `short_minutes` person-minutes of cover short.

    At every instant the team on shift must be at least as large as the largest requirement then (a senior or a
    speaker is an engineer too), and no shift is on for longer than the longest one: so the person-minutes required,
    less those allowed short, divided by that length. It ignores every hard rule, so it is a true relaxation.
    """
    if not plan.slots:
        return 0
    need = [0] * len(plan.segments)
    for req in plan.requirements:
        for i in plan.segment_range(req.span.start, req.span.end):
            need[i] = max(need[i], req.required)
    minutes = sum(n * seg.minutes for n, seg in zip(need, plan.segments, strict=True))
    longest = max(min(s.span.end, plan.window.end) - max(s.span.start, plan.window.start) for s in plan.slots)
    return max(0, -(-(minutes - short_minutes) // int(longest.total_seconds() // 60)))
