"""The data behind the web UI, as DataFrames: scenario files in and out, heatmap cells across DST, gaps with a
concrete suggestion, the UTC shift strip, timelines, fairness and the pin grid (background jobs: tests/test_jobs.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from rota import views
from rota.clock import shift_interval
from rota.domain import Leave, Pin, Rules
from rota.report import engineer_load, fairness, find_gaps
from rota.scenario_io import (
    MAX_FILE_BYTES,
    UploadError,
    apply_edits,
    editable,
    files_from_uploads,
    files_from_zip,
    load_files,
    normalise,
    other_problems,
    read_folder,
    result_zip,
    row_problems,
    table,
    table_csv,
    with_table,
    zip_files,
)
from rota.slots import Plan, Slot
from rota.solver import Progress, SolveOptions, solve
from tests.builders import DAY_1, engineer, scenario, shift
from tests.checked import check_solution

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
HALF_DAYS = [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")]
# A work budget decides each solve; the wall-clock limit is a ceiling no machine reaches.
BUDGET = SolveOptions(time_limit=600, work_limit=1.5)


@pytest.fixture(scope="module")
def demo_files() -> dict[str, bytes]:
    return read_folder(DEMO)


@pytest.fixture(scope="module")
def demo(demo_files):
    loaded, problems = load_files(demo_files)
    assert problems == []
    return loaded


def slot_of(plan: Plan, engineer_id: str, shift_id: str, day: date) -> Slot:
    return next(s for s in plan.all_slots if (s.engineer, s.shift, s.date) == (engineer_id, shift_id, day))


# ---- scenario files ------------------------------------------------------------------------------------------------


def test_demo_files_load_through_the_command_line_loader(demo_files, demo):
    assert set(demo_files) == {"scenario.toml", "engineers.csv", "leave.csv", "pins.csv"}
    assert len(demo.engineers) == 36 and demo.source == ""
    engineers = table(demo_files, "engineers.csv")
    assert list(engineers.columns) == ["id", "name", "centre", "level", "languages", "max_hours_per_week", "email"]
    assert len(engineers) == 36
    assert engineers.loc[1, ["id", "max_hours_per_week"]].tolist() == ["sin-02", "44"]
    assert engineers.loc[0, "max_hours_per_week"] == ""  # empty stays empty: the rules' cap
    # a quoted comma survives the round trip
    assert "Reyes, Paolo" in set(engineers["name"])
    assert table_csv(engineers, "engineers.csv") == demo_files["engineers.csv"]


def test_an_edited_row_is_checked_by_the_loader_and_its_problem_lands_on_that_row(demo_files):
    engineers = table(demo_files, "engineers.csv")
    engineers.loc[3, "languages"] = "thai"
    engineers.loc[5, "max_hours_per_week"] = "200"
    files = with_table(demo_files, "engineers.csv", engineers)
    loaded, problems = load_files(files)
    assert loaded is None
    notes = row_problems(problems, "engineers.csv", len(engineers))
    assert notes[3].startswith("languages: 'thai' is not a two-letter ISO 639-1 code")
    assert notes[5].startswith("max_hours_per_week: expected empty or a number of hours from 1 to 168")
    assert [i for i, note in enumerate(notes) if note] == [3, 5]
    assert other_problems(problems) == []


def test_added_and_removed_rows_and_numbers_from_the_editor_become_plain_csv(demo_files):
    engineers = table(demo_files, "engineers.csv").drop(index=[35])
    added = pd.DataFrame([{"id": "sin-13", "name": "Ana Cruz", "centre": "sin", "level": "L2", "languages": "tl;en",
                           "max_hours_per_week": 40.0, "email": None}])
    frame = pd.concat([engineers, added], ignore_index=True)
    loaded, problems = load_files(with_table(demo_files, "engineers.csv", frame))
    assert problems == []
    assert loaded.engineer("sin-13").max_hours_per_week == 40
    assert "tor-12" not in {e.id for e in loaded.engineers}
    assert b"sin-13,Ana Cruz,sin,L2,tl;en,40,\n" in table_csv(frame, "engineers.csv")


def test_editor_changes_apply_to_the_table_as_shown(demo_files):
    leave = table(demo_files, "leave.csv")
    edits = {"edited_rows": {0: {"reason": "sick", "problem": "ignored: not a column of the file"}},
             "added_rows": [{"engineer": "tor-03", "start": "2027-03-10", "end": "2027-03-11"}], "deleted_rows": [1]}
    after = apply_edits(leave, edits)
    assert after["engineer"].tolist() == ["sin-04", *leave["engineer"].tolist()[2:], "tor-03"]
    assert after.iloc[0]["reason"] == "sick" and pd.isna(after.iloc[-1]["reason"])
    loaded, problems = load_files(with_table(demo_files, "leave.csv", after))
    assert problems == [] and loaded.leave[-1].reason == ""


def test_leave_ending_before_it_starts_is_reported_on_its_row(demo_files):
    leave = table(demo_files, "leave.csv")
    leave.loc[2, "end"] = "2027-03-01"
    _, problems = load_files(with_table(demo_files, "leave.csv", leave))
    notes = row_problems(problems, "leave.csv", len(leave))
    assert notes[2] == "end: leave ends (2027-03-01) before it starts (2027-03-15)"


def test_normalise_makes_line_numbers_match_rows_and_keeps_unreadable_files_as_they_are(demo_files):
    messy = b"\xef\xbb\xbfengineer,date,shift\n\ndub-01,2027-03-17,off\n\n\ntor-01,2027-03-14,nope\n"
    files = normalise({**demo_files, "pins.csv": messy})
    assert files["pins.csv"] == b"engineer,date,shift\ndub-01,2027-03-17,off\ntor-01,2027-03-14,nope\n"
    _, problems = load_files(files)
    assert row_problems(problems, "pins.csv", 2)[1].startswith("shift: unknown shift 'nope'")
    # An extra column cannot be shown as rows without losing it: the file is kept and not editable.
    odd = b"engineer,date,shift,note\ndub-01,2027-03-17,off,x\n"
    kept = normalise({**demo_files, "pins.csv": odd})
    assert kept["pins.csv"] == odd and not editable(kept, "pins.csv")
    _, problems = load_files(kept)
    assert [(p.file, p.where, p.field) for p in other_problems(problems)] == [("pins.csv", "header", "note")]


# ---- zip in, zip out -----------------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (0o120777 << 16)
            archive.writestr(info, data)
    return buffer.getvalue()


def test_scenario_zip_round_trip(demo_files):
    data = zip_files(demo_files, "Demo follow-the-sun support")
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sorted(
        f"Demo-follow-the-sun-support/{n}" for n in demo_files)
    assert files_from_zip(data) == demo_files


def test_a_zip_of_loose_files_is_accepted_and_mac_litter_ignored(demo_files):
    entries = {name: content for name, content in demo_files.items()}
    entries["__MACOSX/._scenario.toml"] = b"\x00\x05"
    assert files_from_zip(_zip(entries)) == demo_files


@pytest.mark.parametrize(("entries", "links", "message"), [
    ({"../scenario.toml": b"x"}, (), "points outside the scenario folder"),
    ({"/etc/scenario.toml": b"x"}, (), "points outside the scenario folder"),
    ({"C:/demo/scenario.toml": b"x"}, (), "points outside the scenario folder"),
    ({"demo/scenario.toml": b"x", "demo/engineers.csv": b"/etc/passwd"}, ("demo/engineers.csv",), "symbolic link"),
    ({"a/scenario.toml": b"x", "b/scenario.toml": b"y"}, (), "holds two 'scenario.toml'"),
    ({"demo/engineers.csv": b"id\n"}, (), "has no scenario.toml"),
    ({"demo/scenario.toml": b"x", "demo/engineers.csv": b"0" * (MAX_FILE_BYTES + 1)}, (), "larger than"),
])
def test_unsafe_or_wrong_zips_are_refused_with_a_reason(entries, links, message):
    with pytest.raises(UploadError, match=message):
        files_from_zip(_zip(entries, links))


def test_not_a_zip_and_unknown_loose_files_are_refused(demo_files):
    with pytest.raises(UploadError, match="is not a zip file"):
        files_from_zip(b"PK not really")
    with pytest.raises(UploadError, match="not a scenario file"):
        files_from_uploads(demo_files, [("notes.txt", b"hello")])
    with pytest.raises(UploadError, match="either one zip or the loose files"):
        files_from_uploads(demo_files, [("s.zip", zip_files(demo_files)), ("pins.csv", b"")])


def test_loose_uploads_replace_their_file_only(demo_files):
    files = files_from_uploads(demo_files, [("Downloads/pins.csv", b"engineer,date,shift\n")])
    assert files["pins.csv"] == b"engineer,date,shift\n"
    assert files["engineers.csv"] == demo_files["engineers.csv"]


def test_result_zip_is_the_result_folder_with_its_scenario(checked):
    s = scenario([engineer("ana"), engineer("bo")], HALF_DAYS)
    sol = checked.solve(s, BUDGET)
    archive = zipfile.ZipFile(io.BytesIO(result_zip(sol, {"pins.csv": b"engineer,date,shift\n"})))
    assert sorted(archive.namelist()) == ["result/assignments.csv", "result/coverage.csv", "result/gaps.csv",
                                          "result/scenario/pins.csv", "result/summary.json"]
    assert archive.read("result/gaps.csv").decode().splitlines() == [
        "kind,rule,start_utc,end_utc,required,staffed,shortfall,reason"]


def test_every_zip_holds_the_same_bytes_for_the_same_files_whenever_it_is_written(monkeypatch, demo_files, checked):
    # A download's bytes name it (Streamlit's media id is their hash) and let a user compare two downloads: a zip
    # that carried the clock's time gave another file each second.
    from rota.publishing import calendars_zip

    sol = checked.solve(scenario([engineer("ana"), engineer("bo")], HALF_DAYS), BUDGET)
    calendars = {"ana.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "team.ics": b"BEGIN:VCALENDAR\r\n"}

    def written_at(epoch: float) -> list[bytes]:
        monkeypatch.setattr("time.time", lambda: epoch)
        return [zip_files(demo_files), result_zip(sol, demo_files), calendars_zip(calendars)]

    assert written_at(1_800_000_000.0) == written_at(1_900_000_000.0)
    for data in written_at(1_800_000_000.0):
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


# ---- coverage heatmap across DST -----------------------------------------------------------------------------------


def _hourly(start: datetime, hours: int, seniors=lambda i: 1, gaps=lambda i: "") -> pd.DataFrame:
    return pd.DataFrame([{
        "hour_utc": pd.Timestamp(start + timedelta(hours=i)), "engineers": seniors(i) + 1, "seniors": seniors(i),
        "p0_required": 1, "peaks": "", "events": "", "gap_kinds": gaps(i), "gaps": "p0 0/1" if gaps(i) else "",
        "on_shift": f"Person {i}",
    } for i in range(hours)])


def test_spring_forward_day_has_23_hours_and_a_grey_cell_for_the_skipped_one():
    cells = views.heatmap_frame(_hourly(datetime(2027, 3, 13, 5, tzinfo=UTC), 72), "America/Toronto")
    sunday = cells[cells["day"] == "2027-03-14"]
    assert len(sunday) == 24 and (sunday["shade"] != "clocks skip this hour").sum() == 23
    [skipped] = sunday[sunday["shade"] == "clocks skip this hour"].to_dict("records")
    assert skipped["hour"] == "02:00" and "does not exist" in skipped["local"]
    assert sunday[sunday["hour"] == "03:00"]["utc"].item() == "07:00–08:00 UTC"
    assert (cells["day"] == "2027-03-13").sum() == 24  # an ordinary day, untouched


def test_fall_back_hour_is_one_cell_holding_both_real_hours_and_the_worse_cover():
    start = datetime(2027, 11, 7, 4, tzinfo=UTC)  # 00:00 EDT
    cells = views.heatmap_frame(_hourly(start, 24, seniors=lambda i: 0 if i == 2 else 2,
                                        gaps=lambda i: "p0" if i == 2 else ""), "America/Toronto")
    [repeated] = cells[(cells["day"] == "2027-11-07") & (cells["hour"] == "01:00")].to_dict("records")
    assert repeated["utc"] == "05:00–06:00 UTC and 06:00–07:00 UTC"
    assert repeated["seniors"] == 0 and repeated["shade"] == "P0 gap"  # the second 01:00 had the gap
    assert "Person 1" in repeated["on_shift"] and "Person 2" in repeated["on_shift"]
    assert "clocks go back" in repeated["local"]
    assert (cells["day"] == "2027-11-07").sum() == 23  # 24 real hours from 00:00 EDT: 01:00 twice, in one cell


def test_half_hour_zone_labels_and_utc_passthrough():
    hourly = _hourly(datetime(2027, 3, 1, tzinfo=UTC), 48, seniors=lambda i: i % 6)
    kolkata = views.heatmap_frame(hourly, "Asia/Kolkata")
    assert set(kolkata["hour"].str[3:]) == {"30"}
    utc = views.heatmap_frame(hourly, "UTC")
    assert len(utc) == 48 and utc["hour"].iloc[0] == "00:00"
    assert utc["shade"].tolist()[:6] == ["0 seniors", "1 senior", "2 seniors", "3 seniors", "4+ seniors",
                                         "4+ seniors"]


def test_hourly_frame_counts_seniors_names_who_is_on_and_marks_gaps():
    s = scenario([engineer("ana"), engineer("jun", level="L1")], HALF_DAYS)
    plan = Plan(s)
    chosen = [slot_of(plan, "ana", "day", DAY_1), slot_of(plan, "jun", "night", DAY_1)]
    hourly, minutes = views.hourly_frame(plan, chosen)
    assert minutes == {"p0": 720, "event": 0, "peak": 0, "language": 0}
    assert len(hourly) == 24
    assert hourly["seniors"].tolist() == [1] * 12 + [0] * 12
    assert hourly["gap_kinds"].tolist() == [""] * 12 + ["p0"] * 12
    assert hourly.loc[0, "on_shift"] == "Ana (L2, day)" and hourly.loc[13, "on_shift"] == "Jun (L1, night)"
    cells = views.heatmap_frame(hourly, "UTC")
    assert cells["shade"].value_counts().to_dict() == {"1 senior": 12, "P0 gap": 12}


def test_zone_options_offer_utc_each_centre_and_a_valid_viewer_zone(demo):
    options = views.zone_options(demo, "Europe/Berlin")
    assert list(options.values()) == ["UTC", "Asia/Singapore", "Europe/Dublin", "America/Toronto", "Europe/Berlin"]
    assert "Your time (Europe/Berlin)" in options
    assert list(views.zone_options(demo, "Not/AZone").values())[-1] == "America/Toronto"


# ---- gaps with a concrete suggestion -------------------------------------------------------------------------------


def test_the_suggestion_names_who_could_cover_a_p0_gap_if_their_weekly_cap_moved():
    s = scenario([engineer("ana", cap=12)], HALF_DAYS, days=2)
    plan = Plan(s)
    chosen = [slot_of(plan, "ana", "day", DAY_1)]
    frame = views.gaps_frame(plan, chosen, find_gaps(plan, chosen))
    [first] = frame.to_dict("records")
    assert (first["kind"], first["start_utc"], first["end_utc"]) == ("p0", "2027-03-01T12:00:00Z",
                                                                     "2027-03-03T00:00:00Z")
    # Monday's night would only be a swap (it uncovers the day); a second shift needs the cap moved: the earliest
    assert first["suggestion"] == ("Ana (ana) could cover it (00:00–12:00 UTC of it) with day on Tue 02 Mar if "
                                   "their weekly cap were 24 h (now 12 h)")
    assert "weekly hours" in first["reason"]


def test_relaxations_name_each_rule_in_the_way_with_the_value_it_would_need():
    rules = Rules(min_rest_hours=11, max_hours_per_week=168, max_consecutive_days=2)
    s = scenario([engineer("ana")], [shift("early", "06:00", "14:00"), shift("late", "16:00", "24:00")], days=4,
                 rules=rules, leave=(Leave("ana", DAY_1 + timedelta(days=3), DAY_1 + timedelta(days=3)),),
                 pins=(Pin("ana", DAY_1 + timedelta(days=2), "off"),))
    plan = Plan(s)
    worked = [slot_of(plan, "ana", "late", DAY_1), slot_of(plan, "ana", "late", DAY_1 + timedelta(days=1))]
    [rest] = views.relaxations(plan, worked[:1], slot_of(plan, "ana", "early", DAY_1 + timedelta(days=1)))
    assert (rest.rule, rest.text) == ("rest", "the minimum rest were 6 h (now 11 h)")
    needed = views.relaxations(plan, worked, slot_of(plan, "ana", "late", DAY_1 + timedelta(days=2)))
    assert [r.rule for r in needed] == ["pin", "consecutive"]
    assert needed[1].text == "max consecutive days were 3 (now 2)"
    assert views.relaxations(plan, worked, slot_of(plan, "ana", "late", DAY_1 + timedelta(days=3))) is None  # leave


def test_demo_gaps_table_has_a_reason_and_a_suggestion_for_every_gap_and_agrees_with_the_heatmap(demo, checked):
    # One senior per centre: three seniors of at most 48 h a week cannot hold P0 for 168 h, so gaps are certain.
    seniors = {}
    for e in demo.engineers:
        if demo.is_senior(e):
            seniors.setdefault(e.centre, e.id)
    team = tuple(e for e in demo.engineers if not demo.is_senior(e) or e.id in seniors.values())
    ids = {e.id for e in team}
    demo = replace(demo, engineers=team, leave=tuple(x for x in demo.leave if x.engineer in ids),
                   pins=tuple(x for x in demo.pins if x.engineer in ids))
    plan = Plan(demo)
    sol = solve(demo, SolveOptions(time_limit=600, work_limit=1.2))
    gaps = find_gaps(plan, sol.chosen)
    # The heatmap's shortfalls are found without reasons, by another path than the report's gaps and the checker's
    # recomputation from the written files: all three must agree.
    analysis = views.analyse(plan, sol.chosen)
    independent = checked(sol)
    assert analysis.summary["p0_gap_minutes"] == sum(g.span.minutes for g in gaps if g.kind == "p0")
    assert analysis.summary["cover_gap_minutes"] == sum(g.span.minutes for g in gaps if g.kind != "p0")
    assert analysis.summary["p0_gap_minutes"] == independent.gap_minutes["p0"] > 0
    assert analysis.summary["cover_gap_minutes"] == sum(m for k, m in independent.gap_minutes.items() if k != "p0")
    assert analysis.summary["p0_coverage_pct"] == pytest.approx(independent.p0_coverage_pct, abs=0.01)

    def hours_of(gap) -> set[pd.Timestamp]:
        out, hour = set(), gap.span.start.replace(minute=0)
        while hour < gap.span.end:
            out.add(pd.Timestamp(hour))
            hour += timedelta(hours=1)
        return out

    flagged = set(analysis.hourly.loc[analysis.hourly["gap_kinds"] != "", "hour_utc"])
    assert flagged == set().union(*(hours_of(g) for g in gaps))
    frame = views.gaps_frame(plan, sol.chosen, gaps, "Europe/Dublin")
    assert len(frame) == len(gaps) > 0
    assert frame["reason"].str.len().min() > 0
    assert frame["suggestion"].str.contains(r"could cover it|is free to cover it|nobody could cover it").all()
    assert frame["minutes"].tolist() == [g.span.minutes for g in gaps]


# ---- rules, team, people -------------------------------------------------------------------------------------------


def test_shift_strip_shows_the_seams_moving_with_each_dst_switch(demo):
    strip = views.shift_strip(demo)
    assert list(dict.fromkeys(strip["period"])) == ["01 Mar – 13 Mar", "14 Mar – 27 Mar", "28 Mar"]

    def bars(period: str, item: str) -> list[tuple[float, float]]:
        rows = strip[(strip["period"] == period) & (strip["item"] == item)]
        return list(zip(rows["start_h"], rows["end_h"], strict=True))

    assert bars("01 Mar – 13 Mar", "tor-day") == [(13.0, 22.0)]
    assert bars("14 Mar – 27 Mar", "tor-day") == [(12.0, 21.0)]
    assert bars("14 Mar – 27 Mar", "dub-day") == [(7.0, 16.0)]
    assert bars("28 Mar", "dub-day") == [(6.0, 15.0)]
    assert bars("01 Mar – 13 Mar", "sin-day") == [(23.0, 24.0), (0.0, 8.0)]  # across midnight UTC: two bars
    assert bars("01 Mar – 13 Mar", "na-evening") == [(0.0, 4.0)]
    assert dict(views.seams(demo))["14 Mar – 27 Mar"].startswith("04:00, 07:00")


def test_centres_frame_tells_the_local_time_now_and_the_offsets_in_the_window(demo):
    frame = views.centres_frame(demo, datetime(2027, 3, 20, 12, 0, tzinfo=UTC)).set_index("centre")
    assert frame.loc["sin", "local_now"] == "Sat 20:00"
    assert frame.loc["tor", "local_now"] == "Sat 08:00" and frame.loc["tor", "utc_offset_now"] == "UTC-04:00"
    assert frame.loc["dub", "offset_in_window"] == "UTC+00:00 → UTC+01:00"
    assert frame["engineers"].tolist() == [12, 12, 12] and frame["seniors"].tolist() == [5, 5, 5]


def test_timeline_is_in_local_wall_time_with_leave(demo):
    plan = Plan(demo)
    chosen = [slot_of(plan, "tor-02", "tor-day", date(2027, 3, 12)), slot_of(plan, "tor-02", "tor-day",
                                                                               date(2027, 3, 15))]
    frame = views.timeline_frame(plan, chosen, "tor")
    shifts = frame[frame["kind"] == "shift"]
    # 08:00 local on both sides of the switch, although UTC moved from 13:00 to 12:00
    assert [t.strftime("%H:%M") for t in shifts["start"]] == ["08:00", "08:00"]
    assert shifts["utc"].str[11:16].tolist() == ["13:00", "12:00"]
    leave = {lv.engineer for lv in demo.leave if demo.engineer(lv.engineer).centre == "tor"}
    assert set(frame[frame["kind"] == "leave"]["engineer"]) == leave


def test_fairness_frame_spread_is_the_summary_fairness(demo, checked):
    plan = Plan(demo)
    sol = checked.solve(demo, SolveOptions(time_limit=600, work_limit=0.9))
    load = views.load_frame(plan, sol.chosen)
    assert len(load) == 36 and load["hours"].sum() == pytest.approx(sum(s.minutes for s in sol.chosen) / 60, abs=0.1)
    spread = views.fairness_frame(load)
    expected = fairness(plan, engineer_load(plan, sol.chosen))
    for row in spread.to_dict("records"):
        assert row["spread"] == pytest.approx(expected[row["group"]][row["metric"]])
    assert len(spread) == 9 * 5  # 3 centres × 3 levels × 5 metrics


# ---- pins ----------------------------------------------------------------------------------------------------------


def test_pin_grid_shows_pins_leave_and_the_rota_and_edits_become_pins(demo, demo_files):
    plan = Plan(demo)
    chosen = [slot_of(plan, "dub-03", "dub-day", date(2027, 3, 2))]
    grid = views.pin_grid(plan, chosen, "dub")
    assert grid.loc["dub-01", "2027-03-17"] == "◆ off"  # pinned in the demo
    assert grid.loc["dub-02", "2027-03-15"] == "leave"
    assert grid.loc["dub-03", "2027-03-02"] == "dub-day" and grid.loc["dub-03", "2027-03-03"] == "–"
    assert set(grid.values[:, 1:].ravel()) <= set(views.pin_options(demo, "dub"))

    edited = grid.copy()
    edited.loc["dub-03", "2027-03-02"] = "dub-day"  # unchanged: no pin
    edited.loc["dub-04", "2027-03-05"] = "◆ off"  # forbid
    edited.loc["dub-05", "2027-03-06"] = "dub-late"  # choosing a shift fixes it
    edited.loc["dub-01", "2027-03-17"] = "–"  # lift the demo's pin
    pins = views.pins_after_edit(table(demo_files, "pins.csv"), grid, edited)
    assert pins.to_dict("records") == [
        {"engineer": "dub-04", "date": "2027-03-05", "shift": "off"},
        {"engineer": "dub-05", "date": "2027-03-06", "shift": "dub-late"},
        {"engineer": "tor-01", "date": "2027-03-14", "shift": "tor-day"},
    ]
    loaded, problems = load_files(with_table(demo_files, "pins.csv", pins))
    assert problems == [] and len(loaded.pins) == 3


def test_hint_and_progress_frames():
    s = scenario([engineer("ana")], HALF_DAYS)
    plan = Plan(s)
    assert views.hint_from([slot_of(plan, "ana", "day", DAY_1)]) == {("ana", "2027-03-01", "day"): 1}
    frame = views.progress_frame([Progress("p0", 0.5, 60, 60, 0), Progress("p0", 1.0, 0, 0, 0)])
    assert frame["p0_gap_minutes"].tolist() == [0, 60] and frame["gap_pct"].tolist() == [0.0, 100.0]
    assert shift_interval(HALF_DAYS[0], DAY_1, "UTC").minutes == 720


# ---- calendars and publishing (rota.publishing) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_solution(demo, tmp_path_factory):
    solution = solve(demo, SolveOptions(time_limit=600, work_limit=0.9))
    check_solution(solution, tmp_path_factory.mktemp("demo-solution"))
    return solution


def test_calendar_files_are_the_command_lines_ical_export(demo_solution, demo_files, tmp_path):
    from rota.ical import export
    from rota.publishing import calendar_files, calendars_zip, write_result_folder
    from rota.result import load_result

    stamp = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    files = calendar_files(demo_solution, demo_files, stamp)
    written = export(load_result(write_result_folder(demo_solution, demo_files, tmp_path / "r")), tmp_path / "ics",
                     stamp)
    assert files == {p.name: p.read_bytes() for p in written}
    assert len(files) == 36 + 3 + 1 and files["team.ics"].count(b"BEGIN:VEVENT") == len(demo_solution.chosen)
    archive = zipfile.ZipFile(io.BytesIO(calendars_zip(files)))
    assert sorted(archive.namelist()) == sorted(f"calendars/{name}" for name in files)


def test_publish_versions_links_and_the_published_baseline_as_frames(demo_solution, demo_files, demo, tmp_path):
    from rota import publishing
    from rota.report import shifts_of
    from rota.store import open_store

    store = open_store(str(tmp_path / "rota.sqlite3"))
    assert publishing.versions_frame(store).empty and publishing.links_frame(store, "https://x.test").empty
    assert publishing.published_baseline(store, demo) is None
    report = publishing.publish(store, demo_solution, demo_files, now=datetime(2027, 2, 1, tzinfo=UTC))
    assert (report.version.id, report.version.added) == (1, len(demo_solution.chosen))
    store.rollback(1, now=datetime(2027, 2, 2, tzinfo=UTC))
    versions = publishing.versions_frame(store)
    assert list(versions.columns) == publishing.VERSION_COLUMNS
    assert versions["version"].tolist() == [2, 1] and versions["shown"].tolist() == [True, False]
    assert versions["source"].tolist() == ["rollback to version 1", "web UI"]
    assert versions.loc[1, "published"] == "2027-02-01 00:00:00 UTC" and versions.loc[1, "window"].startswith("2027-")
    links = publishing.links_frame(store, "https://rota.example.com")
    assert len(links) == 40 and links["kind"].tolist()[:1] == ["engineer"] and links["id"].tolist()[-1] == "team"
    token = links.loc[0, "https"].removeprefix("https://rota.example.com/feeds/").removesuffix(".ics")
    assert store.feed_by_token(token).ident == links.loc[0, "id"]
    assert links.loc[0, "webcal"] == "webcal://rota.example.com/feeds/" + token + ".ics"
    version, baseline = publishing.published_baseline(store, demo)
    assert version == 2 and baseline == shifts_of(demo_solution.chosen)
    store.close()


def test_diff_frame_lists_each_changed_shift():
    from rota.publishing import diff_frame

    before = frozenset({("ana", "2027-03-01", "day"), ("bo", "2027-03-01", "night"), ("ana", "2027-03-02", "day")})
    after = frozenset({("ana", "2027-03-01", "day"), ("bo", "2027-03-01", "day"), ("jun", "2027-03-02", "day")})
    frame = diff_frame(before, after)
    assert frame.to_dict("records") == [
        {"engineer": "ana", "date": "2027-03-02", "before": "day", "after": ""},
        {"engineer": "bo", "date": "2027-03-01", "before": "night", "after": "day"},
        {"engineer": "jun", "date": "2027-03-02", "before": "", "after": "day"}]
    assert diff_frame(before, before).empty and list(diff_frame(before, before).columns) == ["engineer", "date",
                                                                                           "before", "after"]


def test_feed_base_url_comes_from_the_option_the_environment_or_the_local_server(monkeypatch):
    from rota.tokens import BaseURLError, feed_url, insecure, public_base_url

    monkeypatch.delenv("ROTA_PUBLIC_URL", raising=False)
    assert public_base_url() == "http://127.0.0.1:8501" and not insecure(public_base_url())
    monkeypatch.setenv("ROTA_PUBLIC_URL", "https://rota.example.com/")
    assert public_base_url() == "https://rota.example.com"
    assert public_base_url("http://10.0.0.2:8501") == "http://10.0.0.2:8501" and insecure("http://10.0.0.2:8501")
    assert feed_url("https://a.test", "T") == ("https://a.test/feeds/T.ics", "webcal://a.test/feeds/T.ics")
    with pytest.raises(BaseURLError, match="must start with https://"):
        public_base_url("rota.example.com")


# ---- what-if and grading (rota.whatif_views) -----------------------------------------------------------------------


def _row(variant: str, **values) -> dict[str, object]:
    from rota.whatif import COLUMNS

    row = {c: 0 for c in COLUMNS} | {"variant": variant, "status": "OPTIMAL"}
    return row | values


def test_a_variant_from_the_form_round_trips_through_its_toml(tmp_path):
    from rota import whatif_views as wv
    from rota.variant import AddEngineers, AddLeave, load_variant, variant_toml

    form = wv.VariantForm(name="Short Dublin", remove=["dub-01"], remove_kinds="1 x L2 in sin, 2 x L1 in tor",
                          hire=AddEngineers(count=2, centre="dub", level="L2", languages=["en", "de"]),
                          leave=AddLeave(engineer="tor-01", start=date(2027, 3, 10), end=date(2027, 3, 12)),
                          rules="min_rest_hours = 12\nmax_hours_per_week = 40",
                          surge=wv.Surge("Flash sale", "Asia/Singapore", datetime(2027, 3, 11, 0, 0), 3, 4, 1, ["en"]),
                          start=date(2027, 3, 8), days=7)
    variant = wv.variant_of(form)
    assert variant.remove_engineers == ["dub-01", "1 x L2 in sin", "2 x L1 in tor"]
    assert variant.rules == {"min_rest_hours": 12, "max_hours_per_week": 40}
    assert variant.events[0] | {} == {"id": "surge-flash-sale", "name": "Flash sale", "timezone": "Asia/Singapore",
                                      "start": datetime(2027, 3, 11), "end": datetime(2027, 3, 11, 3),
                                      "min_engineers": 4, "min_seniors": 1, "languages": ["en"]}
    path = tmp_path / "v.toml"
    path.write_text(variant_toml(variant))
    assert load_variant(path) == variant


def test_a_bad_form_names_each_problem():
    from rota import whatif_views as wv
    from rota.scenario import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        wv.variant_of(wv.VariantForm(name=" ", rules="min_rest_hours 12"))
    assert [p.where for p in caught.value.problems] == ["name", "rules"]
    with pytest.raises(ScenarioError) as caught:
        wv.variant_of(wv.VariantForm(name="x", days=0))
    assert caught.value.problems[0].where == "days"


def test_comparison_frames_put_variants_side_by_side_and_mark_differences():
    from rota import whatif_views as wv

    rows = [_row("base", engineers=36, p0_cover_pct=100.0, peak_cover_pct=90.5, hours_min=10.0, hours_mean=30.0,
                 hours_max=50.0),
            _row("lose", engineers=34, p0_cover_pct=97.25, peak_cover_pct=90.5, hours_min=12.0, hours_mean=33.5,
                 hours_max=60.0, status="FEASIBLE")]
    table = wv.comparison_frame(rows)
    assert list(table.columns) == ["base", "lose"] and table.index[0] == "engineers"
    assert table.loc["p0_cover_pct"].tolist() == ["100", "97.25"] and table.loc["status", "lose"] == "FEASIBLE"
    marks = wv.differs_from_base(table)
    assert not marks["base"].any()
    assert set(marks.index[marks["lose"]]) == {"engineers", "p0_cover_pct", "hours_min", "hours_mean", "hours_max",
                                               "status"}
    cover = wv.cover_frame(rows)
    assert len(cover) == 8 and cover.set_index(["variant", "cover"]).loc[("lose", "P0"), "pct"] == 97.25
    hours = wv.hours_frame(rows)
    assert hours.to_dict("records")[1] == {"variant": "lose", "hours_min": 12.0, "hours_mean": 33.5,
                                           "hours_max": 60.0}


def test_an_uploaded_schedule_is_graded_into_frames(demo):
    from rota import whatif_views as wv
    from tests.test_app_whatif import SCHEDULE

    plan = Plan(demo)
    mapping = b"match,engineer\nsomebody unknown,dub-01\n"
    graded = wv.grade_upload(plan, SCHEDULE.encode(), mapping)
    assert graded.unmapped == [] and len(graded.slots) == 3
    unmapped = wv.grade_upload(plan, SCHEDULE.encode())
    assert len(unmapped.unmapped) == 1
    numbers = wv.grade_numbers_frame(unmapped.numbers(), {**unmapped.numbers(), "rule_breaks": 0})
    frame = numbers.set_index("measure")
    assert frame.loc["gap_minutes p0", "schedule"] == unmapped.numbers()["gap_minutes"]["p0"]
    assert frame.loc["rule_breaks"].tolist() == [1.0, 0.0]
    assert wv.grade_numbers_frame(unmapped.numbers(), None)["rota"].isna().all()
    breaks = wv.breaks_frame(unmapped)
    assert breaks[["engineer", "date", "rule"]].to_dict("records") == [
        {"engineer": "sin-01", "date": "2027-03-02", "rule": "rest"}]
    gaps = wv.grade_gaps_frame(unmapped)
    assert len(gaps) == len(unmapped.gaps) and (gaps["hours"] > 0).all()
    assert round(gaps.loc[gaps["kind"] == "p0", "hours"].sum() * 60) == unmapped.numbers()["gap_minutes"]["p0"]
