"""Solver benchmark: each synthetic size solved in a fresh process, one Markdown row per size.

    python -m bench.solver_bench [--sizes S M L] [--time-limit 60] [--seed 0] [--workers 2] [--fast]

Without --time-limit each size gets its own default (S 10 s, M 120 s, L 120 s). Peak memory is the child's own
maximum resident set, so sizes do not mask each other. "model s" is the solve's time before CP-SAT starts (Plan and
its slots, the variables, every constraint), measured by timing `rota.constraints.build` in the child process.
Times to the first zero-P0 rota count from the start of `solve`, model building included. The objective, bound and
gap are the last completed stage's, named in brackets; stages that found no rota in their share are listed below.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_LIMITS = {"S": 10.0, "M": 120.0, "L": 120.0}
COLUMNS = ("size", "engineers", "days", "slots", "limit s", "solve s", "model s", "status", "first P0=0 s",
           "final P0 gap min", "objective (stage)", "bound", "gap %", "peak MB")


@dataclass(frozen=True)
class Row:
    size: str
    engineers: int
    days: int
    slots: int
    limit: float
    seconds: float
    model_seconds: float
    status: str
    first_zero_p0: float | None
    p0_gap_minutes: int
    objective: float
    final_stage: str
    bound: float
    gap_pct: float
    peak_mb: float
    details: str

    def cells(self) -> list[str]:
        first = "never" if self.first_zero_p0 is None else f"{self.first_zero_p0:.1f}"
        return [self.size, str(self.engineers), str(self.days), f"{self.slots:,}", f"{self.limit:g}",
                f"{self.seconds:.1f}", f"{self.model_seconds:.1f}", self.status, first, str(self.p0_gap_minutes),
                f"{self.objective:,.0f} ({self.final_stage})", f"{self.bound:,.0f}", f"{self.gap_pct:.2f}",
                f"{self.peak_mb:,.0f}"]


def run_size(size: str, seed: int, limit: float, workers: int, deterministic: bool) -> dict[str, object]:
    """Solve one size (in the child process) and return its row as a dict."""
    from bench.synthetic import make_scenario
    from rota import constraints
    from rota.model import RotaModel
    from rota.report import find_gaps
    from rota.slots import unreachable_by_seniors
    from rota.solver import Progress, SolveOptions, solve

    scenario = make_scenario(size, seed)
    first_zero: list[float] = []
    marks: dict[str, float] = {}
    built: list[RotaModel] = []
    build = constraints.build

    def timed_build(m: RotaModel, *args: Any, **kwargs: Any) -> RotaModel:  # solve(): build(RotaModel(Plan(...)))
        marks["variables"] = time.monotonic()
        built.append(build(m, *args, **kwargs))
        marks["built"] = time.monotonic()
        return built[0]

    def on_progress(p: Progress) -> None:
        if p.p0_gap_minutes == 0 and not first_zero:
            first_zero.append(p.seconds)

    options = SolveOptions(time_limit=limit, seed=seed, workers=workers, deterministic=deterministic)
    constraints.build = timed_build  # this child process only; the solver itself is untouched
    began = time.monotonic()
    try:
        solution = solve(scenario, options, on_progress=on_progress)
    finally:
        constraints.build = build
    gap_minutes = dict.fromkeys(("p0", "event", "peak", "language"), 0)
    for gap in find_gaps(solution.plan, solution.chosen):
        gap_minutes[gap.kind] += gap.span.minutes
    proto = built[0].model.proto
    done = {st.tier for st in solution.stages}
    missing = [t for t in built[0].tiers_used() if t not in done]
    plan_s, constraints_s = marks["variables"] - began, marks["built"] - marks["variables"]
    details = (
        f"model: Plan+slots+variables {plan_s:.1f}s, constraints {constraints_s:.1f}s; "
        f"{len(proto.variables):,} variables, {len(proto.constraints):,} constraints\n"
        f"  stages (objective/bound, wall s, work): "
        + "; ".join(f"{st.tier} {st.status} {st.objective:,.0f}/{st.bound:,.0f} {st.seconds:.1f}s {st.work:.2f}w"
                    for st in solution.stages)
        + (f"; no rota in time: {', '.join(missing)}" if missing else "")
        + f"\n  P0 pre-check: {len(unreachable_by_seniors(solution.plan))} intervals out of every senior's reach"
        + "\n  final rota gap minutes: " + ", ".join(f"{k} {v}" for k, v in gap_minutes.items())
    )
    status = solution.status + ("" if solution.reproducible or not deterministic else " (wall)")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    details += f"\n  load average at the end (1/5/15 min): {load} on {len(os.sched_getaffinity(0))} CPUs"
    row = Row(size, len(scenario.engineers), scenario.days, len(solution.plan.slots), limit, solution.seconds,
              marks["built"] - began, status, first_zero[0] if first_zero else None, gap_minutes["p0"],
              solution.objective, solution.stages[-1].tier if solution.stages else "-", solution.bound,
              100 * solution.gap, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, details)
    return asdict(row)


def machine() -> str:
    from ortools import __version__ as ortools_version

    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown")
    kb = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return (f"Machine: nproc {len(os.sched_getaffinity(0))} (of {os.cpu_count()} CPUs), {cpu}, "
            f"{kb / 1024 ** 2:.1f} GiB RAM; Python {platform.python_version()}; ortools {ortools_version}; "
            f"load average {os.getloadavg()[0]:.1f}")


def _lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError:
        return []


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(r.cells()) + " |" for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.solver_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(DEFAULT_LIMITS), default=list(DEFAULT_LIMITS))
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per size (default: S 10, M/L 120)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fast", action="store_true", help="non-deterministic search (SolveOptions.deterministic)")
    args = parser.parse_args(argv)

    print(machine())
    print(f"seed {args.seed}, {args.workers} workers, {'fast' if args.fast else 'deterministic'}\n", flush=True)
    context = multiprocessing.get_context("spawn")
    rows = []
    for size in args.sizes:
        limit = args.time_limit if args.time_limit is not None else DEFAULT_LIMITS[size]
        began = time.monotonic()
        with context.Pool(1) as pool:  # a fresh interpreter per size: its peak memory is its own
            rows.append(Row(**pool.apply(run_size, (size, args.seed, limit, args.workers, not args.fast))))
        print(f"  {size} done in {time.monotonic() - began:.1f}s wall (process start, scenario, solve, gap report)",
              file=sys.stderr, flush=True)
    print(table(rows) + "\n")
    for r in rows:
        print(f"- {r.size} {r.details}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
