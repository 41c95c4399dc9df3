"""Tests of the independent checker on tiny hand-made scenario and result folders.

Every expected file below is computed by hand from docs/CONTRACT.md; the comments show the arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rota.checker import check_rota, main

# --- shared text ----------------------------------------------------------------------------------

ASSIGNMENTS_HEADER = (
    "engineer,name,centre,level,date,shift,start_utc,end_utc,start_local,end_local,timezone,hours\n"
)
GAPS_HEADER = "kind,rule,start_utc,end_utc,required,staffed,shortfall,reason\n"
COVERAGE_HEADER = (
    "hour_utc,engineers,seniors,p0_required,peak_engineers_required,peak_seniors_required,"
    "event_engineers_required,event_seniors_required,languages_required,languages_present\n"
)
ENGINEERS_HEADER = "id,name,centre,level,languages,max_hours_per_week,email\n"

SG_CENTRE = """
[[centres]]
id = "sg"
name = "Singapore"
timezone = "Asia/Singapore"
country = "SG"
"""
# Singapore is UTC+08:00 all year: 08:00 SGT = 00:00Z, 16:00 SGT = 08:00Z, 24:00 SGT = 16:00Z.
SG_SHIFTS = """
[[shifts]]
id = "early"
start = "08:00"
end = "16:00"

[[shifts]]
id = "late"
start = "16:00"
end = "24:00"
"""

# Repeated coverage values: engineers,seniors,p0,peak_eng,peak_sen,event_eng,event_sen,langs_req,langs_present
NOBODY = "0,0,0,0,0,0,0,,"
ANN_ALONE = "1,1,0,0,0,0,0,,en;zh"  # ann (L2, en;zh) on shift, no p0 rule


def hourly(first_hour: str, count: int, values: str) -> str:
    """`count` coverage rows with the same values, from `first_hour` ("2027-03-01T04") on."""
    start = datetime.fromisoformat(first_hour + ":00")
    return "".join(f"{(start + timedelta(hours=h)):%Y-%m-%dT%H:%M:%SZ},{values}\n" for h in range(count))


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return folder


def check(tmp_path: Path, scenario: dict[str, str], result: dict[str, str]) -> list[str]:
    return check_rota(
        write_folder(tmp_path / "scenario", scenario), write_folder(tmp_path / "result", result)
    )


def edit(text: str, old: str, new: str) -> str:
    """str.replace that insists the text to change is there, so a mutation can never silently miss."""
    assert old in text, old
    return text.replace(old, new)


# --- base: one Singapore day with a peak and an event ---------------------------------------------
# Window 2027-03-01T00:00Z..2027-03-02T00:00Z (a Monday). ann (L2) works early = 00:00-08:00Z, bob (L1) late =
# 08:00-16:00Z. Peak "lunch" 12:00-14:00 SGT = 04:00-06:00Z; event "launch" 20:00-22:00 SGT = 12:00-14:00Z.

BASE_TOML = f"""
name = "tiny"
start = 2027-03-01
days = 1

[rules]
p0_min_seniors = 1
public_holidays = "off"
{SG_CENTRE}{SG_SHIFTS}
[[peaks]]
id = "lunch"
name = "Lunch"
timezone = "Asia/Singapore"
days = ["mon"]
start = "12:00"
end = "14:00"
min_engineers = 2
languages = ["ja"]

