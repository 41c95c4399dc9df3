"""Tiny scenarios built in code, for tests that check one rule at a time."""

from __future__ import annotations

from datetime import date, datetime

from rota.domain import Centre, Engineer, Event, Leave, Peak, Pin, Rules, Scenario, ShiftTemplate, WallTime
from rota.scenario import parse_wall_time

DAY_1 = date(2027, 3, 1)  # a Monday
UTC_CENTRE = Centre("utc", "Reykjavik", "Atlantic/Reykjavik", "IS")  # UTC all year: wall time == UTC


def shift(ident: str, start: str, end: str, centres: tuple[str, ...] = ("utc",)) -> ShiftTemplate:
    return ShiftTemplate(ident, _wall(start), _wall(end), centres)


def _wall(text: str) -> WallTime:
    return parse_wall_time(text)


def engineer(ident: str, level: str = "L2", centre: str = "utc", languages: tuple[str, ...] = ("en",),
             cap: float | None = None) -> Engineer:
    return Engineer(ident, ident.title(), centre, level, languages, cap)


def scenario(engineers: list[Engineer], shifts: list[ShiftTemplate], *, days: int = 1, start: date = DAY_1,
             centres: tuple[Centre, ...] = (UTC_CENTRE,), rules: Rules | None = None, leave: tuple[Leave, ...] = (),
             pins: tuple[Pin, ...] = (), peaks: tuple[Peak, ...] = (), events: tuple[Event, ...] = ()) -> Scenario:
    return Scenario(name="test", start=start, days=days, rules=rules or Rules(min_rest_hours=0, max_hours_per_week=168,
                                                                              max_consecutive_days=31),
                    centres=centres, shifts=tuple(shifts), engineers=tuple(engineers), peaks=peaks, events=events,
                    leave=leave, pins=pins)


def peak(ident: str, start: str, end: str, *, engineers: int = 0, seniors: int = 0, languages: tuple[str, ...] = (),
         tz: str = "UTC", days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")) -> Peak:
    return Peak(ident, ident, tz, days, _wall(start), _wall(end), engineers, seniors, languages)


def event(ident: str, start: datetime, end: datetime, *, engineers: int = 0, seniors: int = 0,
          tz: str = "UTC") -> Event:
    return Event(ident, ident, tz, start, end, engineers, seniors)
