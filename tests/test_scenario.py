"""Tests of the scenario loader and `rota check` on bad input.

Each case copies the demo scenario, makes one mistake a manager could make, and asserts the exact line the user
reads: the file, the row ("line N") or key ("[[centres]] #1 'sin'"), the field and what was expected.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import available_timezones

import pytest

from rota.cli import main
from rota.clock import event_window, peak_occurrences, window
from rota.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
EXIT_INPUT = 2

TOML = "scenario.toml"
ENGINEERS = "engineers.csv"
LEAVE = "leave.csv"
PINS = "pins.csv"
ENGINEERS_HEADER = "id,name,centre,level,languages,max_hours_per_week,email"

SIN_CENTRE = "[[centres]] #1 'sin'"
TOR_CENTRE = "[[centres]] #3 'tor'"
SIN_DAY = "[[shifts]] #1 'sin-day'"
SIN_DAY_TOML = 'id = "sin-day"\nstart = "07:00"\nend = "16:00"\ncentres = ["sin"]'
SIN_ZONE_TOML = 'timezone = "Asia/Singapore"'
EVENT = "[[events]] #1 'sale-3-3'"
EVENT_START_TOML = "start = 2027-03-03T00:00:00"
EVENT_END_TOML = "end = 2027-03-04T02:00:00"
DAYS_TOML = "days = 28 "
WEEKEND_DAYS_TOML = 'timezone = "Asia/Jakarta"\ndays = ["sat", "sun"]'
WEEKEND_PEAK = "[[peaks]] #2 'sea-weekend-midday'"
SIN_03_ROW = "sin-03,Nguyen Thi Lan,sin,L2,vi;en,,lan.nguyen@example.com"
SIN_04_LEAVE_ROW = "sin-04,2027-03-08,2027-03-12,annual leave"
TOR_01_PIN_ROW = "tor-01,2027-03-14,tor-day"
TIME_FORMAT = 'expected a local time as "HH:MM" (00:00 to 24:00), got {!r}'
ABBREVIATION = (
    "'{}' is a zone abbreviation, which is ambiguous (PST is both Manila and US Pacific); "
    "use an IANA name such as 'America/Los_Angeles' or 'Asia/Manila'"
)
ZERO_LENGTH = "the {0} is zero-length ({1}–{1}); end must differ from start (00:00–24:00 is a whole day)"
MIDNIGHT_START = "24:00 is only allowed as an end; use 00:00"
SEA_EVENING = "[[peaks]] #1 'sea-evening'"
SEA_EVENING_TIMES_TOML = 'start = "19:00"\nend = "23:00"\nmin_engineers = 3'
SHIFT_IDS = "sin-day, sin-late, dub-day, dub-late, tor-day, tor-late"
SUMMARY_SECTIONS = ("Centres", "Headcount", "Public holidays", "Peaks", "Structural pre-check")


# --- helpers ------------------------------------------------------------------------------------------------------


def demo_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(DEMO, folder)
    return folder


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `folder/file` by `new`."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edited(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the demo with one edit."""
    folder = demo_copy(tmp_path)
    edit(folder, file, old, new)
    return folder


def appended(tmp_path: Path, file: str, extra: str) -> Path:
    folder = demo_copy(tmp_path)
    with (folder / file).open("a", encoding="utf-8") as handle:
        handle.write(extra)
    return folder


