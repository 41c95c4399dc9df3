"""One function per rule, named for what it forbids or wants. Hard rules add constraints; soft ones add penalties.

Leave, `public_holidays = "off"` and pins to another shift never reach the model: `Plan.slots` drops those slots,
and `Plan.excluded` says why (the gap report quotes it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from ortools.sat.python import cp_model

from rota import fairness, rules
from rota.clock import local_dates
from rota.model import RotaModel
from rota.slots import Requirement, Slot

# ---- hard rules ------------------------------------------------------------------------------------------------


def at_most_one_shift_per_local_day(m: RotaModel) -> None:
    for slots in m.by_engineer_day.values():
        if len(slots) > 1:
            m.model.add_at_most_one(m.x[s] for s in slots)


def no_shift_within_rest_of_another(m: RotaModel) -> None:
    """Forbids two shifts of one engineer closer than `min_rest_hours` (end to start, real time) or overlapping."""
    rest = rules.min_rest(m.plan.scenario.rules.min_rest_hours)
    for slots in m.plan.slots_by_engineer.values():  # sorted by start
        for i, first in enumerate(slots):
            for second in slots[i + 1:]:
                if second.span.start >= first.span.end + rest:
                    break
                if second.date != first.date:  # same day: already at most one
                    m.model.add_bool_or([m.x[first].Not(), m.x[second].Not()])


def no_more_than_weekly_hours(m: RotaModel) -> None:
    """Forbids more than the engineer's weekly cap in any 7 consecutive local days, published shifts at the seams
    included (they are constants: fixed facts outside the window)."""
    for engineer_id, slots in m.plan.slots_by_engineer.items():
        engineer = m.plan.engineers[engineer_id]
        cap_minutes = rules.cap_minutes(m.plan.scenario.weekly_cap(engineer))
        by_day: dict[date, list[Slot]] = defaultdict(list)
        for s in slots:
            by_day[s.date].append(s)
        days = sorted(by_day)
        if not days:
            continue
        fixed: dict[date, int] = defaultdict(int)
        for s in m.plan.near_past(engineer_id, days[0], (days[-1] - days[0]).days + rules.WEEK_DAYS):
            fixed[s.date] += s.minutes
        first = days[0] - timedelta(days=6)
        for offset in range((days[-1] - first).days + 1):
            start = first + timedelta(days=offset)
            week_days = [start + timedelta(days=d) for d in range(rules.WEEK_DAYS)]
            week = [s for d in week_days for s in by_day.get(d, [])]
            room = cap_minutes - sum(fixed.get(d, 0) for d in week_days)
            if not week or _fits(week, room):  # even the longest shift every day stays under the cap
                continue
            m.model.add(sum(s.minutes * m.x[s] for s in week) <= max(0, room))


def _fits(week: list[Slot], cap_minutes: int) -> bool:
    """True when even the longest shift on every day of the week stays under the cap (no constraint needed)."""
    longest: dict[date, int] = defaultdict(int)
    for s in week:
        longest[s.date] = max(longest[s.date], s.minutes)
    return sum(longest.values()) <= cap_minutes


def no_more_than_consecutive_days(m: RotaModel) -> None:
    """Forbids working more than `max_consecutive_days` local days in a row, counting the published days worked
    just before and after the window."""
    limit = m.plan.scenario.rules.max_consecutive_days
    for engineer in m.plan.scenario.engineers:
        tz = m.plan.scenario.zone_of(engineer)
        days = local_dates(m.plan.window, tz, pad=1)
        fixed = {s.date for s in m.plan.near_past(engineer.id, days[0], len(days) + limit)}
        first, last = days[0] - timedelta(days=limit), days[-1]
        for offset in range((last - first).days + 1):
            run_days = [first + timedelta(days=offset + k) for k in range(limit + 1)]
            run = [v for d in run_days for v in m.worked(engineer.id, d)]
            if not run:
                continue
            worked_fixed = sum(1 for d in run_days if d in fixed)
            possible = worked_fixed + sum(1 for d in run_days if d not in fixed and m.worked(engineer.id, d))
            if possible > limit:
                m.model.add(sum(run) <= max(0, limit - worked_fixed))


def pinned_shifts_are_worked(m: RotaModel) -> None:
    """A pinned shift is worked (other shifts that day and pinned-off days are already excluded from the plan)."""
    for (engineer, day), shift in m.plan.pins.items():
        for slot in m.by_engineer_day.get((engineer, day), []):
            if slot.shift == shift:
                m.model.add(m.x[slot] == 1)


HARD_RULES = (
    at_most_one_shift_per_local_day,
    no_shift_within_rest_of_another,
    no_more_than_weekly_hours,
    no_more_than_consecutive_days,
    pinned_shifts_are_worked,
)

# ---- soft rules: cover -----------------------------------------------------------------------------------------


def _counts_toward(m: RotaModel, req: Requirement, slot: Slot) -> bool:
    if req.who == "engineers":
        return True
    if req.who == "seniors":
        return m.plan.is_senior(slot.engineer)
    return m.plan.speaks(slot.engineer, req.who)


def cover_is_short(m: RotaModel, kind: str) -> None:
    """Wants every requirement of `kind` met at every instant; a shortfall costs its length in minutes.

    A shortfall counts in the requirement's tier: a language in its event's or its peak's (strict priorities: P0, then
    events with their languages, then peaks with theirs).
    """
    for req in m.plan.requirements:
        if req.kind != kind:
            continue
        for i in m.segment_range(req.span.start, req.span.end):
            segment = m.plan.segments[i]
            staff = [m.x[s] for s in m.cover_index[i] if _counts_toward(m, req, s)]
            short = m.model.new_int_var(0, req.required, f"{req.rule} short {segment.start:%m-%d %H:%M}")
            m.model.add(sum(staff) + short >= req.required)
            m.penalise(req.tier, short.name, short, segment.minutes)


# ---- soft rules: holidays and fairness -------------------------------------------------------------------------


def holiday_work_when_avoidable(m: RotaModel) -> None:
    """Under `public_holidays = "avoid"`, each holiday shift costs: it is worked only where cover needs it."""
    if m.plan.scenario.rules.public_holidays != "avoid":
        return
    for slot, var in m.x.items():
        if slot.holiday:
            m.penalise("holiday", f"{slot.engineer} works {slot.holiday} {slot.date}", var)


HANDOFF_WEIGHT = 20  # each shift is a handoff: fewer, longer-lived assignments are calmer
PATTERN_CHANGE_WEIGHT = 10  # a different shift on the next day


def many_handoffs(m: RotaModel) -> None:
    """Each shift is a handoff; among rotas equally good above, prefer fewer of them (no needless extra cover)."""
    total = m.model.new_int_var(0, len(m.x), "shifts worked")
    m.model.add(total == sum(m.x.values()))
    m.penalise("fairness", "shifts worked (handoffs)", total, HANDOFF_WEIGHT)


def unstable_patterns(m: RotaModel) -> None:
    """Wants the same shift on consecutive working days: a change costs."""
    for (engineer, day), slots in m.by_engineer_day.items():
        following = m.by_engineer_day.get((engineer, day + timedelta(days=1)), [])
        if not following or len({s.shift for s in slots + following}) < 2:
            continue
        change = m.model.new_bool_var(f"{engineer} changes shift after {day}")
        for s in slots:
            others = [m.x[t] for t in following if t.shift != s.shift]
            if others:
                m.model.add(m.x[s] + sum(others) - 1 <= change)
        m.penalise("fairness", change.name, change, PATTERN_CHANGE_WEIGHT)


Baseline = frozenset[tuple[str, str, str]]  # (engineer, local date ISO, shift) of a rota to stay close to


def changes_from_baseline(m: RotaModel, baseline: Baseline) -> None:
    """Wants the baseline rota kept. One change is one engineer's local day whose shift differs, as `report.diff`
    counts them and a calendar shows them (a shift moved within a day is one changed event): the baseline's shift not
    worked, or a shift worked on a day the baseline left free."""
    kept = {(e, d): s for e, d, s in baseline}
    for (engineer, day), slots in m.by_engineer_day.items():
        was = kept.get((engineer, day.isoformat()))
        if was is None:
            for slot in slots:  # at most one of them is worked
                m.penalise("changes", f"{engineer} gets {slot.shift} on {day}", m.x[slot])
            continue
        for slot in slots:
            if slot.shift == was:  # working another shift that day leaves this one unworked: the same one change
                dropped = m.model.new_bool_var(f"{engineer} loses {was} on {day}")
                m.model.add(dropped == 1 - m.x[slot])
                m.penalise("changes", dropped.name, dropped)
    for (engineer, day_iso), shift in kept.items():
        present = any(s.shift == shift for s in m.by_engineer_day.get((engineer, date.fromisoformat(day_iso)), []))
        if not present:  # the baseline shift cannot be worked any more (leave, pin, template gone): a fixed change
            m.fixed_changes += 1


class Stopped(Exception):
    """Building the model was stopped (its time ran out first)."""


def build(m: RotaModel, baseline: Baseline | None = None,
          should_stop: Callable[[], bool] | None = None) -> RotaModel:
    """Compose every rule into the model (fair shares come later: `load_away_from_fair_share`).

    `should_stop` is asked between rules: on a large team building takes seconds, and a time limit covers it too.
    """
    steps: list[Callable[[], None]] = [partial(rule, m) for rule in HARD_RULES]
    steps += [partial(cover_is_short, m, kind) for kind in ("p0", "event", "peak", "language")]
    steps.append(partial(holiday_work_when_avoidable, m))
    if baseline is not None:
        steps.append(partial(changes_from_baseline, m, baseline))
    steps += [partial(many_handoffs, m), partial(unstable_patterns, m)]
    for step in steps:
        if should_stop is not None and should_stop():
            raise Stopped
        step()
    return m


# ---- fairness as fair shares (tight: zero deviation is usually reachable, so the bound means something) ---------


def load_away_from_fair_share(m: RotaModel, values: dict[Slot, int]) -> list[tuple[list[str], dict]]:
    """Wants each engineer's hours, night, weekend, holiday and peak shifts within their fair-share band; returns
    each group's members and bands.

    The bands (rota.fairness) come from the group totals of the rota found so far (`values`: cover is settled);
    every minute or shift outside a band costs its weight.
    """
    chosen = [s for s, v in values.items() if v]
    out = []
    for members in fairness.groups(m.plan):
        band = fairness.bands(m.plan, members, chosen)
        out.append((members, band))
        for e in members:
            slots = m.plan.slots_by_engineer.get(e, [])
            for name, weight in fairness.WEIGHTS.items():
                terms = [(fairness.metric(s, name), m.x[s]) for s in slots if fairness.metric(s, name)]
                if not terms:
                    continue
                low, high = band[e, name]
                load = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
                upper = sum(c for c, _ in terms)
                over = m.model.new_int_var(0, max(0, upper - high), f"{e} {name} above fair share")
                under = m.model.new_int_var(0, max(0, low), f"{e} {name} below fair share")
                m.model.add(load - high <= over)
                m.model.add(low - load <= under)
                m.penalise("fairness", over.name, over, weight)
                m.penalise("fairness", under.name, under, weight)
    return out
