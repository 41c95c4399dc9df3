"""The data behind every table and chart of the web UI, as plain DataFrames (no streamlit here).

Each function takes the scenario, its Plan and a rota (the chosen shifts) and returns what a page draws, so the
numbers a manager sees are unit-tested like the rest of rota.

Time in the heatmap: cover is counted per real UTC hour and each hour is labelled with the local date and wall time
at which it starts in the chosen zone. A spring-forward day therefore has 23 hours: the skipped wall hour gets a cell
of its own marked "clocks skip this hour" (nobody can be on shift in an hour that does not exist). A fall-back day
has 25 real hours: the repeated wall hour is one cell holding both real hours, showing the worse of the two (fewest
seniors, every gap of either) and, on hover, who was on in each. Zones with half-hour offsets (Asia/Kolkata) label
the real hours 00:30, 01:30, ...
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

import pandas as pd

from rota import fairness, rules
from rota.clock import Interval, iso_utc, local_dates, peak_occurrences, shift_interval, wall_to_utc, zone
from rota.domain import WEEKDAYS, Pin, Scenario
from rota.report import HOUR, Gap, Timeline, counts_toward, engineer_load, find_gaps
from rota.slots import KIND_ORDER, Plan, Slot
from rota.solver import Progress

SHADES = ("P0 gap", "cover gap", "0 seniors", "1 senior", "2 seniors", "3 seniors", "4+ seniors",
          "clocks skip this hour")
GAP_KINDS = KIND_ORDER  # most severe first
METRICS = ("hours", "night_hours", "weekend_shifts", "holiday_shifts", "peak_shifts")
PIN = "◆ "  # marks a pinned cell in the pin grid (a glyph every font has)
OFF_CELL = "–"  # the solver gave no shift that day (an empty cell would read "None")
LEAVE_CELL = "leave"


# ---- one solved rota, analysed once ------------------------------------------------------------------------------


class Analysis:
    """Everything the pages show about one rota. The heatmap's data is computed right after the solve; the gaps with
    their written reasons (the slow part) only when a page asks, after the heatmap is already on screen."""

    def __init__(self, plan: Plan, chosen: list[Slot]):
        self.plan, self.chosen = plan, chosen
        self.hourly, minutes = hourly_frame(plan, chosen)
        self.load = load_frame(plan, chosen)
        window = plan.window.minutes
        self.summary = {
            "shifts": len(chosen),
            "p0_gap_minutes": minutes["p0"],
            "p0_coverage_pct": round(100 * (window - minutes["p0"]) / window, 2),
            "cover_gap_minutes": sum(v for k, v in minutes.items() if k != "p0"),
        }

    @cached_property
    def gaps(self) -> list[Gap]:
        return find_gaps(self.plan, self.chosen)


def analyse(plan: Plan, chosen: list[Slot]) -> Analysis:
    return Analysis(plan, chosen)


def _who(plan: Plan, slot: Slot) -> str:
    engineer = plan.engineers[slot.engineer]
    return f"{engineer.name} ({engineer.level}, {slot.shift})"


def hourly_frame(plan: Plan, chosen: list[Slot]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per UTC hour of the window: engineers and seniors on shift (the minimum over the hour, as coverage.csv),
    the P0 requirement, the peaks and events active, the rules short in it ("rule staffed/required") and who is on
    shift at any time in it. Also the shortfall minutes per kind (the gaps' total length, as summary.json).

    Shortfalls are found exactly as report.find_gaps finds them (each rule against the count in each elementary
    interval) but without writing reasons, which is what makes this fast enough to draw right after a solve."""
    hours = [plan.window.start + i * HOUR for i in range(plan.window.minutes // 60)]
    timeline = Timeline(plan, chosen, set(hours))
    short: dict[datetime, dict[str, tuple[str, int, int]]] = defaultdict(dict)  # hour -> rule -> (kind, staffed, req)
    minutes = dict.fromkeys(("p0", "event", "peak", "language"), 0)
    for req in plan.requirements:
        for i in timeline.indices(req.span):
            staffed = timeline.count(i, req.who)
            if staffed < req.required:
                segment = timeline.segments[i]  # inside one UTC hour: the hours are timeline points
                hour = segment.start.replace(minute=0, second=0, microsecond=0)
                seen = short[hour].get(req.rule)
                if seen is None or staffed < seen[1]:
                    short[hour][req.rule] = (req.kind, staffed, req.required)
                minutes[req.kind] += segment.minutes
    rows = []
    for hour in hours:
        span = Interval(hour, hour + HOUR)
        idx = timeline.indices(span)
        on = {slot for i in idx for slot in timeline.on_shift[i]}
        active = [r for r in plan.requirements if r.span.overlaps(span)]
        rules = short.get(hour, {})
        rows.append({
            "hour_utc": pd.Timestamp(hour),
            "engineers": min(timeline.count(i, "engineers") for i in idx),
            "seniors": min(timeline.count(i, "seniors") for i in idx),
            "p0_required": max((r.required for r in active if r.kind == "p0"), default=0),
            "peaks": ", ".join(sorted({r.rule.split(":")[0] for r in active if r.kind == "peak"})),
            "events": ", ".join(sorted({r.rule.split(":")[0] for r in active if r.kind == "event"})),
            "gap_kinds": ", ".join(k for k in KIND_ORDER if any(v[0] == k for v in rules.values())),
            "gaps": "; ".join(f"{rule} {staffed}/{required}" for rule, (_, staffed, required) in rules.items()),
            "on_shift": "; ".join(_who(plan, s) for s in sorted(on, key=lambda s: (s.span.start, s.engineer))),
        })
    return pd.DataFrame(rows), minutes


def _shade(seniors: int, gap_kinds: str) -> str:
    if "p0" in gap_kinds:
        return "P0 gap"
    if gap_kinds:
        return "cover gap"
    return SHADES[2 + min(seniors, 4)]


def heatmap_frame(hourly: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Day × hour cells in zone `tz` (see the module docstring for DST). Columns: day (ISO local date), day_label,
    hour (local wall start "HH:MM"), shade (one of SHADES), seniors, engineers, gap, peak, local, utc, gaps, on_shift.
    """
    z = zone(tz)
    cells: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for row in hourly.to_dict("records"):
        start = row["hour_utc"].to_pydatetime()
        local = start.astimezone(z)
        cells[local.date().isoformat(), f"{local:%H:%M}"].append({**row, "_local": local})
    out = []
    for (day, hour), parts in cells.items():
        seniors = min(int(p["seniors"]) for p in parts)
        kinds = ", ".join(dict.fromkeys(k for p in parts for k in str(p["gap_kinds"]).split(", ") if k))
        first, last = parts[0]["_local"], parts[-1]["_local"]
        local_text = f"{first:%a %d %b %H:%M} {first.tzname()}"
        if len(parts) > 1:  # the repeated hour of a fall-back night
            local_text += f" and again at {last:%H:%M} {last.tzname()} (clocks go back)"
        out.append({
            "day": day, "day_label": f"{first:%a %d %b}", "hour": hour, "shade": _shade(seniors, kinds),
            "seniors": seniors, "engineers": min(int(p["engineers"]) for p in parts),
            "gap": bool(kinds), "gap_kinds": kinds, "peak": any(p["peaks"] or p["events"] for p in parts),
            "peaks": ", ".join(dict.fromkeys(x for p in parts for x in (p["peaks"], p["events"]) if x)),
            "local": local_text,
            "utc": " and ".join(f"{p['hour_utc']:%H:%M}–{p['hour_utc'] + HOUR:%H:%M} UTC" for p in parts),
            "gaps": "; ".join(str(p["gaps"]) for p in parts if p["gaps"]),
            "on_shift": " | ".join(str(p["on_shift"]) for p in parts) or "nobody",
        })
    out += _skipped_hours(set(cells), tz)
    frame = pd.DataFrame(out, columns=["day", "day_label", "hour", "shade", "seniors", "engineers", "gap",
                                       "gap_kinds", "peak", "peaks", "local", "utc", "gaps", "on_shift"])
    return frame.sort_values(["day", "hour"], ignore_index=True)


def p0_shades_only(cells: pd.DataFrame) -> pd.DataFrame:
    """The heatmap with only P0 gaps shaded as gaps: other cover gaps take their seniors' shade (hours of peak gaps
    would otherwise swamp the few P0 ones)."""
    cover = cells["shade"] == "cover gap"
    return cells.assign(shade=cells["shade"].where(~cover, [SHADES[2 + min(int(n), 4)]
                                                             for n in cells["seniors"].where(cover, 0)]))


def _skipped_hours(cells: set[tuple[str, str]], tz: str) -> list[dict[str, object]]:
    """Cells for wall times that do not exist (spring forward) between the first and last cell of the map."""
    if not cells:
        return []
    labels = sorted({hour for _, hour in cells})
    ordered = sorted(cells)
    first, last = ordered[0], ordered[-1]
    out = []
    for day in sorted({d for d, _ in cells}):
        for hour in labels:
            if (day, hour) in cells or not first < (day, hour) < last:
                continue
            wall = datetime.combine(date.fromisoformat(day), datetime.strptime(hour, "%H:%M").time(), tzinfo=zone(tz))
            if wall.astimezone(UTC).astimezone(zone(tz)).replace(tzinfo=None) != wall.replace(tzinfo=None):
                out.append({"day": day, "day_label": f"{wall:%a %d %b}", "hour": hour,
                            "shade": "clocks skip this hour", "seniors": 0, "engineers": 0, "gap": False,
                            "gap_kinds": "", "peak": False, "peaks": "",
                            "local": f"{wall:%a %d %b} {hour} does not exist in {tz} (clocks go forward)",
                            "utc": "", "gaps": "", "on_shift": "nobody: this wall hour does not exist"})
    return out


def zone_options(scenario: Scenario, viewer: str | None) -> dict[str, str]:
    """Label -> IANA zone for the heatmap: UTC, each centre's local time, and the viewer's own zone if known."""
    out = {"UTC": "UTC"}
    for centre in scenario.centres:
        out[f"{centre.name} ({centre.timezone})"] = centre.timezone
    if viewer:
        try:
            zone(viewer)
        except (KeyError, ValueError):
            return out  # an unknown zone name from the browser: offer the others
        out[f"Your time ({viewer})"] = viewer
    return out


# ---- gaps with a concrete suggestion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxation:
    rule: str  # rest | weekly | consecutive | pin | holiday | swap
    text: str
    size: float  # how far the rule has to move (hours, days); 0 for a pin or the holiday policy


def relaxations(plan: Plan, worked: list[Slot], slot: Slot) -> list[Relaxation] | None:
    """What would have to change for the engineer to work `slot` as well as their rota: every rule in the way,
    with the value it would need. None when nothing a manager decides can make it possible (leave, an overlap).

    A shift worked that same day is swapped for `slot` (one shift a day), so the other rules are weighed against
    the rest of their rota."""
    same_day = [w for w in worked if w.date == slot.date]
    found = rules.breaches(plan, [w for w in worked if w.date != slot.date], slot)
    if same_day:
        found.append(rules.Breach(rules.ONE_A_DAY, "", other=same_day[0]))
    out = []
    for b in sorted(found, key=lambda b: rules.ORDER.index(b.rule)):
        if b.rule in (rules.LEAVE, rules.OVERLAP):
            return None  # two shifts at once, or a day off the manager already granted: no rule change helps
        out.append(_relaxation(plan, slot, b))
    return out


def _relaxation(plan: Plan, slot: Slot, b: rules.Breach) -> Relaxation:
    if b.rule == rules.PIN:
        return Relaxation("pin", f"the pin ({plan.pins[slot.engineer, slot.date]}) on {slot.date} were lifted", 0)
    if b.rule == rules.HOLIDAY:
        return Relaxation("holiday", 'public_holidays were "avoid"', 0)
    if b.rule == rules.ONE_A_DAY:
        assert b.other is not None
        return Relaxation("swap", f"they worked {slot.shift} instead of {b.other.shift} that day", 0)
    if b.rule == rules.REST:
        return Relaxation("rest", f"the minimum rest were {math.floor(b.value * 2) / 2:g} h (now {b.limit:g} h)",
                          b.limit - b.value)
    if b.rule == rules.WEEKLY:
        return Relaxation("weekly", f"their weekly cap were {math.ceil(b.value):g} h (now {b.limit:g} h)",
                          b.value - b.limit)
    assert b.rule == rules.CONSECUTIVE, b.rule
    return Relaxation("consecutive", f"max consecutive days were {b.value:g} (now {b.limit:g})", b.value - b.limit)


class _Slots:
    """Every shift instance of a plan sorted by start, to find the ones meeting an interval without a full scan."""

    def __init__(self, slots: list[Slot]):
        self.slots = sorted(slots, key=lambda s: s.span.start)
        self.starts = [s.span.start for s in self.slots]
        self.longest = max((s.span.end - s.span.start for s in slots), default=timedelta(0))

    def meeting(self, span: Interval) -> list[Slot]:
        first = bisect_left(self.starts, span.start - self.longest)
        last = bisect_left(self.starts, span.end)
        return [s for s in self.slots[first:last] if s.span.overlaps(span)]


def suggestion(plan: Plan, chosen: list[Slot], gap: Gap, by_engineer: dict[str, list[Slot]] | None = None,
               index: _Slots | None = None) -> str:
    """One concrete way to close (part of) a gap: who could cover it, with which shift, if which rule moved."""
    who = {"p0": "seniors"}.get(gap.kind, gap.rule.split(":")[-1])
    if who not in ("engineers", "seniors") and gap.kind not in ("language",):
        who = "engineers"
    by_engineer = by_engineer if by_engineer is not None else _by_engineer(chosen)
    on_shift = {s.engineer for s in chosen if s.span.overlaps(gap.span)}
    best: tuple[tuple[float, ...], str] | None = None
    for slot in (index or _Slots(plan.all_slots)).meeting(gap.span):
        if slot.engineer in on_shift:
            continue
        if not counts_toward(plan, who, slot.engineer):
            continue
        needed = relaxations(plan, by_engineer.get(slot.engineer, []), slot)
        if needed is None:
            continue
        covered = slot.span.clip(gap.span)
        assert covered is not None
        score = (len(needed), sum(r.rule == "swap" for r in needed), -covered.minutes, sum(r.size for r in needed),
                 slot.span.start.timestamp())
        if best is None or score < best[0]:
            best = (score, _suggest_text(plan, slot, covered, gap, needed))
    if best is None:
        return "nobody could cover it by relaxing a rule: hire, move leave, or add a shift template that reaches it"
    return best[1]


def _suggest_text(plan: Plan, slot: Slot, covered: Interval, gap: Gap, needed: list[Relaxation]) -> str:
    engineer = plan.engineers[slot.engineer]
    part = "" if covered == gap.span else f" ({covered.start:%H:%M}–{covered.end:%H:%M} UTC of it)"
    shift = f"{slot.shift} on {slot.date:%a %d %b}"
    if not needed:
        return (f"{engineer.name} ({engineer.id}) is free to cover it{part} with {shift}: pin it on the Plan page, "
                "or give the solver more time")
    return f"{engineer.name} ({engineer.id}) could cover it{part} with {shift} if " + " and ".join(
        r.text for r in needed)


def _by_engineer(chosen: list[Slot]) -> dict[str, list[Slot]]:
    out: dict[str, list[Slot]] = defaultdict(list)
    for slot in chosen:
        out[slot.engineer].append(slot)
    return out


def gaps_frame(plan: Plan, chosen: list[Slot], gaps: list[Gap], tz: str = "UTC") -> pd.DataFrame:
    """One row per gap: when (in `tz` and UTC), how short, the reason from the report and a concrete suggestion."""
    worked = _by_engineer(chosen)
    index = _Slots(plan.all_slots)
    z = zone(tz)
    rows = [{
        "kind": g.kind, "rule": g.rule,
        "start": f"{g.span.start.astimezone(z):%a %d %b %H:%M}", "end": f"{g.span.end.astimezone(z):%a %d %b %H:%M}",
        "minutes": g.span.minutes, "required": g.required, "staffed": g.staffed, "shortfall": g.shortfall,
        "reason": g.reason, "suggestion": suggestion(plan, chosen, g, worked, index),
        "start_utc": iso_utc(g.span.start), "end_utc": iso_utc(g.span.end),
    } for g in gaps]
    return pd.DataFrame(rows, columns=["kind", "rule", "start", "end", "minutes", "required", "staffed", "shortfall",
                                       "reason", "suggestion", "start_utc", "end_utc"])


# ---- team and rules ------------------------------------------------------------------------------------------------


def centres_frame(scenario: Scenario, now: datetime) -> pd.DataFrame:
    """Each centre with its local time now, its UTC offset now and across the window, and its head-count."""
    plan_window = Plan(scenario).window
    rows = []
    for c in scenario.centres:
        local = now.astimezone(zone(c.timezone))
        team = [e for e in scenario.engineers if e.centre == c.id]
        rows.append({
            "centre": c.id, "name": c.name, "timezone": c.timezone, "local_now": f"{local:%a %H:%M}",
            "utc_offset_now": _offset(local), "offset_in_window": _offsets_in(c.timezone, plan_window),
            "engineers": len(team), "seniors": sum(scenario.is_senior(e) for e in team),
            "holidays": f"{c.country}{'-' + c.subdivision if c.subdivision else ''}",
        })
    return pd.DataFrame(rows)


def _offset(local: datetime) -> str:
    minutes = int((local.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _offsets_in(tz: str, span: Interval) -> str:
    seen = dict.fromkeys(_offset(d.astimezone(zone(tz))) for d in _daily(span))
    return " → ".join(seen)


def _daily(span: Interval) -> list[datetime]:
    return [span.start + timedelta(days=i, hours=12) for i in range(span.minutes // 1440)] or [span.start]


def periods(scenario: Scenario) -> list[tuple[date, date]]:
    """Runs of UTC dates of the window over which no centre's (nor peak zone's) UTC offset changes."""
    span = Plan(scenario).window
    zones = sorted({c.timezone for c in scenario.centres} | {p.timezone for p in scenario.peaks})
    days = _daily(span)
    key = [tuple(d.astimezone(zone(z)).utcoffset() for z in zones) for d in days]
    out, first = [], 0
    for i in range(1, len(days) + 1):
        if i == len(days) or key[i] != key[first]:
            out.append((days[first].date(), days[i - 1].date()))
            first = i
    return out


def shift_strip(scenario: Scenario) -> pd.DataFrame:
    """Each shift template of each centre (and each peak) as bars on a 0–24 h UTC strip, once per period of constant
    offsets, so the follow-the-sun seams and their DST moves are visible. A bar across midnight UTC is split in two.
    Columns: period, row, kind (shift|peak), centre, item, start_h, end_h, local, utc."""
    rows = []
    for first, last in periods(scenario):
        label = f"{first:%d %b}" if first == last else f"{first:%d %b} – {last:%d %b}"
        probe = first + (last - first) // 2
        for centre in scenario.centres:
            for t in scenario.shifts:
                if centre.id not in t.centres:
                    continue
                span = shift_interval(t, probe, centre.timezone)
                local = f"{t.start}–{t.end} {centre.name} ({span.start.astimezone(zone(centre.timezone)):%Z})"
                rows += _bars(label, first, f"{centre.name} · {t.id}", "shift", centre.id, t.id, span, local)
        for p in scenario.peaks:
            day = next((probe + timedelta(days=k) for k in range(7)
                        if WEEKDAYS[(probe + timedelta(days=k)).weekday()] in p.days), None)
            if day is not None:
                end_day = day + timedelta(days=1) if p.end.minutes <= p.start.minutes else day
                span = Interval(wall_to_utc(day, p.start, p.timezone), wall_to_utc(end_day, p.end, p.timezone))
                local = f"{p.start}–{p.end} {p.timezone} ({', '.join(p.days)})"
                rows += _bars(label, first, f"peak · {p.id}", "peak", "", p.id, span, local)
    return pd.DataFrame(rows, columns=["period", "period_start", "row", "kind", "centre", "item", "start_h", "end_h",
                                       "local", "utc"])


def _bars(period: str, first: date, row: str, kind: str, centre: str, item: str, span: Interval,
          local: str) -> list[dict[str, object]]:
    start = span.start.hour + span.start.minute / 60
    end = start + span.minutes / 60
    utc = f"{span.start:%H:%M}–{span.end:%H:%M} UTC"
    base = {"period": period, "period_start": first, "row": row, "kind": kind, "centre": centre, "item": item,
            "local": local, "utc": utc}
    if end <= 24:
        return [{**base, "start_h": start, "end_h": end}]
    return [{**base, "start_h": start, "end_h": 24.0}, {**base, "start_h": 0.0, "end_h": end - 24}]


def rules_frame(scenario: Scenario) -> pd.DataFrame:
    r = scenario.rules
    return pd.DataFrame([
        {"rule": "P0 cover", "value": f"≥ {r.p0_min_seniors} senior(s) on shift at every instant"},
        {"rule": "Senior levels", "value": ", ".join(r.senior_levels)},
        {"rule": "Minimum rest", "value": f"{r.min_rest_hours:g} h between shifts"},
        {"rule": "Weekly hours", "value": f"≤ {r.max_hours_per_week:g} h in any 7 local days (engineers.csv may "
                                          "lower it per person)"},
        {"rule": "Consecutive days", "value": f"≤ {r.max_consecutive_days}"},
        {"rule": "Public holidays", "value": {"off": "never worked", "avoid": "worked only where cover needs it",
                                              "ignore": "treated as ordinary days"}[r.public_holidays]},
    ])


def peaks_frame(scenario: Scenario) -> pd.DataFrame:
    window = Plan(scenario).window
    return pd.DataFrame([{
        "peak": p.id, "name": p.name, "zone": p.timezone, "days": ", ".join(p.days), "local": f"{p.start}–{p.end}",
        "min_engineers": p.min_engineers, "min_seniors": p.min_seniors, "languages": ", ".join(p.languages),
        "occurrences": len(peak_occurrences(p, window)),
    } for p in scenario.peaks], columns=["peak", "name", "zone", "days", "local", "min_engineers", "min_seniors",
                                         "languages", "occurrences"])


def events_frame(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{
        "event": e.id, "name": e.name, "zone": e.timezone, "start": f"{e.start:%Y-%m-%d %H:%M}",
        "end": f"{e.end:%Y-%m-%d %H:%M}",
        "start_utc": iso_utc(e.start.replace(tzinfo=zone(e.timezone))),
        "end_utc": iso_utc(e.end.replace(tzinfo=zone(e.timezone))),
        "min_engineers": e.min_engineers, "min_seniors": e.min_seniors, "languages": ", ".join(e.languages),
    } for e in scenario.events], columns=["event", "name", "zone", "start", "end", "start_utc", "end_utc",
                                          "min_engineers", "min_seniors", "languages"])


# ---- people --------------------------------------------------------------------------------------------------------


def timeline_frame(plan: Plan, chosen: list[Slot], centre: str) -> pd.DataFrame:
    """The shifts and leave of one centre's engineers in that centre's local wall time (naive datetimes), one row per
    bar: engineer, label, kind (shift|leave), item, start, end, when (readable local span), hours, utc, pinned."""
    scenario = plan.scenario
    tz = scenario.centre(centre).timezone
    members = [e for e in scenario.engineers if e.centre == centre]
    ids = {e.id for e in members}
    label = {e.id: f"{e.name} ({e.level})" for e in members}
    rows = []
    for slot in chosen:
        if slot.engineer in ids:
            rows.append({"engineer": slot.engineer, "label": label[slot.engineer], "kind": "shift", "item": slot.shift,
                         "start": slot.span.start.astimezone(zone(tz)).replace(tzinfo=None),
                         "end": slot.span.end.astimezone(zone(tz)).replace(tzinfo=None),
                         "hours": round(slot.minutes / 60, 2),
                         "utc": f"{iso_utc(slot.span.start)} → {iso_utc(slot.span.end)}",
                         "pinned": (slot.engineer, slot.date) in plan.pins})
    days = set(local_dates(plan.window, tz))
    for leave in scenario.leave:
        if leave.engineer in ids:
            shown = [d for d in leave.days() if d in days]
            if shown:
                rows.append({"engineer": leave.engineer, "label": label[leave.engineer], "kind": "leave",
                             "item": leave.reason or "leave", "start": datetime.combine(shown[0], datetime.min.time()),
                             "end": datetime.combine(shown[-1] + timedelta(days=1), datetime.min.time()),
                             "hours": 0.0, "utc": "", "pinned": False})
    frame = pd.DataFrame(rows, columns=["engineer", "label", "kind", "item", "start", "end", "hours", "utc", "pinned"])
    frame.insert(6, "when", [f"{a:%a %d %b %H:%M} → {b:%a %d %b %H:%M}" for a, b in zip(frame["start"], frame["end"],
                                                                                      strict=True)])
    return frame.sort_values(["engineer", "start"], ignore_index=True)


def weeks(scenario: Scenario) -> dict[str, datetime]:
    """The window's weeks as label -> first local midnight (naive), for zooming a local-time timeline."""
    out = {}
    for i in range(0, scenario.days, 7):
        first = scenario.start + timedelta(days=i)
        out[f"week of {first:%d %b}"] = datetime.combine(first, datetime.min.time())
    return out


def load_frame(plan: Plan, chosen: list[Slot]) -> pd.DataFrame:
    """Per engineer: centre, level, group (centre/level), weekly cap and the fairness metrics of summary.json."""
    load = engineer_load(plan, chosen)
    scenario = plan.scenario
    return pd.DataFrame([{
        "engineer": e.id, "name": e.name, "centre": e.centre, "level": e.level, "group": f"{e.centre}/{e.level}",
        "weekly_cap": scenario.weekly_cap(e), "shifts": int(load[e.id]["shifts"]),
        **{m: load[e.id][m] for m in METRICS},
    } for e in scenario.engineers])


def lookback_frame(plan: Plan, chosen: list[Slot]) -> pd.DataFrame | None:
    """`load_frame` over the window and the published look-back before it (what fair shares weigh), or None when
    the rota was solved without a published history."""
    carried = [s for e in plan.engineers for s in fairness.lookback(plan, e)]
    return load_frame(plan, [*chosen, *carried]) if carried else None


def fairness_frame(load: pd.DataFrame) -> pd.DataFrame:
    """Per group (centre/level) and metric: min, max, mean and spread (max - min, as summary.json's fairness)."""
    long = load.melt(id_vars=["group"], value_vars=list(METRICS), var_name="metric")
    out = long.groupby(["group", "metric"], sort=True)["value"].agg(["min", "max", "mean"]).reset_index()
    out["spread"] = (out["max"] - out["min"]).round(2)
    out["mean"] = out["mean"].round(2)
    out["metric"] = pd.Categorical(out["metric"], categories=list(METRICS), ordered=True)
    return out.sort_values(["group", "metric"], ignore_index=True)


# ---- pins ----------------------------------------------------------------------------------------------------------


def pin_dates(scenario: Scenario, centre: str) -> list[date]:
    return local_dates(Plan(scenario).window, scenario.centre(centre).timezone)


def pin_options(scenario: Scenario, centre: str) -> list[str]:
    """Every value a cell of the pin grid may hold: the three actions first (fix a shift, forbid work, no pin), then
    what a cell only shows (the solver's unpinned shift, leave)."""
    shifts = [t.id for t in scenario.shifts if centre in t.centres]
    return [*(PIN + s for s in shifts), PIN + Pin.OFF, OFF_CELL, *shifts, LEAVE_CELL]


def pin_label(value: str) -> str:
    """What a pin grid choice does, in the dropdown's words."""
    if value == PIN + Pin.OFF:
        return f"{value} — forbid work this day"
    if value.startswith(PIN):
        return f"{value} — fix this shift"
    if value == OFF_CELL:
        return f"{OFF_CELL} no pin: the solver decides"
    if value == LEAVE_CELL:
        return "leave (edit it on Team)"
    return f"{value} (the solver's choice)"


def pin_grid(plan: Plan, chosen: list[Slot] | None, centre: str) -> pd.DataFrame:
    """Engineers of `centre` × its local dates: "◆ <shift>" / "◆ off" where pinned, "leave" on leave, else the
    solver's shift that day ("–" for none, or before any solve). Index: engineer id; first column: name."""
    scenario = plan.scenario
    dates = pin_dates(scenario, centre)
    worked = {(s.engineer, s.date): s.shift for s in chosen or []}
    rows = {}
    for e in scenario.engineers:
        if e.centre != centre:
            continue
        row: dict[str, str] = {"engineer": f"{e.name} ({e.level})"}
        for d in dates:
            if (e.id, d) in plan.pins:
                row[d.isoformat()] = PIN + plan.pins[e.id, d]
            elif (e.id, d) in plan.leave:
                row[d.isoformat()] = LEAVE_CELL
            else:
                row[d.isoformat()] = worked.get((e.id, d), OFF_CELL)
        rows[e.id] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=["engineer", *(d.isoformat() for d in dates)])


