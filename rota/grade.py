"""Grade an existing on-call schedule (an iCal export from PagerDuty, Opsgenie, Grafana OnCall…) against a scenario.

Each VEVENT is mapped to an engineer — by X-ROTA-ENGINEER (rota's own calendars), by e-mail in ATTENDEE/ORGANIZER,
by a mapping file, or by the engineer's name or id in SUMMARY — and becomes a shift in real time. Then the same
measures as for rota's own rotas are taken: gaps with reasons, breaks of the labour rules, load and fairness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import icalendar

from rota import rules
from rota.clock import Interval, iso_utc, local_to_utc, night_minutes, shift_interval, zone
from rota.ical import ENGINEER_PROPERTY
from rota.report import COVER_KEYS, Gap, cover_percentages, engineer_load, fairness, find_gaps
from rota.scenario import Problem, ScenarioError, read_csv
from rota.slots import Plan, Slot

if TYPE_CHECKING:
    from rota.solver import Solution


@dataclass(frozen=True)
class Break:
    engineer: str
    date: str
    rule: str
    detail: str


@dataclass
class Grade:
    slots: list[Slot]
    unmapped: list[str]  # events no engineer could be found for
    gaps: list[Gap]
    breaks: list[Break]
    load: dict[str, dict[str, float]]
    fairness: dict[str, dict[str, float]]
    cover: dict[str, float]  # report.cover_percentages

    def numbers(self) -> dict[str, object]:
        kinds = ("p0", "event", "peak", "language")
        minutes = {k: sum(g.span.minutes for g in self.gaps if g.kind == k) for k in kinds}
        return {"shifts": len(self.slots), "unmapped_events": len(self.unmapped), **self.cover,
                "gap_minutes": minutes, "rule_breaks": len(self.breaks),
                "holiday_shifts": sum(int(v["holiday_shifts"]) for v in self.load.values()),
                "night_hours": round(sum(v["night_hours"] for v in self.load.values()), 2),
                "fairness_spread_hours": max((g["hours"] for g in self.fairness.values()), default=0.0)}


def read_mapping(path: Path | None, engineers: set[str] | None = None) -> dict[str, str]:
    """A CSV `match,engineer`: an e-mail, a name or any text of the SUMMARY → an engineer id (one of `engineers`)."""
    if path is None:
        return {}
    problems: list[Problem] = []
    rows = read_csv(path, ("match", "engineer"), problems)
    for row in rows:
        if engineers is not None and row.values["engineer"] not in engineers:
            problems.append(Problem(path.name, f"line {row.line}", "engineer",
                                    f"unknown engineer '{row.values['engineer']}' (not in engineers.csv)"))
    if problems:
        raise ScenarioError(problems)
    return {r.values["match"].lower(): r.values["engineer"] for r in rows}


def _instant(value: object, tz: str) -> datetime:
    """A DTSTART/DTEND value as an aware UTC instant; floating times are read in the engineer's zone."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return local_to_utc(value.date(), value.time(), tz)
        return value.astimezone(UTC)
    if isinstance(value, date):  # an all-day event: local midnight
        return local_to_utc(value, datetime.min.time(), tz)
    raise ValueError(f"not a date or date-time: {value!r}")


def _engineer_of(event: icalendar.Event, plan: Plan, mapping: dict[str, str]) -> str | None:
    own = str(event.get(ENGINEER_PROPERTY, "")).strip()
    if own in plan.engineers:  # an event of rota's own calendars names its engineer
        return own
    by_email = {e.email.lower(): e.id for e in plan.scenario.engineers if e.email}
    people = [str(a) for a in _as_list(event.get("ATTENDEE"))] + [str(event.get("ORGANIZER", ""))]
    for person in people:
        email = person.lower().removeprefix("mailto:")
        if email in mapping:
            return mapping[email]
        if email in by_email:
            return by_email[email]
    summary = str(event.get("SUMMARY", "")).lower()
    for match, engineer in mapping.items():
        if match and match in summary:
            return engineer
    for e in plan.scenario.engineers:
        if e.name.lower() in summary or e.id.lower() in summary.split():
            return e.id
    return None


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read_schedule(path: Path, plan: Plan, mapping: dict[str, str]) -> tuple[list[Slot], list[str]]:
    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    except (ValueError, OSError) as error:
        raise ScenarioError([Problem(path.name, "", "", f"is not an iCalendar file: {error}")]) from None
    slots, unmapped, problems = [], [], []
    for n, event in enumerate(calendar.walk("VEVENT"), start=1):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if event.get("RRULE"):
            problems.append(Problem(path.name, f"event #{n} {event.get('UID', '')}", "RRULE",
                                    "recurring events are not expanded; export single occurrences"))
            continue
        engineer_id = _engineer_of(event, plan, mapping)
        if engineer_id is None or engineer_id not in plan.engineers:
            unmapped.append(f"event #{n}: {event.get('SUMMARY', '')} ({event.get('UID', '')})")
            continue
        engineer = plan.engineers[engineer_id]
        tz = plan.scenario.zone_of(engineer)
        try:
            start = _instant(event.decoded("DTSTART"), tz)
            end = _instant(event.decoded("DTEND"), tz) if event.get("DTEND") else start + event.decoded("DURATION")
        except KeyError as error:
            problems.append(Problem(path.name, f"event #{n}", str(error.args[0]),
                                    "missing; an event needs DTSTART and DTEND (or DURATION)"))
            continue
        except ValueError as error:
            problems.append(Problem(path.name, f"event #{n}", "DTSTART/DTEND", str(error)))
            continue
        if end <= start:
            problems.append(Problem(path.name, f"event #{n}", "DTEND", f"ends ({iso_utc(end)}) before or when it "
                                                                       f"starts ({iso_utc(start)})"))
            continue
        span = Interval(start, end)
        if not span.overlaps(plan.window):
            continue
        slots.append(_slot(plan, engineer_id, span, tz))
    if problems:
        raise ScenarioError(problems)
    return sorted(slots, key=lambda s: (s.span.start, s.engineer)), unmapped