[[events]]
id = "launch"
name = "Launch"
timezone = "Asia/Singapore"
start = 2027-03-01T20:00:00
end = 2027-03-01T22:00:00
min_engineers = 1
min_seniors = 1
languages = ["en"]
"""
BASE_ENGINEERS = ENGINEERS_HEADER + "ann,Ann,sg,L2,en;zh,,ann@example.com\nbob,Bob,sg,L1,en,,\n"
ANN_EARLY_0301 = (
    "ann,Ann,sg,L2,2027-03-01,early,2027-03-01T00:00:00Z,2027-03-01T08:00:00Z,"
    "2027-03-01T08:00:00+08:00,2027-03-01T16:00:00+08:00,Asia/Singapore,8.00\n"
)
BOB_LATE_0301 = (
    "bob,Bob,sg,L1,2027-03-01,late,2027-03-01T08:00:00Z,2027-03-01T16:00:00Z,"
    "2027-03-01T16:00:00+08:00,2027-03-02T00:00:00+08:00,Asia/Singapore,8.00\n"
)
BASE_ASSIGNMENTS = ASSIGNMENTS_HEADER + ANN_EARLY_0301 + BOB_LATE_0301
# p0: no senior after ann leaves at 08:00Z. launch: bob is there but no senior. lunch: ann alone, no ja.
BASE_GAPS = GAPS_HEADER + (
    "p0,p0,2027-03-01T08:00:00Z,2027-03-02T00:00:00Z,1,0,1,ann needs rest; bob is L1\n"
    "event,launch:seniors,2027-03-01T12:00:00Z,2027-03-01T14:00:00Z,1,0,1,ann needs rest\n"
    "peak,lunch:engineers,2027-03-01T04:00:00Z,2027-03-01T06:00:00Z,2,1,1,no shift of bob reaches 04:00Z\n"
    "language,lunch:ja,2027-03-01T04:00:00Z,2027-03-01T06:00:00Z,1,0,1,nobody speaks ja\n"
)
BASE_COVERAGE = COVERAGE_HEADER + "".join(
    [
        hourly("2027-03-01T00", 4, "1,1,1,0,0,0,0,,en;zh"),
        hourly("2027-03-01T04", 2, "1,1,1,2,0,0,0,ja,en;zh"),  # lunch peak
        hourly("2027-03-01T06", 2, "1,1,1,0,0,0,0,,en;zh"),
        hourly("2027-03-01T08", 4, "1,0,1,0,0,0,0,,en"),
        hourly("2027-03-01T12", 2, "1,0,1,0,0,1,1,en,en"),  # launch event
        hourly("2027-03-01T14", 2, "1,0,1,0,0,0,0,,en"),
        hourly("2027-03-01T16", 8, "0,0,1,0,0,0,0,,"),
    ]
)
# p0 gap 16 h = 960 min of 1440: coverage 100 * 480 / 1440 = 33.33 %.
BASE_SUMMARY = """
{"scenario": "tiny", "status": "OPTIMAL",
 "window": {"start_utc": "2027-03-01T00:00:00Z", "end_utc": "2027-03-02T00:00:00Z", "minutes": 1440},
 "p0_coverage_pct": 33.33,
 "gap_minutes": {"p0": 960, "event": 120, "peak": 120, "language": 120},
 "engineers": {"ann": {"shifts": 1, "hours": 8.0}, "bob": {"shifts": 1, "hours": 8.0}}}
