"""The `rota` command as a user meets it: bad arguments, paths, pins, files and faults get clear lines, never a
traceback; results are the scenario solved, written whole, and always keep the hard rules.

Solves use a tiny scenario and a deterministic work budget; every written rota also passes the independent checker.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from rota import output
from rota.checker import check_rota
from rota.cli import main
from rota.domain import Pin
from rota.scenario import ScenarioError, load_scenario
from rota.slots import Plan
from rota.solver import SolveOptions, solve

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
WORK = ["--work-limit", "2"]  # deterministic: the same rota on any machine, however busy

SCENARIO_TOML = """\
name = "tiny"
start = {start}
days = {days}

[rules]
p0_min_seniors = 1
min_rest_hours = 11
max_hours_per_week = {cap}
max_consecutive_days = 5

[[centres]]
id = "rey"
name = "Reykjavik"
timezone = "Atlantic/Reykjavik"
country = "IS"

[[shifts]]
id = "early"
start = "00:00"
end = "12:00"

[[shifts]]
id = "late"
start = "12:00"
end = "24:00"
"""
ENGINEERS = ["ann,Ann,rey,L2,en,,", "bob,Bob,rey,L2,en,,", "cat,Cat,rey,L3,en,,", "dan,Dan,rey,L2,en,,"]


def tiny(folder: Path, pins: list[str] | None = None, *, days: int = 4, cap: int = 40,
         start: str = "2027-03-01") -> Path:
    """A four-engineer, one-centre scenario (Reykjavik: wall time is UTC) with `pins` as "engineer,date,shift"."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(SCENARIO_TOML.format(start=start, days=days, cap=cap), encoding="utf-8")
    (folder / "engineers.csv").write_text("id,name,centre,level,languages,max_hours_per_week,email\n"
                                          + "\n".join(ENGINEERS) + "\n", encoding="utf-8")
    if pins is not None:
        (folder / "pins.csv").write_text("engineer,date,shift\n" + "".join(f"{p}\n" for p in pins), encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`rota ARGS` in this process: exit code, stdout, stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rota(cwd: Path, *args: object) -> subprocess.CompletedProcess[str]:
    """The real `rota` command in a subprocess, run from `cwd` (a user's folder, not the checkout)."""
    command = Path(sys.executable).with_name("rota")
    return subprocess.run([str(command), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def assignments(result: Path) -> list[tuple[str, str, str]]:
    with (result / "assignments.csv").open(encoding="utf-8") as handle:
        return sorted((r["engineer"], r["date"], r["shift"]) for r in csv.DictReader(handle))


def verified(result: Path) -> None:
    assert check_rota(result / "scenario", result) == []


# ---- arguments are checked before any work --------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_a_time_limit_that_is_not_above_zero_is_refused_before_solving(tmp_path, capsys, limit):
    code, out, err = run(capsys, "solve", tiny(tmp_path / "s"), "--out", tmp_path / "out", "--time-limit", limit)
    assert code == 2
    assert err.strip() == f"rota: --time-limit '{limit}': expected a number of seconds above 0, e.g. 60"
    assert "Solving" not in out and not (tmp_path / "out").exists()


def test_every_bad_argument_is_reported_at_once_one_line_each(tmp_path, capsys):
    (tmp_path / "file").write_text("mine\n")
    code, out, err = run(capsys, "solve", tiny(tmp_path / "s"), "--out", tmp_path / "file", "--work-limit", "0",
                         "--workers", "0", "--seed", "-1", "--time-limit", "nan")
    lines = err.strip().splitlines()
    assert code == 2 and out == ""
    assert [line.split(":")[1].split()[0] for line in lines] == ["--time-limit", "--work-limit", "--seed",
                                                                 "--workers", "--out"]
    assert lines[-1] == (f"rota: --out {tmp_path / 'file'}: is a file, not a folder; give a folder to write into "
                         "(a new one is created)")
    assert (tmp_path / "file").read_text() == "mine\n"


@pytest.mark.parametrize("args", [["size", "{s}", "--time-limit", "-1"], ["whatif", "{s}", "{v}", "--out", "{o}",
                                  "--time-limit", "0"], ["grade", "{s}", "--ics", "{v}", "--time-limit", "0"],
                                  ["rollback", "0"], ["serve", "--port", "70000"]])
def test_planning_store_and_server_commands_check_their_numbers_too(tmp_path, capsys, args):
    (tmp_path / "v.toml").write_text('name = "v"\n')
    values = {"s": tiny(tmp_path / "s"), "v": tmp_path / "v.toml", "o": tmp_path / "o"}
    code, _, err = run(capsys, *(a.format(**values) for a in args))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "expected" in err, err
    assert not (tmp_path / "o").exists()


def test_an_out_that_is_a_file_is_refused_before_the_solve_not_after(tmp_path, capsys):
    (tmp_path / "taken").write_text("mine\n")
    code, out, err = run(capsys, "solve", tiny(tmp_path / "s"), "--out", tmp_path / "taken", *WORK)
    assert code == 2 and "is a file, not a folder" in err and "Solving" not in out
    assert (tmp_path / "taken").read_text() == "mine\n"


def test_an_out_folder_of_other_files_is_refused_so_nothing_is_buried(tmp_path, capsys):
    scenario = tiny(tmp_path / "s")
    before = {p.name: p.read_bytes() for p in scenario.iterdir()}
    code, _, err = run(capsys, "solve", scenario, "--out", scenario, *WORK)
    assert code == 2 and "already holds files and is not a result folder" in err
    assert {p.name: p.read_bytes() for p in scenario.iterdir()} == before


def test_ical_into_an_existing_file_is_a_clear_error(tmp_path, capsys):
    result = tmp_path / "out"
    assert run(capsys, "solve", tiny(tmp_path / "s"), "--out", result, *WORK)[0] == 0
    verified(result)
    (tmp_path / "cal").write_text("mine\n")
    code, _, err = run(capsys, "ical", result, "--out", tmp_path / "cal")
    assert code == 2 and err.strip() == (f"rota: --out {tmp_path / 'cal'}: is a file, not a folder; give a folder "
                                         "to write into (a new one is created)")


def test_verify_of_a_scenario_folder_says_what_it_is(capsys):
    code, _, err = run(capsys, "verify", DEMO)
    assert code == 2
    assert err.strip() == (f"rota: result {DEMO}: is a scenario folder, not a result folder; give the folder "
                           "`rota solve SCENARIO --out RESULT` wrote (or, for rota verify, both: SCENARIO RESULT)")


@pytest.mark.parametrize("command", [["check", "{m}"], ["solve", "{m}", "--out", "{o}"], ["verify", "{m}"],
                                     ["ical", "{m}", "--out", "{o}"], ["publish", "{m}", "--store", "{o}/s.db"],
                                     ["size", "{m}"], ["grade", "{m}", "--ics", "{m}.ics"],
                                     ["whatif", "{m}", "{m}.toml", "--out", "{o}"]])
def test_a_mistyped_path_says_it_does_not_exist(tmp_path, capsys, command):
    missing = tmp_path / "demo-typo"
    code, _, err = run(capsys, *(a.format(m=missing, o=tmp_path / "o") for a in command))
    assert code == 2 and "does not exist" in err and "is not a folder" not in err, err
    assert not (tmp_path / "o").exists()


def test_the_real_command_never_shows_a_traceback_for_a_users_mistakes(tmp_path):
    tiny(tmp_path / "s")
    (tmp_path / "file").write_text("x\n")
    mistakes = [
        ["solve", "s", "--out", "o", "--time-limit", "0"],
        ["solve", "s", "--out", "file"],
        ["solve", "s", "--out", "file/sub"],
        ["ical", "s", "--out", "file"],
        ["verify", "s"],
        ["verify", "s", "nowhere"],
        ["check", "nowhere"],
        ["publish", "s", "--store", "x.db"],
        ["grade", "s", "--ics", "file", "--no-solve"],
        ["whatif", "s", "file", "--out", "w", "--time-limit", "1"],
        ["solve", "s", "--out", "o", "--workers", "many"],
    ]
    for args in mistakes:
        done = rota(tmp_path, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("rota:"), (args, done.stderr)
    assert not (tmp_path / "o").exists() and not (tmp_path / "w").exists()


def test_serve_on_a_port_in_use_says_so_before_starting(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", port, "--store", tmp_path / "rota.sqlite3")
    assert code == 2 and out == ""
    assert err == (f"rota: cannot listen on 127.0.0.1:{port}: Address already in use; is rota serve already "
                   "running? choose another --port\n")
    assert not (tmp_path / "rota.sqlite3").exists()


def test_an_unexpected_error_is_one_line_and_exit_70_not_a_traceback(tmp_path, monkeypatch, capsys):
    import rota.cli

    def broken(args):  # stands for any bug: the user still gets one line
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(rota.cli, "cmd_check", broken)
    code, _, err = run(capsys, "check", tiny(tmp_path / "s"))
    assert code == 70 and err.count("\n") == 1 and "internal error: RuntimeError: something inside broke" in err


# ---- no rota in time: the pinned shifts alone, never a rota that breaks a hard rule ----------------------------


def test_no_time_for_any_stage_writes_the_first_rota_and_says_so(tmp_path, capsys):
    scenario = tiny(tmp_path / "s", ["ann,2027-03-02,late", "bob,2027-03-03,early", "cat,2027-03-04,off"])
    result = tmp_path / "out"
    # A limit below the solver's 0.05 s floor for a stage: no stage starts, on any machine, however fast.
    code, _, err = run(capsys, "solve", scenario, "--out", result, "--time-limit", "0.001")
    assert code == 0
    assert "left no time for the solver's stages: the result is the quick first rota" in err
    shifts = set(assignments(result))
    assert {("ann", "2027-03-02", "late"), ("bob", "2027-03-03", "early")} <= shifts
    assert not any(e == "cat" and d == "2027-03-04" for e, d, _ in shifts)
    assert json.loads((result / "summary.json").read_text())["stages"] == []
    verified(result)
    assert run(capsys, "verify", result)[0] == 0


def test_without_time_for_any_stage_the_rota_keeps_every_pin_and_rule(tmp_path):
    from rota.pins import pinned_slots

    scenario = load_scenario(tiny(tmp_path / "s", ["dan,2027-03-01,early", "dan,2027-03-03,late"]))
    solution = solve(scenario, SolveOptions(time_limit=0.001))
    assert not solution.stages and solution.chosen
    assert set(pinned_slots(solution.plan)) <= set(solution.chosen)
    output.write_result(solution, tmp_path / "out")
    verified(tmp_path / "out")


def test_size_without_time_for_any_stage_answers_from_the_first_rota(tmp_path):
    # before, it went on hiring up to 200 engineers, one solve each, and then blamed "structural" gaps
    done = rota(tmp_path, "size", tiny(tmp_path / "s"), "--time-limit", "0.001", "--target", "p0", "--centre", "rey")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("rey L2 for zero P0 gaps: 0 (now 3); zero engineers of this kind already cover "
                                   "it. Tried 0: covered, 1: covered, 2: covered, 3: covered")


def test_whatif_and_grade_without_time_for_any_stage_use_the_first_rota(tmp_path):
    scenario = tiny(tmp_path / "s", ["ann,2027-03-02,late"])
    (tmp_path / "same.toml").write_text('name = "same"\n')
    (tmp_path / "theirs.ics").write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//x//EN\nEND:VCALENDAR\n")
    done = rota(tmp_path, "whatif", scenario, "same.toml", "--out", "w", "--time-limit", "0.001")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    for label in ("base", "same"):
        assert ("ann", "2027-03-02", "late") in assignments(tmp_path / "w" / label)
        verified(tmp_path / "w" / label)
    done = rota(tmp_path, "grade", scenario, "--ics", "theirs.ics", "--time-limit", "0.001", "--out", "g")
    assert done.returncode == 0 and "its column is the quick first rota" in done.stderr, done.stderr
    verified(tmp_path / "g" / "rota")


# ---- conflicting pins, named exactly ---------------------------------------------------------------------------

REST_CLASH = ["ann,2027-03-02,late", "ann,2027-03-03,early"]  # 00:00 end to 00:00 start: no rest at all
INNOCENT = ["bob,2027-03-02,early", "cat,2027-03-04,late"]


def test_only_the_conflicting_pins_are_named_with_the_rule_they_break(tmp_path, capsys):
    scenario = tiny(tmp_path / "s", REST_CLASH + INNOCENT)
    code, out, err = run(capsys, "solve", scenario, "--out", tmp_path / "out", *WORK)
    assert code == 2 and "Solving" not in out and not (tmp_path / "out").exists()
    lines = err.strip().splitlines()
    assert lines[0] == ("rota: the pins cannot all be obeyed (1 conflict(s)); change or remove one pin of each in "
                        "pins.csv:")
    assert lines[1:] == ["  ann (Ann): pinned late on Tue 2027-03-02 12:00–00:00 and early on Wed 2027-03-03 "
                         "00:00–12:00 (Atlantic/Reykjavik) cannot all be worked: rest after late ending "
                         "2027-03-03T00:00:00Z (0 h, at least 11 h)"]
    assert "bob" not in err and "cat" not in err


def test_the_conflicting_set_is_minimal_and_every_conflict_is_found(tmp_path):
    from rota.pins import conflicts

    # a 30-hour cap and 12-hour shifts: any three pins within seven days break it; the fourth, on day 10, is fine
    weekly = ["bob,2027-03-01,early", "bob,2027-03-03,early", "bob,2027-03-05,early", "bob,2027-03-10,early"]
    scenario = load_scenario(tiny(tmp_path / "s", REST_CLASH + weekly + ["cat,2027-03-06,late"], days=12, cap=30))
    found = conflicts(scenario)
    assert [(c.engineer, [str(s.date) for s in c.slots]) for c in found] == [
        ("ann", ["2027-03-02", "2027-03-03"]), ("bob", ["2027-03-01", "2027-03-03", "2027-03-05"])]
    assert found[1].rules == ("weekly hours (36 h > 30 h in the 7 days from 2027-03-01)",)
    for conflict in found:  # minimal: without any one of its pins, the rest of that set holds
        for dropped in conflict.slots:
            kept = [p for p in scenario.pins if (p.engineer, p.date) != (dropped.engineer, dropped.date)
                    and p.engineer == conflict.engineer]
            assert all(c.engineer != conflict.engineer for c in conflicts(replace(scenario, pins=tuple(kept))))


def test_pins_that_hold_have_no_conflict_and_are_worked(tmp_path, capsys):
    from rota.pins import conflicts

    scenario = tiny(tmp_path / "s", INNOCENT)
    assert conflicts(load_scenario(scenario)) == []
    code, _, _ = run(capsys, "solve", scenario, "--out", tmp_path / "out", *WORK)
    assert code == 0
    assert {("bob", "2027-03-02", "early"), ("cat", "2027-03-04", "late")} <= set(assignments(tmp_path / "out"))
    verified(tmp_path / "out")


def test_check_names_conflicting_pins_too(tmp_path, capsys):
    code, out, err = run(capsys, "check", tiny(tmp_path / "s", REST_CLASH + INNOCENT))
    assert code == 2 and "Structural pre-check" in out
    assert err.splitlines()[1].startswith("  ann (Ann): pinned late on Tue 2027-03-02 12:00–00:00 and early on Wed")
    assert run(capsys, "check", tiny(tmp_path / "ok", INNOCENT))[0] == 0


def test_whatif_grade_and_size_name_conflicting_pins_without_a_traceback(tmp_path):
    scenario = tiny(tmp_path / "s", REST_CLASH + INNOCENT)
    (tmp_path / "more.toml").write_text('name = "more"\n')
    (tmp_path / "theirs.ics").write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//x//EN\nEND:VCALENDAR\n")
    for args in (["whatif", scenario, "more.toml", "--out", "w", "--time-limit", "5"],
                 ["grade", scenario, "--ics", "theirs.ics", "--time-limit", "5"],
                 ["size", scenario, "--time-limit", "5"]):
        done = rota(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "the pins cannot all be obeyed" in done.stderr, done.stderr
        assert "ann (Ann): pinned late on Tue 2027-03-02" in done.stderr and "bob" not in done.stderr


def test_infeasible_pins_survive_the_trip_from_a_worker_process():
    import pickle

    from rota.pins import InfeasiblePins

    error = pickle.loads(pickle.dumps(InfeasiblePins(["ann: two pins clash"])))
    assert error.details == ["ann: two pins clash"] and str(error).endswith("ann: two pins clash")
    problems = pickle.loads(pickle.dumps(ScenarioError([]))).problems
    assert problems == []


def test_grade_names_each_bad_row_of_the_map_and_each_bad_event(tmp_path, capsys):
    scenario = tiny(tmp_path / "s")
    (tmp_path / "map.csv").write_text("match,engineer\nfoo\nbar,zed\n")
    (tmp_path / "theirs.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Ann\nDTSTART:20270301T000000Z\n"
                                         "END:VEVENT\nEND:VCALENDAR\n")
    code, _, err = run(capsys, "grade", scenario, "--ics", tmp_path / "theirs.ics", "--map", tmp_path / "map.csv",
                       "--no-solve")
    assert code == 2 and err.splitlines() == [
        "rota: 2 problem(s):",
        "  map.csv: line 2: has 1 fields, expected 2 (match, engineer); a value with a comma must be in double quotes",
        "  map.csv: line 3, field 'engineer': unknown engineer 'zed' (not in engineers.csv)"]
    code, _, err = run(capsys, "grade", scenario, "--ics", tmp_path / "theirs.ics", "--no-solve")
    assert code == 2 and err.splitlines()[1:] == [
        "  theirs.ics: event #1, field 'DURATION': missing; an event needs DTSTART and DTEND (or DURATION)"]


# ---- scenario files: the separator and impossible dates ---------------------------------------------------------


def test_a_semicolon_csv_gets_one_line_that_names_the_separator(tmp_path, capsys):
    scenario = tiny(tmp_path / "s")
    engineers = scenario / "engineers.csv"
    engineers.write_text(engineers.read_text().replace(",", ";"), encoding="utf-8")
    code, _, err = run(capsys, "check", scenario)
    assert code == 2
    assert err.strip().splitlines()[1:] == [
        "  engineers.csv: header: engineers.csv uses ';' as separator; save it as comma-separated CSV (in Excel: "
        "Save As, \"CSV UTF-8 (Comma delimited)\")"]


def test_an_impossible_date_is_called_what_it_is(tmp_path, capsys):
    scenario = tiny(tmp_path / "s", ["ann,2027-02-30,late"])
    (scenario / "leave.csv").write_text("engineer,start,end,reason\nbob,2027-03-01,2027-13-01,trip\n")
    code, _, err = run(capsys, "check", scenario)
    assert code == 2
    assert "pins.csv: line 2, field 'date': 2027-02-30 is not a day of February 2027 (it has 28 days)" in err
    assert ("leave.csv: line 2, field 'end': 2027-13-01 is not a date: there is no month 13 (months go from 01 to "
            "12)") in err
    assert "expected a date YYYY-MM-DD" not in err


def test_an_impossible_start_date_or_time_in_scenario_toml_is_named(tmp_path, capsys):
    scenario = tiny(tmp_path / "s", start="2027-02-30")
    code, _, err = run(capsys, "check", scenario)
    assert code == 2 and ": 2027-02-30 is not a day of February 2027 (it has 28 days)" in err
    toml = scenario / "scenario.toml"
    toml.write_text(toml.read_text().replace("2027-02-30", "2027-03-01").replace('"12:00"\n\n', '"25:00"\n\n', 1))
    code, _, err = run(capsys, "check", scenario)
    assert code == 2 and "25:00 is not a time of day: hours go from 00 to 23 (24:00 ends a day)" in err


# ---- result folders: exactly the scenario solved, written whole -------------------------------------------------


def test_a_reused_result_folder_keeps_no_stale_scenario_file(tmp_path, capsys):
    scenario = tiny(tmp_path / "s", ["ann,2027-03-02,late"])
    result = tmp_path / "out"
    assert run(capsys, "solve", scenario, "--out", result, *WORK)[0] == 0
    (result / "notes.txt").write_text("my notes\n")  # a file of the user's own, kept across solves
    (scenario / "pins.csv").unlink()
    assert run(capsys, "solve", scenario, "--out", result, *WORK)[0] == 0
    assert sorted(p.name for p in (result / "scenario").iterdir()) == ["engineers.csv", "scenario.toml"]
    assert (result / "notes.txt").read_text() == "my notes\n"
    assert load_scenario(result / "scenario").pins == ()
    verified(result)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left behind
    mask = os.umask(0o022)
    os.umask(mask)
    assert result.stat().st_mode & 0o777 == 0o777 & ~mask  # as mkdir makes it, not private like a temporary folder


def test_verify_reads_a_peak_without_days_as_every_day_like_the_loader(tmp_path, capsys):
    scenario = tiny(tmp_path / "s")
    with (scenario / "scenario.toml").open("a") as toml:  # `days` left out: every day (rota.scenario's default)
        toml.write('\n[[peaks]]\nid = "evening"\ntimezone = "UTC"\nstart = "19:00"\nend = "23:00"\n'
                   "min_engineers = 2\n")
    assert run(capsys, "solve", scenario, "--out", tmp_path / "out", *WORK)[0] == 0
    code, out, err = run(capsys, "verify", tmp_path / "out")
    assert (code, out, err) == (0, "OK: the rota passes the independent checker\n", "")


def test_a_write_that_fails_midway_leaves_the_earlier_result_whole(tmp_path, capsys, monkeypatch):
    scenario = tiny(tmp_path / "s", ["ann,2027-03-02,late"])
    result = tmp_path / "out"
    assert run(capsys, "solve", scenario, "--out", result, *WORK)[0] == 0
    before = {p.relative_to(result): p.read_bytes() for p in result.rglob("*") if p.is_file()}
    (scenario / "pins.csv").write_text("engineer,date,shift\nbob,2027-03-01,early\n")
    calls = {"n": 0}
    real_fsync = os.fsync

    def disk_full_on_the_third_file(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(output.os, "fsync", disk_full_on_the_third_file)
    code, _, err = run(capsys, "solve", scenario, "--out", result, *WORK)
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert {p.relative_to(result): p.read_bytes() for p in result.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    verified(result)


def test_a_scenario_edited_during_the_solve_is_copied_as_it_was_solved(tmp_path, capsys, monkeypatch):
    import rota.solver

    folder = tiny(tmp_path / "s", ["ann,2027-03-02,late"])
    solved = (folder / "pins.csv").read_bytes()
    real_solve = rota.solver.solve

    def solve_while_the_planner_edits(*args, **kwargs):  # the manager saves pins.csv halfway through the solve
        (folder / "pins.csv").write_text("engineer,date,shift\nbob,2027-03-01,early\n")
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(rota.solver, "solve", solve_while_the_planner_edits)
    assert run(capsys, "solve", folder, "--out", tmp_path / "out", *WORK)[0] == 0
    assert (tmp_path / "out" / "scenario" / "pins.csv").read_bytes() == solved
    assert ("ann", "2027-03-02", "late") in assignments(tmp_path / "out")
    verified(tmp_path / "out")


def test_scenario_files_changed_during_the_solve_are_not_passed_off_as_the_scenario_solved(tmp_path):
    folder = tiny(tmp_path / "s", ["ann,2027-03-02,late"])
    solution = solve(load_scenario(folder), SolveOptions(work_limit=2))
    (folder / "pins.csv").write_text("engineer,date,shift\nbob,2027-03-01,early\n")  # edited meanwhile
    with pytest.raises(output.OutputError, match="changed while solving"):
        output.write_result(solution, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_pinned_slots_are_those_of_the_plan(tmp_path):
    from rota.pins import pinned_slots

    scenario = load_scenario(tiny(tmp_path / "s", ["ann,2027-03-02,late", "bob,2027-03-03,off"]))
    plan = Plan(scenario)
    assert [(s.engineer, s.date, s.shift) for s in pinned_slots(plan)] == [("ann", date(2027, 3, 2), "late")]
    assert {(p.engineer, p.shift) for p in scenario.pins} == {("ann", "late"), ("bob", Pin.OFF)}
