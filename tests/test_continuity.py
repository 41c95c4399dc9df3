"""Month after month: a window planned on top of the published rota keeps the rules at the seam, fairness over
months, and publishing it leaves every other window as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from rota import checker, history
from rota.cli import main
from rota.domain import History, PublishedShift, Rules
from rota.ical import CONFIRMED
from rota.output import write_result
from rota.report import diff, find_gaps
from rota.result import load_result
from rota.scenario import load_scenario
from rota.solver import SolveOptions
from rota.store import SeamError, Store, locate
from tests.builders import DAY_1, engineer, peak, scenario, shift
from tests.checked import write_scenario

DAY, LATE, NIGHT = shift("day", "08:00", "16:00"), shift("late", "16:00", "24:00"), shift("night", "00:00", "08:00")
RULES = Rules(p0_min_seniors=0, min_rest_hours=11, max_hours_per_week=40, max_consecutive_days=5)
T1 = datetime(2027, 2, 1, 9, tzinfo=UTC)


def budget(work: float = 2) -> SolveOptions:
    return SolveOptions(time_limit=60, work_limit=work, seed=1, workers=2)


def published(engineer_id: str, day: date, template: str = "day", hours: tuple[int, int] = (8, 16)) -> PublishedShift:
    start = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hours[0])
    end = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hours[1])
    return PublishedShift(engineer_id, day, template, start, end)


def past(*shifts: PublishedShift) -> History:
    return History(tuple(sorted(shifts, key=lambda s: s.start)), "test", 183)


def days_before(n: int) -> date:
    return DAY_1 - timedelta(days=n)


def one_day_needing(engineers: list, h: History | None, rules: Rules = RULES):
    """A one-day window whose only need is one engineer 08:00–16:00, on top of history `h`."""
    s = scenario(engineers, [DAY, LATE, NIGHT], rules=rules, peaks=(peak("day", "08:00", "16:00", engineers=1),))
    return replace(s, history=h)


# ---- the rules at the seam ---------------------------------------------------------------------------------------


def test_rest_after_the_last_published_shift_holds_across_the_seam(checked):
    alone = [engineer("asha")]
    free = checked.solve(one_day_needing(alone, None), budget())
    assert [(s.engineer, s.shift) for s in free.chosen] == [("asha", "day")]
    # Asha's published late shift ends at midnight: eight hours later is too soon.
    h = past(published("asha", days_before(1), "late", (16, 24)))
    solution = checked.solve(one_day_needing(alone, h), budget())
    assert solution.chosen == []
    (gap,) = find_gaps(solution.plan, solution.chosen)
    assert "rest" in gap.reason and "published" in gap.reason
    assert (checked.last.result / "history.csv").is_file()  # the checker saw the seam too


def test_days_in_a_row_count_the_published_days_before_the_window(checked):
    h = past(*(published("asha", days_before(n)) for n in range(1, 6)))  # five days in a row up to the seam
    rules = replace(RULES, max_hours_per_week=168)
    solution = checked.solve(one_day_needing([engineer("asha"), engineer("ben")], h, rules), budget())
    assert [s.engineer for s in solution.chosen] == ["ben"]
    alone = checked.solve(one_day_needing([engineer("asha")], h, rules), budget())
    assert alone.chosen == [] and "consecutive days" in find_gaps(alone.plan, alone.chosen)[0].reason


def test_the_weekly_cap_counts_the_published_hours_of_every_seven_days_across_the_seam(checked):
    # 40 h in the six days before the window (not in a row): one more 8 h shift would make 48 h in seven days.
    h = past(*(published("asha", days_before(n)) for n in (1, 3, 4, 5, 6)))
    alone = checked.solve(one_day_needing([engineer("asha")], h), budget())
    assert alone.chosen == [] and "weekly hours" in find_gaps(alone.plan, alone.chosen)[0].reason
    older = past(*(published("asha", days_before(n)) for n in (2, 3, 4, 5, 7)))  # day 7 before is out of the week
    assert [s.engineer for s in checked.solve(one_day_needing([engineer("asha")], older), budget()).chosen] == ["asha"]


def test_a_published_night_reaching_into_the_window_is_kept_as_published(checked):
    # The published night of the day before runs 22:00–06:00 into the window: the plan holds it, it covers the
    # window's first hours, and no other shift can take the engineer's place that day.
    night = shift("night", "22:00", "06:00")
    s = scenario([engineer("asha"), engineer("ben")], [DAY, night], rules=RULES,
                 peaks=(peak("early", "00:00", "06:00", engineers=1),))
    h = past(published("ben", days_before(1), "night", (22, 30)))
    solution = checked.solve(replace(s, history=h), budget())
    edge = [x for x in solution.chosen if x.date == days_before(1)]
    assert [(x.engineer, x.shift) for x in edge] == [("ben", "night")]
    assert find_gaps(solution.plan, solution.chosen) == []


def test_the_checker_finds_a_seam_break_from_the_files(checked, tmp_path: Path):
    solution = checked.solve(one_day_needing([engineer("asha")], None), budget())
    result = checked.last.result
    (result / "history.csv").write_text("engineer,date,shift,start_utc,end_utc\n"
                                        f"asha,{days_before(1)},late,{days_before(1)}T16:00:00Z,{DAY_1}T00:00:00Z\n")
    problems = checker.check_rota(checked.last.scenario, result)
    assert any("across the seam" in p and "8.00 h rest" in p for p in problems), problems
    assert solution.chosen  # the rota alone was fine: only the join breaks


# ---- fair over months ----------------------------------------------------------------------------------------------


def test_nights_taken_in_earlier_windows_come_off_this_windows_share(checked):
    rules = replace(RULES, max_hours_per_week=168, max_consecutive_days=7, min_rest_hours=8)
    s = scenario([engineer("asha"), engineer("ben")], [DAY, NIGHT], days=7, rules=rules,
                 peaks=(peak("nights", "00:00", "08:00", engineers=1),))
    # Both were on the rota a fortnight ago; Asha then took the seven nights of the week before this one.
    h = past(published("ben", days_before(14)), published("asha", days_before(14)),
             *(published("asha", days_before(n), "night", (0, 8)) for n in range(1, 8)))
    without = checked.solve(s, budget(4))
    carried = checked.solve(replace(s, history=h), budget(4))
    nights = lambda sol, who: sum(1 for x in sol.chosen if x.engineer == who and x.shift == "night")  # noqa: E731
    assert abs(nights(without, "asha") - nights(without, "ben")) <= 1  # one window alone: split evenly
    assert nights(carried, "ben") >= 6  # with the look-back Ben takes (nearly) all of this week's nights


# ---- publishing on top of the published rota ---------------------------------------------------------------------


OVERNIGHT = (shift("early", "06:00", "14:00"), shift("late", "14:00", "22:00"), shift("night", "22:00", "06:00"))


def _solve_window(checked, start: date, h: History | None, folder: Path, templates=(DAY, LATE, NIGHT), **changes):
    s = scenario([engineer(n) for n in ("asha", "ben", "cai", "dara")], list(templates), days=3, start=start,
                 rules=replace(RULES, p0_min_seniors=1, max_hours_per_week=48), **changes)
    loaded = load_scenario(write_scenario(s, folder / "input"))
    solution = checked.solve(replace(loaded, history=h), budget(3))
    write_result(solution, folder / "result")
    return solution, load_result(folder / "result")


def test_publishing_the_next_window_leaves_the_earlier_one_byte_identical(checked, tmp_path: Path):
    store = Store(locate(str(tmp_path / "store.sqlite3")))
    _, first = _solve_window(checked, DAY_1, None, tmp_path / "a", OVERNIGHT)
    v1 = store.publish(first, now=T1).version
    following = DAY_1 + timedelta(days=3)
    h = history.from_store(store, replace(first.scenario, start=following))
    assert h is not None and h.shifts
    _solved, second = _solve_window(checked, following, h, tmp_path / "b", OVERNIGHT)
    # The first window's last night runs into the second, which holds it (its hand-over text there differs).
    edge = [a for a in second.assignments if a.span.start < second.window.start]
    assert [(a.shift, a.date) for a in edge] == [("night", following - timedelta(days=1))]
    report = store.publish(second, now=T1 + timedelta(hours=1))
    assert report.edge_kept == 1
    assert report.version.changed == 0 and report.version.cancelled == 0 and report.version.added > 0
    before = {e.content.uid: e for e in store.events(v1.id)}
    after = {e.content.uid: e for e in store.events(report.version.id)}
    for uid, event in before.items():
        assert after[uid] == event  # same content, SEQUENCE and stamps: calendars see no change at all


def test_a_publish_that_breaks_a_rule_at_the_seam_is_refused_and_force_records_it(checked, tmp_path: Path):
    store_path = tmp_path / "store.sqlite3"
    store = Store(locate(str(store_path)))
    # The first window gives Asha a late shift on its last day; the next, planned without that history, puts her
    # on a night right after it.
    pins = lambda day, shift_id: scenario_pins("asha", day, shift_id)  # noqa: E731
    _, first = _solve_window(checked, DAY_1, None, tmp_path / "a", pins=pins(DAY_1 + timedelta(days=2), "late"))
    store.publish(first, now=T1)
    _, second = _solve_window(checked, DAY_1 + timedelta(days=3), None, tmp_path / "b",
                              pins=pins(DAY_1 + timedelta(days=3), "night"))
    with pytest.raises(SeamError) as refused:
        store.publish(second, now=T1 + timedelta(hours=1))
    breaks = refused.value.breaks
    assert ("asha", "rest") in [(b.engineer, b.rule) for b in breaks]  # (others may break days in a row too)
    assert all(b.engineer for b in breaks) and "nothing was published" in str(refused.value)
    assert len(store.versions()) == 1
    store.close()
    assert main(["publish", str(tmp_path / "b" / "result"), "--store", str(store_path)]) == 2
    assert main(["publish", str(tmp_path / "b" / "result"), "--store", str(store_path), "--force"]) == 0
    latest = Store(locate(str(store_path))).versions()[-1]
    assert f"forced past {len(breaks)} rule break" in latest.source


def scenario_pins(engineer_id: str, day: date, shift_id: str) -> tuple:
    from rota.domain import Pin

    return (Pin(engineer_id, day, shift_id),)


# ---- re-planning from the command line ----------------------------------------------------------------------------


@pytest.fixture
def published_folder(checked, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A scenario folder, its solved result and a store holding that result as version 1."""
    s = scenario([engineer(n) for n in ("asha", "ben", "cai", "dara", "eve")], [DAY, LATE, NIGHT], days=7,
                 rules=replace(RULES, p0_min_seniors=1, max_hours_per_week=48))
    folder = write_scenario(s, tmp_path / "scenario")
    store = tmp_path / "store.sqlite3"
    args = ["--work-limit", "3", "--seed", "1", "--quiet", "--store", str(store)]
    assert main(["solve", str(folder), "--out", str(tmp_path / "v1"), *args]) == 0
    assert main(["publish", str(tmp_path / "v1"), "--store", str(store)]) == 0
    return folder, tmp_path / "v1", store


