"""The UI's background work for real: each solve in its own child process (rota.child), progress and Stop across
the process boundary, a bounded queue, and a child that is killed, aborts or runs out of memory — reported in
plain words while the caller and the last rota live on. Through the web UI too (Streamlit's AppTest)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rota import child
from rota.domain import Pin, Rules
from rota.jobs import SolveJob, WhatIfJob
from rota.report import diff, shifts_of
from rota.scenario import load_scenario
from rota.scenario_io import read_folder
from rota.solver import SolveOptions
from rota.store import ENV_STORE
from rota.views import hint_from
from tests.builders import DAY_1, engineer, scenario, shift

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
APP = str(ROOT / "app.py")
HALF_DAYS = [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")]
# Deterministic budgets: the outcome never depends on how busy the machine is; the wall limits are only ceilings.
QUICK = SolveOptions(time_limit=300, work_limit=0.3)
LONG = SolveOptions(time_limit=600)  # a solve that is still running when the test acts on it
@pytest.fixture(scope="module")
def demo():
    return load_scenario(DEMO)


def small():
    return scenario([engineer("ana"), engineer("bo"), engineer("jun", level="L1")], HALF_DAYS, days=3)


def running_child(job: SolveJob, progress: bool = True, timeout: float = 120) -> int:
    """The job's solve process, once it runs (and, with `progress`, has found a first rota)."""
    deadline = time.monotonic() + timeout
    while (job.pid is None or (progress and job.latest() is None)) and time.monotonic() < deadline:
        assert job.running, job.error
        time.sleep(0.05)
    assert job.pid is not None, "the solve process did not start"
    return job.pid


# ---- a solve in a child process -------------------------------------------------------------------------------------


def test_a_solve_job_runs_in_a_child_process_and_leaves_an_analysis(checked):
    job = SolveJob(small(), QUICK).start()
    pid = running_child(job, progress=False)
    assert pid != os.getpid()
    assert job.wait(120) and job.error == ""
    assert job.solution is not None and job.analysis is not None
    assert job.analysis.summary["p0_gap_minutes"] == 0 and job.snapshot()  # progress crossed the process boundary
    assert len(job.analysis.hourly) == 72
    checked(job.solution)  # the rota that crossed the process boundary passes the independent checker
    assert multiprocessing.active_children() == []  # the child is gone with its solve


def test_stop_keeps_the_best_rota_so_far(demo, checked):
    job = SolveJob(demo, LONG).start()
    running_child(job)
    job.stop()
    assert job.wait(60), "Stop must end the search"
    assert job.error == "" and job.solution is not None and job.solution.stopped
    assert job.analysis is not None and job.analysis.summary["shifts"] > 0
    checked(job.solution)


def test_pins_that_cannot_hold_together_become_a_message_not_a_crash():
    rules = Rules(min_rest_hours=11, max_hours_per_week=168, max_consecutive_days=31)
    s = scenario([engineer("ana")], HALF_DAYS, days=2, rules=rules,
                 pins=(Pin("ana", DAY_1, "night"), Pin("ana", DAY_1 + timedelta(days=1), "day")))
    job = SolveJob(s, QUICK).start()
    assert job.wait(120)
    assert job.solution is None and "pins cannot all be obeyed" in job.error
    assert "ana (Ana): pinned night on Mon 2027-03-01" in job.error and "and day on Tue 2027-03-02" in job.error


@pytest.mark.parametrize(("sent", "told"), [
    (signal.SIGKILL, "The solve process was killed (signal 9, SIGKILL: by an operator, or by the system when memory "
                     "ran out); the last rota is kept."),
    # What a native `Check failed` in CP-SAT does: abort().
    (signal.SIGABRT, "The solve process crashed (signal 6, SIGABRT); the last rota is kept."),
])
def test_a_solve_process_killed_or_crashed_mid_solve_is_reported_and_the_next_solve_works(demo, sent, told, checked):
    job = SolveJob(demo, LONG, keeps_last=True).start()
    os.kill(running_child(job), sent)
    assert job.wait(60), "a dead solve process must end its job"
    assert job.error == told
    assert job.solution is None and job.analysis is None
    again = SolveJob(small(), QUICK).start()
    assert again.wait(120) and again.error == "" and again.solution is not None
    checked(again.solution)