def line_of(path: Path, needle: str) -> int:
    """The 1-based physical line of `path` that contains `needle`."""
    lines = path.read_bytes().decode("utf-8-sig", errors="replace").split("\n")
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def problems(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    return [str(problem) for problem in caught.value.problems]


# --- time zones -----------------------------------------------------------------------------------------------------


def test_misspelled_timezone_suggests_the_right_one(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, 'timezone = "Asia/Singpore"')
    assert problems(folder) == [
        f"{TOML}: {SIN_CENTRE}, field 'timezone': unknown IANA time zone 'Asia/Singpore'; "
        "did you mean 'Asia/Singapore'?"
    ]


def test_unknown_timezone_without_a_close_match(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, 'timezone = "Mars/Olympus_Mons"')
    assert problems(folder) == [f"{TOML}: {SIN_CENTRE}, field 'timezone': unknown IANA time zone 'Mars/Olympus_Mons'"]


@pytest.mark.parametrize("abbreviation", ["PST", "EST"])
def test_zone_abbreviation_is_refused(tmp_path: Path, abbreviation: str) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, f'timezone = "{abbreviation}"')
    assert problems(folder) == [f"{TOML}: {SIN_CENTRE}, field 'timezone': {ABBREVIATION.format(abbreviation)}"]


def test_est_is_a_tzdata_name_so_its_refusal_is_deliberate() -> None:
    assert "EST" in available_timezones()  # zoneinfo alone would accept "EST" (fixed UTC-05:00, no DST)


# --- references -------------------------------------------------------------------------------------------------


def test_unknown_centre_in_shift_centres(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, SIN_DAY_TOML.replace('["sin"]', '["sng"]'))
    assert problems(folder) == [f"{TOML}: {SIN_DAY}, field 'centres': unknown centre 'sng'; did you mean 'sin'?"]


def test_unknown_centre_in_engineer_row(tmp_path: Path) -> None:
    folder = edited(tmp_path, ENGINEERS, SIN_03_ROW, SIN_03_ROW.replace(",sin,", ",sng,"))
    line = line_of(folder / ENGINEERS, "sin-03")
    assert problems(folder) == [
        f"{ENGINEERS}: line {line}, field 'centre': unknown centre 'sng'; expected one of dub, sin, tor"
    ]


def test_unknown_shift_in_pin(tmp_path: Path) -> None:
    folder = edited(tmp_path, PINS, TOR_01_PIN_ROW, "tor-01,2027-03-14,tor-night")
    line = line_of(folder / PINS, "tor-night")
    assert problems(folder) == [
        f"{PINS}: line {line}, field 'shift': unknown shift 'tor-night'; expected 'off' or one of {SHIFT_IDS}"
    ]


def test_unknown_engineer_in_leave(tmp_path: Path) -> None:
    folder = edited(tmp_path, LEAVE, SIN_04_LEAVE_ROW, SIN_04_LEAVE_ROW.replace("sin-04", "sn-04"))
    line = line_of(folder / LEAVE, "sn-04")
    assert problems(folder) == [
        f"{LEAVE}: line {line}, field 'engineer': unknown engineer 'sn-04'; did you mean 'sin-04'?"
    ]


def test_unknown_engineer_in_pin(tmp_path: Path) -> None:
    folder = edited(tmp_path, PINS, TOR_01_PIN_ROW, TOR_01_PIN_ROW.replace("tor-01", "tr-01"))
    line = line_of(folder / PINS, "tr-01")
    assert problems(folder) == [
        f"{PINS}: line {line}, field 'engineer': unknown engineer 'tr-01'; did you mean 'tor-01'?"
    ]


def test_leave_of_an_engineer_with_a_bad_row_is_not_called_unknown(tmp_path: Path) -> None:
    row = "sin-04,Somchai Rattanakorn,sin,L2,"
    folder = edited(tmp_path, ENGINEERS, row, row.replace(",L2,", ",L4,"))
    line = line_of(folder / ENGINEERS, "sin-04")
    assert problems(folder) == [f"{ENGINEERS}: line {line}, field 'level': 'L4' is not one of L1, L2, L3"]


# --- duplicates -----------------------------------------------------------------------------------------------------


def test_duplicate_centre_id(tmp_path: Path) -> None:
    folder = appended(tmp_path, TOML, '\n[[centres]]\nid = "sin"\nname = "Singapore 2"\n'
                                      'timezone = "Asia/Singapore"\ncountry = "SG"\n')
    assert problems(folder) == [f"{TOML}: [[centres]] #4 'sin', field 'id': duplicate id 'sin'; ids must be unique"]