"""
BASE_SCENARIO = {"scenario.toml": BASE_TOML, "engineers.csv": BASE_ENGINEERS}
BASE_RESULT = {
    "assignments.csv": BASE_ASSIGNMENTS,
    "gaps.csv": BASE_GAPS,
    "coverage.csv": BASE_COVERAGE,
    "summary.json": BASE_SUMMARY,
}


def test_valid_rota_passes(tmp_path: Path) -> None:
    assert check(tmp_path, BASE_SCENARIO, BASE_RESULT) == []


def test_a_peak_without_days_runs_every_day(tmp_path: Path) -> None:
    # `days` is optional in the scenario (rota's loader: every day); the checker raised KeyError on such a peak.
    toml = edit(BASE_TOML, 'days = ["mon"]\n', "")
    assert check(tmp_path, {**BASE_SCENARIO, "scenario.toml": toml}, BASE_RESULT) == []  # the Monday lunch, still


def test_scenario_csv_with_bom_blank_lines_and_padding_is_read(tmp_path: Path) -> None:
    engineers = "\ufeff" + ENGINEERS_HEADER + "\n ann , Ann ,sg,L2, en;zh ,,\n\nbob,Bob,sg,L1,en,,\n"
    assert check(tmp_path, {**BASE_SCENARIO, "engineers.csv": engineers}, BASE_RESULT) == []


def test_main_prints_ok_and_returns_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_folder(tmp_path / "scenario", BASE_SCENARIO)
    result = write_folder(tmp_path / "result", BASE_RESULT)
    assert main([str(scenario), str(result)]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 shifts, 4 gap rows, 24 coverage hours")


def test_main_prints_problems_and_returns_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_folder(tmp_path / "scenario", BASE_SCENARIO)
    summary = edit(BASE_SUMMARY, '"p0": 960', '"p0": 900')
    result = write_folder(tmp_path / "result", {**BASE_RESULT, "summary.json": summary})
    assert main([str(scenario), str(result)]) == 1
    assert capsys.readouterr().out == "summary.json: gap_minutes.p0 is 900, gaps.csv rows add up to 960\n"


# --- assignments.csv rows -------------------------------------------------------------------------


def test_wrong_utc_start_is_caught(tmp_path: Path) -> None:
    assignments = edit(BASE_ASSIGNMENTS, "early,2027-03-01T00:00:00Z", "early,2027-03-01T01:00:00Z")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "assignments.csv": assignments})
    assert problems == [
        "assignments.csv row 1: start_utc is '2027-03-01T01:00:00Z', expected '2027-03-01T00:00:00Z'"
    ]


def test_right_instant_with_wrong_local_offset_is_caught(tmp_path: Path) -> None:
    # 07:00+07:00 is the same instant as 08:00+08:00, but Singapore's offset is +08:00.
    assignments = edit(
        BASE_ASSIGNMENTS, "2027-03-01T08:00:00+08:00,2027-03-01T16", "2027-03-01T07:00:00+07:00,2027-03-01T16"
    )
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "assignments.csv": assignments})
    assert problems == [
        "assignments.csv row 1: start_local is '2027-03-01T07:00:00+07:00', "
        "expected '2027-03-01T08:00:00+08:00'"
    ]


def test_scenario_times_the_contract_makes_errors_are_reported(tmp_path: Path) -> None:
    toml = edit(BASE_TOML, 'start = "12:00"\nend = "14:00"', 'start = "12:00"\nend = "12:00"')  # the lunch peak
    toml = edit(toml, 'start = "16:00"\nend = "24:00"', 'start = "24:00"\nend = "08:00"')  # the late shift
    toml = edit(toml, "end = 2027-03-01T22:00:00", "end = 2027-03-01T20:00:00")  # the launch event
    problems = check(tmp_path, {**BASE_SCENARIO, "scenario.toml": toml}, BASE_RESULT)
    assert problems[:3] == [
        "scenario.toml [[shifts]] 'late': start is 24:00, which the contract allows only as an end",
        "scenario.toml [[peaks]] 'lunch': start and end are both 12:00; the contract requires them to differ",
        "scenario.toml [[events]] 'launch': ends at 2027-03-01T12:00:00Z, not after it starts at 2027-03-01T12:00:00Z",
    ]


def test_template_not_offered_at_centre_is_caught(tmp_path: Path) -> None:
    in_centre = '\n[[centres]]\nid = "in"\nname = "Bengaluru"\ntimezone = "Asia/Kolkata"\ncountry = "IN"\n'
    toml = edit(BASE_TOML, 'id = "early"\n', 'id = "early"\ncentres = ["in"]\n') + in_centre
    problems = check(tmp_path, {**BASE_SCENARIO, "scenario.toml": toml}, BASE_RESULT)
    assert problems == ["assignments.csv row 1: shift 'early' is not offered at centre 'sg'"]


# --- hard rules on the base day -------------------------------------------------------------------


def test_shift_on_leave_is_caught(tmp_path: Path) -> None:
    leave = "engineer,start,end,reason\nann,2027-02-27,2027-03-01,vacation\n"
    problems = check(tmp_path, {**BASE_SCENARIO, "leave.csv": leave}, BASE_RESULT)
    assert problems == ["engineer ann on 2027-03-01: shift 'early' on a leave date (assignments.csv row 1)"]


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ("ann,2027-03-01,early", []),
        (
            "bob,2027-03-01,early",
            ["pins.csv row 1: engineer bob on 2027-03-01 is pinned to 'early' but works late"],
        ),
        ("ann,2027-03-01,off", ["pins.csv row 1: engineer ann on 2027-03-01 is pinned off but works early"]),
    ],
)
def test_pins_must_be_obeyed(tmp_path: Path, pin: str, expected: list[str]) -> None:
    pins = f"engineer,date,shift\n{pin}\n"
    assert check(tmp_path, {**BASE_SCENARIO, "pins.csv": pins}, BASE_RESULT) == expected


# --- gaps.csv, coverage.csv, summary.json ---------------------------------------------------------

PEAK_GAP = "peak,lunch:engineers,2027-03-01T04:00:00Z,2027-03-01T06:00:00Z,2,1,1"


def test_missing_gap_row_is_caught(tmp_path: Path) -> None:
    gaps = edit(BASE_GAPS, PEAK_GAP + ",no shift of bob reaches 04:00Z\n", "")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "gaps.csv": gaps})
    assert problems == [
        f"gaps.csv: missing row {PEAK_GAP}",
        "summary.json: gap_minutes.peak is 120, gaps.csv rows add up to 0",
    ]


def test_extra_gap_row_is_caught(tmp_path: Path) -> None:
    invented = "p0,p0,2027-03-01T00:00:00Z,2027-03-01T08:00:00Z,1,0,1"  # ann (L2) covers these hours
    gaps = edit(BASE_GAPS, GAPS_HEADER, GAPS_HEADER + invented + ",made up\n")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "gaps.csv": gaps})
    assert problems == [
        f"gaps.csv row 1: no such gap {invented}",
        "summary.json: gap_minutes.p0 is 960, gaps.csv rows add up to 1440",
    ]


def test_gap_split_where_nothing_changes_is_caught(tmp_path: Path) -> None:
    # 08:00-24:00Z has constant (required 1, staffed 0), so two rows split at 16:00Z are not maximal.
    split = (
        "p0,p0,2027-03-01T08:00:00Z,2027-03-01T16:00:00Z,1,0,1,x\n"
        "p0,p0,2027-03-01T16:00:00Z,2027-03-02T00:00:00Z,1,0,1,x\n"
    )
    gaps = edit(
        BASE_GAPS, "p0,p0,2027-03-01T08:00:00Z,2027-03-02T00:00:00Z,1,0,1,ann needs rest; bob is L1\n", split
    )
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "gaps.csv": gaps})
    assert "gaps.csv: missing row p0,p0,2027-03-01T08:00:00Z,2027-03-02T00:00:00Z,1,0,1" in problems
    assert "gaps.csv row 1: no such gap p0,p0,2027-03-01T08:00:00Z,2027-03-01T16:00:00Z,1,0,1" in problems


def test_empty_gap_reason_is_caught(tmp_path: Path) -> None:
    gaps = edit(BASE_GAPS, ",nobody speaks ja\n", ",\n")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "gaps.csv": gaps})
    assert problems == ["gaps.csv row 4: reason is empty"]


def test_wrong_coverage_count_is_caught(tmp_path: Path) -> None:
    coverage = edit(BASE_COVERAGE, "2027-03-01T05:00:00Z,1,1,1,2", "2027-03-01T05:00:00Z,2,1,1,2")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "coverage.csv": coverage})
    assert problems == ["coverage.csv row 6 (2027-03-01T05:00:00Z): engineers is '2', expected '1'"]


def test_missing_coverage_hour_is_caught(tmp_path: Path) -> None:
    coverage = edit(BASE_COVERAGE, "2027-03-01T23:00:00Z,0,0,1,0,0,0,0,,\n", "")
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "coverage.csv": coverage})
    assert problems == ["coverage.csv: 23 rows, expected 24 (one per window hour)"]


def test_wrong_gap_minutes_in_summary_is_caught(tmp_path: Path) -> None:
    summary = edit(BASE_SUMMARY, '"language": 120', '"language": 60')
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "summary.json": summary})
    assert problems == ["summary.json: gap_minutes.language is 60, gaps.csv rows add up to 120"]


def test_wrong_p0_coverage_and_engineer_totals_in_summary_are_caught(tmp_path: Path) -> None:
    summary = edit(BASE_SUMMARY, '"p0_coverage_pct": 33.33', '"p0_coverage_pct": 33.0')
    summary = edit(summary, '"bob": {"shifts": 1, "hours": 8.0}', '"bob": {"shifts": 2, "hours": 9.0}')
    problems = check(tmp_path, BASE_SCENARIO, {**BASE_RESULT, "summary.json": summary})
    assert problems == [
        "summary.json: p0_coverage_pct is 33.0, expected 33.33",
        "summary.json: engineers.bob.shifts is 2, assignments.csv has 1",
        "summary.json: engineers.bob.hours is 9.0, assignments.csv adds up to 8.00",
    ]


# --- multi-day rules: one engineer, no p0 rule, no peaks, so gaps.csv is empty --------------------


def simple_scenario(
    start: str, days: int, rules: str = "", engineers: str = "ann,Ann,sg,L2,en;zh,,\n"
) -> dict[str, str]:
    toml = f'name = "simple"\nstart = {start}\ndays = {days}\n\n[rules]\np0_min_seniors = 0\n{rules}\n'
    return {"scenario.toml": toml + SG_CENTRE + SG_SHIFTS, "engineers.csv": ENGINEERS_HEADER + engineers}


def simple_result(
    start: str, days: int, assignments: str, coverage: str, shifts: int, hours: float
) -> dict[str, str]:
    end = (datetime.fromisoformat(start) + timedelta(days=days)).date()
    summary = f"""
{{"window": {{"start_utc": "{start}T00:00:00Z", "end_utc": "{end}T00:00:00Z", "minutes": {days * 1440}}},
 "p0_coverage_pct": 100.0, "gap_minutes": {{"p0": 0, "event": 0, "peak": 0, "language": 0}},
 "engineers": {{"ann": {{"shifts": {shifts}, "hours": {hours}}}}}}}
