"""Calendar events for a rota and their RFC 5545 / RFC 7986 bytes.

The feed format is a public API that calendar apps poll for years, so the bytes are deterministic:
- a shift slot is identified by (scenario name, engineer id, local date) — one shift per engineer per local date is a
  hard rule — and its UID is a hash of that: stable across re-solves and exports, never random, no host name;
- DTSTART/DTEND are exact UTC instants (`...Z`), read the same way by every client across DST switches; local
  times are spelled out in the DESCRIPTION;
- DTSTAMP = LAST-MODIFIED = when the event's content last changed (set by the caller, never "now").

`icalendar` builds the components; UID, SEQUENCE and the stamps are always set here, never invented by the library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from icalendar import Calendar, Event, vText

from rota.clock import Interval, event_window, peak_occurrences, utc_offset, zone
from rota.domain import Scenario
from rota.result import Assignment, Result
from rota.scenario import Problem, ScenarioError

PRODID = "-//rota//follow-the-sun on-call rota//EN"
ENGINEER_PROPERTY = "X-ROTA-ENGINEER"  # the engineer id of a shift's event
REFRESH = timedelta(hours=1)  # a hint: Google ignores it and polls every 8–24 h, Outlook about every 3 h
REFRESH_TEXT = "PT1H"
CONFIRMED, CANCELLED = "CONFIRMED", "CANCELLED"
Status = Literal["CONFIRMED", "CANCELLED"]
FeedKind = Literal["engineer", "centre", "team"]
TEAM = "team"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def shift_uid(scenario: str, engineer: str, day: date) -> str:
    """The UID of an engineer's shift slot on a local date: the same slot keeps it whatever shift fills it."""
    key = "\x1f".join((scenario, engineer, day.isoformat()))
    return "rota-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class ShiftContent:
    """What a shift's event says: its identity, instants and texts. No SEQUENCE, status or stamps (the store's)."""

    uid: str
    engineer: str
    centre: str
    date: str  # local date, ISO
    shift: str
    start: datetime  # UTC
    end: datetime
    summary: str  # the engineer's own feed: "On call · Late · P0 senior"
    team_summary: str  # centre and team feeds: "Aoife Byrne · Late · P0 senior"
    description: str

    def to_json(self) -> str:
        data = asdict(self)
        data["start"], data["end"] = _z(self.start), _z(self.end)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ShiftContent:
        data = json.loads(text)
        data["start"], data["end"] = _from_z(data["start"]), _from_z(data["end"])
        return cls(**data)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CalendarEvent:
    content: ShiftContent
    status: Status
    sequence: int
    modified: datetime  # DTSTAMP and LAST-MODIFIED: when this content (or status) was published


@dataclass(frozen=True)
class Feed:
    """One calendar: an engineer's shifts, a centre's, or the whole team's."""

    kind: FeedKind
    ident: str
    name: str  # NAME / X-WR-CALNAME
    description: str

    def includes(self, content: ShiftContent) -> bool:
        if self.kind == "engineer":
            return content.engineer == self.ident
        if self.kind == "centre":
            return content.centre == self.ident
        return True

    @property
    def filename(self) -> str:
        return {"engineer": f"{self.ident}.ics", "centre": f"centre-{self.ident}.ics", "team": "team.ics"}[self.kind]


# --- the event model, from a result folder ----------------------------------------------------------------------


def shift_label(shift_id: str, centre_id: str) -> str:
    """A shift id a person reads at a glance: 'dub-late' in centre 'dub' → 'Late', 'early' → 'Early'."""
    text = shift_id.removeprefix(f"{centre_id}-") if shift_id != centre_id else shift_id
    text = text.replace("-", " ").replace("_", " ").strip() or shift_id
    return text[:1].upper() + text[1:]


def shifts_from_result(result: Result) -> list[ShiftContent]:
    """Every assignment of the result as event content, with the follow-the-sun chain and escalation contacts."""
    scenario = result.scenario
    covers = _cover_spans(scenario, result.window)
    out = []
    for a in result.assignments:
        senior = scenario.is_senior(a.engineer)
        role = "P0 senior" if senior else a.engineer.level
        label = shift_label(a.shift, a.centre.id)
        out.append(ShiftContent(
            uid=shift_uid(scenario.name, a.engineer.id, a.date), engineer=a.engineer.id, centre=a.centre.id,
            date=a.date.isoformat(), shift=a.shift, start=a.span.start, end=a.span.end,
            summary=f"On call · {label} · {role}", team_summary=f"{a.engineer.name} · {label} · {role}",
            description=_description(a, result.assignments, scenario, covers),
        ))
    return out