def test_duplicate_shift_id(tmp_path: Path) -> None:
    folder = appended(tmp_path, TOML, '\n[[shifts]]\nid = "tor-day"\nstart = "09:00"\nend = "18:00"\n')
    assert problems(folder) == [
        f"{TOML}: [[shifts]] #7 'tor-day', field 'id': duplicate id 'tor-day'; ids must be unique"
    ]


def test_duplicate_engineer_id(tmp_path: Path) -> None:
    folder = edited(tmp_path, ENGINEERS, "sin-02,Tan Wei Ming", "sin-01,Tan Wei Ming")
    line = line_of(folder / ENGINEERS, "sin-01,Tan Wei Ming")
    assert problems(folder) == [f"{ENGINEERS}: line {line}, field 'id': duplicate id 'sin-01'; ids must be unique"]


# --- values ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["L4", "l2", "senior"])
def test_level_outside_l1_to_l3(tmp_path: Path, level: str) -> None:
    folder = edited(tmp_path, ENGINEERS, SIN_03_ROW, SIN_03_ROW.replace(",L2,", f",{level},"))
    line = line_of(folder / ENGINEERS, "sin-03")
    assert problems(folder) == [f"{ENGINEERS}: line {line}, field 'level': '{level}' is not one of L1, L2, L3"]


HOURS = "is not a time of day: hours go from 00 to 23 (24:00 ends a day)"
MINUTES = "is not a time of day: minutes go from 00 to 59"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("start", "7:00", TIME_FORMAT.format("7:00")), ("end", "25:00", f"25:00 {HOURS}"),
    ("start", "07:60", f"07:60 {MINUTES}"), ("end", "24:30", f"24:30 {HOURS}"),
    ("start", "0700", TIME_FORMAT.format("0700")),
])
def test_shift_time_not_hh_mm(tmp_path: Path, field: str, value: str, message: str) -> None:
    old = f'{field} = "{"07:00" if field == "start" else "16:00"}"'
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, SIN_DAY_TOML.replace(old, f'{field} = "{value}"'))
    assert problems(folder) == [f"{TOML}: {SIN_DAY}, field '{field}': {message}"]


def test_zero_length_shift(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, SIN_DAY_TOML.replace('end = "16:00"', 'end = "07:00"'))
    assert problems(folder) == [
        f"{TOML}: {SIN_DAY}, field 'end': {ZERO_LENGTH.format('shift', '07:00')}"
    ]


def test_a_midnight_to_midnight_shift_is_24_hours_not_zero_length(tmp_path: Path) -> None:
    whole_day = SIN_DAY_TOML.replace('"07:00"', '"00:00"').replace('"16:00"', '"24:00"')
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, whole_day)
    template = load_scenario(folder).shift("sin-day")
    assert (str(template.start), str(template.end), template.overnight) == ("00:00", "24:00", False)


def test_a_shift_starting_at_24_00(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, SIN_DAY_TOML.replace('start = "07:00"', 'start = "24:00"'))
    assert problems(folder) == [f"{TOML}: {SIN_DAY}, field 'start': {MIDNIGHT_START}"]


def peak_times(tmp_path: Path, start: str, end: str) -> Path:
    """The demo with the first peak (sea-evening, 19:00–23:00 in Jakarta) at other local times."""
    return edited(tmp_path, TOML, SEA_EVENING_TIMES_TOML, f'start = "{start}"\nend = "{end}"\nmin_engineers = 3')


@pytest.mark.parametrize("time", ["19:00", "00:00"])
def test_a_peak_that_starts_when_it_ends(tmp_path: Path, time: str) -> None:
    assert problems(peak_times(tmp_path, time, time)) == [
        f"{TOML}: {SEA_EVENING}, field 'end': {ZERO_LENGTH.format('peak', time)}"]