"""
    return {
        "assignments.csv": ASSIGNMENTS_HEADER + assignments,
        "gaps.csv": GAPS_HEADER,
        "coverage.csv": COVERAGE_HEADER + coverage,
        "summary.json": summary,
    }


def ann_shift(day: str, shift: str) -> str:
    """ann's assignments row; early = 00:00-08:00Z of `day`, late = 08:00-16:00Z of `day` (SGT is +08:00)."""
    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date()
    if shift == "early":
        times = f"{day}T00:00:00Z,{day}T08:00:00Z,{day}T08:00:00+08:00,{day}T16:00:00+08:00"
    else:
        times = f"{day}T08:00:00Z,{day}T16:00:00Z,{day}T16:00:00+08:00,{next_day}T00:00:00+08:00"
    return f"ann,Ann,sg,L2,{day},{shift},{times},Asia/Singapore,8.00\n"


# 2027-01-01 (New Year's Day in Singapore): ann works early.
NEW_YEAR_RESULT = simple_result(
    "2027-01-01",
    1,
    ann_shift("2027-01-01", "early"),
    hourly("2027-01-01T00", 8, ANN_ALONE) + hourly("2027-01-01T08", 16, NOBODY),
    shifts=1,
    hours=8.0,
)


def test_shift_on_public_holiday_when_off_is_caught(tmp_path: Path) -> None:
    scenario = simple_scenario("2027-01-01", 1, rules='public_holidays = "off"')
    assert check(tmp_path, scenario, NEW_YEAR_RESULT) == [
        "engineer ann on 2027-01-01: shift 'early' on public holiday \"New Year's Day\" "
        'with public_holidays = "off" (assignments.csv row 1)'
    ]