def test_a_solve_process_out_of_its_memory_cap_is_reported(demo):
    job = SolveJob(demo, QUICK, memory_mb=300).start()  # the demo's solve needs some 700 MB of address space
    assert job.wait(120)
    assert job.solution is None
    assert job.error.startswith("The solve process ") and "out of memory (its limit is 300 MB)" in job.error
    assert job.error.endswith("no rota was found: solve again.")


def test_solves_beyond_the_bound_wait_in_a_queue_and_a_queued_one_can_be_cancelled(demo, checked):
    child.set_slots(1)
    try:
        first = SolveJob(demo, LONG).start()
        running_child(first, progress=False)
        queued = SolveJob(small(), QUICK).start()
        cancelled = SolveJob(small(), QUICK, keeps_last=True).start()
        time.sleep(1.0)
        assert queued.queued and cancelled.queued and queued.pid is None and child.waiting() == 2
        cancelled.stop()
        assert cancelled.wait(10) and cancelled.error == "Stopped before the solve started; the last rota is kept."
        assert queued.queued
        first.stop()
        assert first.wait(60) and first.solution is not None
        assert queued.wait(120) and queued.error == "" and queued.solution is not None
        checked(queued.solution)
    finally:
        child.set_slots(child.default_slots())


# ---- a re-solve is not a re-plan (issue 9) --------------------------------------------------------------------------


def test_a_re_solve_warm_starts_without_a_baseline_and_keep_published_is_its_own_mode(demo, checked):
    first = checked.solve(demo, QUICK)
    resolve = SolveJob(demo, QUICK, hint=hint_from(first.chosen)).start()
    assert resolve.wait(300) and resolve.error == "" and resolve.solution is not None
    # A re-solve optimises cover and fairness from the last rota; it does not minimise changes against it.
    assert "changes" not in resolve.solution.planned
    assert [s.tier for s in resolve.solution.stages] == resolve.solution.planned
    checked(resolve.solution)
    published = shifts_of(first.chosen)
    replan = SolveJob(demo, QUICK, baseline=published).start()
    assert replan.wait(300) and replan.error == "" and replan.solution is not None
    assert "changes" in replan.solution.planned
    checked(replan.solution)


def test_a_job_with_a_baseline_keeps_it(demo, checked):
    published = shifts_of(checked.solve(demo, QUICK).chosen)
    job = SolveJob(demo, QUICK, baseline=published).start()
    assert job.wait(300) and job.error == "" and job.solution is not None
    assert job.solution.reproducible  # the work budget ended it, not the clock: the same rota on any machine
    assert diff(published, shifts_of(job.solution.chosen)) == []  # nothing changed in the scenario: nothing moves
    checked(job.solution)


# ---- what-ifs -------------------------------------------------------------------------------------------------------


def test_a_what_if_whose_solve_process_is_killed_ends_with_a_message_not_a_hang():
    job = WhatIfJob(read_folder(DEMO), [ROOT / "data" / "variants" / "add-bengaluru.toml"], LONG).start()
    deadline = time.monotonic() + 120
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = multiprocessing.active_children()[0]
    time.sleep(1.0)
    os.kill(victim.pid, signal.SIGKILL)  # type: ignore[arg-type]
    assert job.wait(60), "a killed solve must end the comparison"
    assert job.rows is None and not job.cancelled
    assert job.error.startswith("The comparison stopped: the solve process of '")
    assert "was killed (signal 9, SIGKILL" in job.error and job.error.endswith("the previous comparison is kept.")
    assert multiprocessing.active_children() == []  # the other solve was terminated with it


