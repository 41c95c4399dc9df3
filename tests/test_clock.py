"""Tests of the one time rule (rota/clock.py): local wall time to UTC instants and real durations.

Every expected instant is worked out by hand from the zone's offset on that day and written as a literal UTC
datetime; the comments show the arithmetic. 2027 switches: US/Canada 14 Mar and 7 Nov, EU 28 Mar and 31 Oct,
Sydney ends DST 4 Apr.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from rota.clock import (
    Interval,
    local_dates,
    local_to_utc,
    night_minutes,
    peak_occurrences,
    shift_interval,
    utc_offset,
    wall_to_utc,
    window,
)
from rota.domain import WEEKDAYS, Peak, ShiftTemplate, WallTime

TORONTO = "America/Toronto"
NEW_YORK = "America/New_York"
LONDON = "Europe/London"
DUBLIN = "Europe/Dublin"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"
SINGAPORE = "Asia/Singapore"
ST_JOHNS = "America/St_Johns"

CENTRES = ("c",)
NIGHT = ShiftTemplate("night", WallTime(22, 0), WallTime(6, 0), CENTRES)
HOURS_7 = 7 * 60
HOURS_9 = 9 * 60
MARCH_WINDOW = window(date(2027, 3, 1), 2)  # [2027-03-01 00:00Z, 2027-03-03 00:00Z); 1 March 2027 is a Monday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shift(start: WallTime, end: WallTime) -> ShiftTemplate:
    return ShiftTemplate("s", start, end, CENTRES)


def peak(start: WallTime, end: WallTime, days: tuple[str, ...] = WEEKDAYS) -> Peak:
    return Peak("p", "Peak", SINGAPORE, days, start, end, min_engineers=1)


# --- DST nights: durations are real elapsed time ------------------------------------------------------------------


def test_night_shift_on_spring_forward_night_lasts_7_hours() -> None:
    # 22:00 EST (-5) on 13 Mar = 03:00Z; 06:00 EDT (-4) on 14 Mar = 10:00Z.
    span = shift_interval(NIGHT, date(2027, 3, 13), TORONTO)
    assert span == Interval(utc(2027, 3, 14, 3), utc(2027, 3, 14, 10))
    assert span.minutes == HOURS_7


def test_night_shift_on_fall_back_night_lasts_9_hours() -> None:
    # 22:00 EDT (-4) on 6 Nov = 02:00Z on 7 Nov; 06:00 EST (-5) on 7 Nov = 11:00Z.
    span = shift_interval(NIGHT, date(2027, 11, 6), TORONTO)
    assert span == Interval(utc(2027, 11, 7, 2), utc(2027, 11, 7, 11))
    assert span.minutes == HOURS_9


def test_night_shift_on_dublin_fall_back_night_lasts_9_hours() -> None:
    # 22:00 IST (+1) on 30 Oct = 21:00Z; 06:00 GMT (+0) on 31 Oct = 06:00Z.
    span = shift_interval(NIGHT, date(2027, 10, 30), DUBLIN)
    assert span == Interval(utc(2027, 10, 30, 21), utc(2027, 10, 31, 6))
    assert span.minutes == HOURS_9


def test_sydney_night_shift_when_southern_dst_ends_lasts_9_hours() -> None:
    # 22:00 AEDT (+11) on 3 Apr = 11:00Z; 06:00 AEST (+10) on 4 Apr = 20:00Z on 3 Apr.
    span = shift_interval(NIGHT, date(2027, 4, 3), SYDNEY)
    assert span == Interval(utc(2027, 4, 3, 11), utc(2027, 4, 3, 20))
    assert span.minutes == HOURS_9


# --- skipped and ambiguous wall times -------------------------------------------------------------------------------


def test_skipped_time_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist on 14 Mar in New York; it means 03:30 EDT (-4) = 07:30Z.
    assert local_to_utc(date(2027, 3, 14), time(2, 30), NEW_YORK) == utc(2027, 3, 14, 7, 30)


def test_shift_starting_in_the_skipped_hour() -> None:
    # 02:30 → 07:30Z as above; 10:30 EDT (-4) = 14:30Z: the 8 h wall-clock shift lasts 7 h.
    span = shift_interval(shift(WallTime(2, 30), WallTime(10, 30)), date(2027, 3, 14), NEW_YORK)
    assert span == Interval(utc(2027, 3, 14, 7, 30), utc(2027, 3, 14, 14, 30))
    assert span.minutes == HOURS_7


def test_ambiguous_time_is_its_first_occurrence() -> None:
    # 01:30 happens twice on 7 Nov in New York; the first is EDT (-4) = 05:30Z (the second would be 06:30Z).
    assert local_to_utc(date(2027, 11, 7), time(1, 30), NEW_YORK) == utc(2027, 11, 7, 5, 30)


def test_shift_starting_in_the_ambiguous_hour() -> None:
    # 01:30 EDT = 05:30Z; 09:30 EST (-5) = 14:30Z: the 8 h wall-clock shift lasts 9 h.
    span = shift_interval(shift(WallTime(1, 30), WallTime(9, 30)), date(2027, 11, 7), NEW_YORK)
    assert span == Interval(utc(2027, 11, 7, 5, 30), utc(2027, 11, 7, 14, 30))
    assert span.minutes == HOURS_9


# --- offsets between zones ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "new_york", "london", "nine_in_new_york", "nine_in_london"),
    [
        # 20 Mar: New York already EDT (-4), London still GMT (+0): 4 h apart.
        (date(2027, 3, 20), "UTC-04:00", "UTC+00:00", utc(2027, 3, 20, 13), utc(2027, 3, 20, 9)),
        # 10 Apr: EDT (-4) and BST (+1): the usual 5 h.
        (date(2027, 4, 10), "UTC-04:00", "UTC+01:00", utc(2027, 4, 10, 13), utc(2027, 4, 10, 8)),
    ],
)
def test_new_york_and_london_are_4_hours_apart_between_the_switches(
    day: date, new_york: str, london: str, nine_in_new_york: datetime, nine_in_london: datetime
) -> None:
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    assert (utc_offset(NEW_YORK, noon), utc_offset(LONDON, noon)) == (new_york, london)
    assert wall_to_utc(day, WallTime(9, 0), NEW_YORK) == nine_in_new_york
    assert wall_to_utc(day, WallTime(9, 0), LONDON) == nine_in_london


def test_kolkata_half_hour_offset() -> None:
    # IST is +05:30 all year: 09:00 = 03:30Z, 18:00 = 12:30Z.
    span = shift_interval(shift(WallTime(9, 0), WallTime(18, 0)), date(2027, 3, 1), KOLKATA)
    assert span == Interval(utc(2027, 3, 1, 3, 30), utc(2027, 3, 1, 12, 30))
    assert utc_offset(KOLKATA, utc(2027, 3, 1)) == "UTC+05:30"


def test_negative_half_hour_offset_is_written_with_its_sign() -> None:
    assert utc_offset(ST_JOHNS, utc(2027, 1, 15)) == "UTC-03:30"  # Newfoundland Standard Time


# --- 24:00, windows, peaks -----------------------------------------------------------------------------------------


def test_end_at_24_00_is_the_next_midnight() -> None:
    # 24:00 on 13 Mar in Toronto = 00:00 EST (-5) on 14 Mar = 05:00Z; 15:00 EST = 20:00Z.
    assert wall_to_utc(date(2027, 3, 13), WallTime(24, 0), TORONTO) == utc(2027, 3, 14, 5)
    span = shift_interval(shift(WallTime(15, 0), WallTime(24, 0)), date(2027, 3, 13), TORONTO)
    assert span == Interval(utc(2027, 3, 13, 20), utc(2027, 3, 14, 5))


def test_window_is_whole_utc_days() -> None:
    span = window(date(2027, 3, 1), 28)
    assert span == Interval(utc(2027, 3, 1), utc(2027, 3, 29))
    assert span.minutes == 28 * 24 * 60


def test_peak_occurrences_are_clipped_to_the_window() -> None:
    # 06:00–10:00 SGT (+8) = 22:00Z the day before to 02:00Z; the window cuts the first and the last.
    occurrences = peak_occurrences(peak(WallTime(6, 0), WallTime(10, 0)), MARCH_WINDOW)
    assert occurrences == [
        Interval(utc(2027, 3, 1, 0), utc(2027, 3, 1, 2)),
        Interval(utc(2027, 3, 1, 22), utc(2027, 3, 2, 2)),
        Interval(utc(2027, 3, 2, 22), utc(2027, 3, 3, 0)),
    ]


def test_peak_ending_at_24_00_on_its_weekdays_only() -> None:
    # Mondays 20:00–24:00 SGT = 12:00Z–16:00Z; the next Monday (8 Mar) is after the 7-day window.
    occurrences = peak_occurrences(peak(WallTime(20, 0), WallTime(24, 0), ("mon",)), window(date(2027, 3, 1), 7))
    assert occurrences == [Interval(utc(2027, 3, 1, 12), utc(2027, 3, 1, 16))]


# --- night minutes and local dates --------------------------------------------------------------------------------


def test_night_minutes_across_the_spring_forward_night() -> None:
    # 18:00 EST on 13 Mar = 23:00Z to 07:00 EDT on 14 Mar = 11:00Z (12 h); the night 22:00 EST–06:00 EDT is
    # 03:00Z–10:00Z: 7 h, not 8.
    span = shift_interval(shift(WallTime(18, 0), WallTime(7, 0)), date(2027, 3, 13), TORONTO)
    assert span == Interval(utc(2027, 3, 13, 23), utc(2027, 3, 14, 11))
    assert night_minutes(span, TORONTO) == HOURS_7


def test_night_minutes_of_a_day_shift_are_zero() -> None:
    span = shift_interval(shift(WallTime(8, 0), WallTime(17, 0)), date(2027, 3, 14), TORONTO)
    assert night_minutes(span, TORONTO) == 0


def test_night_minutes_span_two_nights() -> None:
    # 04:00–23:00 SGT: 2 h of the night before (04:00–06:00) and 1 h of the night after (22:00–23:00).
    span = shift_interval(shift(WallTime(4, 0), WallTime(23, 0)), date(2027, 3, 1), SINGAPORE)
    assert night_minutes(span, SINGAPORE) == 3 * 60


@pytest.mark.parametrize(
    ("tz", "pad", "first", "last"),
    [
        # 00:00Z 1 Mar = 08:00 SGT 1 Mar; just before 00:00Z 3 Mar = 07:59 SGT 3 Mar.
        (SINGAPORE, 0, date(2027, 3, 1), date(2027, 3, 3)),
        (SINGAPORE, 1, date(2027, 2, 28), date(2027, 3, 4)),
        # 00:00Z 1 Mar = 19:00 EST 28 Feb; just before 00:00Z 3 Mar = 18:59 EST 2 Mar.
        (TORONTO, 0, date(2027, 2, 28), date(2027, 3, 2)),
        (TORONTO, 2, date(2027, 2, 26), date(2027, 3, 4)),
        # London is UTC in March before the switch: the end is exclusive, so 3 Mar is not met.
        (LONDON, 0, date(2027, 3, 1), date(2027, 3, 2)),
    ],
)
def test_local_dates_with_a_pad(tz: str, pad: int, first: date, last: date) -> None:
    days = local_dates(MARCH_WINDOW, tz, pad=pad)
    assert (days[0], days[-1], len(days)) == (first, last, (last - first).days + 1)


def test_plan_knows_which_shifts_meet_a_peak() -> None:
    from rota.slots import Plan
    from tests.builders import DAY_1, engineer, peak, scenario, shift

    evening = peak("eve", "18:00", "20:00")
    plan = Plan(scenario([engineer("ana")], [shift("day", "08:00", "16:00"), shift("late", "16:00", "24:00"),
                                             shift("edge", "20:00", "22:00")], peaks=(evening,)))
    met = {s.shift: s.peak for s in plan.slots if s.date == DAY_1}
    assert met == {"day": False, "late": True, "edge": False}  # 20:00 start touches 20:00 end: no overlap
