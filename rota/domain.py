"""The entities of a rota scenario, in the words support managers use.

Plain frozen dataclasses: the engine works on these, never on DataFrames or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Literal

Level = Literal["L1", "L2", "L3"]
HolidayPolicy = Literal["off", "avoid", "ignore"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LEVELS = ("L1", "L2", "L3")


@dataclass(frozen=True)
class Rules:
    p0_min_seniors: int = 1
    senior_levels: tuple[str, ...] = ("L2", "L3")
    min_rest_hours: float = 11
    max_hours_per_week: float = 48
    max_consecutive_days: int = 5
    public_holidays: HolidayPolicy = "avoid"


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    timezone: str
    country: str
    subdivision: str = ""


@dataclass(frozen=True)
class WallTime:
    """A local wall-clock time; 24:00 is allowed as an end and means the next midnight."""

    hour: int
    minute: int

    @property
    def minutes(self) -> int:
        return self.hour * 60 + self.minute

    def on(self, day: date) -> tuple[date, time]:
        """The (date, time) this wall time denotes on `day`, folding 24:00 into the next day."""
        if self.hour == 24:
            return day + timedelta(days=1), time(0, 0)
        return day, time(self.hour, self.minute)

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class ShiftTemplate:
    id: str
    start: WallTime
    end: WallTime
    centres: tuple[str, ...]  # resolved: never empty

    @property
    def overnight(self) -> bool:
        return self.end.minutes <= self.start.minutes


@dataclass(frozen=True)
class Peak:
    id: str
    name: str
    timezone: str
    days: tuple[str, ...]
    start: WallTime
    end: WallTime
    min_engineers: int
    min_seniors: int = 0
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    timezone: str
    start: datetime  # naive local date-time in `timezone`
    end: datetime
    min_engineers: int
    min_seniors: int = 0
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Engineer:
    id: str
    name: str
    centre: str
    level: str
    languages: tuple[str, ...] = ()
    max_hours_per_week: float | None = None
    email: str = ""


@dataclass(frozen=True)
class Leave:
    engineer: str
    start: date
    end: date  # inclusive
    reason: str = ""

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Pin:
    engineer: str
    date: date
    shift: str  # a shift id, or OFF

    OFF = "off"


@dataclass(frozen=True)
class PublishedShift:
    """A shift already in the published rota (UTC instants as published): a fixed fact for the next plan."""

    engineer: str
    date: date  # local date of the engineer's centre
    shift: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class History:
    """What is already published around a plan's window: its shifts outside the window are fixed facts for the rest,
    consecutive-day and weekly-cap rules at the seams, and those of the look-back before it count towards fairness."""

    shifts: tuple[PublishedShift, ...]  # outside the window only, sorted by start
    source: str = ""  # where it came from, for people ("store version 4", a file)
    lookback_days: int = 183


@dataclass(frozen=True)
class Scenario:
    name: str
    start: date
    days: int
    rules: Rules
    centres: tuple[Centre, ...]
    shifts: tuple[ShiftTemplate, ...]
    engineers: tuple[Engineer, ...]
    peaks: tuple[Peak, ...] = ()
    events: tuple[Event, ...] = ()
    leave: tuple[Leave, ...] = ()
    pins: tuple[Pin, ...] = ()
    source: str = ""
    history: History | None = None  # not a file of the scenario: attached by whoever knows the published rota

    # Lookups by id, cached on the instance (not fields: `dataclasses.replace` builds a new instance without them)
    @cached_property
    def _centres(self) -> dict[str, Centre]:
        return {c.id: c for c in self.centres}

    @cached_property
    def _engineers(self) -> dict[str, Engineer]:
        return {e.id: e for e in self.engineers}

    @cached_property
    def _shifts(self) -> dict[str, ShiftTemplate]:
        return {t.id: t for t in self.shifts}

    def centre(self, centre_id: str) -> Centre:
        return self._centres[centre_id]

    def engineer(self, engineer_id: str) -> Engineer:
        return self._engineers[engineer_id]

    def shift(self, shift_id: str) -> ShiftTemplate:
        return self._shifts[shift_id]

    def is_senior(self, engineer: Engineer) -> bool:
        return engineer.level in self.rules.senior_levels

    def weekly_cap(self, engineer: Engineer) -> float:
        if engineer.max_hours_per_week is None:
            return self.rules.max_hours_per_week
        return engineer.max_hours_per_week

    def zone_of(self, engineer: Engineer) -> str:
        return self.centre(engineer.centre).timezone