def test_a_peak_starting_at_24_00(tmp_path: Path) -> None:
    assert problems(peak_times(tmp_path, "24:00", "02:00")) == [
        f"{TOML}: {SEA_EVENING}, field 'start': {MIDNIGHT_START}"]


def test_a_peak_from_24_00_to_24_00_has_both_problems(tmp_path: Path) -> None:
    assert problems(peak_times(tmp_path, "24:00", "24:00")) == [
        f"{TOML}: {SEA_EVENING}, field 'end': {ZERO_LENGTH.format('peak', '24:00')}",
        f"{TOML}: {SEA_EVENING}, field 'start': {MIDNIGHT_START}"]


@pytest.mark.parametrize(("start", "end", "hours"),
                         [("22:00", "02:00", 4), ("00:00", "24:00", 24), ("23:00", "24:00", 1)])
def test_overnight_and_whole_day_peaks_load(tmp_path: Path, start: str, end: str, hours: int) -> None:
    scenario = load_scenario(peak_times(tmp_path, start, end))
    [peak] = [p for p in scenario.peaks if p.id == "sea-evening"]
    assert (str(peak.start), str(peak.end)) == (start, end)
    # Jakarta has no DST: every occurrence not clipped by the window lasts exactly this long.
    assert max(o.minutes for o in peak_occurrences(peak, window(scenario.start, scenario.days))) == hours * 60


def test_an_overnight_shift_loads(tmp_path: Path) -> None:
    night = SIN_DAY_TOML.replace('"07:00"', '"22:00"').replace('"16:00"', '"06:00"')
    template = load_scenario(edited(tmp_path, TOML, SIN_DAY_TOML, night)).shift("sin-day")
    assert (str(template.start), str(template.end), template.overnight) == ("22:00", "06:00", True)


def toronto_event(start: str, end: str) -> str:
    """A surge on the night Toronto's clocks jump from 02:00 to 03:00 (2027-03-14)."""
    return (f'\n[[events]]\nid = "dst-night"\ntimezone = "America/Toronto"\nstart = 2027-03-14T{start}:00\n'
            f"end = 2027-03-14T{end}:00\nmin_engineers = 1\n")


def test_an_event_that_the_spring_forward_gap_leaves_without_length(tmp_path: Path) -> None:
    folder = appended(tmp_path, TOML, toronto_event("02:30", "03:00"))
    assert problems(folder) == [
        f"{TOML}: [[events]] #2 'dst-night', field 'start': starts (2027-03-14 02:30:00) in the gap the clocks skip "
        "in America/Toronto, so it begins at 2027-03-14 03:30:00 local time, not before it ends "
        "(2027-03-14 03:00:00); start it before the gap or end it later"]


def test_an_event_that_starts_in_the_gap_but_ends_after_it_loads(tmp_path: Path) -> None:
    scenario = load_scenario(appended(tmp_path, TOML, toronto_event("02:30", "04:00")))
    [event] = [e for e in scenario.events if e.id == "dst-night"]
    span = event_window(event, window(scenario.start, scenario.days))
    assert span is not None and span.minutes == 30  # 03:30–04:00 EDT, by the time rule


