"""Compare a scenario with its variants: each solved in its own process with the same limits, one table of numbers."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rota import child
from rota.child import Cancelled
from rota.domain import Scenario
from rota.output import atomic_write, write_result
from rota.pins import InfeasiblePins, check_pins
from rota.report import Shifts, baseline_of, diff
from rota.scenario import Problem, ScenarioError, load_scenario
from rota.slots import Plan
from rota.solver import SolveOptions, solve
from rota.variant import variant_scenario

COLUMNS = ("variant", "engineers", "p0_cover_pct", "p0_gap_hours", "peak_cover_pct", "event_cover_pct",
           "language_cover_pct", "holiday_shifts", "night_hours", "hours_min", "hours_mean", "hours_max",
           "fairness_spread_hours", "shifts", "shifts_changed_vs_base", "status")


@dataclass(frozen=True)
class Job:
    label: str
    scenario_dir: str
    out_dir: str
    options: SolveOptions


def _run(_channel: child.Channel, job: Job) -> str | list[str]:
    """Solve one scenario folder and write its result folder (runs in a child process): its label, or the pins
    that cannot all hold."""
    scenario = load_scenario(job.scenario_dir)
    try:
        solution = solve(scenario, job.options)
    except InfeasiblePins as error:
        return list(error.details)
    write_result(solution, Path(job.out_dir))
    return job.label


def run_whatif(scenario_dir: Path, variant_paths: list[Path], out: Path, options: SolveOptions,
               processes: int | None = None, *, on_done: Callable[[str], None] | None = None,
               cancel: threading.Event | None = None, memory_mb: int | None = None) -> list[dict[str, object]]:
    """Solve the base and every variant in parallel processes; write `out/<label>/` and `out/comparison.*`.

    `on_done(label)` is called as each solve ends (in the order they end). Setting `cancel` (from another thread)
    terminates the solve processes within a fraction of a second and raises Cancelled. A solve process that dies
    (killed, crashed, out of its `memory_mb`) ends the comparison with rota.child.ChildFailed naming the variant."""
    load_scenario(scenario_dir)  # fail early, with the usual errors, on a bad base
    jobs = [Job("base", str(scenario_dir), str(out / "base"), options)]
    with tempfile.TemporaryDirectory(prefix="rota-whatif-") as tmp:
        # Every variant is applied and every pin checked before anything is written: all problems at once.
        problems: list[Problem] = []
        for path in variant_paths:
            label = _label(path, {j.label for j in jobs})
            try:
                with variant_scenario(scenario_dir, path) as (_, folder):
                    shutil.copytree(folder, Path(tmp) / label)
            except ScenarioError as error:
                problems += error.problems
            jobs.append(Job(label, str(out / "scenarios" / label), str(out / label), options))
        if problems:
            raise ScenarioError(problems)
        conflicting: list[str] = []
        for job in jobs:
            try:
                check_pins(load_scenario(scenario_dir if job.label == "base" else Path(tmp) / job.label))
            except InfeasiblePins as error:
                conflicting += [f"{job.label}: {detail}" for detail in error.details]
        if conflicting:
            raise InfeasiblePins(conflicting)
        for job in jobs[1:]:
            shutil.rmtree(job.scenario_dir, ignore_errors=True)
            shutil.copytree(Path(tmp) / job.label, job.scenario_dir)
    processes = processes or min(len(jobs), os.cpu_count() or 1)
    # each process gets its share of the cores: the machine is not oversubscribed and runs stay reproducible
    per_job = max(1, (os.cpu_count() or 1) // processes)
    jobs = [Job(j.label, j.scenario_dir, j.out_dir, SolveOptions(**{**j.options.__dict__, "workers": per_job}))
            for j in jobs]
    # One child process per solve (rota.child): a dead one is told apart from the rest, and leaving early (an error,
    # a cancel, Ctrl-C) terminates every child still running.
    stop_all = threading.Event()

    def one(job: Job) -> str | list[str]:
        try:
            return child.run(_run, job, cancel=stop_all, memory_mb=memory_mb)
        except child.ChildFailed as error:
            raise child.ChildFailed(f"of {job.label!r} {error}") from None

    with ThreadPoolExecutor(processes, thread_name_prefix="rota-whatif") as pool:
        pending = {pool.submit(one, job) for job in jobs}
        try:
            while pending:
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    if isinstance(outcome, list):
                        raise InfeasiblePins(outcome)
                    if on_done is not None:
                        on_done(outcome)
        finally:
            stop_all.set()
    rows = compare([Path(j.out_dir) for j in jobs], [j.label for j in jobs])
    atomic_write(out / "comparison.csv", _csv(rows))
    atomic_write(out / "comparison.md", markdown_table(rows))
    return rows


def _label(path: Path, taken: set[str]) -> str:
    label, n = path.stem, 1
    while label in taken:
        n += 1
        label = f"{path.stem}-{n}"
    return label


def compare(result_dirs: list[Path], labels: list[str]) -> list[dict[str, object]]:
    """One row of numbers per result folder; the first is the base the others are diffed against."""
    rows = []
    base_shifts: Shifts | None = None
    for label, folder in zip(labels, result_dirs, strict=True):
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assignments = list(csv.DictReader((folder / "assignments.csv").open(encoding="utf-8")))
        gaps = list(csv.DictReader((folder / "gaps.csv").open(encoding="utf-8")))
        shifts = baseline_of(assignments)
        if base_shifts is None:
            base_shifts = shifts
        people = summary["engineers"]
        hours = [p["hours"] for p in people.values()] or [0.0]
        scenario = load_scenario(folder / "scenario")
        rows.append({
            "variant": label,
            "engineers": len(people),
            "p0_cover_pct": summary["p0_coverage_pct"],
            "p0_gap_hours": round(summary["gap_minutes"]["p0"] / 60, 2),
            "peak_cover_pct": summary["peak_coverage_pct"],
            "event_cover_pct": _cover_pct(scenario, gaps, "event"),
            "language_cover_pct": _cover_pct(scenario, gaps, "language"),
            "holiday_shifts": sum(p["holiday_shifts"] for p in people.values()),
            "night_hours": round(sum(p["night_hours"] for p in people.values()), 2),
            "hours_min": round(min(hours), 2),
            "hours_mean": round(sum(hours) / len(hours), 2),
            "hours_max": round(max(hours), 2),
            "fairness_spread_hours": max((g["hours"] for g in summary["fairness"].values()), default=0.0),
            "shifts": len(assignments),
            "shifts_changed_vs_base": len(diff(base_shifts, frozenset(shifts))),
            "status": summary["status"],
        })
    return rows


def _cover_pct(scenario: Scenario, gaps: list[dict[str, str]], kind: str) -> float:
    total = sum(r.span.minutes for r in Plan(scenario).requirements if r.kind == kind)
    short = sum(_minutes(g) for g in gaps if g["kind"] == kind)
    return round(100.0 * (total - short) / total, 3) if total else 100.0


def _minutes(gap: dict[str, str]) -> int:
    start = datetime.fromisoformat(gap["start_utc"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(gap["end_utc"].replace("Z", "+00:00"))
    return int((end - start).total_seconds() // 60)


def _csv(rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def markdown_table(rows: list[dict[str, object]]) -> str:
    """Variants as columns, measures as rows: easy to read side by side in a terminal or a README."""
    labels = [str(r["variant"]) for r in rows]
    lines = ["| measure | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for column in COLUMNS[1:]:
        lines.append(f"| {column} | " + " | ".join(str(r[column]) for r in rows) + " |")
    return "\n".join(lines) + "\n"