def _solve_processes(parent: int) -> list[int]:
    """The spawned children of `parent` (from any of its threads), not multiprocessing's resource tracker."""
    pids = []
    for children in Path(f"/proc/{parent}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                pids.append(int(pid))
    return pids


def test_rota_whatif_whose_solve_process_is_killed_exits_2_with_a_message(tmp_path: Path):
    out = tmp_path / "compare"
    command = subprocess.Popen([sys.executable, "-m", "rota.cli", "whatif", str(DEMO),
                                str(ROOT / "data" / "variants" / "add-bengaluru.toml"), "--out", str(out),
                                "--time-limit", "600"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 120
    while not (solving := _solve_processes(command.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(solving[0], signal.SIGKILL)
    _, stderr = command.communicate(timeout=60)
    assert command.returncode == 2 and "Traceback" not in stderr
    assert "rota: the solve process of '" in stderr and "was killed (signal 9, SIGKILL" in stderr
    assert stderr.rstrip().endswith("the comparison was not written")
    assert not (out / "comparison.csv").exists()


# ---- through the web UI ---------------------------------------------------------------------------------------------


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    at.switch_page("rota/web/app_pages/plan.py").run()
    assert not at.exception
    return at


def _finish(at: AppTest, job: SolveJob) -> None:
    assert job.wait(300)
    at.run()
    assert not at.exception, at.exception


def _solve(at: AppTest, limit: int, work: float = 0.0) -> SolveJob:
    """Solve on the Plan page: on a work budget (`work`), or until the test acts on it (work 0, a long limit)."""
    at.number_input(key="time_limit").set_value(limit)
    at.number_input(key="work_limit").set_value(work)
    at.button(key="solve").click().run()
    assert not at.exception, at.exception
    return at.session_state["job"]


def test_the_plan_page_tells_a_killed_solve_keeps_the_last_rota_and_solves_again(checked):
    at = _app()
    first = _solve(at, 300, QUICK.work_limit)
    _finish(at, first)
    assert first.solution is not None and at.button(key="solve").label == "Re-solve"
    # A plain re-solve: warm-started from the shown rota, not a keep-the-published-rota re-plan (issue 9).
    resolve = _solve(at, 300, QUICK.work_limit)
    assert resolve.baseline is None and resolve.hint == hint_from(first.solution.chosen)
    _finish(at, resolve)
    assert resolve.solution is not None and "changes" not in resolve.solution.planned
    shown = at.session_state["last"]
    victim = _solve(at, 600)
    os.kill(running_child(victim), signal.SIGKILL)
    _finish(at, victim)
    errors = [e.value for e in at.error]
    assert errors == ["The solve process was killed (signal 9, SIGKILL: by an operator, or by the system when memory "
                      "ran out); the last rota is kept."]
    assert at.session_state["last"] is shown  # the last good rota is still the one on the pages
    assert "P0 cover" in [m.label for m in at.metric]  # the last rota is still drawn
    after = _solve(at, 300, QUICK.work_limit)
    _finish(at, after)
    assert after.error == "" and after.solution is not None and not at.error
    for job in (first, resolve, after):
        checked(job.solution)


def test_a_broken_store_is_an_error_box_on_the_calendars_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    broken = tmp_path / "rota.sqlite3"
    broken.write_text("not a database\n")
    monkeypatch.setenv(ENV_STORE, str(broken))
    at = _app()
    at.switch_page("rota/web/app_pages/calendars.py").run()
    assert not at.exception, at.exception
    assert any(f"{broken} is not a rota store" in e.value for e in at.error), [e.value for e in at.error]


def test_the_plan_page_shows_a_queued_solve_and_cancels_it(demo):
    child.set_slots(1)
    try:
        other = SolveJob(demo, LONG).start()  # another session's solve holds the server's only slot
        running_child(other, progress=False)
        at = _app()
        job = _solve(at, 30)
        assert job.queued
        at.run()
        assert not at.exception, at.exception
        texts = [p.proto.text for p in at.get("progress")]
        assert any(t.startswith("Queued for ") and "the server runs 1 solve(s) at once and all are busy" in t
                   for t in texts), texts
        at.button(key="stop").click().run()
        assert at.button(key="stop").label == "Cancel" or not job.running
        _finish(at, job)
        assert [e.value for e in at.error] == ["Stopped before the solve started; no rota was found: solve again."]
        other.stop()
        assert other.wait(60) and other.solution is not None
    finally:
        child.set_slots(child.default_slots())