@pytest.mark.parametrize("policy", ["avoid", "ignore"])
def test_shift_on_public_holiday_is_allowed_unless_off(tmp_path: Path, policy: str) -> None:
    scenario = simple_scenario("2027-01-01", 1, rules=f'public_holidays = "{policy}"')
    assert check(tmp_path, scenario, NEW_YEAR_RESULT) == []


# ann: late on 1 March (ends 16:00Z), early on 2 March (starts 2 March 00:00Z): 8 h of rest.
REST_RESULT = simple_result(
    "2027-03-01",
    2,
    ann_shift("2027-03-01", "late") + ann_shift("2027-03-02", "early"),
    hourly("2027-03-01T00", 8, NOBODY)
    + hourly("2027-03-01T08", 8, ANN_ALONE)
    + hourly("2027-03-01T16", 8, NOBODY)
    + hourly("2027-03-02T00", 8, ANN_ALONE)
    + hourly("2027-03-02T08", 16, NOBODY),
    shifts=2,
    hours=16.0,
)


@pytest.mark.parametrize(
    ("min_rest", "expected"),
    [
        (8, []),
        (
            11,
            [
                "engineer ann: 8.00 h rest between the shift of 2027-03-01 (ends 2027-03-01T16:00:00Z) "
                "and the shift of 2027-03-02 (starts 2027-03-02T00:00:00Z), minimum 11"
            ],
        ),
    ],
)
def test_rest_too_short_is_caught(tmp_path: Path, min_rest: int, expected: list[str]) -> None:
    scenario = simple_scenario("2027-03-01", 2, rules=f"min_rest_hours = {min_rest}")
    assert check(tmp_path, scenario, REST_RESULT) == expected


# ann: early on 1, 2 and 3 March: 24 h in the 7 dates from 1 March, 3 consecutive dates.
THREE_EARLY_RESULT = simple_result(
    "2027-03-01",
    3,
    ann_shift("2027-03-01", "early") + ann_shift("2027-03-02", "early") + ann_shift("2027-03-03", "early"),
    "".join(
        hourly(f"2027-03-0{d}T00", 8, ANN_ALONE) + hourly(f"2027-03-0{d}T08", 16, NOBODY) for d in (1, 2, 3)
    ),
    shifts=3,
    hours=24.0,
)
OVER_CAP = "engineer ann: 24.00 h on the 7 local dates 2027-03-01..2027-03-07, above the cap of 16"


