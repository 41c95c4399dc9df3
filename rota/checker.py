"""Independent checker: validates a result folder against its scenario folder (docs/CONTRACT.md).

Deliberately imports nothing from the rest of the `rota` package: it recomputes every instant, rule and
count from the files alone, so that a bug in the solver or the writers cannot hide behind shared code.

Usage: python -m rota.checker SCENARIO_DIR RESULT_DIR
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import tomllib
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

Z_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KIND_ORDER = {"p0": 0, "event": 1, "peak": 2, "language": 3}
PCT_TOLERANCE = 0.01
HOURS_TOLERANCE = 0.01

# Headers exactly as written in docs/CONTRACT.md.
# fmt: off
ASSIGNMENTS_HEADER = [
    "engineer", "name", "centre", "level", "date", "shift",
    "start_utc", "end_utc", "start_local", "end_local", "timezone", "hours",
]
HISTORY_HEADER = ["engineer", "date", "shift", "start_utc", "end_utc"]
GAPS_HEADER = ["kind", "rule", "start_utc", "end_utc", "required", "staffed", "shortfall", "reason"]
COVERAGE_HEADER = [
    "hour_utc", "engineers", "seniors", "p0_required", "peak_engineers_required", "peak_seniors_required",
    "event_engineers_required", "event_seniors_required", "languages_required", "languages_present",
]
# fmt: on


# ---------------------------------------------------------------------------------------------------------
# Scenario model


@dataclass(frozen=True)
class Rules:
    p0_min_seniors: int = 1
    senior_levels: frozenset[str] = frozenset({"L2", "L3"})
    min_rest_hours: float = 11
    max_hours_per_week: float = 48
    max_consecutive_days: int = 5
    public_holidays: str = "avoid"


@dataclass(frozen=True)
class Centre:
    id: str
    tz_name: str
    zone: ZoneInfo
    country: str
    subdivision: str


@dataclass(frozen=True)
class Template:
    id: str
    start: int  # minutes after local midnight; "24:00" is 1440
    end: int
    centres: frozenset[str] | None  # None = offered everywhere


@dataclass(frozen=True)
class Peak:
    id: str
    zone: ZoneInfo
    weekdays: frozenset[int]
    start: int
    end: int
    min_engineers: int
    min_seniors: int
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Event:
    id: str
    start: datetime  # UTC, unclipped
    end: datetime
    min_engineers: int
    min_seniors: int
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Engineer:
    id: str
    name: str
    centre: str
    level: str
    languages: frozenset[str]
    max_hours: float | None


@dataclass(frozen=True)
class Pin:
    row: int
    engineer: str
    day: date
    shift: str


@dataclass
class Scenario:
    name: str
    window_start: datetime
    window_end: datetime
    rules: Rules
    centres: dict[str, Centre]
    templates: dict[str, Template]
    peaks: list[Peak]
    events: list[Event]
    engineers: dict[str, Engineer]
    leave: dict[str, list[tuple[date, date]]]
    pins: list[Pin]


@dataclass(frozen=True)
class Shift:
    """One assignments.csv row whose engineer and template are known, with its recomputed instance."""

    row: int
    engineer: str
    day: date
    template: str
    start: datetime
    end: datetime
    published: bool = False  # a history.csv row: a published shift outside the window, a fixed fact


@dataclass
class Counts:
    shifts: int = 0
    gap_rows: int = 0
    coverage_hours: int = 0
    published: int = 0  # history.csv rows the seams were checked against


# ---------------------------------------------------------------------------------------------------------
# The time rule


def local_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Contract time rule: wall time in `zone` with fold=0, as UTC; 1440 minutes is next day's 00:00."""
    if minutes == 1440:
        day, minutes = day + DAY, 0
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def daily_interval(day: date, start: int, end: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Instance of a daily start/end pattern (shift or peak) on local date `day`."""
    end_day = day + DAY if end <= start else day
    return local_instant(day, start, zone), local_instant(end_day, end, zone)


def fmt_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime(Z_FORMAT)


def parse_utc(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, Z_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def fmt_hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.2f}"


# ---------------------------------------------------------------------------------------------------------
# Reading files


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows, fields stripped, blank lines skipped (BOM tolerated)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    rows = [row for row in rows if any(row)]
    if not rows:
        return [], []
    return rows[0], rows[1:]


def csv_records(path: Path) -> list[dict[str, str]]:
    header, rows = read_csv(path)
    return [as_record(header, row) for row in rows]


def as_record(header: list[str], row: list[str]) -> dict[str, str]:
    """Row keyed by header; missing trailing fields read as "" (a short row is reported elsewhere)."""
    return dict(zip(header, (row + [""] * len(header))[: len(header)], strict=True))


def parse_hhmm(value: Any) -> int:
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    hours, minutes = str(value).strip().split(":")[:2]
    return int(hours) * 60 + int(minutes)


def parse_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def parse_local_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)


def split_languages(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(";") if part.strip())


def load_scenario(folder: Path) -> Scenario:
    with (folder / "scenario.toml").open("rb") as handle:
        data = tomllib.load(handle)
    start = parse_day(data["start"])
    window_start = datetime.combine(start, time(), tzinfo=UTC)
    return Scenario(
        name=str(data.get("name", "")),
        window_start=window_start,
        window_end=window_start + int(data["days"]) * DAY,
        rules=load_rules(data.get("rules", {})),
        centres={c.id: c for c in map(load_centre, data.get("centres", []))},
        templates={t.id: t for t in map(load_template, data.get("shifts", []))},
        peaks=[load_peak(p) for p in data.get("peaks", [])],
        events=[load_event(e) for e in data.get("events", [])],
        engineers=load_engineers(folder / "engineers.csv"),
        leave=load_leave(folder / "leave.csv"),
        pins=load_pins(folder / "pins.csv"),
    )


def load_rules(raw: dict[str, Any]) -> Rules:
    default = Rules()
    return Rules(
        p0_min_seniors=int(raw.get("p0_min_seniors", default.p0_min_seniors)),
        senior_levels=frozenset(raw.get("senior_levels", default.senior_levels)),
        min_rest_hours=float(raw.get("min_rest_hours", default.min_rest_hours)),
        max_hours_per_week=float(raw.get("max_hours_per_week", default.max_hours_per_week)),
        max_consecutive_days=int(raw.get("max_consecutive_days", default.max_consecutive_days)),
        public_holidays=str(raw.get("public_holidays", default.public_holidays)),
    )


def load_centre(raw: dict[str, Any]) -> Centre:
    tz_name = str(raw["timezone"]).strip()
    return Centre(
        id=str(raw["id"]),
        tz_name=tz_name,
        zone=ZoneInfo(tz_name),
        country=str(raw["country"]).strip(),
        subdivision=str(raw.get("subdivision", "") or "").strip(),
    )


def load_template(raw: dict[str, Any]) -> Template:
    centres = raw.get("centres")
    return Template(
        id=str(raw["id"]),
        start=parse_hhmm(raw["start"]),
        end=parse_hhmm(raw["end"]),
        centres=None if centres is None else frozenset(str(c) for c in centres),
    )


def load_peak(raw: dict[str, Any]) -> Peak:
    return Peak(
        id=str(raw["id"]),
        zone=ZoneInfo(str(raw["timezone"]).strip()),
        weekdays=frozenset(WEEKDAYS.index(str(d).strip().lower()[:3]) for d in raw.get("days", WEEKDAYS)),
        start=parse_hhmm(raw["start"]),
        end=parse_hhmm(raw["end"]),
        min_engineers=int(raw.get("min_engineers", 0)),
        min_seniors=int(raw.get("min_seniors", 0)),
        languages=tuple(sorted(set(raw.get("languages", [])))),
    )


def load_event(raw: dict[str, Any]) -> Event:
    zone = ZoneInfo(str(raw["timezone"]).strip())
    start, end = (
        parse_local_datetime(raw[key]).replace(tzinfo=zone).astimezone(UTC) for key in ("start", "end")
    )
    return Event(
        id=str(raw["id"]),
        start=start,
        end=end,
        min_engineers=int(raw.get("min_engineers", 0)),
        min_seniors=int(raw.get("min_seniors", 0)),
        languages=tuple(sorted(set(raw.get("languages", [])))),
    )


def load_engineers(path: Path) -> dict[str, Engineer]:
    engineers = {}
    for rec in csv_records(path):
        cap = rec.get("max_hours_per_week", "")
        engineers[rec["id"]] = Engineer(
            id=rec["id"],
            name=rec["name"],
            centre=rec["centre"],
            level=rec["level"],
            languages=split_languages(rec.get("languages", "")),
            max_hours=float(cap) if cap else None,
        )
    return engineers


def load_leave(path: Path) -> dict[str, list[tuple[date, date]]]:
    leave: dict[str, list[tuple[date, date]]] = defaultdict(list)
    if path.exists():
        for rec in csv_records(path):
            leave[rec["engineer"]].append((parse_day(rec["start"]), parse_day(rec["end"])))
    return leave


def load_pins(path: Path) -> list[Pin]:
    if not path.exists():
        return []
    return [
        Pin(row=n, engineer=rec["engineer"], day=parse_day(rec["date"]), shift=rec["shift"])
        for n, rec in enumerate(csv_records(path), start=1)
    ]


# ---------------------------------------------------------------------------------------------------------
# Result CSVs: header check, then rows by column name


def read_result_csv(path: Path, header: list[str], problems: list[str]) -> list[dict[str, str]] | None:
    """Rows keyed by the contract's column names, or None if the file cannot be read as that table."""
    if not path.exists():
        problems.append(f"{path.name}: file is missing")
        return None
    got_header, rows = read_csv(path)
    if got_header != header:
        problems.append(f"{path.name}: header is {','.join(got_header)!r}, expected {','.join(header)!r}")
        if not set(header) <= set(got_header):
            return None
    records = []
    for n, row in enumerate(rows, start=1):
        if len(row) != len(got_header):
            problems.append(f"{path.name} row {n}: {len(row)} fields, expected {len(got_header)}")
        records.append(as_record(got_header, row))
    return records


# ---------------------------------------------------------------------------------------------------------
# 0. the scenario's times that the contract makes errors


def fmt_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_scenario_times(scn: Scenario, problems: list[str]) -> None:
    """A shift or peak whose start equals its end or is 24:00, and an event whose real end is not after its real
    start (a start in a spring-forward gap moves forward): the contract gives them no meaning."""
    daily: list[tuple[str, str, int, int]] = [("shifts", t.id, t.start, t.end) for t in scn.templates.values()]
    daily += [("peaks", p.id, p.start, p.end) for p in scn.peaks]
    for table, ident, start, end in daily:
        where = f"scenario.toml [[{table}]] {ident!r}"
        if start == end:
            problems.append(f"{where}: start and end are both {fmt_hhmm(start)}; the contract requires them to differ")
        if start == 1440:
            problems.append(f"{where}: start is 24:00, which the contract allows only as an end")
    for ev in scn.events:
        if ev.end <= ev.start:
            problems.append(f"scenario.toml [[events]] {ev.id!r}: ends at {fmt_utc(ev.end)}, not after it starts at "
                            f"{fmt_utc(ev.start)}")


# ---------------------------------------------------------------------------------------------------------
# 1. assignments.csv


def check_assignments(scn: Scenario, records: list[dict[str, str]], problems: list[str]) -> list[Shift]:
    """Row-level checks; returns the recomputable rows as instances, which every later check uses."""
    shifts = []
    previous: tuple[str, str] | None = None
    for n, rec in enumerate(records, start=1):
        where = f"assignments.csv row {n}"
        key = (rec["start_utc"], rec["engineer"])
        if previous is not None and key < previous:
            problems.append(f"{where}: not sorted by start_utc, then engineer")
        previous = key
        shift = check_assignment_row(scn, rec, where, n, problems)
        if shift is not None:
            shifts.append(shift)
    return shifts


def check_assignment_row(
    scn: Scenario, rec: dict[str, str], where: str, n: int, problems: list[str]
) -> Shift | None:
    eng = scn.engineers.get(rec["engineer"])
    if eng is None:
        problems.append(f"{where}: unknown engineer {rec['engineer']!r}")
        return None
    for column, want in (("name", eng.name), ("centre", eng.centre), ("level", eng.level)):
        if rec[column] != want:
            problems.append(f"{where}: {column} is {rec[column]!r}, engineers.csv says {want!r}")
    centre = scn.centres[eng.centre]
    if rec["timezone"] != centre.tz_name:
        problems.append(f"{where}: timezone is {rec['timezone']!r}, centre {centre.id} is {centre.tz_name!r}")
    template = scn.templates.get(rec["shift"])
    if template is None:
        problems.append(f"{where}: unknown shift template {rec['shift']!r}")
        return None
    if template.centres is not None and centre.id not in template.centres:
        problems.append(f"{where}: shift {template.id!r} is not offered at centre {centre.id!r}")
    try:
        day = date.fromisoformat(rec["date"])
    except ValueError:
        problems.append(f"{where}: date {rec['date']!r} is not a YYYY-MM-DD date")
        return None
    start, end = daily_interval(day, template.start, template.end, centre.zone)
    check_instants(rec, start, end, centre.zone, where, problems)
    if not (start < scn.window_end and end > scn.window_start):
        problems.append(f"{where}: shift {fmt_utc(start)}..{fmt_utc(end)} does not overlap the window")
    return Shift(row=n, engineer=eng.id, day=day, template=template.id, start=start, end=end)


def check_instants(
    rec: dict[str, str], start: datetime, end: datetime, zone: ZoneInfo, where: str, problems: list[str]
) -> None:
    for column, want in (("start_utc", fmt_utc(start)), ("end_utc", fmt_utc(end))):
        if rec[column] != want:
            problems.append(f"{where}: {column} is {rec[column]!r}, expected {want!r}")
    for column, instant in (("start_local", start), ("end_local", end)):
        want_local = instant.astimezone(zone)
        try:
            got = datetime.fromisoformat(rec[column])
        except ValueError:
            got = None
        # Same instant AND same offset: a right instant written with the wrong offset is still wrong.
        if got is None or got.tzinfo is None or got != instant or got.utcoffset() != want_local.utcoffset():
            problems.append(f"{where}: {column} is {rec[column]!r}, expected {want_local.isoformat()!r}")
    want_hours = fmt_hours(end - start)
    if rec["hours"] != want_hours:
        problems.append(f"{where}: hours is {rec['hours']!r}, expected {want_hours!r}")


# ---------------------------------------------------------------------------------------------------------
# 2. Hard rules


def by_engineer(shifts: Iterable[Shift]) -> dict[str, list[Shift]]:
    groups: dict[str, list[Shift]] = defaultdict(list)
    for shift in shifts:
        groups[shift.engineer].append(shift)
    for group in groups.values():
        group.sort(key=lambda s: (s.start, s.day))
    return groups


def check_hard_rules(scn: Scenario, shifts: list[Shift], problems: list[str], history: list[Shift] = ()) -> None:
    groups = by_engineer(shifts)
    facts = by_engineer(history)
    for eng_id in sorted(groups):
        own = groups[eng_id]
        check_one_per_date(eng_id, own, problems)
        check_leave_and_holidays(scn, scn.engineers[eng_id], own, problems)
        check_rest(scn.rules, eng_id, own, problems)
        check_weekly_hours(scn, scn.engineers[eng_id], own, problems)
        check_consecutive(scn.rules, eng_id, own, problems)
        mine = {(s.day, s.template, s.start, s.end) for s in own}
        published = [f for f in facts.get(eng_id, []) if (f.day, f.template, f.start, f.end) not in mine]
        if published:
            check_seams(scn, scn.engineers[eng_id], own, published, problems)
    check_pins(scn, groups, problems)


# The seams: the result joined with the published shifts outside its window (history.csv). Only what involves both
# a shift of the result and a published one is reported here; the rest is the result's own (above) or history's.


def check_seams(scn: Scenario, eng: Engineer, own: list[Shift], published: list[Shift], problems: list[str]) -> None:
    joined = sorted([*own, *published], key=lambda s: (s.start, s.day))
    days = {s.day for s in published}
    for shift in own:
        if shift.day in days:
            problems.append(f"engineer {eng.id} on {shift.day}: shift {shift.template!r} (assignments.csv row "
                            f"{shift.row}) on a date that already has a published shift (history.csv)")
    for before, after in pairwise(joined):
        if before.published == after.published:
            continue
        rest_hours = (after.start - before.end).total_seconds() / 3600
        if rest_hours < scn.rules.min_rest_hours:
            problems.append(
                f"engineer {eng.id} across the seam: {rest_hours:.2f} h rest between the "
                f"{'published ' if before.published else ''}shift of {before.day} (ends {fmt_utc(before.end)}) and "
                f"the {'published ' if after.published else ''}shift of {after.day} (starts {fmt_utc(after.start)}), "
                f"minimum {scn.rules.min_rest_hours:g}"
            )
    cap = eng.max_hours if eng.max_hours is not None else scn.rules.max_hours_per_week
    for first in sorted({s.day for s in joined}):
        last = first + 6 * DAY
        inside = [s for s in joined if first <= s.day <= last]
        if all(s.published for s in inside) or not any(s.published for s in inside):
            continue
        seconds = sum((s.end - s.start).total_seconds() for s in inside)
        if seconds > cap * 3600 + 1e-6:
            problems.append(f"engineer {eng.id} across the seam: {seconds / 3600:.2f} h on the 7 local dates "
                            f"{first}..{last} (published shifts included), above the cap of {cap:g}")
    worked = sorted({s.day for s in joined})
    run_start = 0
    for i in range(1, len(worked) + 1):
        if i == len(worked) or worked[i] != worked[i - 1] + DAY:
            run = set(worked[run_start:i])
            length = i - run_start
            if length > scn.rules.max_consecutive_days and run & days and run - days:
                problems.append(f"engineer {eng.id} across the seam: {length} consecutive dates with a shift "
                                f"({worked[run_start]}..{worked[i - 1]}, published ones included), above "
                                f"{scn.rules.max_consecutive_days}")
            run_start = i


def read_history(scn: Scenario, path: Path, problems: list[str]) -> list[Shift]:
    """history.csv: engineer,date,shift,start_utc,end_utc of published shifts outside the window, instants as
    published (a template changed since then does not move them)."""
    records = read_result_csv(path, HISTORY_HEADER, problems) or []
    out = []
    for n, rec in enumerate(records, start=1):
        where = f"{path.name} row {n}"
        start, end = parse_utc(rec["start_utc"]), parse_utc(rec["end_utc"])
        try:
            day = date.fromisoformat(rec["date"])
        except ValueError:
            problems.append(f"{where}: date {rec['date']!r} is not a YYYY-MM-DD date")
            continue
        if start is None or end is None or end <= start:
            problems.append(f"{where}: start_utc/end_utc {rec['start_utc']!r}..{rec['end_utc']!r} is not a span of "
                            "UTC instants")
            continue
        if rec["engineer"] not in scn.engineers:
            problems.append(f"{where}: unknown engineer {rec['engineer']!r}")
            continue
        if scn.window_start <= start < scn.window_end:
            problems.append(f"{where}: a published shift inside the window ({fmt_utc(start)}); history.csv holds "
                            "shifts outside it only")
            continue
        out.append(Shift(-n, rec["engineer"], day, rec["shift"], start, end, published=True))
    return out


def check_one_per_date(eng_id: str, own: list[Shift], problems: list[str]) -> None:
    rows_by_day: dict[date, list[int]] = defaultdict(list)
    for shift in own:
        rows_by_day[shift.day].append(shift.row)
    for day, rows in sorted(rows_by_day.items()):
        if len(rows) > 1:
            listed = ", ".join(map(str, sorted(rows)))
            problems.append(
                f"engineer {eng_id} on {day}: {len(rows)} shifts (assignments.csv rows {listed}); "
                "at most one per local date"
            )


def check_leave_and_holidays(scn: Scenario, eng: Engineer, own: list[Shift], problems: list[str]) -> None:
    centre = scn.centres[eng.centre]
    calendar = None
    if scn.rules.public_holidays == "off":
        calendar = holidays.country_holidays(centre.country, subdiv=centre.subdivision or None)
    for shift in own:
        if any(first <= shift.day <= last for first, last in scn.leave.get(eng.id, [])):
            problems.append(
                f"engineer {eng.id} on {shift.day}: shift {shift.template!r} on a leave date "
                f"(assignments.csv row {shift.row})"
            )
        if calendar is not None and shift.day in calendar:
            problems.append(
                f"engineer {eng.id} on {shift.day}: shift {shift.template!r} on public holiday "
                f'{calendar.get(shift.day)!r} with public_holidays = "off" '
                f"(assignments.csv row {shift.row})"
            )


def check_rest(rules: Rules, eng_id: str, own: list[Shift], problems: list[str]) -> None:
    for before, after in pairwise(own):
        rest_hours = (after.start - before.end).total_seconds() / 3600
        if rest_hours < rules.min_rest_hours:
            problems.append(
                f"engineer {eng_id}: {rest_hours:.2f} h rest between the shift of {before.day} "
                f"(ends {fmt_utc(before.end)}) and the shift of {after.day} "
                f"(starts {fmt_utc(after.start)}), minimum {rules.min_rest_hours:g}"
            )


def check_weekly_hours(scn: Scenario, eng: Engineer, own: list[Shift], problems: list[str]) -> None:
    cap = eng.max_hours if eng.max_hours is not None else scn.rules.max_hours_per_week
    # The heaviest 7-date window can always be slid to start on a shift date, so those windows suffice.
    for first in sorted({s.day for s in own}):
        last = first + 6 * DAY
        seconds = sum((s.end - s.start).total_seconds() for s in own if first <= s.day <= last)
        if seconds > cap * 3600 + 1e-6:
            problems.append(
                f"engineer {eng.id}: {seconds / 3600:.2f} h on the 7 local dates {first}..{last}, "
                f"above the cap of {cap:g}"
            )


def check_consecutive(rules: Rules, eng_id: str, own: list[Shift], problems: list[str]) -> None:
    days = sorted({s.day for s in own})
    run_start = 0
    for i in range(1, len(days) + 1):
        if i == len(days) or days[i] != days[i - 1] + DAY:
            length = i - run_start
            if length > rules.max_consecutive_days:
                problems.append(
                    f"engineer {eng_id}: {length} consecutive dates with a shift "
                    f"({days[run_start]}..{days[i - 1]}), above {rules.max_consecutive_days}"
                )
            run_start = i


def check_pins(scn: Scenario, groups: dict[str, list[Shift]], problems: list[str]) -> None:
    for pin in scn.pins:
        worked = sorted(s.template for s in groups.get(pin.engineer, []) if s.day == pin.day)
        where = f"pins.csv row {pin.row}: engineer {pin.engineer} on {pin.day}"
        if pin.shift == "off":
            if worked:
                problems.append(f"{where} is pinned off but works {', '.join(worked)}")
            continue
        if pin.shift in worked or not pin_is_reachable(scn, pin):
            continue
        problems.append(f"{where} is pinned to {pin.shift!r} but works {', '.join(worked) or 'nothing'}")


def pin_is_reachable(scn: Scenario, pin: Pin) -> bool:
    """A pinned instance outside the window cannot be worked (rule 1), so it is not the rota's fault."""
    eng = scn.engineers.get(pin.engineer)
    template = scn.templates.get(pin.shift)
    if eng is None or template is None:
        return True
    start, end = daily_interval(pin.day, template.start, template.end, scn.centres[eng.centre].zone)
    return start < scn.window_end and end > scn.window_start


# ---------------------------------------------------------------------------------------------------------
# Staffing timeline: counts are constant between consecutive boundary instants


@dataclass
class Timeline:
    bounds: list[datetime]  # sorted; segment i is [bounds[i], bounds[i + 1])
    engineers: list[int] = field(default_factory=list)
    seniors: list[int] = field(default_factory=list)
    speakers: list[dict[str, int]] = field(default_factory=list)

    def index(self, instant: datetime) -> int:
        return bisect_left(self.bounds, instant)

    def segments(self, start: datetime, end: datetime) -> range:
        return range(self.index(start), self.index(end))


@dataclass(frozen=True)
class Activity:
    """One peak occurrence or event window, clipped to the window."""

    kind: str  # "peak" | "event"
    id: str
    start: datetime
    end: datetime
    min_engineers: int
    min_seniors: int
    languages: tuple[str, ...]


def activities(scn: Scenario) -> list[Activity]:
    found = []
    first_day = scn.window_start.date() - 2 * DAY  # wide enough for any zone offset and overnight peak
    last_day = scn.window_end.date() + DAY
    for peak in scn.peaks:
        day = first_day
        while day <= last_day:
            if day.weekday() in peak.weekdays:
                start, end = daily_interval(day, peak.start, peak.end, peak.zone)
                found.append(
                    Activity(
                        "peak", peak.id, start, end, peak.min_engineers, peak.min_seniors, peak.languages
                    )
                )
            day += DAY
    for ev in scn.events:
        found.append(
            Activity("event", ev.id, ev.start, ev.end, ev.min_engineers, ev.min_seniors, ev.languages)
        )
    clipped = [clip(scn, act) for act in found]
    return [act for act in clipped if act.start < act.end]


def clip(scn: Scenario, act: Activity) -> Activity:
    start = max(act.start, scn.window_start)
    end = min(act.end, scn.window_end)
    return Activity(act.kind, act.id, start, end, act.min_engineers, act.min_seniors, act.languages)


def build_timeline(scn: Scenario, shifts: list[Shift], acts: list[Activity]) -> Timeline:
    ws, we = scn.window_start, scn.window_end
    points = {ws, we}
    hour = ws
    while hour < we:  # hour marks make every coverage hour a whole number of segments
        points.add(hour)
        hour += HOUR
    for instant in [s.start for s in shifts] + [s.end for s in shifts]:
        if ws < instant < we:
            points.add(instant)
    for act in acts:
        points.update((act.start, act.end))
    timeline = Timeline(bounds=sorted(points))
    sweep_shifts(scn, shifts, timeline)
    return timeline


def sweep_shifts(scn: Scenario, shifts: list[Shift], timeline: Timeline) -> None:
    changes = sorted(
        [(s.start, 1, s.engineer) for s in shifts if s.end > s.start]
        + [(s.end, -1, s.engineer) for s in shifts if s.end > s.start]
    )
    # Count engineers, not shifts: overlapping shifts of one engineer (already an error) count once.
    active: Counter[str] = Counter()
    engineers = seniors = 0
    speakers: Counter[str] = Counter()
    k = 0
    for bound in timeline.bounds[:-1]:
        while k < len(changes) and changes[k][0] <= bound:
            _, delta, eng_id = changes[k]
            k += 1
            before = active[eng_id] > 0
            active[eng_id] += delta
            after = active[eng_id] > 0
            if before != after:
                step = 1 if after else -1
                eng = scn.engineers[eng_id]
                engineers += step
                seniors += step if eng.level in scn.rules.senior_levels else 0
                for lang in eng.languages:
                    speakers[lang] += step
        timeline.engineers.append(engineers)
        timeline.seniors.append(seniors)
        timeline.speakers.append({lang: n for lang, n in speakers.items() if n > 0})


# ---------------------------------------------------------------------------------------------------------
# 3. gaps.csv


@dataclass
class GapRule:
    kind: str
    name: str
    required: int
    staffed: Callable[[Timeline, int], int]
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)