def test_cli_check_refuses_meaningless_peak_times_with_exit_2(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = peak_times(tmp_path, "24:00", "19:00")
    with (folder / TOML).open("a", encoding="utf-8") as handle:
        handle.write(toronto_event("02:15", "03:00"))
    assert main(["check", str(folder)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"rota: 2 problem(s) in {folder}:\n")
    assert f"  {TOML}: {SEA_EVENING}, field 'start': {MIDNIGHT_START}\n" in err
    assert f"  {TOML}: [[events]] #2 'dst-night', field 'start': starts (2027-03-14 02:15:00)" in err
    assert "Traceback" not in err


def test_two_pins_on_one_day(tmp_path: Path) -> None:
    folder = appended(tmp_path, PINS, "tor-01,2027-03-14,off\n")
    first = line_of(folder / PINS, "tor-01")
    assert problems(folder) == [
        f"{PINS}: line {first + 1}, field 'date': tor-01 already has a pin on 2027-03-14 (line {first}); "
        "one pin per day"
    ]


def test_leave_ending_before_it_starts(tmp_path: Path) -> None:
    folder = edited(tmp_path, LEAVE, SIN_04_LEAVE_ROW, "sin-04,2027-03-12,2027-03-08,annual leave")
    line = line_of(folder / LEAVE, "sin-04")
    assert problems(folder) == [
        f"{LEAVE}: line {line}, field 'end': leave ends (2027-03-08) before it starts (2027-03-12)"
    ]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "Input should be greater than or equal to 1"), (367, "Input should be less than or equal to 366")],
)
def test_days_outside_1_to_366(tmp_path: Path, days: int, expected: str) -> None:
    folder = edited(tmp_path, TOML, DAYS_TOML, f"days = {days} ")
    assert problems(folder) == [f"{TOML}: top level, field 'days': {expected}"]


@pytest.mark.parametrize("days", [1, 366])
def test_days_at_the_bounds_load(tmp_path: Path, days: int) -> None:
    assert load_scenario(edited(tmp_path, TOML, DAYS_TOML, f"days = {days} ")).days == days


def test_country_unknown_to_holidays(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, 'country = "SG"', 'country = "XX"')
    assert problems(folder) == [
        f"{TOML}: {SIN_CENTRE}, field 'country': 'XX' is not a country the holidays package knows "
        "(ISO 3166 code like 'SG', 'IE', 'CA')"
    ]


def test_subdivision_unknown_to_holidays(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, 'subdivision = "ON"', 'subdivision = "ZZ"')
    [problem] = problems(folder)
    prefix = f"{TOML}: {TOR_CENTRE}, field 'subdivision': 'ZZ' is not a subdivision of CA; known: "
    assert problem.startswith(prefix)
    assert {"ON", "QC", "BC"} <= set(problem.removeprefix(prefix).split(", "))


@pytest.mark.parametrize(("days", "bad"), [('["mon", "tues"]', "tues"), ('["Mon"]', "Mon")])
def test_unknown_weekday(tmp_path: Path, days: str, bad: str) -> None:
    folder = edited(tmp_path, TOML, WEEKEND_DAYS_TOML, WEEKEND_DAYS_TOML.replace('["sat", "sun"]', days))
    assert problems(folder) == [
        f"{TOML}: {WEEKEND_PEAK}, field 'days': unknown weekday '{bad}'; expected one of mon, tue, wed, thu, fri, "
        "sat, sun"
    ]


def test_pin_on_a_leave_day(tmp_path: Path) -> None:
    # tor-05 is on sick leave 2027-03-10..11 in the demo leave.csv.
    folder = edited(tmp_path, PINS, TOR_01_PIN_ROW, "tor-05,2027-03-10,tor-day")
    line = line_of(folder / PINS, "tor-05")
    assert problems(folder) == [
        f"{PINS}: line {line}, field 'date': tor-05 is on leave on 2027-03-10 (leave.csv line for "
        "2027-03-10–2027-03-11); a shift cannot be pinned on a leave day"
    ]


# --- CSV shape and encoding ---------------------------------------------------------------------------------------


def test_csv_missing_column(tmp_path: Path) -> None:
    folder = edited(tmp_path, ENGINEERS, ENGINEERS_HEADER, ENGINEERS_HEADER.removesuffix(",email"))
    assert problems(folder) == [f"{ENGINEERS}: header, field 'email': missing column"]