@pytest.mark.parametrize(
    ("rules", "cap", "expected"),
    [
        ("", "", []),  # default 48
        ("", "24", []),  # exactly at the cap
        ("", "16", [OVER_CAP]),  # engineer's own cap
        ("max_hours_per_week = 16", "", [OVER_CAP]),  # empty cap falls back to the rules
    ],
)
def test_weekly_hours_over_cap_are_caught(tmp_path: Path, rules: str, cap: str, expected: list[str]) -> None:
    scenario = simple_scenario("2027-03-01", 3, rules=rules, engineers=f"ann,Ann,sg,L2,en;zh,{cap},\n")
    assert check(tmp_path, scenario, THREE_EARLY_RESULT) == expected


def test_weekly_cap_slides_over_calendar_weeks(tmp_path: Path) -> None:
    # Sunday 7 and Monday 8 March are in different ISO weeks but within 7 consecutive dates: 16 h > 8.
    scenario = simple_scenario("2027-03-07", 2, engineers="ann,Ann,sg,L2,en;zh,8,\n")
    result = simple_result(
        "2027-03-07",
        2,
        ann_shift("2027-03-07", "early") + ann_shift("2027-03-08", "early"),
        "".join(
            hourly(f"2027-03-0{d}T00", 8, ANN_ALONE) + hourly(f"2027-03-0{d}T08", 16, NOBODY) for d in (7, 8)
        ),
        shifts=2,
        hours=16.0,
    )
    assert check(tmp_path, scenario, result) == [
        "engineer ann: 16.00 h on the 7 local dates 2027-03-07..2027-03-13, above the cap of 8"
    ]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(3, []), (2, ["engineer ann: 3 consecutive dates with a shift (2027-03-01..2027-03-03), above 2"])],
)
def test_too_many_consecutive_days_are_caught(tmp_path: Path, limit: int, expected: list[str]) -> None:
    scenario = simple_scenario("2027-03-01", 3, rules=f"max_consecutive_days = {limit}")
    assert check(tmp_path, scenario, THREE_EARLY_RESULT) == expected


def test_two_shifts_on_one_date_are_caught(tmp_path: Path) -> None:
    scenario = simple_scenario("2027-03-01", 1, rules="min_rest_hours = 0")  # only rule 1 is broken
    result = simple_result(
        "2027-03-01",
        1,
        ann_shift("2027-03-01", "early") + ann_shift("2027-03-01", "late"),
        hourly("2027-03-01T00", 16, ANN_ALONE) + hourly("2027-03-01T16", 8, NOBODY),
        shifts=2,
        hours=16.0,
    )
    assert check(tmp_path, scenario, result) == [
        "engineer ann on 2027-03-01: 2 shifts (assignments.csv rows 1, 2); at most one per local date"
    ]


# --- DST: Toronto night shift 22:00-06:00 local, one senior, p0 = 1 -------------------------------


def toronto_scenario(start: str) -> dict[str, str]:
    toml = f"""
name = "toronto"
start = {start}
days = 1

[[centres]]
id = "tor"
name = "Toronto"
timezone = "America/Toronto"
country = "CA"
subdivision = "ON"

[[shifts]]
id = "night"
start = "22:00"
end = "06:00"
"""
    return {"scenario.toml": toml, "engineers.csv": ENGINEERS_HEADER + "tim,Tim,tor,L3,en,,\n"}