def feeds_for(result: Result) -> list[Feed]:
    """The calendars of a rota: one per engineer (also those without shifts), one per centre, and the team's."""
    scenario = result.scenario
    centres = {c.id: c for c in scenario.centres}
    note = "Start and end are exact instants (UTC); your calendar shows them in your own time zone."
    feeds = [Feed("engineer", e.id, f"On call · {e.name}",
                  f"On-call shifts of {e.name} ({e.id}, {centres[e.centre].name}) in the rota "
                  f"'{scenario.name}'. {note}") for e in scenario.engineers]
    feeds += [Feed("centre", c.id, f"On call · {c.name} centre",
                   f"Every on-call shift of the {c.name} centre ({c.timezone}) in the rota '{scenario.name}'. {note}")
              for c in scenario.centres]
    feeds.append(Feed("team", TEAM, f"On call · {scenario.name}",
                      f"Every on-call shift of the rota '{scenario.name}', all centres. {note}"))
    return feeds


@dataclass(frozen=True)
class _Cover:
    name: str
    span: Interval
    needs: str


def _cover_spans(scenario: Scenario, within: Interval) -> list[_Cover]:
    out = []
    for p in scenario.peaks:
        needs = _needs(p.min_engineers, p.min_seniors, p.languages)
        out += [_Cover(f"{p.name} (peak)", span, needs) for span in peak_occurrences(p, within)]
    for e in scenario.events:
        span = event_window(e, within)
        if span:
            out.append(_Cover(f"{e.name} (event)", span, _needs(e.min_engineers, e.min_seniors, e.languages)))
    return sorted(out, key=lambda c: (c.span.start, c.name))


def _needs(engineers: int, seniors: int, languages: tuple[str, ...]) -> str:
    parts = [f"{engineers} engineer{'s' * (engineers != 1)}"] if engineers else []
    parts += [f"{seniors} senior{'s' * (seniors != 1)}"] if seniors else []
    parts += [f"speakers of {'/'.join(languages)}"] if languages else []
    return "needs " + ", ".join(parts) if parts else "no minimum"


def _description(a: Assignment, everyone: Sequence[Assignment], scenario: Scenario, covers: list[_Cover]) -> str:
    tz, place = a.centre.timezone, a.centre.name
    level = f"{a.engineer.level}{' · P0 senior' if scenario.is_senior(a.engineer) else ''}"
    hours = (a.span.end - a.span.start).total_seconds() / 3600
    offsets = list(dict.fromkeys((utc_offset(tz, a.span.start), utc_offset(tz, a.span.end))))  # two across DST
    lines = [
        f"{a.engineer.name} ({a.engineer.id}) · {level} · {place}",
        f"Shift {a.shift}: {_span_text(a.span, tz)} {place} time ({tz}, {' → '.join(offsets)}) · {hours:.2f} h",
        f"UTC: {_span_text(a.span, 'UTC')}",
        f"Times below are {place} time.",
        "",
        "Handed over to you by:",
    ]
    others = [b for b in everyone if b.engineer.id != a.engineer.id]
    # The chain runs within a class: seniors hand the P0 pager to seniors, the others their queue to the others.
    peers = [b for b in others if scenario.is_senior(b.engineer) == scenario.is_senior(a.engineer)]
    kind = "senior" if scenario.is_senior(a.engineer) else "non-senior"
    # On shift when you start (or ending just then) and gone by your end: they hand over to you. Symmetric at the end.
    incoming = sorted((b for b in peers if b.span.start < a.span.start <= b.span.end <= a.span.end),
                      key=lambda b: (b.span.end, b.engineer.id))
    outgoing = sorted((b for b in peers if a.span.start <= b.span.start <= a.span.end < b.span.end),
                      key=lambda b: (b.span.start, b.engineer.id))
    lines += [f"• {_clock(b.span.end, tz)} {_who(b)} ends {b.shift}" for b in incoming] or \
        [f"• nobody: no {kind} shift ends as yours starts"]
    lines.append("You hand over to:")
    lines += [f"• {_clock(b.span.start, tz)} {_who(b)} starts {b.shift}" for b in outgoing] or \
        [f"• nobody: no {kind} shift starts as yours ends"]
    covered = [(c, part) for c in covers if (part := c.span.clip(a.span))]
    lines += ["", "Covers:"]
    lines += [f"• {c.name} {_span_text(part, tz, short=True)} · {c.needs}" for c, part in covered] or \
        ["• no peak or event"]
    seniors = sorted((b for b in others if scenario.is_senior(b.engineer) and b.span.overlaps(a.span)),
                     key=lambda b: (b.span.start, b.engineer.id))
    lines += ["", "Escalation, seniors on shift with you:"]
    lines += [f"• {_who(b)} {_span_text(b.span.clip(a.span) or b.span, tz, short=True)}"
              f"{' · ' + b.engineer.email if b.engineer.email else ''}" for b in seniors] or \
        ["• none: you are the only senior on shift"]
    lines += ["", f"Rota: {scenario.name}"]
    return "\n".join(lines)


