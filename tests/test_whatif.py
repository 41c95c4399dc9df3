"""What-ifs: variant operations, the comparison against the independent checker, sizing, and grading a schedule."""

from __future__ import annotations

import csv
import json
import multiprocessing
import textwrap
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rota.domain import Scenario
from rota.grade import grade
from rota.scenario import ScenarioError, load_scenario
from rota.sizing import size
from rota.slots import Plan
from rota.solver import SolveOptions
from rota.variant import variant_scenario
from rota.whatif import Cancelled, run_whatif
from tests.checked import check_result_folder

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
VARIANTS = ROOT / "data" / "variants"


def variant(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "variant.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def patched(tmp_path: Path, text: str) -> Scenario:
    with variant_scenario(DEMO, variant(tmp_path, text)) as (_, folder):
        return load_scenario(folder)


# ---- variant operations -----------------------------------------------------------------------------------------


def test_remove_engineers_by_id_and_by_kind(tmp_path: Path):
    s = patched(tmp_path, 'name = "x"\nremove_engineers = ["dub-03", "2 x L2 in sin"]\n')
    ids = {e.id for e in s.engineers}
    assert "dub-03" not in ids
    assert {"sin-04", "sin-05"}.isdisjoint(ids)  # the last two L2 ids in Singapore
    assert {"sin-02", "sin-03"} <= ids
    assert len(s.engineers) == 33
    assert all(lv.engineer in ids for lv in s.leave)  # sin-04's leave went with sin-04


def test_add_engineers_of_a_kind(tmp_path: Path):
    s = patched(tmp_path, """
        name = "hire"
        [[add_engineers]]
        count = 2
        centre = "tor"
        level = "L3"
        languages = ["en", "es"]
    """)
    hires = [e for e in s.engineers if e.id.startswith("new-tor-l3-")]
    assert [(e.level, e.centre, e.languages) for e in hires] == [("L3", "tor", ("en", "es"))] * 2


def test_add_leave_and_change_rules(tmp_path: Path):
    s = patched(tmp_path, """
        name = "stricter"
        [rules]
        min_rest_hours = 12
        max_hours_per_week = 40
        [[add_leave]]
        engineer = "tor-01"
        start = 2027-03-10
        end = 2027-03-12
    """)
    assert (s.rules.min_rest_hours, s.rules.max_hours_per_week) == (12, 40)
    assert any(lv.engineer == "tor-01" and lv.start == date(2027, 3, 10) for lv in s.leave)


def test_add_replace_and_remove_peaks_events_shifts(tmp_path: Path):
    s = patched(tmp_path, """
        name = "reshape"
        remove_peaks = ["eu-weekend"]
        remove_events = ["sale-3-3"]
        [[peaks]]
        id = "sea-evening"
        timezone = "Asia/Jakarta"
        start = "18:00"
        end = "24:00"
        min_engineers = 4
        [[events]]
        id = "sale-11-11"
        timezone = "Asia/Singapore"
        start = 2027-03-11T00:00:00
        end = 2027-03-11T02:00:00
        min_engineers = 5
        [[shifts]]
        id = "dub-late"
        start = "15:00"
        end = "24:00"
        centres = ["dub"]
    """)
    peaks = {p.id: p for p in s.peaks}
    assert "eu-weekend" not in peaks
    assert (str(peaks["sea-evening"].start), peaks["sea-evening"].min_engineers) == ("18:00", 4)
    assert peaks["sea-evening"].languages == ("th", "id")  # fields not given are kept
    assert [e.id for e in s.events] == ["sale-11-11"]
    assert str(s.shift("dub-late").start) == "15:00"


def test_add_and_remove_a_centre(tmp_path: Path):
    added = patched(tmp_path, (VARIANTS / "add-bengaluru.toml").read_text())
    assert "blr" in {c.id for c in added.centres}
    assert sum(1 for e in added.engineers if e.centre == "blr") == 6
    removed = patched(tmp_path, 'name = "no toronto"\nremove_centres = ["tor"]\n')
    assert "tor" not in {c.id for c in removed.centres}
    assert all(e.centre != "tor" for e in removed.engineers)
    assert all(not s.id.startswith("tor-") for s in removed.shifts)


def test_move_the_window(tmp_path: Path):
    s = patched(tmp_path, (VARIANTS / "black-friday-surge.toml").read_text())
    assert (s.start, s.days) == (date(2027, 11, 22), 14)
    assert {e.id for e in s.events} == {"black-friday", "cyber-monday", "sale-12-12"}


def test_a_bad_variant_gets_clear_errors(tmp_path: Path):
    with pytest.raises(ScenarioError) as error:
        patched(tmp_path, 'name = "x"\nremove_engineer = ["a"]\n')
    assert "variant.toml: remove_engineer: unknown key (misspelled?)" in str(error.value)
    with pytest.raises(ScenarioError) as error:
        patched(tmp_path, 'name = "x"\nremove_engineers = ["nobody", "9 x L3 in dub"]\n')
    text = str(error.value)
    assert "'nobody' is neither an engineer id" in text and "only 1 L3 engineers in dub" in text
    with pytest.raises(ScenarioError) as error:
        patched(tmp_path, 'name = "x"\n[rules]\nmax_hours_per_week = 0\n')
    assert "variant.toml → scenario.toml: [rules], field 'max_hours_per_week'" in str(error.value)


# ---- the comparison ---------------------------------------------------------------------------------------------


def test_whatif_numbers_agree_with_the_independent_checker(tmp_path: Path):
    out = tmp_path / "out"
    done: list[str] = []
    rows = run_whatif(DEMO, [VARIANTS / "lose-two-seniors.toml", VARIANTS / "stricter-labour-rules.toml"], out,
                      SolveOptions(time_limit=600, work_limit=2, seed=0), on_done=done.append)
    assert [r["variant"] for r in rows] == ["base", "lose-two-seniors", "stricter-labour-rules"]
    assert sorted(done) == ["base", "lose-two-seniors", "stricter-labour-rules"]  # each solve, as it ended
    assert rows[0]["shifts_changed_vs_base"] == 0 and rows[1]["engineers"] == 34
    for row in rows:
        folder = out / str(row["variant"])
        summary = check_result_folder(folder / "scenario", folder).summary  # recomputed independently
        assignments = list(csv.DictReader((folder / "assignments.csv").open()))
        assert row["p0_gap_hours"] == round(summary["gap_minutes"]["p0"] / 60, 2)
        assert row["shifts"] == len(assignments)
        hours = [float(e["hours"]) for e in summary["engineers"].values()]
        assert row["hours_max"] == round(max(hours), 2)
    assert (out / "comparison.csv").read_text().startswith("variant,engineers,p0_cover_pct")
    assert "| p0_cover_pct |" in (out / "comparison.md").read_text()


def test_a_cancelled_whatif_terminates_its_workers_and_writes_no_comparison(tmp_path: Path):
    cancel = threading.Event()
    threading.Timer(3, cancel.set).start()  # while both long solves run
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_whatif(DEMO, [VARIANTS / "lose-two-seniors.toml"], tmp_path / "out", SolveOptions(time_limit=120),
                   cancel=cancel)
    assert time.monotonic() - started < 30
    assert not multiprocessing.active_children()
    assert not (tmp_path / "out" / "comparison.csv").exists()


# ---- sizing: a case whose answer is known by construction -------------------------------------------------------

SIZING_TOML = """
name = "one site, three 8-hour shifts"
start = 2027-03-01
days = 7
[rules]
p0_min_seniors = 1
min_rest_hours = 8
max_hours_per_week = 40
max_consecutive_days = 7
public_holidays = "ignore"
[[centres]]
id = "rey"
name = "Reykjavik"
timezone = "Atlantic/Reykjavik"
country = "IS"
[[shifts]]
id = "night"
start = "00:00"
end = "08:00"
[[shifts]]
id = "day"
start = "08:00"
end = "16:00"
[[shifts]]
id = "late"
start = "16:00"
end = "24:00"
"""


def sizing_scenario(tmp_path: Path, seniors: int) -> Path:
    folder = tmp_path / f"sizing-{seniors}"
    folder.mkdir()
    (folder / "scenario.toml").write_text(SIZING_TOML)
    rows = [f"s{i},Senior {i},rey,L2,en,," for i in range(1, seniors + 1)] + ["j1,Junior,rey,L1,en,,"]
    (folder / "engineers.csv").write_text("id,name,centre,level,languages,max_hours_per_week,email\n" +
                                          "\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("start", [3, 7])
def test_sizing_finds_the_known_headcount_with_proof(tmp_path: Path, start: int, checked):
    # 21 shifts of 8 h a week, at most 5 per senior (40 h): ceil(21 / 5) = 5 seniors, and 4 × 5 = 20 < 21
    result = size(sizing_scenario(tmp_path, start), "rey", "L2", "p0",
                  SolveOptions(time_limit=600, work_limit=6, seed=0))
    assert result.answer == 5
    verdicts = {a.headcount: a.verdict for a in result.attempts}
    assert verdicts[5] == "covered" and verdicts[4] == "short"
    assert "proved" in result.proof
    best = result.best
    assert best is not None and best.solution is not None and len(best.solution.chosen) == 21
    assert checked(best.solution).gap_minutes["p0"] == 0


# ---- grading a hand-written schedule ----------------------------------------------------------------------------

GRADE_TOML = SIZING_TOML.replace("days = 7", "days = 2").replace("min_rest_hours = 8", "min_rest_hours = 11")
SCHEDULE = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//PagerDuty//export//EN
BEGIN:VEVENT
UID:1@pd
SUMMARY:On call - Primary
ATTENDEE;CN=Ana:mailto:ana@example.com
DTSTART:20270301T000000Z
DTEND:20270301T120000Z
END:VEVENT
BEGIN:VEVENT
UID:2@pd
SUMMARY:On call: Bo Berg
DTSTART:20270301T120000Z
DTEND:20270302T000000Z
END:VEVENT
BEGIN:VEVENT
UID:3@pd
SUMMARY:On call - Primary
ORGANIZER:mailto:BO@example.com
DTSTART:20270302T040000Z
DTEND:20270302T120000Z
END:VEVENT
BEGIN:VEVENT
UID:4@pd
SUMMARY:On call - Primary
ATTENDEE:mailto:ana@example.com
DTSTART:20270302T120000Z
DTEND:20270302T160000Z
END:VEVENT
BEGIN:VEVENT
UID:5@pd
SUMMARY:Zed covers
DTSTART:20270302T160000Z
DTEND:20270302T180000Z
END:VEVENT
END:VCALENDAR
"""


def test_grading_an_ics_finds_its_gaps_and_rule_breaks(tmp_path: Path):
    folder = tmp_path / "graded"
    folder.mkdir()
    (folder / "scenario.toml").write_text(GRADE_TOML)
    (folder / "engineers.csv").write_text("id,name,centre,level,languages,max_hours_per_week,email\n"
                                          "ana,Ana Alves,rey,L2,en,,ana@example.com\n"
                                          "bo,Bo Berg,rey,L3,en,,bo@example.com\n")
    (folder / "leave.csv").write_text("engineer,start,end,reason\nana,2027-03-02,2027-03-02,annual leave\n")
    ics = tmp_path / "schedule.ics"
    ics.write_text(SCHEDULE.replace("\n", "\r\n"))
    result = grade(Plan(load_scenario(folder)), ics, {})
    assert [(s.engineer, s.span.start.hour) for s in result.slots] == [("ana", 0), ("bo", 12), ("bo", 4), ("ana", 12)]
    assert len(result.unmapped) == 1 and "Zed" in result.unmapped[0]
    p0 = [(g.span.start, g.span.end) for g in result.gaps if g.kind == "p0"]
    assert p0 == [(datetime(2027, 3, 2, 0, tzinfo=UTC), datetime(2027, 3, 2, 4, tzinfo=UTC)),
                  (datetime(2027, 3, 2, 16, tzinfo=UTC), datetime(2027, 3, 3, 0, tzinfo=UTC))]
    assert sorted((b.engineer, b.rule) for b in result.breaks) == [("ana", "leave"), ("bo", "rest")]
    rest = next(b for b in result.breaks if b.rule == "rest")
    assert rest.detail == "rest after 12:00-00:00 ending 2027-03-02T00:00:00Z (4 h, at least 11 h)"
    assert result.numbers()["p0_coverage_pct"] == round(100 * (48 - 12) / 48, 3)


def test_grade_command_prints_the_schedule_beside_rotas_own(tmp_path: Path, capsys: pytest.CaptureFixture):
    from rota.cli import main

    folder = sizing_scenario(tmp_path, 5)
    ics = tmp_path / "schedule.ics"
    ics.write_text(SCHEDULE.replace("ana@example.com", "nobody@example.com"))
    mapping = tmp_path / "map.csv"
    mapping.write_text("match,engineer\nprimary,s1\nbo berg,s2\n")
    assert main(["grade", str(folder), "--ics", str(ics), "--map", str(mapping), "--work-limit", "3",
                 "--time-limit", "600", "--out", str(tmp_path / "graded")]) == 0
    text = capsys.readouterr().out
    assert "measure" in text and "schedule" in text and "rota" in text
    saved = json.loads((tmp_path / "graded" / "grade.json").read_text())
    assert saved["rota"]["gap_minutes"]["p0"] == 0  # 5 seniors cover the week: rota's own solve has no gap
    assert check_result_folder(folder, tmp_path / "graded" / "rota").gap_minutes == saved["rota"]["gap_minutes"]
    assert saved["schedule"]["gap_minutes"]["p0"] > 0


def test_removing_zero_engineers_of_a_kind_is_refused(tmp_path: Path):
    with pytest.raises(ScenarioError) as error:
        patched(tmp_path, 'name = "x"\nremove_engineers = ["0 x L2 in sin"]\n')
    assert "'0 x L2 in sin': the count must be 1 or more" in str(error.value)


def test_a_variant_reads_csv_files_as_the_loader_does(tmp_path: Path):
    import shutil

    padded = tmp_path / "padded"
    shutil.copytree(DEMO, padded)
    engineers = padded / "engineers.csv"
    lines = engineers.read_text().splitlines()
    engineers.write_text("\n".join([lines[0].replace(",", ", "), *lines[1:]]) + "\n")
    load_scenario(padded)  # the loader accepts a padded header
    with variant_scenario(padded, variant(tmp_path, 'name = "x"\nremove_engineers = ["sin-02"]\n')) as (_, folder):
        assert len(load_scenario(folder).engineers) == 35


def test_grading_counts_an_engineer_once_when_their_events_overlap(tmp_path: Path):
    folder = tmp_path / "overlap"
    folder.mkdir()
    (folder / "scenario.toml").write_text(GRADE_TOML.replace("days = 2", "days = 1")
                                          .replace("p0_min_seniors = 1", "p0_min_seniors = 2"))
    (folder / "engineers.csv").write_text("id,name,centre,level,languages,max_hours_per_week,email\n"
                                          "ana,Ana Alves,rey,L3,en,,ana@example.com\n"
                                          "bo,Bo Berg,rey,L3,en,,bo@example.com\n")
    ics = tmp_path / "override.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
                   "BEGIN:VEVENT\r\nUID:a\r\nATTENDEE:mailto:ana@example.com\r\n"
                   "DTSTART:20270301T000000Z\r\nDTEND:20270302T000000Z\r\nEND:VEVENT\r\n"
                   "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Override\r\nATTENDEE:mailto:ana@example.com\r\n"
                   "DTSTART:20270301T080000Z\r\nDTEND:20270301T160000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    result = grade(Plan(load_scenario(folder)), ics, {})
    p0 = [g for g in result.gaps if g.kind == "p0"]
    assert [(g.span.minutes, g.staffed) for g in p0] == [(24 * 60, 1)]  # Ana is one senior, not two, 08–16
