"""`rota ical`: the files calendar apps read, checked with two parsers that do not share our iCalendar library."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from rota.ical import shift_label
from rota.result import ASSIGNMENT_COLUMNS
from tests.calendars import (
    GOLDEN,
    GOLDEN_RESULT,
    PINNED_INSTANTS,
    assignments,
    copy_golden,
    icaljs,
    pyical,
    rota,
    solve,
    write_assignments,
    write_dst_scenario,
)

STAMP = "2027-03-01T09:00:00Z"


def uid_of(scenario: str, engineer: str, day: str) -> str:
    # The UID rule is part of the public feed format: changing it would duplicate every subscriber's shifts.
    return "rota-" + hashlib.sha256(f"{scenario}\x1f{engineer}\x1f{day}".encode()).hexdigest()[:32]


def export(result: Path, out: Path, *extra: str) -> Path:
    done = rota("ical", str(result), "--out", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module", params=["spring", "autumn"])
def season(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """A solved three-centre rota across the DST switches of one season, and its calendars."""
    base = tmp_path_factory.mktemp(request.param)
    result = solve(write_dst_scenario(base / "scenario", request.param), base / "result")
    return request.param, result, export(result, base / "ics")


def expected_events(rows: list[dict[str, str]], scenario: str, file: str) -> list[tuple[str, str, str]]:
    stem = file.removesuffix(".ics")
    chosen = [r for r in rows if stem == "team" or r["engineer"] == stem or stem == f"centre-{r['centre']}"]
    return sorted((uid_of(scenario, r["engineer"], r["date"]), r["start_utc"], r["end_utc"]) for r in chosen)


def test_every_file_parses_with_icaljs_and_ical_and_matches_assignments(season: tuple[str, Path, Path]):
    name, result, ics = season
    rows = assignments(result)
    files = sorted(ics.glob("*.ics"))
    assert len(files) == 9 + 3 + 1  # engineers, centres, team
    by_icaljs = icaljs(files)
    scenario = f"DST test rota ({name})"
    for path in files:
        want = expected_events(rows, scenario, path.name)
        for parser, parsed in (("ical.js", by_icaljs[str(path)]), ("ical (PyPI)", pyical(path))):
            got = sorted((e["uid"], e["start"], e["end"]) for e in parsed["events"])
            assert got == want, f"{parser} reads {path.name} differently from assignments.csv"
            assert {e["status"] for e in parsed["events"]} <= {"CONFIRMED"}
    team = by_icaljs[str(ics / "team.ics")]["events"]
    assert len(team) == len(rows) and len({e["uid"] for e in team}) == len(rows)  # one event per shift, no duplicate


def test_dst_nights_and_kolkata_are_the_exact_instants(season: tuple[str, Path, Path]):
    name, _result, ics = season
    for parsed in (icaljs([ics / "team.ics"])[str(ics / "team.ics")], pyical(ics / "team.ics")):
        events = {e["uid"]: (e["start"], e["end"]) for e in parsed["events"]}
        for (engineer, day), instants in PINNED_INSTANTS[name].items():
            assert events[uid_of(f"DST test rota ({name})", engineer, day)] == instants


def test_calendar_follows_rfc5545_and_rfc7986(tmp_path: Path):
    ics = export(GOLDEN_RESULT, tmp_path / "ics", "--stamp", STAMP)
    for path in ics.glob("*.ics"):
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
        lines = raw.split(b"\r\n")[:-1]
        for line in lines:
            assert len(line) <= 75, line  # 75 octets, folding counted in bytes
            line.decode("utf-8")  # a fold never splits a multi-byte character
        text = raw.decode("utf-8").replace("\r\n ", "")  # unfolded
        head = text.split("BEGIN:VEVENT")[0]
        for prop in ("PRODID:", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "NAME:", "X-WR-CALNAME:",
                     "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"):
            assert f"\r\n{prop}" in head, (path.name, prop)
        for block in text.split("BEGIN:VEVENT")[1:]:
            for prop in ("UID:rota-", f"DTSTAMP:{STAMP.replace('-', '').replace(':', '')}", "SEQUENCE:0",
                         "LAST-MODIFIED:", "STATUS:CONFIRMED", "SUMMARY:", "DESCRIPTION:"):
                assert f"\r\n{prop}" in block, (path.name, prop)
            assert re.search(r"\r\nDTSTART:\d{8}T\d{6}Z\r\n", block) and re.search(r"\r\nDTEND:\d{8}T\d{6}Z\r\n", block)
            assert socket.gethostname() not in block


def test_golden_files(tmp_path: Path):
    """Byte for byte. After an intended change: ROTA_UPDATE_GOLDEN=1 pytest tests/test_ical.py, then review the diff."""
    ics = export(GOLDEN_RESULT, tmp_path / "ics", "--stamp", STAMP)
    produced = {p.name: p.read_bytes() for p in sorted(ics.glob("*.ics"))}
    assert sorted(produced) == ["asha.ics", "centre-blr.ics", "centre-dub.ics", "ciara.ics", "dev.ics", "team.ics"]
    if os.environ.get("ROTA_UPDATE_GOLDEN"):
        for name, data in produced.items():
            (GOLDEN / name).write_bytes(data)
    for name, data in produced.items():
        assert data == (GOLDEN / name).read_bytes(), f"{name} differs from tests/golden/{name}"


def test_same_input_gives_the_same_bytes(tmp_path: Path):
    first = export(GOLDEN_RESULT, tmp_path / "a")
    second = export(copy_golden(tmp_path / "copy"), tmp_path / "b", "--stamp", "2030-01-01T00:00:00Z")
    third = export(GOLDEN_RESULT, tmp_path / "c")
    for path in first.glob("*.ics"):
        assert path.read_bytes() == (third / path.name).read_bytes()
        assert path.read_bytes() != (second / path.name).read_bytes()  # only the stamp differs, and it shows
    # Without --stamp, DTSTAMP is when assignments.csv was written.
    mtime = int((GOLDEN_RESULT / "assignments.csv").stat().st_mtime)
    from datetime import UTC, datetime
    stamp = datetime.fromtimestamp(mtime, UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTAMP:{stamp}\r\n" in (first / "team.ics").read_bytes().decode("utf-8")


def test_summary_and_description_tell_a_person_what_they_need(tmp_path: Path):
    ics = export(GOLDEN_RESULT, tmp_path / "ics", "--stamp", STAMP)
    mine = {e["uid"]: e for e in icaljs([ics / "ciara.ics"])[str(ics / "ciara.ics")]["events"]}
    first = mine[uid_of("Golden two-centre rota", "ciara", "2027-03-27")]
    assert first["summary"] == "On call · Late · P0 senior"
    team = {e["uid"]: e for e in pyical(ics / "team.ics")["events"]}
    assert team[first["uid"]]["summary"] == "Ciara Ní Bhriain, Jr. · Late · P0 senior"
    assert team[uid_of("Golden two-centre rota", "dev", "2027-03-27")]["summary"] == "Dev Iyer · Day · L1"
    from ical.calendar_stream import IcsCalendarStream
    calendar = IcsCalendarStream.calendar_from_ics((ics / "ciara.ics").read_bytes().decode("utf-8"))
    text = {e.uid: e.description for e in calendar.events}
    saturday = text[uid_of("Golden two-centre rota", "ciara", "2027-03-27")]
    # Local times across Dublin's spring switch: 13:00 GMT to 02:00 IST (01:00 does not exist that night).
    assert "Sat 27 Mar 2027 13:00 – Sun 28 Mar 2027 02:00 Dublin time (Europe/Dublin, UTC+00:00 → UTC+01:00)" in \
        saturday
    assert "UTC: Sat 27 Mar 2027 13:00 – Sun 28 Mar 2027 01:00" in saturday
    assert "Handed over to you by:\n• 13:00 Asha Rao (asha, L3, Bengaluru) ends blr-day" in saturday
    assert "You hand over to:\n• 02:00 Asha Rao (asha, L3, Bengaluru) starts blr-day" in saturday
    assert "• Europe evening (peak) 19:00 – 23:00 · needs 1 engineer" in saturday
    sunday = text[uid_of("Golden two-centre rota", "ciara", "2027-03-28")]
    assert "Asha Rao (asha, L3, Bengaluru) 13:00 – 14:00 · asha.rao@example.com" in sunday  # escalation contact
    calendar = IcsCalendarStream.calendar_from_ics((ics / "dev.ics").read_bytes().decode("utf-8"))
    dev = calendar.events[1].description or ""
    assert "• Product launch (event) 10:00 – 14:00 · needs 2 engineers, 1 senior" in dev
    assert "• Asha Rao (asha, L3, Bengaluru) 06:30 – 18:30 · asha.rao@example.com" in dev


def test_a_slot_keeps_its_uid_when_its_shift_changes(tmp_path: Path):
    before = export(GOLDEN_RESULT, tmp_path / "before", "--stamp", STAMP)
    changed = copy_golden(tmp_path / "changed")
    rows = assignments(changed)
    row = next(r for r in rows if r["engineer"] == "ciara" and r["date"] == "2027-03-27")
    row.update(shift="dub-early", start_utc="2027-03-27T07:00:00Z", end_utc="2027-03-27T15:00:00Z")
    write_assignments(changed, rows)
    after = export(changed, tmp_path / "after", "--stamp", STAMP)
    uid = uid_of("Golden two-centre rota", "ciara", "2027-03-27")
    old = {e["uid"]: e for e in pyical(before / "ciara.ics")["events"]}[uid]
    new = {e["uid"]: e for e in pyical(after / "ciara.ics")["events"]}[uid]
    assert (old["start"], new["start"]) == ("2027-03-27T13:00:00Z", "2027-03-27T07:00:00Z")
    assert new["summary"] == "On call · Early · P0 senior"


def test_uids_survive_a_re_solve(tmp_path: Path):
    scenario = write_dst_scenario(tmp_path / "scenario", "autumn")
    first = solve(scenario, tmp_path / "first")
    worked = next(r for r in assignments(first) if r["engineer"] == "dub-2")
    # The second solve has a day of leave where dub-2 worked, so the rota around it changes.
    scenario = write_dst_scenario(tmp_path / "scenario2", "autumn", leave=[("dub-2", worked["date"])])
    second = solve(scenario, tmp_path / "second", seed=7)
    ics1, ics2 = export(first, tmp_path / "ics1"), export(second, tmp_path / "ics2")
    one = {e["uid"]: e for e in icaljs([ics1 / "team.ics"])[str(ics1 / "team.ics")]["events"]}
    two = {e["uid"]: e for e in icaljs([ics2 / "team.ics"])[str(ics2 / "team.ics")]["events"]}
    slots1 = {(r["engineer"], r["date"]): r for r in assignments(first)}
    slots2 = {(r["engineer"], r["date"]): r for r in assignments(second)}
    assert ("dub-2", worked["date"]) not in slots2
    assert uid_of("DST test rota (autumn)", "dub-2", worked["date"]) not in two
    common = set(slots1) & set(slots2)
    assert common
    for engineer, day in common:
        uid = uid_of("DST test rota (autumn)", engineer, day)
        assert uid in one and uid in two
        assert two[uid]["start"] == slots2[engineer, day]["start_utc"]


def test_shift_labels_read_at_a_glance():
    assert shift_label("dub-late", "dub") == "Late"
    assert shift_label("early", "sin") == "Early"
    assert shift_label("sin_night_a", "sin") == "Sin night a"
    assert shift_label("dub", "dub") == "Dub"


def test_result_columns_are_the_writers():
    from rota.output import ASSIGNMENT_COLUMNS as written

    assert written == ASSIGNMENT_COLUMNS


@pytest.mark.parametrize(("damage", "message"), [
    (lambda f: (f / "assignments.csv").unlink(), "assignments.csv: not found in"),
    (lambda f: shutil.rmtree(f / "scenario"), "is not a result folder of rota solve: it has no scenario/ copy"),
    (lambda f: _edit(f, "2027-03-27T01:00:00Z,2027-03-27T13:00:00Z", "2027-03-27 01:00,2027-03-27T13:00:00Z"),
     "assignments.csv: line 2, field 'start_utc': expected a UTC instant like 2027-03-01T07:00:00Z, got "
     "'2027-03-27 01:00'"),
    (lambda f: _edit(f, "2027-03-28T12:00:00Z,2027-03-29T00:00:00Z", "2027-03-28T13:00:00Z,2027-03-29T00:00:00Z"),
     "assignments.csv: line 7, field 'start_utc': 2027-03-28T13:00:00Z does not match shift 'dub-late' on "
     "2027-03-28 in Europe/Dublin (expected 2027-03-28T12:00:00Z)"),
    (lambda f: _edit(f, "dev,Dev Iyer,blr,L1,2027-03-28", "dev,Dev Iyer,blr,L1,2027-03-27"),
     "assignments.csv: line 6, field 'date': dev already has a shift on 2027-03-27"),
    (lambda f: _edit(f, "asha,Asha Rao,blr,L3,2027-03-28,blr-day", "asha,Asha Rao,blr,L3,2027-03-28,blr-night"),
     "assignments.csv: line 5, field 'shift': unknown shift 'blr-night'"),
    (lambda f: (f / "scenario" / "engineers.csv").write_text(
        (f / "scenario" / "engineers.csv").read_text().replace("dev,Dev", "team,Dev")),
     "assignments.csv: line 3, field 'engineer': unknown engineer 'dev'"),
])
def test_bad_result_folders_are_named_clearly(tmp_path: Path, damage, message: str):
    folder = copy_golden(tmp_path / "result")
    damage(folder)
    done = rota("ical", str(folder), "--out", str(tmp_path / "ics"))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ics").exists()  # nothing half-written


def test_an_engineer_id_that_would_overwrite_another_calendar_is_refused(tmp_path: Path):
    folder = copy_golden(tmp_path / "result")
    for path in (folder / "scenario" / "engineers.csv", folder / "assignments.csv"):
        path.write_text(re.sub(r"^dev,", "team,", path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    done = rota("ical", str(folder), "--out", str(tmp_path / "ics"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "engineer 'team', field 'id': its calendar file team.ics would overwrite the one of team 'team'" in \
        done.stderr


def test_a_bad_stamp_is_refused(tmp_path: Path):
    done = rota("ical", str(GOLDEN_RESULT), "--out", str(tmp_path), "--stamp", "2027-03-01 09:00")
    assert done.returncode == 2 and "has no zone; end it with Z" in done.stderr and "Traceback" not in done.stderr


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "assignments.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
