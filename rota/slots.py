"""Expand a scenario into real time: the shifts each engineer could work, and the cover that is required.

Everything the solver, the gap report and the pre-check need is computed here once, in UTC, from local wall time.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from rota import rules
from rota.calendar import public_holidays
from rota.clock import (
    Interval,
    event_window,
    local_dates,
    night_minutes,
    peak_occurrences,
    shift_interval,
    window,
)
from rota.domain import Engineer, Scenario, ShiftTemplate


@dataclass(frozen=True)
class Slot:
    """A shift an engineer could work: template `shift` from local date `date`."""

    engineer: str
    shift: str
    date: date
    span: Interval
    night_minutes: int
    weekend: bool
    holiday: str  # the public holiday's name, or ""
    peak: bool  # overlaps a peak occurrence

    @property
    def minutes(self) -> int:
        return self.span.minutes


@dataclass(frozen=True)
class Requirement:
    """A cover rule over an interval: at least `required` of `who` on shift ("engineers", "seniors", or a language)."""

    kind: str  # p0 | event | peak | language
    rule: str  # "p0", "<id>:engineers", "<id>:seniors", "<id>:<lang>"
    span: Interval
    required: int
    who: str
    tier: str = ""  # the objective tier it counts in: its kind, but a language in the tier of its event or peak

    def __post_init__(self) -> None:
        if not self.tier:
            object.__setattr__(self, "tier", self.kind)


KIND_ORDER = ("p0", "event", "peak", "language")


class Plan:
    """A scenario laid out in real time. Cheap to build; heavy parts are cached."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.window = window(scenario.start, scenario.days)
        self.engineers = {e.id: e for e in scenario.engineers}

    @cached_property
    def holidays(self) -> dict[str, dict[date, str]]:
        """Public holidays per centre over the local dates that can meet the window."""
        out = {}
        for centre in self.scenario.centres:
            dates = local_dates(self.window, centre.timezone, pad=1)
            out[centre.id] = public_holidays(centre, dates[0], dates[-1])
        return out

    @cached_property
    def leave(self) -> dict[tuple[str, date], str]:
        return {(lv.engineer, d): lv.reason or "leave" for lv in self.scenario.leave for d in lv.days()}

    @cached_property
    def pins(self) -> dict[tuple[str, date], str]:
        """The scenario's pins, and the days the published rota outside the window already decides."""
        return {(p.engineer, p.date): p.shift for p in self.scenario.pins} | self.published

    @cached_property
    def published(self) -> dict[tuple[str, date], str]:
        """Engineer-days the published rota outside the window already decides: the shift published that day. A shift
        the plan could start the day before its window belongs to the window it was published in: kept as it is."""
        history = self.scenario.history
        if history is None:
            return {}
        held = {(s.engineer, s.shift, s.date, s.span): s for s in self.all_slots}
        out = {}
        for p in history.shifts:
            if p.engineer not in self.engineers:
                continue
            slot = held.get((p.engineer, p.shift, p.date, Interval(p.start, p.end)))
            if slot is not None and self._breaks_new_rules(slot):
                continue  # rules changed since it was published: not forced (publishing keeps it; the seam check says)
            out[p.engineer, p.date] = p.shift
        return out

    def _breaks_new_rules(self, slot: Slot) -> bool:
        """Whether a published shift the plan holds breaks today's rules against the other published ones."""
        r = self.scenario.rules
        facts = self.near_past(slot.engineer, slot.date, rules.WEEK_DAYS + r.max_consecutive_days)
        cap = self.scenario.weekly_cap(self.engineers[slot.engineer])
        return bool((slot.engineer, slot.date) in self.leave or rules.closest_clash(facts, slot, r.min_rest_hours)
                    or rules.over_weekly_cap(facts, slot, cap)
                    or rules.too_many_days_in_a_row(facts, slot, r.max_consecutive_days))

    @cached_property
    def past(self) -> dict[str, list[Slot]]:
        """Published shifts outside the window that the plan does not hold itself: fixed facts for the rules at the
        seams (rest, days in a row, the weekly cap) and, before the window, for fair shares. By engineer, by start."""
        history = self.scenario.history
        out: dict[str, list[Slot]] = defaultdict(list)
        if history is None:
            return out
        own = {(s.engineer, s.shift, s.date, s.span) for s in self.all_slots}
        for p in history.shifts:
            engineer = self.engineers.get(p.engineer)
            span = Interval(p.start, p.end)
            if engineer is None or (p.engineer, p.shift, p.date, span) in own:
                continue
            centre = self.scenario.centre(engineer.centre)
            holiday = public_holidays(centre, p.date, p.date).get(p.date, "")
            out[p.engineer].append(Slot(p.engineer, p.shift, p.date, span, night_minutes(span, centre.timezone),
                                        p.date.weekday() >= 5, holiday, self._past_peak(span)))
        return out

    def _past_peak(self, span: Interval) -> bool:
        return any(o.overlaps(span) for peak in self.scenario.peaks
                   for o in peak_occurrences(peak, Interval(span.start - timedelta(days=1), span.end)))

    @cached_property
    def _past_by_day(self) -> dict[str, dict[date, list[Slot]]]:
        out: dict[str, dict[date, list[Slot]]] = defaultdict(lambda: defaultdict(list))
        for engineer, slots in self.past.items():
            for s in slots:
                out[engineer][s.date].append(s)
        return out

    def near_past(self, engineer: str, day: date, days: int = 8) -> list[Slot]:
        """`past` shifts of `engineer` within `days` local days of `day` (all a rule at the seam can see)."""
        if engineer not in self.past:
            return []
        by_day = self._past_by_day[engineer]
        return [s for k in range(-days, days + 1) for s in by_day.get(day + timedelta(days=k), ())]

    @cached_property
    def peak_spans(self) -> list[Interval]:
        return [occ for peak in self.scenario.peaks for occ in peak_occurrences(peak, self.window)]

    @cached_property
    def _peak_index(self) -> tuple[list[datetime], list[datetime]]:
        """Peak occurrences' starts (sorted) and the latest end among each prefix: overlap tests in O(log n)."""
        spans = sorted(self.peak_spans, key=lambda p: p.start)
        ends, latest = [], None
        for p in spans:
            latest = p.end if latest is None else max(latest, p.end)
            ends.append(latest)
        return [p.start for p in spans], ends

    def meets_peak(self, span: Interval) -> bool:
        starts, latest_end = self._peak_index
        before = bisect_left(starts, span.end)  # occurrences starting before the span ends
        return before > 0 and latest_end[before - 1] > span.start

    def templates_for(self, engineer: Engineer) -> list[ShiftTemplate]:
        return [t for t in self.scenario.shifts if rules.offers(engineer, t)]

    def unavailable(self, engineer: Engineer, day: date) -> str:
        """Why `engineer` cannot work at all on local `day` ("" if they can)."""
        found = rules.unavailable(self, engineer.id, day)
        return found[0].text if found else ""

    @cached_property
    def all_slots(self) -> list[Slot]:
        """Every shift instance that meets the window, available or not."""
        out = []
        for engineer in self.scenario.engineers:
            for day in local_dates(self.window, self.scenario.zone_of(engineer), pad=1):
                for template in self.templates_for(engineer):
                    slot = self.slot(engineer, template, day)
                    if slot is not None:
                        out.append(slot)
        return out

    def slot(self, engineer: Engineer, template: ShiftTemplate, day: date) -> Slot | None:
        """`engineer`'s shift `template` from local `day`, or None when it does not meet the window."""
        centre = self.scenario.centre(engineer.centre)
        span = shift_interval(template, day, centre.timezone)
        if span.end <= span.start or not span.overlaps(self.window):
            return None  # (the first: a shift inside the hour a spring switch skips is not there that night)
        return Slot(engineer=engineer.id, shift=template.id, date=day, span=span,
                    night_minutes=night_minutes(span, centre.timezone), weekend=day.weekday() >= 5,
                    holiday=self.holidays[centre.id].get(day, ""), peak=self.meets_peak(span))

    def excluded(self, slot: Slot) -> str:
        """Why a slot can never be worked ("" if it can): leave, holiday, or a pin."""
        found = rules.availability(self, slot)
        return found[0].text if found else ""

    @cached_property
    def slots(self) -> list[Slot]:
        """The shifts the solver may choose from."""
        return [s for s in self.all_slots if not self.excluded(s)]

    @cached_property
    def slots_by_engineer(self) -> dict[str, list[Slot]]:
        out: dict[str, list[Slot]] = defaultdict(list)
        for slot in self.slots:
            out[slot.engineer].append(slot)
        for items in out.values():
            items.sort(key=lambda s: (s.span.start, s.shift))
        return out

    def is_senior(self, engineer_id: str) -> bool:
        return self.scenario.is_senior(self.engineers[engineer_id])

    def speaks(self, engineer_id: str, language: str) -> bool:
        return language in self.engineers[engineer_id].languages

    @cached_property
    def requirements(self) -> list[Requirement]:
        """Every cover rule of the scenario, in priority order (p0, events, peaks, languages)."""
        s, out = self.scenario, []
        if s.rules.p0_min_seniors > 0:
            out.append(Requirement("p0", "p0", self.window, s.rules.p0_min_seniors, "seniors"))
        languages: list[Requirement] = []
        for event in s.events:
            span = event_window(event, self.window)
            if span:
                out += _counts("event", event.id, span, event.min_engineers, event.min_seniors)
                languages += [Requirement("language", f"{event.id}:{lang}", span, 1, lang, "event")
                              for lang in event.languages]
        for peak in s.peaks:
            for span in peak_occurrences(peak, self.window):
                out += _counts("peak", peak.id, span, peak.min_engineers, peak.min_seniors)
                languages += [Requirement("language", f"{peak.id}:{lang}", span, 1, lang, "peak")
                              for lang in peak.languages]
        return out + languages

    @cached_property
    def boundaries(self) -> list[datetime]:
        """Every instant where cover or a requirement can change; counts are constant in between."""
        points = {self.window.start, self.window.end}
        for slot in self.slots:
            points.update((slot.span.start, slot.span.end))
        for req in self.requirements:
            points.update((req.span.start, req.span.end))
        return sorted(p for p in points if self.window.start <= p <= self.window.end)

    @cached_property
    def segments(self) -> list[Interval]:
        b = self.boundaries
        return [Interval(a, z) for a, z in itertools.pairwise(b)]

    def segment_range(self, start: datetime, end: datetime) -> range:
        bounds = self.boundaries
        return range(bisect_left(bounds, start), bisect_left(bounds, end))

    @cached_property
    def slot_segments(self) -> dict[Slot, range]:
        """For each slot, the segments it is on shift for (its span clipped to the window)."""
        w = self.window
        return {slot: self.segment_range(max(slot.span.start, w.start), min(slot.span.end, w.end))
                for slot in self.slots}

    @cached_property
    def cover_index(self) -> list[list[Slot]]:
        """For each segment, the slots on shift during all of it."""
        out: list[list[Slot]] = [[] for _ in self.segments]
        for slot, indices in self.slot_segments.items():
            for i in indices:
                out[i].append(slot)
        return out


def _counts(kind: str, ident: str, span: Interval, engineers: int, seniors: int) -> list[Requirement]:
    out = []
    if engineers > 0:
        out.append(Requirement(kind, f"{ident}:engineers", span, engineers, "engineers"))
    if seniors > 0:
        out.append(Requirement(kind, f"{ident}:seniors", span, seniors, "seniors"))
    return out


def uncovered(spans: list[Interval], within: Interval) -> list[Interval]:
    """The parts of `within` that no span reaches, as maximal intervals."""
    out, cursor = [], within.start
    for span in sorted(spans, key=lambda s: s.start):
        if span.start > cursor:
            out.append(Interval(cursor, min(span.start, within.end)))
        cursor = max(cursor, span.end)
        if cursor >= within.end:
            break
    if cursor < within.end:
        out.append(Interval(cursor, within.end))
    return [i for i in out if i.start < i.end]


def unreachable_by_seniors(plan: Plan) -> list[Interval]:
    """A lower bound on P0 gaps: where no senior could be on shift even if every available senior worked."""
    return uncovered([s.span for s in plan.slots if plan.is_senior(s.engineer)], plan.window)