# Spring forward on 2027-03-14 at 02:00: 22:00 EST (-05:00) = 03:00Z, 06:00 EDT (-04:00) = 10:00Z: 7 h.
SPRING_SHIFT = (
    "tim,Tim,tor,L3,2027-03-13,night,2027-03-14T03:00:00Z,2027-03-14T10:00:00Z,"
    "2027-03-13T22:00:00-05:00,2027-03-14T06:00:00-04:00,America/Toronto,7.00\n"
)
SPRING_RESULT = {
    "assignments.csv": ASSIGNMENTS_HEADER + SPRING_SHIFT,
    "gaps.csv": GAPS_HEADER
    + "p0,p0,2027-03-14T00:00:00Z,2027-03-14T03:00:00Z,1,0,1,tim starts at 22:00 local\n"
    + "p0,p0,2027-03-14T10:00:00Z,2027-03-15T00:00:00Z,1,0,1,tim needs rest\n",
    "coverage.csv": COVERAGE_HEADER
    + hourly("2027-03-14T00", 3, "0,0,1,0,0,0,0,,")
    + hourly("2027-03-14T03", 7, "1,1,1,0,0,0,0,,en")
    + hourly("2027-03-14T10", 14, "0,0,1,0,0,0,0,,"),
    # 7 h covered of 24: 100 * 420 / 1440 = 29.17 %; gap 3 h + 14 h = 1020 min.
    "summary.json": """
{"window": {"start_utc": "2027-03-14T00:00:00Z", "end_utc": "2027-03-15T00:00:00Z", "minutes": 1440},
 "p0_coverage_pct": 29.17, "gap_minutes": {"p0": 1020, "event": 0, "peak": 0, "language": 0},
 "engineers": {"tim": {"shifts": 1, "hours": 7.0}}}
""",
}


def test_spring_forward_night_shift_lasts_7_hours(tmp_path: Path) -> None:
    assert check(tmp_path, toronto_scenario("2027-03-14"), SPRING_RESULT) == []


def test_spring_forward_night_shift_written_as_8_hours_is_caught(tmp_path: Path) -> None:
    naive = edit(SPRING_SHIFT, "2027-03-14T10:00:00Z", "2027-03-14T11:00:00Z")
    naive = edit(naive, "7.00", "8.00")
    problems = check(
        tmp_path,
        toronto_scenario("2027-03-14"),
        {**SPRING_RESULT, "assignments.csv": ASSIGNMENTS_HEADER + naive},
    )
    assert problems == [
        "assignments.csv row 1: end_utc is '2027-03-14T11:00:00Z', expected '2027-03-14T10:00:00Z'",
        "assignments.csv row 1: hours is '8.00', expected '7.00'",
    ]


# Fall back on 2027-11-07 at 02:00: 22:00 EDT (-04:00) = 02:00Z, 06:00 EST (-05:00) = 11:00Z: 9 h.
FALL_RESULT = {
    "assignments.csv": ASSIGNMENTS_HEADER
    + "tim,Tim,tor,L3,2027-11-06,night,2027-11-07T02:00:00Z,2027-11-07T11:00:00Z,"
    + "2027-11-06T22:00:00-04:00,2027-11-07T06:00:00-05:00,America/Toronto,9.00\n",
    "gaps.csv": GAPS_HEADER
    + "p0,p0,2027-11-07T00:00:00Z,2027-11-07T02:00:00Z,1,0,1,tim starts at 22:00 local\n"
    + "p0,p0,2027-11-07T11:00:00Z,2027-11-08T00:00:00Z,1,0,1,tim needs rest\n",
    "coverage.csv": COVERAGE_HEADER
    + hourly("2027-11-07T00", 2, "0,0,1,0,0,0,0,,")
    + hourly("2027-11-07T02", 9, "1,1,1,0,0,0,0,,en")
    + hourly("2027-11-07T11", 13, "0,0,1,0,0,0,0,,"),
    # 9 h covered of 24: 100 * 540 / 1440 = 37.5 %; gap 2 h + 13 h = 900 min.
    "summary.json": """
{"window": {"start_utc": "2027-11-07T00:00:00Z", "end_utc": "2027-11-08T00:00:00Z", "minutes": 1440},
 "p0_coverage_pct": 37.5, "gap_minutes": {"p0": 900, "event": 0, "peak": 0, "language": 0},
 "engineers": {"tim": {"shifts": 1, "hours": 9.0}}}
""",
}


def test_fall_back_night_shift_lasts_9_hours(tmp_path: Path) -> None:
    assert check(tmp_path, toronto_scenario("2027-11-07"), FALL_RESULT) == []


def test_fall_back_gap_computed_with_summer_offset_is_caught(tmp_path: Path) -> None:
    # A writer that kept -04:00 for the end would close the shift at 10:00Z and report the p0 gap from there.
    gaps = edit(FALL_RESULT["gaps.csv"], "2027-11-07T11:00:00Z,2027-11-08", "2027-11-07T10:00:00Z,2027-11-08")
    problems = check(tmp_path, toronto_scenario("2027-11-07"), {**FALL_RESULT, "gaps.csv": gaps})
    assert "gaps.csv: missing row p0,p0,2027-11-07T11:00:00Z,2027-11-08T00:00:00Z,1,0,1" in problems
    assert "gaps.csv row 2: no such gap p0,p0,2027-11-07T10:00:00Z,2027-11-08T00:00:00Z,1,0,1" in problems


