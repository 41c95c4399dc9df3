"""Load a scenario folder and validate it, reporting every problem at once.

`scenario.toml` is validated with pydantic; the CSV files row by row. Each problem names the file, the row or key,
the field and what was expected, so a manager can fix a file without reading code.
"""

from __future__ import annotations

import calendar
import csv
import difflib
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

import holidays
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from rota.calendar import public_holidays
from rota.clock import zone
from rota.domain import (
    LEVELS,
    WEEKDAYS,
    Centre,
    Engineer,
    Event,
    Leave,
    Peak,
    Pin,
    Rules,
    Scenario,
    ShiftTemplate,
    WallTime,
)

SCENARIO_FILE = "scenario.toml"
ENGINEERS_COLUMNS = ("id", "name", "centre", "level", "languages", "max_hours_per_week", "email")
LEAVE_COLUMNS = ("engineer", "start", "end", "reason")
PINS_COLUMNS = ("engineer", "date", "shift")
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "line 4", "[[centres]] #2 'sin'", ...
    field: str
    message: str

    def __str__(self) -> str:
        place = ", ".join(part for part in (self.where, self.field and f"field '{self.field}'") if part)
        return f"{self.file}: {place}: {self.message}" if place else f"{self.file}: {self.message}"


class ScenarioError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:  # raised in what-if worker processes
        return type(self), (self.problems,)


# --- field validators (pydantic) -------------------------------------------------------------------------------


@cache
def _iana_zones() -> frozenset[str]:
    # Legacy names without a region ("EST", "CET", "PST8PDT") are abbreviations in disguise: only UTC is allowed.
    return frozenset(z for z in available_timezones() if "/" in z and not z.startswith(("SystemV/", "posix/")))


