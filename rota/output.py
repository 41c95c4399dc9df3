"""Write a solved rota as the result folder of the file contract (docs/CONTRACT.md), each file atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from rota.clock import iso_local, iso_utc
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


def write_result(solution: Solution, folder: Path) -> dict[str, object]:
    tables = result_tables(solution)
    source = Path(solution.plan.scenario.source) if solution.plan.scenario.source else None
    if source and source.is_dir() and source.resolve() != (folder / SCENARIO_COPY).resolve():
        for name in SCENARIO_FILES:
            if (source / name).is_file():
                atomic_write(folder / SCENARIO_COPY / name, (source / name).read_bytes())
    atomic_write(folder / "assignments.csv", csv_text(ASSIGNMENT_COLUMNS, tables["assignments"]))  # type: ignore[arg-type]
    atomic_write(folder / "coverage.csv", csv_text(COVERAGE_COLUMNS, tables["coverage"]))  # type: ignore[arg-type]
    atomic_write(folder / "gaps.csv", csv_text(GAP_COLUMNS, tables["gaps"]))  # type: ignore[arg-type]
    atomic_write(folder / "summary.json", json.dumps(tables["summary"], indent=2, ensure_ascii=False) + "\n")
    return tables