def test_csv_extra_column_in_header(tmp_path: Path) -> None:
    folder = edited(tmp_path, LEAVE, "engineer,start,end,reason", "engineer,start,end,reason,approved")
    assert problems(folder) == [
        f"{LEAVE}: header, field 'approved': unknown column; expected engineer, start, end, reason"
    ]


def test_csv_row_with_an_extra_field(tmp_path: Path) -> None:
    folder = edited(tmp_path, ENGINEERS, '"Reyes, Paolo"', "Reyes, Paolo")  # the comma is no longer quoted
    line = line_of(folder / ENGINEERS, "sin-12")
    assert problems(folder) == [
        f"{ENGINEERS}: line {line}: has 8 fields, expected 7 (id, name, centre, level, languages, max_hours_per_week, "
        "email); a value with a comma must be in double quotes"
    ]


def test_csv_with_bom_blank_lines_and_quoted_comma_loads(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    path = folder / ENGINEERS
    text = path.read_text(encoding="utf-8").replace("\nsin-12,", "\n\n  \r\n\nsin-12,") + "\n\n"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    scenario = load_scenario(folder)
    assert len(scenario.engineers) == 36
    assert scenario.engineers[0].id == "sin-01"
    assert scenario.engineer("sin-12").name == "Reyes, Paolo"


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    folder = edited(tmp_path, LEAVE, f"\n{SIN_04_LEAVE_ROW}", f"\n\n\n{SIN_04_LEAVE_ROW.replace('sin-04', 'sn-04')}")
    assert problems(folder) == [f"{LEAVE}: line 4, field 'engineer': unknown engineer 'sn-04'; did you mean 'sin-04'?"]


def test_csv_not_utf8(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    path = folder / ENGINEERS
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))  # "Ciar\xe1n" as a spreadsheet saves it
    line = line_of(path, "dub-04")
    assert b"Ciar\xe1n" in path.read_bytes()
    assert problems(folder) == [f"{ENGINEERS}: line {line}: is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)"]


