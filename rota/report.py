"""What a rota achieves, measured on the rota itself: cover per instant, exact gaps with reasons, per-person load.

Works from the chosen shifts only (not from solver variables), so it reports the truth of any rota.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from rota import rules
from rota.clock import Interval, iso_utc
from rota.slots import KIND_ORDER, Plan, Slot

HOUR = timedelta(hours=1)
NOT_REPRODUCIBLE = ("the wall clock, a stop or the free-running search (--fast) ended the search before its work "
                    "budget, so the same seed and workers may give another rota (summary.json: reproducible false)")
MAX_NAMED = 6  # engineers named in one gap reason before "and N more"


@dataclass(frozen=True)
class Gap:
    kind: str
    rule: str
    span: Interval
    required: int
    staffed: int
    reason: str

    @property
    def shortfall(self) -> int:
        return self.required - self.staffed


class Timeline:
    """Who is on shift in each elementary interval of the window (counts are constant inside one)."""

    def __init__(self, plan: Plan, chosen: list[Slot], extra_points: set[datetime] | None = None):
        self.plan, self.chosen = plan, chosen
        points = {plan.window.start, plan.window.end} | (extra_points or set())
        for slot in chosen:
            points.update((slot.span.start, slot.span.end))
        for req in plan.requirements:
            points.update((req.span.start, req.span.end))
        bounds = sorted(p for p in points if plan.window.start <= p <= plan.window.end)
        self.segments = [Interval(a, z) for a, z in itertools.pairwise(bounds)]
        self.starts = [seg.start for seg in self.segments]
        starts = {start: i for i, start in enumerate(self.starts)}
        self.on_shift: list[list[Slot]] = [[] for _ in self.segments]
        for slot in chosen:
            i = starts.get(max(slot.span.start, plan.window.start))
            while i is not None and i < len(self.segments) and self.segments[i].end <= slot.span.end:
                self.on_shift[i].append(slot)
                i += 1

    def count(self, i: int, who: str) -> int:
        # engineers, not shifts: a graded schedule can overlap one person's shifts (an override on a rotation)
        return len({slot.engineer for slot in self.on_shift[i] if counts_toward(self.plan, who, slot.engineer)})

    def indices(self, span: Interval) -> range:
        return range(bisect_left(self.starts, span.start), bisect_left(self.starts, span.end))


def counts_toward(plan: Plan, who: str, engineer_id: str) -> bool:
    if who == "engineers":
        return True
    if who == "seniors":
        return plan.is_senior(engineer_id)
    return plan.speaks(engineer_id, who)


def find_gaps(plan: Plan, chosen: list[Slot], timeline: Timeline | None = None) -> list[Gap]:
    """Every real shortfall, as maximal intervals of constant (required, staffed), with a reason."""
    timeline = timeline or Timeline(plan, chosen)
    pieces: dict[tuple[str, str], list[tuple[Interval, int, int, str]]] = defaultdict(list)
    for req in plan.requirements:
        for i in timeline.indices(req.span):
            staffed = timeline.count(i, req.who)
            if staffed < req.required:
                pieces[req.kind, req.rule].append((timeline.segments[i], req.required, staffed, req.who))
    gaps = []
    for (kind, rule), items in pieces.items():
        items.sort(key=lambda item: item[0].start)
        run = [items[0]]
        for item in items[1:]:
            last = run[-1]
            if item[0].start == last[0].end and item[1:3] == last[1:3]:
                run.append(item)
            else:
                gaps.append(_gap(plan, chosen, kind, rule, run))
                run = [item]
        gaps.append(_gap(plan, chosen, kind, rule, run))
    return sorted(gaps, key=lambda g: (KIND_ORDER.index(g.kind), g.rule, g.span.start))


def _gap(plan: Plan, chosen: list[Slot], kind: str, rule: str, run: list) -> Gap:
    span = Interval(run[0][0].start, run[-1][0].end)
    _, required, staffed, who = run[0]
    return Gap(kind, rule, span, required, staffed, explain(plan, chosen, span, who))


# ---- reasons ---------------------------------------------------------------------------------------------------


def explain(plan: Plan, chosen: list[Slot], span: Interval, who: str) -> str:
    """Why nobody else of `who` covers `span`: each candidate with what kept them away, in a manager's words."""
    label = {"engineers": "engineer", "seniors": "senior"}.get(who, f"{who} speaker")
    reach = [s for s in plan.all_slots if s.span.overlaps(span) and counts_toward(plan, who, s.engineer)]
    if not [s for s in plan.all_slots if s.span.overlaps(span)]:
        return f"no shift template reaches {_hhmm(span)}: no centre has a shift at this time"
    if not reach:
        return f"no {label} in the team works a shift that reaches {_hhmm(span)}"
    mine = defaultdict(list)
    for slot in chosen:
        mine[slot.engineer].append(slot)
    on_shift = {s.engineer for s in chosen if s.span.overlaps(span)}
    by_engineer: dict[str, list[Slot]] = defaultdict(list)
    for slot in reach:
        if slot.engineer not in on_shift:
            by_engineer[slot.engineer].append(slot)
    lines = []
    for engineer_id, slots in sorted(by_engineer.items()):
        why = sorted({blocker(plan, mine[engineer_id], s) for s in slots})
        name = plan.engineers[engineer_id].name
        lines.append(f"{name} ({engineer_id}): {' / '.join(why)}")
    if not lines:
        return f"every {label} who could reach {_hhmm(span)} is already on shift for part of it"
    shown = lines[:MAX_NAMED]
    more = f"; and {len(lines) - MAX_NAMED} more" if len(lines) > MAX_NAMED else ""
    return f"{label}s who could cover it: " + "; ".join(shown) + more