def _slot(plan: Plan, engineer_id: str, span: Interval, tz: str) -> Slot:
    """The schedule's shift as a Slot, named after the template it matches exactly, else by its local times."""
    day = span.start.astimezone(zone(tz)).date()
    engineer = plan.engineers[engineer_id]
    name = next((t.id for t in plan.templates_for(engineer) if shift_interval(t, day, tz) == span), None)
    if name is None:
        local = span.start.astimezone(zone(tz)), span.end.astimezone(zone(tz))
        name = f"{local[0]:%H:%M}-{local[1]:%H:%M}"
    holiday = plan.holidays[engineer.centre].get(day, "")
    return Slot(engineer_id, name, day, span, night_minutes(span, tz), day.weekday() >= 5, holiday,
                plan.meets_peak(span))


def rule_breaks(plan: Plan, chosen: list[Slot]) -> list[Break]:
    """Every break of the hard rules in a schedule (for schedules rota did not make), each reported once.

    Each shift is weighed (`rules.breaches`) against the engineer's shifts that start before it, so a clash between
    two shifts is named at the later one; each overloaded week once (weeks reported never overlap), and a run of
    days once, on its first day too many.
    Pins are left out: they are what a manager asked of rota's solver, which a schedule made elsewhere never saw."""
    out: list[Break] = []
    mine: dict[str, list[Slot]] = {}
    for slot in chosen:
        mine.setdefault(slot.engineer, []).append(slot)
    for engineer_id, slots in sorted(mine.items()):
        slots.sort(key=lambda s: (s.span.start, s.span.end, s.shift))
        cap = plan.scenario.weekly_cap(plan.engineers[engineer_id])
        reported_until: date | None = None  # the last day of the week last reported as over the cap
        for i, slot in enumerate(slots):
            for b in rules.breaches(plan, slots[:i], slot):
                if b.rule == rules.PIN:
                    continue
                if b.rule == rules.WEEKLY:
                    if reported_until is not None:  # only a window after the one reported is a new break
                        later = rules.over_weekly_cap(slots[:i], slot, cap, reported_until + timedelta(days=1))
                        if later is None:
                            continue
                        b = later
                    assert b.first is not None
                    reported_until = b.first + timedelta(days=rules.WEEK_DAYS - 1)
                    out.append(Break(engineer_id, b.first.isoformat(), b.rule, b.text))
                elif b.rule != rules.CONSECUTIVE or b.value == b.limit + 1:  # a run once, on its first day too many
                    out.append(Break(engineer_id, slot.date.isoformat(), b.rule, b.text))
    return out


def grade(plan: Plan, ics: Path, mapping: dict[str, str]) -> Grade:
    slots, unmapped = read_schedule(ics, plan, mapping)
    gaps = find_gaps(plan, slots)
    load = engineer_load(plan, slots)
    return Grade(slots, unmapped, gaps, rule_breaks(plan, slots), load, fairness(plan, load),
                 cover_percentages(plan, gaps))


def solution_numbers(solution: Solution) -> dict[str, object]:
    """The same measures for one of rota's own solves (rota breaks no hard rule), to read beside a grade."""
    from rota.output import result_tables

    summary = result_tables(solution)["summary"]
    people = summary["engineers"]  # type: ignore[index]
    cover = {key: summary[key] for key in COVER_KEYS}  # type: ignore[index]
    return {"shifts": len(solution.chosen), "unmapped_events": 0, **cover,
            "gap_minutes": summary["gap_minutes"],  # type: ignore[index]
            "rule_breaks": 0, "holiday_shifts": sum(e["holiday_shifts"] for e in people.values()),
            "night_hours": round(sum(e["night_hours"] for e in people.values()), 2),
            "fairness_spread_hours": max((g["hours"] for g in summary["fairness"].values()), default=0.0)}  # type: ignore[index]
