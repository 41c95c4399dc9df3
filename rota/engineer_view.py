"""The published rota as the people who do not solve see it: an engineer's upcoming shifts in their zone, who hands
over to them and whom they hand over to, their load against their fair share; and the published rota's slots, which a
viewer's Coverage and People pages analyse. Plain functions, no streamlit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from rota import fairness
from rota.ical import CONFIRMED, CalendarEvent, ShiftContent
from rota.report import Shifts
from rota.slots import Plan, Slot

# A colleague whose shift ends (or starts) this close to the edge of yours hands over to (or from) you; one who
# overlaps you for longer is working beside you.
HANDOVER = timedelta(hours=2)
SHIFT_COLUMNS = ["date", "shift", "start", "end", "from", "to"]
SHARE_COLUMNS = ["metric", "yours", "fair share", "group"]
_METRICS = {"hours": "Hours", "night_shifts": "Night shifts", "weekend_shifts": "Weekend shifts",
            "holiday_shifts": "Holiday shifts", "peak_shifts": "Peak shifts"}


def upcoming(events: Iterable[CalendarEvent], engineer: str, zone: str, names: dict[str, str], now: datetime
             ) -> pd.DataFrame:
    """The engineer's confirmed shifts not yet over, in their zone, each with who hands over to them (from) and to
    whom they hand over (to), by name and centre."""
    shifts = [e.content for e in events if e.status == CONFIRMED]
    tz = ZoneInfo(zone)
    rows = []
    for mine in sorted((s for s in shifts if s.engineer == engineer and s.end > now), key=lambda s: s.start):
        others = [s for s in shifts if s.engineer != engineer]
        before = [s for s in others if s.start < mine.start <= s.end <= min(mine.end, mine.start + HANDOVER)]
        after = [s for s in others if max(mine.start, mine.end - HANDOVER) <= s.start <= mine.end < s.end]
        rows.append({"date": mine.date, "shift": mine.shift, "start": f"{mine.start.astimezone(tz):%a %d %b %H:%M}",
                     "end": f"{mine.end.astimezone(tz):%a %d %b %H:%M}", "from": _people(before, names),
                     "to": _people(after, names)})
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


def _people(shifts: list[ShiftContent], names: dict[str, str]) -> str:
    return ", ".join(dict.fromkeys(f"{names.get(s.engineer, s.engineer)} ({s.centre})" for s in shifts)) or "—"


def slots_of(plan: Plan, published: Shifts) -> list[Slot]:
    """The plan's slots that a published rota works (a shift of an engineer or template the plan lacks is left out)."""
    return [s for slots in plan.slots_by_engineer.values() for s in slots
            if (s.engineer, s.date.isoformat(), s.shift) in published]


def share(plan: Plan, published: Shifts, engineer: str) -> pd.DataFrame:
    """The engineer's load in the published rota against their fair share of their group's (centre and level),
    per metric; the share as the band that the solver counts as fair (rota.fairness)."""
    person = plan.engineers[engineer]
    members = [e.id for e in plan.scenario.engineers if (e.centre, e.level) == (person.centre, person.level)]
    chosen = [s for s in slots_of(plan, published) if s.engineer in members]
    bands = fairness.bands(plan, members, chosen)
    load = fairness.loads(s for s in chosen if s.engineer == engineer)
    group = f"{person.centre}/{person.level} ({'only you' if len(members) == 1 else f'{len(members)} people'})"
    rows = []
    for name, label in _METRICS.items():
        low, high = bands[engineer, name]
        if name == "hours":  # minutes in the model; hours for people
            rows.append({"metric": label, "yours": f"{load[name] / 60:g}",
                         "fair share": f"{max(0, low) / 60:.0f}–{high / 60:.0f}", "group": group})
        else:
            rows.append({"metric": label, "yours": str(load[name]),
                         "fair share": f"{low}" if low == high else f"{low}–{high}", "group": group})
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)