GapKey = tuple[str, str, str, str, int, int, int]


def gap_rules(scn: Scenario, acts: list[Activity]) -> list[GapRule]:
    def engineers(t: Timeline, i: int) -> int:
        return t.engineers[i]

    def seniors(t: Timeline, i: int) -> int:
        return t.seniors[i]

    def speakers_of(lang: str) -> Callable[[Timeline, int], int]:
        return lambda t, i: t.speakers[i].get(lang, 0)

    rules: dict[str, GapRule] = {}
    if scn.rules.p0_min_seniors > 0:
        rules["p0"] = GapRule(
            "p0", "p0", scn.rules.p0_min_seniors, seniors, [(scn.window_start, scn.window_end)]
        )
    for act in acts:
        wanted = [
            (act.kind, f"{act.id}:engineers", act.min_engineers, engineers),
            (act.kind, f"{act.id}:seniors", act.min_seniors, seniors),
        ] + [("language", f"{act.id}:{lang}", 1, speakers_of(lang)) for lang in act.languages]
        for kind, name, required, staffed in wanted:
            if required > 0:
                rule = rules.setdefault(name, GapRule(kind, name, required, staffed))
                rule.intervals.append((act.start, act.end))
    return list(rules.values())


def merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Union of intervals; touching ones join, so a gap spanning two adjacent occurrences is one row."""
    result: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return result


def expected_gaps(rules: list[GapRule], timeline: Timeline) -> list[GapKey]:
    rows: list[GapKey] = []
    for rule in rules:
        pieces: list[list[Any]] = []  # [start, end, staffed]
        for start, end in merged(rule.intervals):
            for i in timeline.segments(start, end):
                staffed = rule.staffed(timeline, i)
                if staffed >= rule.required:
                    continue
                a, b = timeline.bounds[i], timeline.bounds[i + 1]
                if pieces and pieces[-1][1] == a and pieces[-1][2] == staffed:
                    pieces[-1][1] = b
                else:
                    pieces.append([a, b, staffed])
        rows += [
            (rule.kind, rule.name, fmt_utc(a), fmt_utc(b), rule.required, s, rule.required - s)
            for a, b, s in pieces
        ]
    return sorted(rows, key=lambda r: (KIND_ORDER[r[0]], r[1], r[2]))


def check_gaps(expected: list[GapKey], records: list[dict[str, str]], problems: list[str]) -> list[GapKey]:
    """Compares rows as a multiset; returns the file's rows (used for summary.gap_minutes)."""
    found: list[tuple[int, GapKey]] = []
    previous: tuple[int, str, str] | None = None
    for n, rec in enumerate(records, start=1):
        where = f"gaps.csv row {n}"
        if not rec["reason"]:
            problems.append(f"{where}: reason is empty")
        if rec["kind"] not in KIND_ORDER:
            problems.append(f"{where}: unknown kind {rec['kind']!r}")
            continue
        required, staffed, shortfall = (to_int(rec[c]) for c in ("required", "staffed", "shortfall"))
        if required is None or staffed is None or shortfall is None:
            problems.append(f"{where}: required, staffed and shortfall must be integers")
            continue
        found.append(
            (n, (rec["kind"], rec["rule"], rec["start_utc"], rec["end_utc"], required, staffed, shortfall))
        )
        order = (KIND_ORDER[rec["kind"]], rec["rule"], rec["start_utc"])
        if previous is not None and order < previous:
            problems.append(f"{where}: not sorted by kind (p0, event, peak, language), rule, start_utc")
        previous = order
    unmatched = Counter(expected)
    for n, key in found:
        if unmatched[key] > 0:
            unmatched[key] -= 1
        else:
            problems.append(f"gaps.csv row {n}: no such gap {','.join(map(str, key))}")
    for key in expected:
        if unmatched[key] > 0:
            unmatched[key] -= 1
            problems.append(f"gaps.csv: missing row {','.join(map(str, key))}")
    return [key for _, key in found]


