"""The hard rules, each written once: would adding a shift to an engineer's worked shifts break it, and by how much.

Pure functions on plain objects (Slots, a Plan's leave, pins and holidays, numbers), each answering with a Breach: the
rule, a reason a manager reads, and the numbers. The gap report's reasons (`report.blocker`), the UI's suggestions
(`views.relaxations`) and the grade of a schedule made elsewhere (`grade.rule_breaks`) all ask these, so they cannot
disagree. The CP-SAT model (`rota.constraints`) states the same rules as constraints and takes its arithmetic from
here; the independent checker (`rota.checker`) keeps its own copy on purpose.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rota.clock import iso_utc
from rota.domain import Engineer, Pin, ShiftTemplate

if TYPE_CHECKING:
    from rota.slots import Plan, Slot

LEAVE, PIN, HOLIDAY = "leave", "pin", "holiday"
ONE_A_DAY, OVERLAP, REST = "one shift a day", "overlap", "rest"
WEEKLY, CONSECUTIVE = "weekly hours", "consecutive days"
ORDER = (LEAVE, PIN, HOLIDAY, ONE_A_DAY, OVERLAP, REST, WEEKLY, CONSECUTIVE)  # the order reasons are given in
WEEK_DAYS = 7


@dataclass(frozen=True)
class Breach:
    """One hard rule a shift would break: which, why (in a manager's words), and the numbers behind it."""

    rule: str  # one of ORDER
    text: str
    value: float = 0.0  # what the rota would have: hours of rest, hours in the week, days in a row
    limit: float = 0.0  # what the rule allows
    other: Slot | None = None  # the worked shift it clashes with (one a day, overlap, rest)
    first: date | None = None  # weekly hours: the first local day of the heaviest 7-day window


def _hours(value: float) -> str:
    return f"{round(value, 2):g}"


# ---- where and when an engineer may work at all ----------------------------------------------------------------


def offers(engineer: Engineer, template: ShiftTemplate) -> bool:
    """Only the shifts offered at the engineer's centre."""
    return engineer.centre in template.centres


def unavailable(plan: Plan, engineer: str, day: date) -> list[Breach]:
    """What keeps `engineer` from working at all on local `day`: leave, a pin to "off", a public holiday under "off"."""
    out = []
    if (engineer, day) in plan.leave:
        out.append(Breach(LEAVE, f"on leave ({plan.leave[engineer, day]})"))
    if plan.pins.get((engineer, day)) == Pin.OFF:
        out.append(Breach(PIN, "pinned off"))
    holiday = plan.holidays[plan.engineers[engineer].centre].get(day)
    if holiday and plan.scenario.rules.public_holidays == "off":
        out.append(Breach(HOLIDAY, f"public holiday ({holiday})"))
    return out


def availability(plan: Plan, slot: Slot) -> list[Breach]:
    """`unavailable`, and a pin to another shift that day."""
    out = unavailable(plan, slot.engineer, slot.date)
    pinned = plan.pins.get((slot.engineer, slot.date))
    if pinned and pinned not in (Pin.OFF, slot.shift):
        published = (slot.engineer, slot.date) in plan.published
        out.append(Breach(PIN, f"published with {pinned} that day" if published else f"pinned to {pinned}"))
    clash = closest_clash(plan.near_past(slot.engineer, slot.date, 2), slot, plan.scenario.rules.min_rest_hours)
    if clash is not None:  # a published shift outside the window is a fact: nothing in the plan can move it
        out.append(replace(clash, text=f"{clash.text} (published)"))
    return out


# ---- the shifts worked around it ---------------------------------------------------------------------------------


def second_shift_that_day(worked: Iterable[Slot], slot: Slot) -> Breach | None:
    """At most one shift per local day."""
    same = [w for w in worked if w.date == slot.date and w != slot]
    if not same:
        return None
    return Breach(ONE_A_DAY, f"works {same[0].shift} that day", len(same) + 1, 1, same[0])


def min_rest(hours: float) -> timedelta:
    return timedelta(hours=hours)


def too_close(worked: Slot, slot: Slot, rest_hours: float) -> Breach | None:
    """No overlap, and at least `rest_hours` of real time (not wall time: a DST night has 23 or 25 h) between them."""
    a, b = worked.span, slot.span
    if a.overlaps(b):
        return Breach(OVERLAP, f"overlaps {worked.shift} {iso_utc(a.start)}–{iso_utc(a.end)}", other=worked)
    if a.end <= b.start:
        rest, text = b.start - a.end, f"rest after {worked.shift} ending {iso_utc(a.end)}"
    else:
        rest, text = a.start - b.end, f"rest before {worked.shift} starting {iso_utc(a.start)}"
    if rest >= min_rest(rest_hours):
        return None
    hours = rest.total_seconds() / 3600
    return Breach(REST, f"{text} ({_hours(hours)} h, at least {rest_hours:g} h)", hours, rest_hours, worked)


def closest_clash(worked: Iterable[Slot], slot: Slot, rest_hours: float) -> Breach | None:
    """The worst of `too_close` against every worked shift: an overlap, else the shortest rest."""
    clashes = [b for w in worked if w != slot and (b := too_close(w, slot, rest_hours))]
    return min(clashes, key=lambda b: (b.rule != OVERLAP, b.value), default=None)


def cap_minutes(cap_hours: float) -> int:
    """A weekly cap in whole minutes: never above the cap (33.33 h → 1999), and exact where floating point puts
    hours * 60 a hair below a whole number (32.8 h is 1968 minutes, not 1967)."""
    return math.floor(cap_hours * 60 + 1e-9)


def heaviest_week(worked: Iterable[Slot], slot: Slot, starting_from: date | None = None) -> tuple[date, int] | None:
    """Of the 7-day windows of local days that contain `slot`'s day (and start on `starting_from` or later): the
    first day and the minutes of the heaviest (the latest-starting of equals); None if no window is left."""
    minutes: dict[date, int] = defaultdict(int)
    for w in worked:
        if w != slot:
            minutes[w.date] += w.minutes
    minutes[slot.date] += slot.minutes
    windows = [slot.date - timedelta(days=k) for k in range(WEEK_DAYS)]  # the latest start first
    windows = [first for first in windows if starting_from is None or first >= starting_from]
    totals = [(sum(minutes.get(first + timedelta(days=d), 0) for d in range(WEEK_DAYS)), first) for first in windows]
    if not totals:
        return None
    best = max(total for total, _ in totals)
    return next(first for total, first in totals if total == best), best


def over_weekly_cap(worked: Iterable[Slot], slot: Slot, cap_hours: float,
                    starting_from: date | None = None) -> Breach | None:
    """No more than the engineer's weekly cap in any 7 consecutive local days (those from `starting_from` on)."""
    heaviest = heaviest_week(worked, slot, starting_from)
    if heaviest is None or heaviest[1] <= cap_minutes(cap_hours):
        return None
    first, minutes = heaviest
    return Breach(WEEKLY, f"weekly hours ({_hours(minutes / 60)} h > {cap_hours:g} h in the 7 days from {first})",
                  minutes / 60, cap_hours, first=first)


def run_length(days: set[date], day: date) -> int:
    """How many local days in a row `day` makes with the days already worked around it."""
    run, d = 1, day
    while (d := d - timedelta(days=1)) in days:
        run += 1
    d = day
    while (d := d + timedelta(days=1)) in days:
        run += 1
    return run


def too_many_days_in_a_row(worked: Iterable[Slot], slot: Slot, max_days: int) -> Breach | None:
    """No more than `max_days` consecutive local days worked."""
    run = run_length({w.date for w in worked if w != slot}, slot.date)
    if run <= max_days:
        return None
    return Breach(CONSECUTIVE, f"consecutive days ({run} > {max_days})", run, max_days)


def _each_breach(plan: Plan, worked: list[Slot], slot: Slot) -> Iterator[Breach]:
    yield from availability(plan, slot)
    rules = plan.scenario.rules
    cap = plan.scenario.weekly_cap(plan.engineers[slot.engineer])
    seam = [*worked, *plan.near_past(slot.engineer, slot.date, WEEK_DAYS + rules.max_consecutive_days)]
    checks: tuple[Callable[[], Breach | None], ...] = (
        lambda: second_shift_that_day(worked, slot),
        lambda: closest_clash(worked, slot, rules.min_rest_hours),
        lambda: over_weekly_cap(seam, slot, cap),
        lambda: too_many_days_in_a_row(seam, slot, rules.max_consecutive_days),
    )
    for check in checks:
        if (found := check()) is not None:
            yield found


def breaches(plan: Plan, worked: list[Slot], slot: Slot) -> list[Breach]:
    """Every hard rule that adding `slot` to the engineer's `worked` shifts breaks, in ORDER (empty: it may be)."""
    return list(_each_breach(plan, worked, slot))


def first_breach(plan: Plan, worked: list[Slot], slot: Slot) -> Breach | None:
    """The first of `breaches` (the others are not computed)."""
    return next(_each_breach(plan, worked, slot), None)
