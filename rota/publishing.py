"""A rota solved in the web UI, out to calendars: its .ics files in memory, publishing it to the store, the feed links,
the version history, and the published rota as the baseline of a re-plan. Plain functions, no streamlit.

A solve in the UI has no result folder on disk, but `rota ical` and `rota publish` start from one (rota.result checks
it row by row). So the same path is taken here: the rota's assignments.csv and its scenario files are written to a
temporary folder and loaded back with `load_result`, and from there it is exactly the command line's code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from rota.history import published_baseline  # noqa: F401  (the pages ask it here)
from rota.ical import calendars
from rota.output import assignment_rows, atomic_write, csv_text
from rota.report import Shifts, diff
from rota.result import ASSIGNMENT_COLUMNS, ASSIGNMENTS, SCENARIO_COPY, Result, load_result
from rota.scenario_io import zip_bytes
from rota.solver import Solution
from rota.store import PublishReport, Store
from rota.tokens import feed_url

UI_SOURCE = "web UI"
VERSION_COLUMNS = ["version", "published", "scenario", "window", "shifts", "new", "changed", "unchanged",
                   "cancelled", "source", "shown"]
LINK_COLUMNS = ["kind", "id", "name", "https", "webcal"]
DIFF_COLUMNS = ["engineer", "date", "before", "after"]
PREVIEW_COLUMNS = ["engineer", "added", "moved", "cancelled"]


# ---- feed links (base URL: rota.tokens.public_base_url, as `rota feeds list`) ---------------------------------


def links_frame(store: Store, base: str) -> pd.DataFrame:
    """Every feed's links, engineers first, then centres and the team (as `rota feeds list` prints them)."""
    rows = []
    for record in store.feeds():
        https, webcal = feed_url(base, store.token(record))
        rows.append({"kind": record.kind, "id": record.ident, "name": record.name, "https": https, "webcal": webcal})
    return pd.DataFrame(rows, columns=LINK_COLUMNS)


# ---- the solved rota as a result folder, its calendars ---------------------------------------------------------------


def write_result_folder(solution: Solution, files: Mapping[str, bytes], folder: Path) -> Path:
    """What `rota ical` and `rota publish` need of a result folder: assignments.csv and the scenario's files."""
    atomic_write(folder / ASSIGNMENTS, csv_text(ASSIGNMENT_COLUMNS, assignment_rows(solution)))
    for name, data in files.items():
        atomic_write(folder / SCENARIO_COPY / name, data)
    return folder


@contextmanager
def result_of(solution: Solution, files: Mapping[str, bytes]) -> Iterator[Result]:
    """The solved rota loaded back as a result folder (checked row by row, like the command line's)."""
    with tempfile.TemporaryDirectory(prefix="rota-result-") as tmp:
        yield load_result(write_result_folder(solution, files, Path(tmp) / "result"))


def calendar_files(solution: Solution, files: Mapping[str, bytes], stamp: datetime) -> dict[str, bytes]:
    """Every .ics of the rota by file name: `<engineer>.ics`, `centre-<id>.ics` and `team.ics` (as `rota ical`)."""
    with result_of(solution, files) as result:
        return calendars(result, stamp)


def calendars_zip(calendars_by_name: Mapping[str, bytes], folder: str = "calendars") -> bytes:
    return zip_bytes((f"{folder}/{name}", data) for name, data in sorted(calendars_by_name.items()))


# ---- publishing and versions -----------------------------------------------------------------------------------------


def publish(store: Store, solution: Solution, files: Mapping[str, bytes], now: datetime | None = None,
            actor: str = "", force: bool = False) -> PublishReport:
    """Store the solved rota as the next published version (compared with the last one, as `rota publish`)."""
    with result_of(solution, files) as result:
        return store.publish(result, now, source=UI_SOURCE, force=force, actor=actor)


def versions_frame(store: Store) -> pd.DataFrame:
    """The published versions, newest first; `shown` marks the one the feeds serve (the latest)."""
    infos = store.versions()
    rows = [{"version": v.id, "published": f"{v.published:%Y-%m-%d %H:%M:%S} UTC", "scenario": v.scenario,
             "window": f"{v.window_start[:10]} → {v.window_end[:10]}", "shifts": v.shifts, "new": v.added,
             "changed": v.changed, "unchanged": v.unchanged, "cancelled": v.cancelled,
             "source": f"rollback to version {v.rollback_of}" if v.rollback_of else v.source,
             "shown": v is infos[-1]} for v in reversed(infos)]
    return pd.DataFrame(rows, columns=VERSION_COLUMNS)


def diff_frame(before: Shifts, after: Shifts) -> pd.DataFrame:
    """The shifts a re-plan changed: engineer, local date, the shift before and after ("" for none)."""
    rows = [{"engineer": c.engineer, "date": c.date, "before": c.before, "after": c.after}
            for c in diff(before, after)]
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


# ---- what a publish would change, per engineer ---------------------------------------------------------------------


@dataclass
class EngineerChanges:
    """One engineer's calendar after a publish: shifts new to it, moved to another shift that day, cancelled."""

    engineer: str
    added: list[str] = field(default_factory=list)  # "2027-03-04 sin-day"
    moved: list[str] = field(default_factory=list)  # "2027-03-05 sin-day → sin-night"
    cancelled: list[str] = field(default_factory=list)


def preview(before: Shifts, after: Shifts) -> list[EngineerChanges]:
    """What publishing `after` over the published `before` changes, per engineer (as report.diff counts changes)."""
    out: dict[str, EngineerChanges] = {}
    for change in diff(before, after):
        person = out.setdefault(change.engineer, EngineerChanges(change.engineer))
        if not change.before:
            person.added.append(f"{change.date} {change.after}")
        elif not change.after:
            person.cancelled.append(f"{change.date} {change.before}")
        else:
            person.moved.append(f"{change.date} {change.before} → {change.after}")
    return [out[e] for e in sorted(out)]


def preview_frame(changes: list[EngineerChanges]) -> pd.DataFrame:
    rows = [{"engineer": c.engineer, "added": "; ".join(c.added), "moved": "; ".join(c.moved),
             "cancelled": "; ".join(c.cancelled)} for c in changes]
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)