def _shifts(folder: Path) -> frozenset:
    return frozenset((a.engineer.id, a.date.isoformat(), a.shift) for a in load_result(folder).assignments)


def test_keep_published_keeps_an_unchanged_rota_unchanged(published_folder, tmp_path: Path, capsys):
    folder, v1, store = published_folder
    out = tmp_path / "again"
    assert main(["solve", str(folder), "--out", str(out), "--keep-published", "--work-limit", "3", "--seed", "2",
                 "--quiet", "--store", str(store)]) == 0
    assert _shifts(out) == _shifts(v1)
    assert "0 engineer-days changed" in capsys.readouterr().out
    checker_problems = checker.check_rota(out / "scenario", out)
    assert checker_problems == []


def test_a_one_sick_day_re_plan_changes_only_what_cover_needs(published_folder, tmp_path: Path, capsys):
    folder, v1, store = published_folder
    sick = next(a for a in load_result(v1).assignments if a.date == DAY_1 + timedelta(days=3))
    (folder / "leave.csv").write_text(f"engineer,start,end,reason\n{sick.engineer.id},{sick.date},{sick.date},sick\n")
    out = tmp_path / "replan"
    assert main(["solve", str(folder), "--out", str(out), "--keep-published", "--work-limit", "3", "--seed", "1",
                 "--quiet", "--store", str(store)]) == 0
    changes = diff(_shifts(v1), _shifts(out))
    assert any(c.engineer == sick.engineer.id and c.date == sick.date.isoformat() and not c.after for c in changes)
    assert len(changes) <= 4, changes  # the sick day, its cover and the rest that cover needs
    assert checker.check_rota(out / "scenario", out) == []
    capsys.readouterr()
    assert main(["publish", "--dry-run", str(out), "--store", str(store)]) == 0
    printed = capsys.readouterr().out
    assert "nothing was published" in printed and f"cancelled {sick.date} {sick.shift}" in printed.replace("  ", " ")
    assert len(Store(locate(str(store))).versions()) == 1