def to_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def gap_minutes(rows: Iterable[GapKey]) -> dict[str, int]:
    totals = {kind: 0 for kind in KIND_ORDER}
    for kind, _, start, end, *_ in rows:
        a, b = parse_utc(start), parse_utc(end)
        if kind in totals and a is not None and b is not None:
            totals[kind] += round((b - a).total_seconds() / 60)
    return totals


# ---------------------------------------------------------------------------------------------------------
# 4. coverage.csv


def expected_coverage(scn: Scenario, timeline: Timeline, acts: list[Activity]) -> list[list[str]]:
    n = len(timeline.bounds) - 1
    # Per segment: largest requirement of each column among the activities covering it.
    need = {col: [0] * n for col in COVERAGE_HEADER[4:8]}
    langs_required: list[set[str]] = [set() for _ in range(n)]
    for act in acts:
        eng_col, sen_col = (
            ("peak_engineers_required", "peak_seniors_required")
            if act.kind == "peak"
            else ("event_engineers_required", "event_seniors_required")
        )
        for i in timeline.segments(act.start, act.end):
            need[eng_col][i] = max(need[eng_col][i], act.min_engineers)
            need[sen_col][i] = max(need[sen_col][i], act.min_seniors)
            langs_required[i].update(act.languages)
    rows = []
    hour = scn.window_start
    while hour < scn.window_end:
        seg = timeline.segments(hour, hour + HOUR)
        present = set.intersection(*(set(timeline.speakers[i]) for i in seg))
        rows.append(
            [
                fmt_utc(hour),
                str(min(timeline.engineers[i] for i in seg)),
                str(min(timeline.seniors[i] for i in seg)),
                str(max(scn.rules.p0_min_seniors, 0)),
                *(str(max(need[col][i] for i in seg)) for col in COVERAGE_HEADER[4:8]),
                ";".join(sorted(set().union(*(langs_required[i] for i in seg)))),
                ";".join(sorted(present)),
            ]
        )
        hour += HOUR
    return rows