def _who(b: Assignment) -> str:
    return f"{b.engineer.name} ({b.engineer.id}, {b.engineer.level}, {b.centre.name})"


def _clock(instant: datetime, tz: str) -> str:
    return f"{instant.astimezone(zone(tz)):%H:%M}"


def _day(local: datetime) -> str:
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


def _span_text(span: Interval, tz: str, short: bool = False) -> str:
    """'Mon 1 Mar 2027 14:00 – 24:00', or across midnight 'Sat 27 Mar 2027 22:00 – Sun 28 Mar 2027 07:00'."""
    start, end = span.start.astimezone(zone(tz)), span.end.astimezone(zone(tz))
    midnight = end.hour == 0 and end.minute == 0 and end.date() == start.date() + timedelta(days=1)
    if start.date() == end.date() or midnight:
        until = "24:00" if midnight else f"{end:%H:%M}"
        return f"{start:%H:%M} – {until}" if short else f"{_day(start)} {start:%H:%M} – {until}"
    if short:
        return f"{_DAYS[start.weekday()]} {start:%H:%M} – {_DAYS[end.weekday()]} {end:%H:%M}"
    return f"{_day(start)} {start:%H:%M} – {_day(end)} {end:%H:%M}"


# --- rendering ---------------------------------------------------------------------------------------------------


def render(feed: Feed, events: Iterable[CalendarEvent]) -> bytes:
    """The calendar's bytes: CRLF, folded at 75 octets, events sorted by start, engineer and UID."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # X- properties are TEXT too: vText makes icalendar escape their commas and semicolons like NAME's.
    cal.add("name", feed.name)
    cal.add("x-wr-calname", vText(feed.name))
    cal.add("description", feed.description)
    cal.add("x-wr-caldesc", vText(feed.description))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH_TEXT)
    chosen = [e for e in events if feed.includes(e.content)]
    for item in sorted(chosen, key=lambda e: (e.content.start, e.content.engineer, e.content.uid)):
        cal.add_component(_vevent(item, personal=feed.kind == "engineer"))
    return cal.to_ical()


def _vevent(item: CalendarEvent, personal: bool) -> Event:
    c = item.content
    summary = c.summary if personal else c.team_summary
    event = Event()
    event.add("uid", c.uid)
    event.add("dtstamp", item.modified)
    event.add("last-modified", item.modified)
    event.add("sequence", item.sequence)
    event.add("dtstart", c.start)
    event.add("dtend", c.end)
    event.add("summary", f"Cancelled · {summary}" if item.status == CANCELLED else summary)
    event.add("description", c.description)
    event.add("status", item.status)
    event.add("transp", "OPAQUE" if item.status == CONFIRMED else "TRANSPARENT")
    event.add("categories", ["On call"])
    event.add(ENGINEER_PROPERTY, vText(c.engineer))  # so a calendar of rota's own can be graded without a mapping
    return event


# --- export to files ---------------------------------------------------------------------------------------------


def calendars(result: Result, stamp: datetime) -> dict[str, bytes]:
    """Every calendar of the result in memory, by file name (engineers, centres, team); SEQUENCE 0, stamped `stamp`."""
    feeds = feeds_for(result)
    _check_filenames(feeds)
    events = [CalendarEvent(c, CONFIRMED, 0, stamp) for c in shifts_from_result(result)]
    return {feed.filename: render(feed, events) for feed in feeds}


def export(result: Result, out: Path, stamp: datetime) -> list[Path]:
    """Write every calendar of the result into `out` (each file atomically); SEQUENCE 0, stamped `stamp`."""
    from rota.output import atomic_write

    written = []
    for name, data in calendars(result, stamp).items():
        atomic_write(out / name, data)
        written.append(out / name)
    return written


def _check_filenames(feeds: list[Feed]) -> None:
    # An engineer called "team" or "centre-dub" would overwrite another calendar (also on case-blind file systems).
    seen: dict[str, Feed] = {}
    problems = []
    for feed in feeds:
        key = feed.filename.lower()
        if key in seen:
            mine, other = (seen[key], feed) if seen[key].kind == "engineer" else (feed, seen[key])
            problems.append(Problem("scenario/engineers.csv", f"engineer '{mine.ident}'", "id",
                                    f"its calendar file {mine.filename} would overwrite the one of "
                                    f"{other.kind} '{other.ident}'; rename the engineer id"))
        seen.setdefault(key, feed)
    if problems:
        raise ScenarioError(problems)


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_z(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
