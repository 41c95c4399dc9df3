"""Write a solved rota as the result folder of the file contract (docs/CONTRACT.md), each file atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from rota.clock import iso_local, iso_utc
from rota.history import HISTORY_FILE
from rota.history import csv_text as history_csv
from rota.report import cover_percentages, engineer_load, fairness, find_gaps, hourly_coverage
from rota.solver import Solution

ASSIGNMENT_COLUMNS = ("engineer", "name", "centre", "level", "date", "shift", "start_utc", "end_utc", "start_local",
                      "end_local", "timezone", "hours")
COVERAGE_COLUMNS = ("hour_utc", "engineers", "seniors", "p0_required", "peak_engineers_required",
                    "peak_seniors_required", "event_engineers_required", "event_seniors_required",
                    "languages_required", "languages_present")
GAP_COLUMNS = ("kind", "rule", "start_utc", "end_utc", "required", "staffed", "shortfall", "reason")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_text(columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def assignment_rows(solution: Solution) -> list[dict[str, object]]:
    """assignments.csv as rows: one per worked shift, in UTC and local time."""
    plan = solution.plan
    rows: list[dict[str, object]] = []
    for slot in solution.chosen:
        engineer = plan.engineers[slot.engineer]
        tz = plan.scenario.zone_of(engineer)
        rows.append({
            "engineer": engineer.id, "name": engineer.name, "centre": engineer.centre, "level": engineer.level,
            "date": slot.date.isoformat(), "shift": slot.shift,
            "start_utc": iso_utc(slot.span.start), "end_utc": iso_utc(slot.span.end),
            "start_local": iso_local(slot.span.start, tz), "end_local": iso_local(slot.span.end, tz),
            "timezone": tz, "hours": f"{slot.minutes / 60:.2f}",
        })
    return rows


def result_tables(solution: Solution) -> dict[str, object]:
    """Everything the result folder holds, as plain rows and a summary dict (also what the UI renders)."""
    plan = solution.plan
    scenario = plan.scenario
    assignments = assignment_rows(solution)
    gaps = find_gaps(plan, solution.chosen)
    gap_rows = [{"kind": g.kind, "rule": g.rule, "start_utc": iso_utc(g.span.start), "end_utc": iso_utc(g.span.end),
                 "required": g.required, "staffed": g.staffed, "shortfall": g.shortfall, "reason": g.reason}
                for g in gaps]
    load = engineer_load(plan, solution.chosen)
    summary = {
        "scenario": scenario.name,
        "status": solution.status,
        "stopped": solution.stopped,
        "reproducible": solution.reproducible,
        "objective": solution.objective,
        "best_bound": solution.bound,
        "relative_gap": round(solution.gap, 6),
        "seconds": round(solution.seconds, 3),
        "window": {"start_utc": iso_utc(plan.window.start), "end_utc": iso_utc(plan.window.end),
                   "minutes": plan.window.minutes},
        **cover_percentages(plan, gaps),
        "gap_minutes": {kind: sum(g.span.minutes for g in gaps if g.kind == kind)
                        for kind in ("p0", "event", "peak", "language")},
        "engineers": load,
        "fairness": fairness(plan, load),
        "stages": [{"tier": s.tier, "status": s.status, "objective": s.objective, "best_bound": s.bound,
                    "relative_gap": round(s.gap, 6), "seconds": round(s.seconds, 3)} for s in solution.stages],
        "penalties": solution.penalties,
    }
    return {"assignments": assignments, "coverage": hourly_coverage(plan, solution.chosen), "gaps": gap_rows,
            "summary": summary}


SCENARIO_COPY = "scenario"  # the input files, copied so a result folder stands alone (ical, publish, verify)
SCENARIO_FILES = ("scenario.toml", "engineers.csv", "leave.csv", "pins.csv")
RESULT_FILES = ("assignments.csv", "coverage.csv", "gaps.csv", "summary.json", HISTORY_FILE)


class OutputError(Exception):
    """A result folder that cannot be written; each problem is one line for the user."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def target_problems(folder: Path, option: str = "--out") -> list[str]:
    """Why files cannot be written into `folder` (created if need be), found before any work ([] if they can)."""
    if folder.exists() and not folder.is_dir():
        return [f"{option} {folder}: is a file, not a folder; give a folder to write into (a new one is created)"]
    parent = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        return [f"{option} {folder}: {parent} is a file, not a folder"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"{option} {folder}: cannot write in {parent} (permission denied)"]
    return []