def test_engineers_file_with_only_a_header(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    (folder / ENGINEERS).write_text(ENGINEERS_HEADER + "\n", encoding="utf-8")
    assert problems(folder) == [f"{ENGINEERS}: has no engineers; add at least one row"]


def test_engineers_file_of_zero_bytes(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    (folder / ENGINEERS).write_bytes(b"")
    assert problems(folder) == [f"{ENGINEERS}: is empty; expected a header: {ENGINEERS_HEADER}"]


# --- scenario.toml --------------------------------------------------------------------------------------------------


def test_misspelled_key_is_unknown_with_a_suggestion(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, SIN_ZONE_TOML.replace("timezone", "timezon"))
    assert problems(folder) == [
        f"{TOML}: {SIN_CENTRE}, field 'timezone': missing; this key is required",
        f"{TOML}: {SIN_CENTRE}, field 'timezon': unknown key (misspelled?); did you mean 'timezone'?",
    ]


def test_misspelled_rules_key(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, "min_rest_hours = 11", "min_rest_hour = 11")
    assert problems(folder) == [
        f"{TOML}: [rules], field 'min_rest_hour': unknown key (misspelled?); did you mean 'min_rest_hours'?"
    ]


def test_event_with_an_offset_datetime_is_refused(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, EVENT_START_TOML, "start = 2027-11-26T00:00:00-05:00")
    assert problems(folder) == [
        f"{TOML}: {EVENT}, field 'start': expected a local date-time without an offset (the zone is the 'timezone' key)"
    ]


def test_event_ending_before_it_starts(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, EVENT_END_TOML, "end = 2027-03-02T02:00:00")
    assert problems(folder) == [
        f"{TOML}: {EVENT}, field 'end': ends (2027-03-02 02:00:00) before or when it starts (2027-03-03 00:00:00)"
    ]


def test_invalid_toml_reports_its_line(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, "max_consecutive_days = 5", "max_consecutive_days = ")
    line = line_of(folder / TOML, "max_consecutive_days")
    [problem] = problems(folder)
    assert problem.startswith(f"{TOML}: is not valid TOML: ")
    assert f"line {line}," in problem


def test_missing_scenario_toml(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    (folder / TOML).unlink()
    assert problems(folder) == [f"{TOML}: not found in {folder}"]


def test_folder_that_does_not_exist(tmp_path: Path) -> None:
    folder = tmp_path / "no-such-scenario"
    assert problems(folder) == [f"{folder}: does not exist; expected a scenario folder (scenario.toml, "
                                "engineers.csv, …)"]


# --- every problem at once ---------------------------------------------------------------------------------------


def several_mistakes(tmp_path: Path) -> tuple[Path, list[str]]:
    """The demo with mistakes in scenario.toml (that it still parses), engineers.csv, leave.csv and pins.csv."""
    folder = demo_copy(tmp_path)
    edits = {
        TOML: [('country = "SG"', 'country = "XX"'),
               (SIN_DAY_TOML, SIN_DAY_TOML.replace('end = "16:00"', 'end = "07:00"'))],
        ENGINEERS: [(SIN_03_ROW, SIN_03_ROW.replace(",L2,", ",L4,")),
                    ("sin-05,Maria Santos,sin,", "sin-05,Maria Santos,sng,")],
        LEAVE: [(SIN_04_LEAVE_ROW, "sin-04,2027-03-12,2027-03-08,annual leave"),
                ("tor-03,", "tr-03,")],
        PINS: [(TOR_01_PIN_ROW, "tor-01,2027-03-14,tor-night")],
    }
    for file, changes in edits.items():
        for old, new in changes:
            edit(folder, file, old, new)
    expected = [
        f"{TOML}: {SIN_CENTRE}, field 'country': 'XX' is not a country the holidays package knows "
        "(ISO 3166 code like 'SG', 'IE', 'CA')",
        f"{TOML}: {SIN_DAY}, field 'end': {ZERO_LENGTH.format('shift', '07:00')}",
        f"{ENGINEERS}: line {line_of(folder / ENGINEERS, 'sin-03')}, field 'level': 'L4' is not one of L1, L2, L3",
        f"{ENGINEERS}: line {line_of(folder / ENGINEERS, 'sin-05')}, field 'centre': unknown centre 'sng'; "
        "expected one of dub, sin, tor",
        f"{LEAVE}: line {line_of(folder / LEAVE, 'sin-04')}, field 'end': leave ends (2027-03-08) before it starts "
        "(2027-03-12)",
        f"{LEAVE}: line {line_of(folder / LEAVE, 'tr-03')}, field 'engineer': unknown engineer 'tr-03'; "
        "did you mean 'tor-03'?",
        f"{PINS}: line {line_of(folder / PINS, 'tor-night')}, field 'shift': unknown shift 'tor-night'; "
        f"expected 'off' or one of {SHIFT_IDS}",
    ]
    return folder, expected


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    folder, expected = several_mistakes(tmp_path)
    found = problems(folder)
    for problem in expected:
        assert problem in found
    assert len(found) == len(expected)


def test_csv_problems_reported_even_when_scenario_toml_is_invalid(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, 'timezone = "Asia/Singpore"')  # fails the schema
    edit(folder, ENGINEERS, SIN_03_ROW, SIN_03_ROW.replace(",L2,", ",L4,"))
    edit(folder, LEAVE, SIN_04_LEAVE_ROW, "sin-04,2027-03-12,2027-03-08,annual leave")
    edit(folder, PINS, TOR_01_PIN_ROW, "tr-01,2027-03-14,tor-day")
    assert problems(folder) == [
        f"{TOML}: {SIN_CENTRE}, field 'timezone': unknown IANA time zone 'Asia/Singpore'; "
        "did you mean 'Asia/Singapore'?",
        f"{ENGINEERS}: line {line_of(folder / ENGINEERS, 'sin-03')}, field 'level': 'L4' is not one of L1, L2, L3",
        f"{LEAVE}: line {line_of(folder / LEAVE, 'sin-04')}, field 'end': leave ends (2027-03-08) before it starts "
        "(2027-03-12)",
        f"{PINS}: line {line_of(folder / PINS, 'tr-01')}, field 'engineer': unknown engineer 'tr-01'; "
        "did you mean 'tor-01'?",
    ]


# --- the command line -----------------------------------------------------------------------------------------------


def test_cli_check_prints_every_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, expected = several_mistakes(tmp_path)
    assert main(["check", str(folder)]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.err.startswith(f"rota: {len(expected)} problem(s) in {folder}:\n")
    for problem in expected:
        assert f"  {problem}\n" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_cli_check_of_a_missing_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "no-such-scenario"
    assert main(["check", str(folder)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"rota: scenario {folder}: does not exist; expected a scenario folder" in err
    assert "Traceback" not in err


def rota_command() -> str:
    script = Path(sys.executable).parent / "rota"
    found = str(script) if script.is_file() else shutil.which("rota")
    assert found, "the rota console script is not installed (pip install -e .)"
    return found


def run_rota(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([rota_command(), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)


def test_console_script_on_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_ZONE_TOML, 'timezone = "Asia/Singpore"')
    result = run_rota("check", str(folder))
    assert result.returncode == EXIT_INPUT
    assert "unknown IANA time zone 'Asia/Singpore'; did you mean 'Asia/Singapore'?" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_console_script_checks_the_demo() -> None:
    result = run_rota("check", "data/demo")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for section in SUMMARY_SECTIONS:
        assert any(line.startswith(section) for line in lines), f"no {section!r} section"
    assert result.stderr == ""


# --- found in review: inputs that once slipped through -----------------------------------------------------------


def test_a_language_listed_twice(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, 'languages = ["th", "id"]', 'languages = ["th", "th"]')
    assert problems(folder) == [
        f"{TOML}: [[peaks]] #1 'sea-evening', field 'languages': language 'th' is listed twice"]


def test_an_empty_centres_list_on_a_shift(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, SIN_DAY_TOML, SIN_DAY_TOML.replace('centres = ["sin"]', "centres = []"))
    [problem] = problems(folder)
    assert problem.startswith(f"{TOML}: {SIN_DAY}, field 'centres': List should have at least 1 item")


def test_a_pin_on_a_public_holiday_when_holidays_are_off(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, 'public_holidays = "avoid"', 'public_holidays = "off"')
    edit(folder, PINS, TOR_01_PIN_ROW, TOR_01_PIN_ROW + "\ntor-01,2027-03-26,tor-day")
    line = line_of(folder / PINS, "2027-03-26")
    assert problems(folder) == [
        f'{PINS}: line {line}, field \'date\': 2027-03-26 is Good Friday in Toronto and public_holidays is "off"; '
        "a shift cannot be pinned on it"]


def test_a_peak_and_an_event_with_one_id(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, 'id = "sale-3-3"', 'id = "sea-evening"')
    assert problems(folder) == [
        f"{TOML}: [[events]] #1 'sea-evening', field 'id': 'sea-evening' is already a peak's id; "
        "peaks and events need distinct ids"]


def test_a_start_date_out_of_range(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, "start = 2027-03-01", "start = 9999-12-25")
    assert problems(folder) == [
        f"{TOML}: top level, field 'start': expected a date between the years 1900 and 9000, got 9999-12-25"]


def test_a_huge_requirement(tmp_path: Path) -> None:
    folder = edited(tmp_path, TOML, "min_engineers = 4", "min_engineers = 9223372036854775807")
    [problem] = problems(folder)
    assert problem.startswith(f"{TOML}: {EVENT}, field 'min_engineers': Input should be less than or equal to 10000")