def test_next_plans_the_window_after_the_latest_published_one_with_its_history(published_folder, tmp_path: Path):
    folder, v1, store = published_folder
    out = tmp_path / "next"
    assert main(["solve", str(folder), "--out", str(out), "--next", "--work-limit", "3", "--seed", "1", "--quiet",
                 "--store", str(store)]) == 0
    result = load_result(out)
    assert result.scenario.start == DAY_1 + timedelta(days=7) and result.scenario.days == 7
    assert (out / "history.csv").is_file()
    assert checker.check_rota(out / "scenario", out) == []
    assert main(["verify", str(out), "--store", str(store)]) == 0
    assert main(["publish", str(out), "--store", str(store)]) == 0
    events = Store(locate(str(store))).events(2)
    assert sum(1 for e in events if e.status == CONFIRMED) == len(load_result(v1).assignments) + len(result.assignments)


def test_history_from_a_result_folder_and_a_bad_history_file(published_folder, tmp_path: Path, capsys):
    folder, v1, _ = published_folder
    s = replace(load_result(v1).scenario, start=DAY_1 + timedelta(days=7))
    h = history.from_path(v1, s)
    assert len(h.shifts) == len(load_result(v1).assignments)
    bad = tmp_path / "bad.csv"
    bad.write_text("engineer,date,shift,start_utc,end_utc\nasha,2027-02-30,day,2027-02-28T08:00:00Z,nope\n")
    assert main(["solve", str(folder), "--out", str(tmp_path / "x"), "--history", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: line 2, field 'date'" in err and "field 'end_utc'" in err