# --- Asia/Kolkata (+05:30): gaps start and end at :30 UTC -----------------------------------------
# ravi (L3) works 09:00-18:00 IST = 03:30-12:30Z. Hours 03 and 12 are half covered, so their minimum is 0.

KOLKATA_SCENARIO = {
    "scenario.toml": """
name = "kolkata"
start = 2027-03-01
days = 1

[[centres]]
id = "in"
name = "Bengaluru"
timezone = "Asia/Kolkata"
country = "IN"

[[shifts]]
id = "day"
start = "09:00"
end = "18:00"
""",
    "engineers.csv": ENGINEERS_HEADER + "ravi,Ravi,in,L3,en;hi,,\n",
}
KOLKATA_GAPS = GAPS_HEADER + (
    "p0,p0,2027-03-01T00:00:00Z,2027-03-01T03:30:00Z,1,0,1,no template starts before 09:00 IST\n"
    "p0,p0,2027-03-01T12:30:00Z,2027-03-02T00:00:00Z,1,0,1,ravi needs rest\n"
)
KOLKATA_RESULT = {
    "assignments.csv": ASSIGNMENTS_HEADER
    + "ravi,Ravi,in,L3,2027-03-01,day,2027-03-01T03:30:00Z,2027-03-01T12:30:00Z,"
    + "2027-03-01T09:00:00+05:30,2027-03-01T18:00:00+05:30,Asia/Kolkata,9.00\n",
    "gaps.csv": KOLKATA_GAPS,
    "coverage.csv": COVERAGE_HEADER
    + hourly("2027-03-01T00", 4, "0,0,1,0,0,0,0,,")
    + hourly("2027-03-01T04", 8, "1,1,1,0,0,0,0,,en;hi")
    + hourly("2027-03-01T12", 12, "0,0,1,0,0,0,0,,"),
    # 9 h covered: 100 * 540 / 1440 = 37.5 %; gap 210 + 690 = 900 min.
    "summary.json": """
{"window": {"start_utc": "2027-03-01T00:00:00Z", "end_utc": "2027-03-02T00:00:00Z", "minutes": 1440},
 "p0_coverage_pct": 37.5, "gap_minutes": {"p0": 900, "event": 0, "peak": 0, "language": 0},
 "engineers": {"ravi": {"shifts": 1, "hours": 9.0}}}
""",
}


def test_kolkata_half_hour_gaps_pass(tmp_path: Path) -> None:
    assert check(tmp_path, KOLKATA_SCENARIO, KOLKATA_RESULT) == []


def test_kolkata_gap_rounded_to_the_hour_is_caught(tmp_path: Path) -> None:
    gaps = edit(KOLKATA_GAPS, "2027-03-01T03:30:00Z", "2027-03-01T04:00:00Z")
    problems = check(tmp_path, KOLKATA_SCENARIO, {**KOLKATA_RESULT, "gaps.csv": gaps})
    assert problems == [
        "gaps.csv row 1: no such gap p0,p0,2027-03-01T00:00:00Z,2027-03-01T04:00:00Z,1,0,1",
        "gaps.csv: missing row p0,p0,2027-03-01T00:00:00Z,2027-03-01T03:30:00Z,1,0,1",
        "summary.json: gap_minutes.p0 is 900, gaps.csv rows add up to 930",
    ]


def test_kolkata_half_covered_hour_counted_as_staffed_is_caught(tmp_path: Path) -> None:
    coverage = edit(
        KOLKATA_RESULT["coverage.csv"],
        "2027-03-01T03:00:00Z,0,0,1,0,0,0,0,,\n",
        "2027-03-01T03:00:00Z,1,1,1,0,0,0,0,,en;hi\n",
    )
    problems = check(tmp_path, KOLKATA_SCENARIO, {**KOLKATA_RESULT, "coverage.csv": coverage})
    assert problems == [
        "coverage.csv row 4 (2027-03-01T03:00:00Z): engineers is '1', expected '0'",
        "coverage.csv row 4 (2027-03-01T03:00:00Z): seniors is '1', expected '0'",
        "coverage.csv row 4 (2027-03-01T03:00:00Z): languages_present is 'en;hi', expected ''",
    ]