def out_problems(folder: Path, option: str = "--out") -> list[str]:
    """Why `folder` cannot take a result: `target_problems`, or a folder of other things that writing would bury.

    A new or empty folder, or an earlier result folder (replaced whole; files of your own in it are kept), is fine."""
    problems = target_problems(folder, option)
    if not problems and folder.is_dir() and any(folder.iterdir()) and not is_result_folder(folder):
        problems.append(f"{option} {folder}: already holds files and is not a result folder of rota (no "
                        "summary.json or assignments.csv); give a new or empty folder, so nothing of yours is "
                        "overwritten")
    return problems


def is_result_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("summary.json", "assignments.csv"))


def scenario_files(solution: Solution) -> dict[str, bytes]:
    """The solved scenario's files, from its folder (empty when it was built in code or its folder is gone)."""
    source = Path(solution.plan.scenario.source) if solution.plan.scenario.source else None
    if source is None or not source.is_dir():
        return {}
    return {name: (source / name).read_bytes() for name in SCENARIO_FILES if (source / name).is_file()}


def write_result(solution: Solution, folder: Path, files: Mapping[str, bytes] | None = None) -> dict[str, object]:
    """Write the result folder whole: into a new folder beside it, then swapped in, so a reader or a crash never
    sees it half-written, and no file of an earlier solve (a stale scenario/pins.csv) survives in it.

    `files` are the scenario's files to copy into scenario/ (default: read from the scenario's folder); they must be
    the scenario solved, else OutputError. Entries of an earlier result folder that rota does not write are kept."""
    from rota.scenario import ScenarioError, load_scenario

    problems = out_problems(folder)
    if problems:
        raise OutputError(problems)
    folder = folder.resolve() if folder.is_symlink() else folder  # a link stays a link: its folder is replaced
    tables = result_tables(solution)
    files = scenario_files(solution) if files is None else files
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".new"))
    # mkdtemp makes it private (0700); the result gets the old folder's mode, else what mkdir would have given
    staging.chmod(folder.stat().st_mode & 0o7777 if folder.is_dir() else 0o777 & ~_umask())
    try:
        for name, data in files.items():
            _write(staging / SCENARIO_COPY / name, data)
        if files:
            try:
                copy = load_scenario(staging / SCENARIO_COPY)
            except ScenarioError:
                copy = None
            if copy is None or replace(copy, source="") != replace(solution.plan.scenario, source="", history=None):
                raise OutputError([f"the scenario files of {solution.plan.scenario.source or 'the solve'} changed "
                                   f"while solving; {folder} was not written: solve again"])
        _write(staging / "assignments.csv", csv_text(ASSIGNMENT_COLUMNS, tables["assignments"]))  # type: ignore[arg-type]
        _write(staging / "coverage.csv", csv_text(COVERAGE_COLUMNS, tables["coverage"]))  # type: ignore[arg-type]
        _write(staging / "gaps.csv", csv_text(GAP_COLUMNS, tables["gaps"]))  # type: ignore[arg-type]
        _write(staging / "summary.json", json.dumps(tables["summary"], indent=2, ensure_ascii=False) + "\n")
        history = solution.plan.scenario.history
        if history is not None:  # the seams it was solved against, for `rota verify` and the independent checker
            _write(staging / HISTORY_FILE, history_csv(history))
        if folder.is_dir():
            _keep_own_files(folder, staging)
        _swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tables


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())


def _keep_own_files(old: Path, new: Path) -> None:
    """Hard-link (else copy) into the new folder what the user kept in the old one: the old folder stays intact
    until the swap, and removing it afterwards removes only links."""
    ours = {SCENARIO_COPY, *RESULT_FILES}
    for entry in old.iterdir():
        if entry.name in ours:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(entry), str(new / entry.name))


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _swap_in(staging: Path, folder: Path) -> None:
    """Put the finished `staging` folder in place of `folder` (two renames; the old one is removed after)."""
    if not folder.exists():
        os.replace(staging, folder)
        return
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".old"))
    os.rmdir(old)
    os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except BaseException:
        os.replace(old, folder)  # put the earlier result back
        raise
    shutil.rmtree(old, ignore_errors=True)