def pins_after_edit(pins: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The pins table (engineer, date, shift as strings) after a manager changed cells of the pin grid.

    Choosing a shift (pinned or not) fixes it; "◆ off" forbids work that day; "–", blank or "leave" removes the pin.
    Cells that did not change keep their pin, so a grid built from an older rota does not undo anything.
    """
    current = {(r["engineer"], r["date"]): r["shift"] for r in pins.to_dict("records")}
    for engineer in after.index:
        for column in after.columns:
            if column == "engineer" or before.at[engineer, column] == after.at[engineer, column]:
                continue
            value = str(after.at[engineer, column] or "")
            if value in (OFF_CELL, LEAVE_CELL, ""):
                current.pop((engineer, column), None)
            else:
                current[engineer, column] = value.removeprefix(PIN)
    rows = [{"engineer": e, "date": d, "shift": s} for (e, d), s in sorted(current.items(), key=lambda kv: kv[0])]
    return pd.DataFrame(rows, columns=["engineer", "date", "shift"], dtype=object)


def hint_from(chosen: list[Slot]) -> dict[tuple[str, str, str], int]:
    """A previous rota as the solver's warm start (it keeps a re-solve close to it)."""
    return {(s.engineer, s.date.isoformat(), s.shift): 1 for s in chosen}


def progress_frame(progress: list[Progress]) -> pd.DataFrame:
    """The better rotas found so far, newest first."""
    rows = [{"seconds": round(p.seconds, 1), "stage": p.stage, "p0_gap_minutes": p.p0_gap_minutes,
             "objective": p.objective, "bound": p.bound, "gap_pct": round(100 * p.gap, 2)} for p in progress]
    return pd.DataFrame(rows[::-1], columns=["seconds", "stage", "p0_gap_minutes", "objective", "bound", "gap_pct"])


def seams(scenario: Scenario) -> list[tuple[str, str]]:
    """Per period, the UTC instants of a day where cover hands from one centre to the next (shift starts/ends)."""
    strip = shift_strip(scenario)
    out = []
    for period, group in strip[strip["kind"] == "shift"].groupby("period", sort=False):
        marks = sorted({round(h, 2) for h in pd.concat([group["start_h"], group["end_h"]]) if 0 < h < 24})
        out.append((str(period), ", ".join(f"{int(h):02d}:{round(h % 1 * 60):02d}" for h in marks)))
    return out
