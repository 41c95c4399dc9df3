"""Local wall time to real time, the one rule rota uses everywhere.

A wall time becomes an instant through its IANA zone with PEP 495 ``fold=0``: an ambiguous time (fall-back) is its
first occurrence; a skipped time (spring-forward) moves forward by the gap, so 02:30 on the US spring-forward night is
03:30 EDT. Instants are held in UTC; durations are real elapsed time.

>>> local_to_utc(date(2027, 3, 14), time(2, 30), "America/New_York").isoformat()
'2027-03-14T07:30:00+00:00'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from rota.domain import WEEKDAYS, Event, Peak, ShiftTemplate, WallTime

NIGHT_START = time(22, 0)
NIGHT_END = time(6, 0)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def wall_to_utc(day: date, wall: WallTime, tz: str) -> datetime:
    d, t = wall.on(day)
    return local_to_utc(d, t, tz)


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(instant: datetime, tz: str) -> str:
    return instant.astimezone(zone(tz)).isoformat()


@dataclass(frozen=True)
class Interval:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def clip(self, other: Interval) -> Interval | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Interval(start, end) if start < end else None


def window(start: date, days: int) -> Interval:
    first = datetime.combine(start, time(0), tzinfo=UTC)
    return Interval(first, first + timedelta(days=days))


def local_dates(span: Interval, tz: str, pad: int = 0) -> list[date]:
    """Every local date in `tz` that meets `span`, widened by `pad` days on each side."""
    first = span.start.astimezone(zone(tz)).date() - timedelta(days=pad)
    last = (span.end - timedelta(microseconds=1)).astimezone(zone(tz)).date() + timedelta(days=pad)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def shift_interval(template: ShiftTemplate, day: date, tz: str) -> Interval:
    """The real interval of `template` worked from local date `day` in zone `tz`."""
    end_day = day + timedelta(days=1) if template.overnight else day
    return Interval(wall_to_utc(day, template.start, tz), wall_to_utc(end_day, template.end, tz))


def night_minutes(span: Interval, tz: str) -> int:
    """Minutes of `span` inside local 22:00–06:00, measured in real time (a 7 h night stays 7 h)."""
    total = 0
    for day in local_dates(span, tz, pad=1):
        night = Interval(local_to_utc(day, NIGHT_START, tz), local_to_utc(day + timedelta(days=1), NIGHT_END, tz))
        part = night.clip(span)
        if part:
            total += part.minutes
    return total


def peak_occurrences(peak: Peak, within: Interval) -> list[Interval]:
    """Each occurrence of a recurring peak, in real time, clipped to `within`."""
    out = []
    overnight = peak.end.minutes <= peak.start.minutes
    for day in local_dates(within, peak.timezone, pad=1):
        if WEEKDAYS[day.weekday()] not in peak.days:
            continue
        end_day = day + timedelta(days=1) if overnight else day
        span = Interval(wall_to_utc(day, peak.start, peak.timezone), wall_to_utc(end_day, peak.end, peak.timezone))
        part = span.clip(within)
        if part:
            out.append(part)
    return out


def event_window(event: Event, within: Interval) -> Interval | None:
    tz = zone(event.timezone)
    span = Interval(
        event.start.replace(tzinfo=tz).astimezone(UTC), event.end.replace(tzinfo=tz).astimezone(UTC)
    )
    return span.clip(within)


def days_between(first: date, last: date) -> Iterator[date]:
    for i in range((last - first).days + 1):
        yield first + timedelta(days=i)


def utc_offset(tz: str, at: datetime) -> str:
    """'UTC+05:30' style offset of `tz` at instant `at`."""
    offset = at.astimezone(zone(tz)).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
