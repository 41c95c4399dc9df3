"""The published rota around a plan's window, as fixed facts: where it comes from and how it is written down.

A new window is planned on top of what engineers already live: the shifts published before it (and any published
after it, when an earlier window is re-planned). Those outside the window are facts the rules must respect at the
seams; those in the look-back before it count towards each engineer's fair share. A result folder records the
history it was solved with (`history.csv`), so the independent checker can check the seams from the files alone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rota.clock import iso_utc, window
from rota.domain import History, PublishedShift, Scenario
from rota.ical import CONFIRMED
from rota.result import ASSIGNMENT_COLUMNS, load_result, parse_utc
from rota.scenario import Problem, ScenarioError, date_problem, read_csv

if TYPE_CHECKING:
    from rota.store import Store

HISTORY_FILE = "history.csv"
HISTORY_COLUMNS = ("engineer", "date", "shift", "start_utc", "end_utc")
DEFAULT_LOOKBACK_DAYS = 183  # six months of fairness carried into the next window
SEAM_DAYS = 14  # published shifts this close after the window still bear on its rules (a week's cap, a run of days)


def around(shifts: list[PublishedShift], scenario: Scenario, lookback_days: int) -> tuple[PublishedShift, ...]:
    """The shifts of `scenario`'s engineers outside its window that matter to it: those starting in the look-back
    before it, and those starting soon after it."""
    span = window(scenario.start, scenario.days)
    engineers = {e.id for e in scenario.engineers}
    earliest = span.start - timedelta(days=lookback_days)
    latest = span.end + timedelta(days=SEAM_DAYS)
    kept = [s for s in shifts if s.engineer in engineers
            and (earliest <= s.start < span.start or span.end <= s.start < latest)]
    return tuple(sorted(kept, key=lambda s: (s.start, s.engineer)))


def from_store(store: Store, scenario: Scenario, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> History | None:
    """The latest published version around `scenario`'s window; None when nothing published lies outside it."""
    infos = store.versions()
    if not infos:
        return None
    latest = infos[-1]
    published = [PublishedShift(e.content.engineer, date.fromisoformat(e.content.date), e.content.shift,
                                e.content.start, e.content.end)
                 for e in store.events(latest.id) if e.status == CONFIRMED]
    shifts = around(published, scenario, lookback_days)
    if not shifts:
        return None
    return History(shifts, f"published version {latest.id}", lookback_days)


def from_path(path: Path, scenario: Scenario, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> History:
    """History from a result folder of `rota solve` or a CSV with at least the
    columns engineer, date, shift, start_utc, end_utc (assignments.csv has them). ScenarioError names each bad row."""
    if path.is_dir():
        result = load_result(path)
        shifts = [PublishedShift(a.engineer.id, a.date, a.shift, a.span.start, a.span.end)
                  for a in result.assignments]
        return History(around(shifts, scenario, lookback_days), f"result {path}", lookback_days)
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", "", "does not exist; expected a result folder of rota solve or "
                                                        f"a CSV with the columns {', '.join(HISTORY_COLUMNS)}")])
    problems: list[Problem] = []
    shifts = read_shifts(path, problems)
    if problems:
        raise ScenarioError(problems)
    return History(around(shifts, scenario, lookback_days), f"file {path}", lookback_days)


def read_shifts(path: Path, problems: list[Problem]) -> list[PublishedShift]:
    """The shifts of a history CSV (or an assignments.csv); each bad value is one Problem."""
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig", errors="replace"))), [])
    columns = ASSIGNMENT_COLUMNS if set(ASSIGNMENT_COLUMNS) <= {h.strip() for h in header} else HISTORY_COLUMNS
    out = []
    for row in read_csv(path, columns, problems):
        v, where = row.values, f"line {row.line}"
        before = len(problems)
        if date_problem(v["date"]):
            problems.append(Problem(path.name, where, "date", date_problem(v["date"])))
        instants = {}
        for field in ("start_utc", "end_utc"):
            instants[field] = parse_utc(v[field])
            if instants[field] is None:
                problems.append(Problem(path.name, where, field,
                                        f"expected a UTC instant like 2027-03-01T07:00:00Z, got {v[field]!r}"))
        if not v["engineer"] or not v["shift"]:
            problems.append(Problem(path.name, where, "engineer" if not v["engineer"] else "shift", "is empty"))
        if len(problems) == before:
            out.append(PublishedShift(v["engineer"], date.fromisoformat(v["date"]), v["shift"],
                                      instants["start_utc"], instants["end_utc"]))  # type: ignore[arg-type]
    return out


def published_baseline(store: Store, scenario: Scenario) -> tuple[int, frozenset[tuple[str, str, str]]] | None:
    """The latest published version and its shifts in this scenario's window, as a solver baseline; None before the
    first publish. Cancelled events, other engineers and shifts outside the window are left out."""
    infos = store.versions()
    if not infos:
        return None
    latest = infos[-1].id
    span = window(scenario.start, scenario.days)
    engineers = {e.id for e in scenario.engineers}
    shifts = frozenset((e.content.engineer, e.content.date, e.content.shift) for e in store.events(latest)
                       if e.status == CONFIRMED and e.content.engineer in engineers
                       and e.content.start < span.end and e.content.end > span.start)
    return latest, shifts


def csv_text(history: History) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for s in history.shifts:
        writer.writerow((s.engineer, s.date.isoformat(), s.shift, iso_utc(s.start), iso_utc(s.end)))
    return buffer.getvalue()


def with_history(scenario: Scenario, history: History | None) -> Scenario:
    return replace(scenario, history=history)