def check_coverage(expected: list[list[str]], records: list[dict[str, str]], problems: list[str]) -> None:
    if len(records) != len(expected):
        problems.append(f"coverage.csv: {len(records)} rows, expected {len(expected)} (one per window hour)")
    for n, (rec, want) in enumerate(zip(records, expected, strict=False), start=1):
        where = f"coverage.csv row {n} ({want[0]})"
        for column, value in zip(COVERAGE_HEADER, want, strict=True):
            got = rec[column]
            if column.startswith("languages"):
                normal = ";".join(sorted(split_languages(got)))
                if normal == value and got != normal:
                    problems.append(f"{where}: {column} {got!r} is not sorted and joined by ';'")
                got = normal
            if got != value:
                problems.append(f"{where}: {column} is {rec[column]!r}, expected {value!r}")


# ---------------------------------------------------------------------------------------------------------
# 5. summary.json


def check_summary(
    scn: Scenario,
    path: Path,
    shifts: list[Shift],
    assignment_records: list[dict[str, str]],
    file_gaps: list[GapKey] | None,
    expected: list[GapKey],
    problems: list[str],
) -> None:
    if not path.exists():
        problems.append("summary.json: file is missing")
        return
    try:
        summary = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        problems.append(f"summary.json: not valid JSON ({exc})")
        return
    if not isinstance(summary, dict):
        problems.append("summary.json: top level is not an object")
        return
    check_summary_window(scn, summary.get("window"), problems)
    if file_gaps is not None:
        check_gap_minutes(summary.get("gap_minutes"), gap_minutes(file_gaps), problems)
    window_minutes = (scn.window_end - scn.window_start).total_seconds() / 60
    p0_pct = 100 * (window_minutes - gap_minutes(expected)["p0"]) / window_minutes
    got_pct = summary.get("p0_coverage_pct")
    if not is_number(got_pct) or abs(got_pct - p0_pct) > PCT_TOLERANCE:
        problems.append(f"summary.json: p0_coverage_pct is {got_pct!r}, expected {p0_pct:.2f}")
    check_summary_engineers(scn, summary.get("engineers"), shifts, assignment_records, problems)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_summary_window(scn: Scenario, window: Any, problems: list[str]) -> None:
    want = {
        "start_utc": fmt_utc(scn.window_start),
        "end_utc": fmt_utc(scn.window_end),
        "minutes": round((scn.window_end - scn.window_start).total_seconds() / 60),
    }
    if not isinstance(window, dict):
        problems.append("summary.json: window is missing")
        return
    for key, value in want.items():
        if window.get(key) != value:
            problems.append(f"summary.json: window.{key} is {window.get(key)!r}, expected {value!r}")