def _suggest(value: str, choices: set[str] | frozenset[str] | list[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_timezone(value: str) -> str:
    if value == "UTC" or value in _iana_zones():
        return value
    if re.fullmatch(r"[A-Z]{2,5}\d?([A-Z]{2,4})?", value):
        raise ValueError(
            f"'{value}' is a zone abbreviation, which is ambiguous (PST is both Manila and US Pacific); "
            "use an IANA name such as 'America/Los_Angeles' or 'Asia/Manila'"
        )
    raise ValueError(f"unknown IANA time zone '{value}'{_suggest(value, _iana_zones())}")


def parse_wall_time(value: str) -> WallTime:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a local time as \"HH:MM\" (00:00 to 24:00), got {value!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    problem = time_problem(hour, minute)
    if problem:
        raise ValueError(f"{value} {problem}")
    return WallTime(hour, minute)


def time_problem(hour: int, minute: int, end_of_day: bool = True) -> str:
    """Why hour:minute is not a time of day, in words ("" if it is); 24:00 only as the end of a day."""
    if minute > 59:
        return "is not a time of day: minutes go from 00 to 59"
    if hour > 24 or (hour == 24 and (minute or not end_of_day)):
        return f"is not a time of day: hours go from 00 to 23{' (24:00 ends a day)' if end_of_day else ''}"
    return ""


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def date_problem(value: str) -> str:
    """Why `value` is not a date YYYY-MM-DD, in words ("" if it is one)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return f"expected a date YYYY-MM-DD, got {value!r}"
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"{value} is not a date: there is no month {month:02d} (months go from 01 to 12)"
    if year < 1:
        return f"{value} is not a date: there is no year 0"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return (f"{value} is not a day of {_MONTHS[month - 1]} {year} (it has "
                f"{calendar.monthrange(year, month)[1]} days)")
    return ""


def check_weekdays(values: list[str]) -> list[str]:
    for value in values:
        if value not in WEEKDAYS:
            raise ValueError(f"unknown weekday '{value}'; expected one of {', '.join(WEEKDAYS)}")
    return values


def check_languages(values: list[str]) -> list[str]:
    for value in values:
        if not _LANGUAGE.match(value):
            raise ValueError(f"language '{value}' is not a two-letter ISO 639-1 code like 'th' or 'en'")
        if values.count(value) > 1:
            raise ValueError(f"language '{value}' is listed twice")
    return values


def check_levels(values: list[str]) -> list[str]:
    for value in values:
        if value not in LEVELS:
            raise ValueError(f"level '{value}' is not one of {', '.join(LEVELS)}")
    return values


def _in_range(day: date) -> date:
    if not 1900 <= day.year <= 9000:
        raise ValueError(f"expected a date between the years 1900 and 9000, got {day}")
    return day


def check_local_datetime(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("expected a local date-time without an offset (the zone is the 'timezone' key)")
    return value


Zone = Annotated[str, AfterValidator(check_timezone)]
Clock = Annotated[str, AfterValidator(parse_wall_time)]
Id = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
Languages = Annotated[list[str], AfterValidator(check_languages)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class RulesModel(_Model):
    p0_min_seniors: int = Field(1, ge=0, le=20)
    senior_levels: Annotated[list[str], AfterValidator(check_levels)] = ["L2", "L3"]
    min_rest_hours: float = Field(11, ge=0, le=48)
    max_hours_per_week: float = Field(48, gt=0, le=168)
    max_consecutive_days: int = Field(5, ge=1, le=31)
    public_holidays: Literal["off", "avoid", "ignore"] = "avoid"


class CentreModel(_Model):
    id: Id
    name: str
    timezone: Zone
    country: str
    subdivision: str = ""


class ShiftModel(_Model):
    id: Id
    start: Clock
    end: Clock
    centres: Annotated[list[str], Field(min_length=1)] | None = None  # leave it out for every centre


class PeakModel(_Model):
    id: Id
    name: str = ""
    timezone: Zone
    days: Annotated[list[str], AfterValidator(check_weekdays)] = list(WEEKDAYS)
    start: Clock
    end: Clock
    min_engineers: int = Field(ge=0, le=10_000)
    min_seniors: int = Field(0, ge=0, le=10_000)
    languages: Languages = []


class EventModel(_Model):
    id: Id
    name: str = ""
    timezone: Zone
    start: Annotated[datetime, AfterValidator(check_local_datetime)]
    end: Annotated[datetime, AfterValidator(check_local_datetime)]
    min_engineers: int = Field(0, ge=0, le=10_000)
    min_seniors: int = Field(0, ge=0, le=10_000)
    languages: Languages = []


class ScenarioModel(_Model):
    name: str
    start: Annotated[date, AfterValidator(lambda d: _in_range(d))]
    days: int = Field(ge=1, le=366)
    rules: RulesModel = RulesModel()
    centres: list[CentreModel] = Field(min_length=1)
    shifts: list[ShiftModel] = Field(min_length=1)
    peaks: list[PeakModel] = []
    events: list[EventModel] = []


_TABLES = {"centres", "shifts", "peaks", "events"}


def _toml_place(raw: dict[str, Any], loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Turn a pydantic location into ('[[centres]] #2 'sin'', 'timezone')."""
    if loc and loc[0] in _TABLES and len(loc) >= 2 and isinstance(loc[1], int):
        table, index = str(loc[0]), loc[1]
        items = raw.get(table, [])
        ident = items[index].get("id") if index < len(items) and isinstance(items[index], dict) else None
        where = f"[[{table}]] #{index + 1}" + (f" '{ident}'" if ident else "")
        return where, ".".join(str(p) for p in loc[2:3])
    if loc and loc[0] == "rules":
        return "[rules]", ".".join(str(p) for p in loc[1:2])
    return "top level", ".".join(str(p) for p in loc[:1])


def _message(error: dict[str, Any], model: type[BaseModel] | None) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return "missing; this key is required"
    if kind == "extra_forbidden":
        return "unknown key (misspelled?)"
    if kind.startswith(("date_", "datetime_")) and isinstance(error.get("input"), str):
        return _moment_problem(error["input"]) or msg
    return msg.removeprefix("Value error, ")


def _moment_problem(text: str) -> str:
    """Say which part of a date or date-time like 2027-02-30 or 2027-03-01T25:00 is no real day or time."""
    day, _, clock = text.partition("T") if "T" in text else text.partition(" ")
    problem = date_problem(day)
    if problem:
        return problem
    match = re.fullmatch(r"(\d{2}):(\d{2})(:\d{2})?", clock)
    if match:
        why = time_problem(int(match.group(1)), int(match.group(2)), end_of_day=False)
        return f"{clock} {why}" if why else ""
    return ""


def _validate_toml(path: Path, problems: list[Problem]) -> ScenarioModel | None:
    name = SCENARIO_FILE
    if not path.is_file():
        problems.append(Problem(name, "", "", f"not found in {path.parent}"))
        return None
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        problems.append(Problem(name, "", "", f"is not UTF-8 text (byte {error.start}); save it as UTF-8"))
        return None
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(name, "", "", f"is not valid TOML: {error}{_toml_hint(path, str(error))}"))
        return None
    try:
        return ScenarioModel.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            where, field = _toml_place(raw, item["loc"])
            message = _message(item, None)
            if item["type"] == "extra_forbidden":
                known = _known_keys(item["loc"])
                message += _suggest(field, known) if known else ""
            problems.append(Problem(name, where, field, message))
        return None


def _toml_hint(path: Path, message: str) -> str:
    """TOML reads 2027-02-30 or 25:00 as a broken value: say which day or time of that line does not exist."""
    line = re.search(r"at line (\d+)", message)
    if not line:
        return ""
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    text = lines[int(line.group(1)) - 1] if int(line.group(1)) <= len(lines) else ""
    for token in re.findall(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?", text):
        problem = _moment_problem(token)
        if problem:
            return f": {problem}"
    return ""


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    models: dict[str, type[BaseModel]] = {
        "centres": CentreModel, "shifts": ShiftModel, "peaks": PeakModel, "events": EventModel, "rules": RulesModel,
    }
    model = models.get(str(loc[0])) if len(loc) > 1 else ScenarioModel
    return list(model.model_fields) if model else []


# --- CSV files ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def read_csv(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> list[Row]:
    """Rows of a CSV with exactly `columns` (any order); tolerates a BOM, blank lines and quoted commas."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        problems.append(Problem(name, f"line {line}", "", "is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[Row] = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = fields
            separator = _other_separator(fields, columns)
            if separator:
                problems.append(Problem(name, "header", "", f"{name} uses {separator} as separator; save it as "
                                        "comma-separated CSV (in Excel: Save As, \"CSV UTF-8 (Comma delimited)\")"))
                return []
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            for column in missing:
                problems.append(Problem(name, "header", column, "missing column"))
            for column in extra:
                problems.append(Problem(name, "header", column, f"unknown column; expected {', '.join(columns)}"))
            if missing or extra:
                return []
            continue
        if len(fields) != len(header):
            problems.append(Problem(
                name, f"line {line}", "",
                f"has {len(fields)} fields, expected {len(header)} ({', '.join(header)}); "
                "a value with a comma must be in double quotes",
            ))
            continue
        rows.append(Row(line, dict(zip(header, fields, strict=True))))
    if header is None:
        problems.append(Problem(name, "", "", f"is empty; expected a header: {','.join(columns)}"))
    return rows


def _other_separator(header: list[str], columns: tuple[str, ...]) -> str:
    """A header that is one field holding the column names split by ';' (Excel in many locales), a tab or '|'."""
    if len(header) != 1:
        return ""
    for separator, said in ((";", "';'"), ("\t", "a tab"), ("|", "'|'")):
        names = [part.strip() for part in header[0].split(separator)]
        if len(names) > 1 and any(column in names for column in columns):
            return said
    return ""


def _parse_date(value: str) -> date | None:
    return None if date_problem(value) else date.fromisoformat(value)


# --- building the scenario ---------------------------------------------------------------------------------------


def folder_problem(folder: Path, expected: str) -> str:
    """Why `folder` is not a folder to read ("" if it is): it does not exist, or is a file."""
    if not folder.exists():
        return f"does not exist; expected {expected}"
    if not folder.is_dir():
        return f"is a file, not a folder; expected {expected}"
    return ""


def load_scenario(folder: str | Path) -> Scenario:
    """Load and validate a scenario folder; raise ScenarioError listing every problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    problem = folder_problem(folder, "a scenario folder (scenario.toml, engineers.csv, …)")
    if problem:
        raise ScenarioError([Problem(str(folder), "", "", problem)])
    model = _validate_toml(folder / SCENARIO_FILE, problems)
    engineer_rows = _rows(folder / "engineers.csv", ENGINEERS_COLUMNS, problems, required=True)
    leave_rows = _rows(folder / "leave.csv", LEAVE_COLUMNS, problems, required=False)
    pin_rows = _rows(folder / "pins.csv", PINS_COLUMNS, problems, required=False)
    # Ids of every engineer row, valid or not; None when engineers.csv gave none, so references are not checked.
    known = {row.values["id"] for row in engineer_rows} or None
    if model is None:
        # Still check the CSV rows, so every problem is reported at once; what needs scenario.toml is skipped.
        engineers = _engineers(engineer_rows, None, problems)
        _pins(pin_rows, engineers, known, None, _leave(leave_rows, known, problems), problems)
        raise ScenarioError(problems)

    rules = Rules(
        p0_min_seniors=model.rules.p0_min_seniors,
        senior_levels=tuple(model.rules.senior_levels),
        min_rest_hours=model.rules.min_rest_hours,
        max_hours_per_week=model.rules.max_hours_per_week,
        max_consecutive_days=model.rules.max_consecutive_days,
        public_holidays=model.rules.public_holidays,
    )
    centres = _centres(model, problems)
    shifts = _shifts(model, {c.id for c in centres}, problems)
    peaks = _peaks(model, problems)
    events = _events(model, problems)
    for i, event in enumerate(events):  # peak and event ids name gap rules ("<id>:engineers"): they must not meet
        if event.id in {p.id for p in peaks}:
            problems.append(Problem(SCENARIO_FILE, f"[[events]] #{i + 1} '{event.id}'", "id",
                                    f"'{event.id}' is already a peak's id; peaks and events need distinct ids"))
    engineers = _engineers(engineer_rows, {c.id for c in centres}, problems)
    leave = _leave(leave_rows, known, problems)
    pins = _pins(pin_rows, engineers, known, shifts, leave, problems)
    if rules.public_holidays == "off":
        _pins_on_holidays(pins, pin_rows, engineers, centres, problems)
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=model.name, start=model.start, days=model.days, rules=rules, centres=centres, shifts=shifts,
        engineers=engineers, peaks=peaks, events=events, leave=leave, pins=pins, source=str(folder),
    )


def _pins_on_holidays(pins: tuple[Pin, ...], rows: list[Row], engineers: tuple[Engineer, ...],
                      centres: tuple[Centre, ...], problems: list[Problem]) -> None:
    """Under public_holidays = "off" nobody works a local public holiday, so a shift cannot be pinned on one."""
    by_id = {e.id: e for e in engineers}
    centre_of = {c.id: c for c in centres}
    lines = {(r.values["engineer"], r.values["date"]): r.line for r in rows}
    for pin in pins:
        if pin.shift == Pin.OFF:
            continue
        centre = centre_of[by_id[pin.engineer].centre]
        holiday = public_holidays(centre, pin.date, pin.date).get(pin.date)
        if holiday:
            problems.append(Problem("pins.csv", f"line {lines.get((pin.engineer, pin.date.isoformat()), '?')}",
                                    "date", f"{pin.date} is {holiday} in {centre.name} and public_holidays is "
                                            "\"off\"; a shift cannot be pinned on it"))


def _rows(path: Path, columns: tuple[str, ...], problems: list[Problem], required: bool) -> list[Row]:
    if not path.is_file():
        if required:
            problems.append(Problem(path.name, "", "", f"not found in {path.parent}"))
        return []
    return read_csv(path, columns, problems)


def _duplicates(file: str, where: str, ids: list[str], problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            place = f"{where} #{i + 1} '{ident}'" if where else ""  # the later entry, named like any other key
            problems.append(Problem(file, place, "id", f"duplicate id '{ident}'; ids must be unique"))
        seen.add(ident)


def _centres(model: ScenarioModel, problems: list[Problem]) -> tuple[Centre, ...]:
    supported = holidays.list_supported_countries()
    for i, c in enumerate(model.centres):
        where = f"[[centres]] #{i + 1} '{c.id}'"
        if c.country not in supported:
            problems.append(Problem(SCENARIO_FILE, where, "country",
                                    f"'{c.country}' is not a country the holidays package knows "
                                    f"(ISO 3166 code like 'SG', 'IE', 'CA'){_suggest(c.country, set(supported))}"))
        elif c.subdivision and c.subdivision not in supported[c.country]:
            choices = ", ".join(supported[c.country][:20]) or "none"
            problems.append(Problem(SCENARIO_FILE, where, "subdivision",
                                    f"'{c.subdivision}' is not a subdivision of {c.country}; known: {choices}"))
    _duplicates(SCENARIO_FILE, "[[centres]]", [c.id for c in model.centres], problems)
    return tuple(Centre(c.id, c.name, c.timezone, c.country, c.subdivision) for c in model.centres)


def _shifts(model: ScenarioModel, centre_ids: set[str], problems: list[Problem]) -> tuple[ShiftTemplate, ...]:
    out = []
    for i, s in enumerate(model.shifts):
        where = f"[[shifts]] #{i + 1} '{s.id}'"
        start, end = s.start, s.end  # already WallTime (pydantic AfterValidator)
        _daily_times("shift", where, start, end, problems)  # type: ignore[arg-type]
        for centre in s.centres or []:
            if centre not in centre_ids:
                problems.append(Problem(SCENARIO_FILE, where, "centres",
                                        f"unknown centre '{centre}'{_suggest(centre, centre_ids)}"))
        out.append(ShiftTemplate(s.id, start, end, tuple(s.centres or sorted(centre_ids))))  # type: ignore[arg-type]
    _duplicates(SCENARIO_FILE, "[[shifts]]", [s.id for s in out], problems)
    return tuple(out)


def _daily_times(kind: str, where: str, start: WallTime, end: WallTime, problems: list[Problem]) -> None:
    """A shift's or a peak's local start and end: `end <= start` ends the next day, but start == end (zero or 24
    hours?) and a 24:00 start (midnight of which day?) mean nothing; 00:00–24:00 is a whole day."""
    if start.minutes == end.minutes:
        problems.append(Problem(SCENARIO_FILE, where, "end",
                                f"the {kind} is zero-length ({start}–{end}); end must differ from start "
                                "(00:00–24:00 is a whole day)"))
    if start.hour == 24:
        problems.append(Problem(SCENARIO_FILE, where, "start", "24:00 is only allowed as an end; use 00:00"))


def _peaks(model: ScenarioModel, problems: list[Problem]) -> tuple[Peak, ...]:
    out = []
    for i, p in enumerate(model.peaks):
        _daily_times("peak", f"[[peaks]] #{i + 1} '{p.id}'", p.start, p.end, problems)  # type: ignore[arg-type]
        out.append(Peak(p.id, p.name or p.id, p.timezone, tuple(p.days), p.start, p.end,  # type: ignore[arg-type]
                        p.min_engineers, p.min_seniors, tuple(p.languages)))
    _duplicates(SCENARIO_FILE, "[[peaks]]", [p.id for p in out], problems)
    return tuple(out)


def _events(model: ScenarioModel, problems: list[Problem]) -> tuple[Event, ...]:
    out = []
    for i, e in enumerate(model.events):
        where = f"[[events]] #{i + 1} '{e.id}'"
        if e.end <= e.start:
            problems.append(Problem(SCENARIO_FILE, where, "end",
                                    f"ends ({e.end}) before or when it starts ({e.start})"))
        else:
            _real_event_span(where, e, problems)
        out.append(Event(e.id, e.name or e.id, e.timezone, e.start, e.end, e.min_engineers, e.min_seniors,
                         tuple(e.languages)))
    _duplicates(SCENARIO_FILE, "[[events]]", [e.id for e in out], problems)
    return tuple(out)


def _real_event_span(where: str, event: EventModel, problems: list[Problem]) -> None:
    """By the time rule a start the clocks skip moves forward by the gap, and it can pass the end: 02:30–03:00 on
    the US spring-forward night would be 03:30–03:00 EDT, an event of no length."""
    tz = zone(event.timezone)
    start, end = (moment.replace(tzinfo=tz).astimezone(UTC) for moment in (event.start, event.end))
    if end <= start:
        begins = start.astimezone(tz).replace(tzinfo=None)
        problems.append(Problem(SCENARIO_FILE, where, "start",
                                f"starts ({event.start}) in the gap the clocks skip in {event.timezone}, so it "
                                f"begins at {begins} local time, not before it ends ({event.end}); start it "
                                "before the gap or end it later"))


def _engineers(rows: list[Row], centre_ids: set[str] | None, problems: list[Problem]) -> tuple[Engineer, ...]:
    file = "engineers.csv"
    out: list[Engineer] = []
    seen: set[str] = set()
    for row in rows:
        v, where = row.values, f"line {row.line}"
        before = len(problems)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", v["id"]):
            problems.append(Problem(file, where, "id", f"expected an id of letters, digits, '_', '-' or '.', "
                                                       f"got {v['id']!r}"))
        elif v["id"] in seen:
            problems.append(Problem(file, where, "id", f"duplicate id '{v['id']}'; ids must be unique"))
        seen.add(v["id"])
        if not v["name"]:
            problems.append(Problem(file, where, "name", "is empty; expected the engineer's name"))
        if centre_ids is not None and v["centre"] not in centre_ids:
            problems.append(Problem(file, where, "centre", f"unknown centre '{v['centre']}'; expected one of "
                                                           f"{', '.join(sorted(centre_ids))}"))
        if v["level"] not in LEVELS:
            problems.append(Problem(file, where, "level", f"'{v['level']}' is not one of L1, L2, L3"))
        languages = tuple(x.strip() for x in v["languages"].split(";") if x.strip())
        for lang in languages:
            if not _LANGUAGE.match(lang):
                problems.append(Problem(file, where, "languages",
                                        f"'{lang}' is not a two-letter ISO 639-1 code; separate codes with ';'"))
        cap = _parse_cap(v["max_hours_per_week"])
        if cap is False:
            problems.append(Problem(file, where, "max_hours_per_week",
                                    f"expected empty or a number of hours from 1 to 168, got "
                                    f"{v['max_hours_per_week']!r}"))
        if v["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v["email"]):
            problems.append(Problem(file, where, "email", f"{v['email']!r} is not an e-mail address"))
        if len(problems) == before:
            out.append(Engineer(v["id"], v["name"], v["centre"], v["level"], languages,
                                cap if isinstance(cap, float) else None, v["email"]))
    if not rows and not any(p.file == file for p in problems):
        problems.append(Problem(file, "", "", "has no engineers; add at least one row"))
    return tuple(out)


def _parse_cap(value: str) -> float | Literal[False] | None:
    if not value:
        return None
    try:
        cap = float(value)
    except ValueError:
        return False
    return cap if 1 <= cap <= 168 else False


def _leave(rows: list[Row], engineers: set[str] | None, problems: list[Problem]) -> tuple[Leave, ...]:
    file = "leave.csv"
    out = []
    for row in rows:
        v, where = row.values, f"line {row.line}"
        before = len(problems)
        if engineers is not None and v["engineer"] not in engineers:
            problems.append(Problem(file, where, "engineer", f"unknown engineer '{v['engineer']}'"
                                                             f"{_suggest(v['engineer'], engineers)}"))
        start, end = _parse_date(v["start"]), _parse_date(v["end"])
        for field, value, parsed in (("start", v["start"], start), ("end", v["end"], end)):
            if parsed is None:
                problems.append(Problem(file, where, field, date_problem(value)))
        if start and end and end < start:
            problems.append(Problem(file, where, "end", f"leave ends ({end}) before it starts ({start})"))
        if len(problems) == before and start and end:
            out.append(Leave(v["engineer"], start, end, v["reason"]))
    return tuple(out)


def _pins(
    rows: list[Row], valid: tuple[Engineer, ...], known: set[str] | None, templates: tuple[ShiftTemplate, ...] | None,
    leave: tuple[Leave, ...], problems: list[Problem],
) -> tuple[Pin, ...]:
    """Pins of the valid engineers; `known` (all engineer ids) and `templates` are None when they could not be read."""
    file = "pins.csv"
    engineers = {e.id: e for e in valid}
    shifts = {s.id: s for s in templates or ()}
    on_leave = {(block.engineer, day): block for block in leave for day in block.days()}
    out = []
    first_line: dict[tuple[str, date], int] = {}
    for row in rows:
        v, where = row.values, f"line {row.line}"
        before = len(problems)
        engineer = engineers.get(v["engineer"])
        if known is not None and v["engineer"] not in known:
            problems.append(Problem(file, where, "engineer", f"unknown engineer '{v['engineer']}'"
                                                             f"{_suggest(v['engineer'], known)}"))
        day = _parse_date(v["date"])
        if day is None:
            problems.append(Problem(file, where, "date", date_problem(v["date"])))
        shift = v["shift"]
        worked = templates is not None and shift != Pin.OFF  # shift ids are unknown when scenario.toml did not load
        if worked and shift not in shifts:
            problems.append(Problem(file, where, "shift", f"unknown shift '{shift}'; expected 'off' or one of "
                                                          f"{', '.join(shifts)}"))
        elif worked and engineer and engineer.centre not in shifts[shift].centres:
            problems.append(Problem(file, where, "shift",
                                    f"shift '{shift}' is not offered in centre '{engineer.centre}'"))
        if engineer and day and shift != Pin.OFF and (engineer.id, day) in on_leave:
            problems.append(Problem(file, where, "date",
                                    f"{engineer.id} is on leave on {day} (leave.csv line for "
                                    f"{on_leave[engineer.id, day].start}–{on_leave[engineer.id, day].end}); "
                                    "a shift cannot be pinned on a leave day"))
        if len(problems) == before and engineer and day:
            if (engineer.id, day) in first_line:
                problems.append(Problem(file, where, "date", f"{engineer.id} already has a pin on {day} (line "
                                                             f"{first_line[engineer.id, day]}); one pin per day"))
                continue
            first_line[engineer.id, day] = row.line
            out.append(Pin(engineer.id, day, shift))
    return tuple(out)
