"""An engineer's own view (rota.engineer_view) of a published rota: the golden result's shifts, as stored."""

from __future__ import annotations

from datetime import UTC, datetime

from rota.engineer_view import share, upcoming
from rota.ical import CANCELLED, CONFIRMED, CalendarEvent, shifts_from_result
from rota.result import load_result
from rota.slots import Plan
from tests.calendars import GOLDEN_RESULT

NAMES = {"asha": "Asha Rao", "dev": "Dev Iyer", "ciara": "Ciara"}


def events(cancel: str = "") -> list[CalendarEvent]:
    stamp = datetime(2027, 3, 1, tzinfo=UTC)
    return [CalendarEvent(c, CANCELLED if c.uid == cancel else CONFIRMED, 0, stamp)
            for c in shifts_from_result(load_result(GOLDEN_RESULT))]


def test_upcoming_shifts_in_the_engineers_zone_with_their_handovers():
    frame = upcoming(events(), "asha", "Asia/Kolkata", NAMES, datetime(2027, 3, 1, tzinfo=UTC))
    assert list(frame["date"]) == ["2027-03-27", "2027-03-28"] and set(frame["shift"]) == {"blr-day"}
    assert list(frame["start"]) == ["Sat 27 Mar 06:30", "Sun 28 Mar 06:30"]  # 01:00 UTC in India
    # Dev works the same hours beside her: not a handover. Dublin's late shift takes over at her end and hands the
    # night back at her start.
    assert list(frame["to"]) == ["Ciara (dub)", "Ciara (dub)"]
    assert list(frame["from"]) == ["—", "Ciara (dub)"]


def test_past_and_cancelled_shifts_are_not_upcoming():
    everything = events()
    first = next(e.content for e in everything if e.content.engineer == "asha")
    later = upcoming(everything, "asha", "Asia/Kolkata", NAMES, first.end)
    assert list(later["date"]) == ["2027-03-28"]
    cancelled = upcoming(events(cancel=first.uid), "asha", "Asia/Kolkata", NAMES, datetime(2027, 3, 1, tzinfo=UTC))
    assert list(cancelled["date"]) == ["2027-03-28"]


def test_load_against_the_fair_share_of_the_group():
    result = load_result(GOLDEN_RESULT)
    plan = Plan(result.scenario)
    published = frozenset((a.engineer.id, a.date.isoformat(), a.shift) for a in result.assignments)
    frame = share(plan, published, "asha").set_index("metric")
    # Asha is the only L3 in Bengaluru: her share of her group's work is all of it, and her load is in its band.
    assert frame.loc["Hours", "yours"] == "24" and frame.loc["Hours", "group"] == "blr/L3 (only you)"
    low, high = (int(x) for x in frame.loc["Hours", "fair share"].split("–"))
    assert low <= 24 <= high
    assert frame.loc["Weekend shifts", "yours"] == frame.loc["Weekend shifts", "fair share"] == "2"
    assert share(plan, frozenset(), "asha").set_index("metric").loc["Hours", "yours"] == "0"