def check_gap_minutes(got: Any, want: dict[str, int], problems: list[str]) -> None:
    if not isinstance(got, dict):
        problems.append("summary.json: gap_minutes is missing")
        return
    for kind, minutes in want.items():
        if got.get(kind) != minutes:
            problems.append(
                f"summary.json: gap_minutes.{kind} is {got.get(kind)!r}, gaps.csv rows add up to {minutes}"
            )


def check_summary_engineers(
    scn: Scenario, got: Any, shifts: list[Shift], records: list[dict[str, str]], problems: list[str]
) -> None:
    if not isinstance(got, dict):
        problems.append("summary.json: engineers is missing")
        return
    counts: Counter[str] = Counter(rec["engineer"] for rec in records)
    # Accept either the exact elapsed total or the sum of the rounded hours column: both are honest totals.
    exact: dict[str, float] = defaultdict(float)
    for shift in shifts:
        exact[shift.engineer] += (shift.end - shift.start).total_seconds() / 3600
    rounded: dict[str, float] = defaultdict(float)
    for rec in records:
        rounded[rec["engineer"]] += to_float(rec["hours"])
    for eng_id in sorted(set(counts) | set(got)):
        where = f"summary.json: engineers.{eng_id}"
        entry = got.get(eng_id)
        if eng_id not in scn.engineers:
            problems.append(f"{where}: not an engineer of engineers.csv")
        elif not isinstance(entry, dict):
            problems.append(f"{where} is not an object (assignments.csv has {counts[eng_id]} shifts)")
        else:
            if entry.get("shifts") != counts[eng_id]:
                problems.append(
                    f"{where}.shifts is {entry.get('shifts')!r}, assignments.csv has {counts[eng_id]}"
                )
            hours = entry.get("hours")
            if not is_number(hours) or min(abs(hours - exact[eng_id]), abs(hours - rounded[eng_id])) > (
                HOURS_TOLERANCE + 1e-9
            ):
                problems.append(f"{where}.hours is {hours!r}, assignments.csv adds up to {exact[eng_id]:.2f}")