def blocker(plan: Plan, worked: list[Slot], slot: Slot) -> str:
    """The first rule that keeps `slot` from being added to an engineer's rota ("free for …" if none does)."""
    found = rules.first_breach(plan, worked, slot)
    if found is not None:
        return found.text
    return f"free for {slot.shift} on {slot.date} but not chosen (the solver stopped early: give it more time)"


def _hhmm(span: Interval) -> str:
    return f"{span.start:%H:%M}–{span.end:%H:%M} UTC"


# ---- coverage per hour, per-engineer load ----------------------------------------------------------------------


def hourly_coverage(plan: Plan, chosen: list[Slot]) -> list[dict[str, object]]:
    hours = []
    t = plan.window.start
    while t < plan.window.end:
        hours.append(t)
        t += HOUR
    timeline = Timeline(plan, chosen, set(hours))
    rows = []
    for hour in hours:
        span = Interval(hour, hour + HOUR)
        idx = timeline.indices(span)
        active = [r for r in plan.requirements if r.span.overlaps(span)]
        row: dict[str, object] = {
            "hour_utc": iso_utc(hour),
            "engineers": min(timeline.count(i, "engineers") for i in idx),
            "seniors": min(timeline.count(i, "seniors") for i in idx),
        }
        for column, kind, who in (("p0_required", "p0", "seniors"),
                                  ("peak_engineers_required", "peak", "engineers"),
                                  ("peak_seniors_required", "peak", "seniors"),
                                  ("event_engineers_required", "event", "engineers"),
                                  ("event_seniors_required", "event", "seniors")):
            row[column] = max((r.required for r in active if r.kind == kind and r.who == who), default=0)
        required = sorted({r.who for r in active if r.kind == "language"})
        spoken = [{lang for s in timeline.on_shift[i] for lang in plan.engineers[s.engineer].languages} for i in idx]
        present = sorted(set.intersection(*spoken)) if spoken else []
        row["languages_required"] = ";".join(required)
        row["languages_present"] = ";".join(present)
        rows.append(row)
    return rows


def engineer_load(plan: Plan, chosen: list[Slot]) -> dict[str, dict[str, float]]:
    out = {e.id: {"shifts": 0, "hours": 0.0, "night_hours": 0.0, "weekend_shifts": 0, "holiday_shifts": 0,
                  "peak_shifts": 0} for e in plan.scenario.engineers}
    for s in chosen:
        row = out[s.engineer]
        row["shifts"] += 1
        row["hours"] += s.minutes / 60
        row["night_hours"] += s.night_minutes / 60
        row["weekend_shifts"] += int(s.weekend)
        row["holiday_shifts"] += int(bool(s.holiday))
        row["peak_shifts"] += int(s.peak)
    for row in out.values():
        row["hours"] = round(row["hours"], 2)
        row["night_hours"] = round(row["night_hours"], 2)
    return out


def fairness(plan: Plan, load: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for e in plan.scenario.engineers:
        groups[f"{e.centre}/{e.level}"].append(e.id)
    out = {}
    for group, members in sorted(groups.items()):
        out[group] = {metric: round(max(load[m][metric] for m in members) - min(load[m][metric] for m in members), 2)
                      for metric in ("hours", "night_hours", "weekend_shifts", "holiday_shifts", "peak_shifts")}
    return out


def coverage_pct(plan: Plan, gaps: list[Gap], kinds: tuple[str, ...]) -> float:
    """Share of rule-active minutes of `kinds` without a shortfall (100 when no such rule is active)."""
    if kinds == ("p0",):
        total = plan.window.minutes if any(r.kind == "p0" for r in plan.requirements) else 0
    else:
        total = sum(r.span.minutes for r in plan.requirements if r.kind in kinds)
    short = sum(g.span.minutes for g in gaps if g.kind in kinds)
    return round(100.0 * (total - short) / total, 3) if total else 100.0


COVER_KEYS = {"p0_coverage_pct": "p0", "event_coverage_pct": "event", "peak_coverage_pct": "peak",
              "language_coverage_pct": "language"}


def cover_percentages(plan: Plan, gaps: list[Gap]) -> dict[str, float]:
    """The cover shares of summary.json and a grade, each kind on its own: P0, events' and peaks' headcounts
    (engineers and seniors), and the languages of both (a language gap is not a headcount gap)."""
    return {key: coverage_pct(plan, gaps, (kind,)) for key, kind in COVER_KEYS.items()}


@dataclass(frozen=True)
class Change:
    engineer: str
    date: str  # local date ISO
    before: str  # shift id, or "" for none
    after: str


Shifts = frozenset[tuple[str, str, str]]  # (engineer, local date ISO, shift): a rota, comparable across solves


def shifts_of(chosen: list[Slot]) -> Shifts:
    return frozenset((s.engineer, s.date.isoformat(), s.shift) for s in chosen)


def diff(baseline: Shifts, new: Shifts) -> list[Change]:
    """Shifts that differ between a baseline rota and a new one, per engineer and local date."""
    before = {(e, d): s for e, d, s in baseline}
    after = {(e, d): s for e, d, s in new}
    keys = sorted(set(before) | set(after))
    return [Change(e, d, before.get((e, d), ""), after.get((e, d), "")) for e, d in keys
            if before.get((e, d)) != after.get((e, d))]


def baseline_of(assignment_rows: list[dict[str, str]]) -> Shifts:
    """A baseline from assignments.csv rows (a published or earlier rota)."""
    return frozenset((r["engineer"], r["date"], r["shift"]) for r in assignment_rows)