def to_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


# ---------------------------------------------------------------------------------------------------------
# Entry points


def run_checks(scenario_dir: Path, result_dir: Path, history_file: Path | None = None) -> tuple[list[str], Counts]:
    """`history_file`: published shifts around the window to check the seams against (default: the result's own
    history.csv, when it was solved with one)."""
    scn = load_scenario(Path(scenario_dir))
    result_dir = Path(result_dir)
    problems: list[str] = []
    counts = Counts()
    check_scenario_times(scn, problems)
    assignment_records = read_result_csv(result_dir / "assignments.csv", ASSIGNMENTS_HEADER, problems) or []
    shifts = check_assignments(scn, assignment_records, problems)
    counts.shifts = len(assignment_records)
    history_file = history_file or (result_dir / "history.csv")
    history = read_history(scn, history_file, problems) if history_file.is_file() else []
    counts.published = len(history)
    check_hard_rules(scn, shifts, problems, history)

    acts = activities(scn)
    timeline = build_timeline(scn, shifts, acts)
    expected = expected_gaps(gap_rules(scn, acts), timeline)
    gap_records = read_result_csv(result_dir / "gaps.csv", GAPS_HEADER, problems)
    file_gaps = None if gap_records is None else check_gaps(expected, gap_records, problems)
    counts.gap_rows = len(gap_records or [])

    coverage_records = read_result_csv(result_dir / "coverage.csv", COVERAGE_HEADER, problems)
    if coverage_records is not None:
        check_coverage(expected_coverage(scn, timeline, acts), coverage_records, problems)
        counts.coverage_hours = len(coverage_records)

    check_summary(scn, result_dir / "summary.json", shifts, assignment_records, file_gaps, expected, problems)
    return problems, counts


def check_rota(scenario_dir: Path, result_dir: Path, history_file: Path | None = None) -> list[str]:
    """Every problem of the result folder against its scenario folder; an empty list means valid."""
    return run_checks(scenario_dir, result_dir, history_file)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rota.checker", description="Check a rota result folder against its scenario folder."
    )
    parser.add_argument("scenario_dir", type=Path)
    parser.add_argument("result_dir", type=Path)
    parser.add_argument("--history", type=Path, help="published shifts (history.csv columns) to check the seams with")
    args = parser.parse_args(argv)
    problems, counts = run_checks(args.scenario_dir, args.result_dir, args.history)
    if problems:
        print("\n".join(problems))
        return 1
    print(
        f"OK: {counts.shifts} shifts, {counts.gap_rows} gap rows, {counts.coverage_hours} coverage hours, "
        "summary.json checked" + (f", seams checked against {counts.published} published shifts" if counts.published
                                  else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
