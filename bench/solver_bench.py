"""Solver benchmark: each synthetic size solved by rota (deterministic default, and `--fast`) and by the plain
single-objective model (`bench.baseline`), each in a fresh process with the same limit, one Markdown row apiece.

    python -m bench.solver_bench [--sizes S M L XL] [--solvers rota fast plain] [--time-limit 60] [--seed 0]

Without --time-limit each size gets its own default (S 10 s, M 120 s, L 60 s, XL 120 s). "wall s" is the solve
and, for rota, writing the result files (to a temporary folder), as `rota solve` does them; only Python's start
and reading the scenario are left out. "first P0=0 s" counts from the same start. Gap minutes are measured on the
rota itself (`rota.report.find_gaps`), "peak" including the peaks' and events' language rules; "fair-share cost"
is the same measure for every solver: each engineer's hours, nights, weekends, holidays and peaks against their
fair share of their centre and level's totals (`rota.fairness`), and "hours spread" is the largest difference in
hours between two engineers of one centre and level. Objective, bound and gap are each solver's own: rota's last
stage (fairness), the plain model's weighted sum. Peak memory is the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_LIMITS = {"S": 10.0, "M": 120.0, "L": 60.0, "XL": 120.0}
SOLVERS = {"rota": "rota", "fast": "rota --fast", "plain": "plain model"}
COLUMNS = ("size", "solver", "limit s", "wall s", "first P0=0 s", "P0 gap min", "event gap min", "peak gap min",
           "fair-share cost", "hours spread h", "objective", "bound", "gap %", "peak MB")


@dataclass(frozen=True)
class Row:
    size: str
    solver: str
    engineers: int
    days: int
    slots: int
    limit: float
    seconds: float
    first_zero_p0: float | None
    p0_gap: int
    event_gap: int
    peak_gap: int
    fair_cost: int
    hours_spread: float
    objective: float
    bound: float
    gap_pct: float | None
    peak_mb: float
    details: str

    def cells(self) -> list[str]:
        first = "never" if self.first_zero_p0 is None else f"{self.first_zero_p0:.1f}"
        gap = "—" if self.gap_pct is None else f"{self.gap_pct:.2f}"
        return [self.size, SOLVERS[self.solver], f"{self.limit:g}", f"{self.seconds:.1f}", first,
                f"{self.p0_gap:,}", f"{self.event_gap:,}", f"{self.peak_gap:,}", f"{self.fair_cost:,}",
                f"{self.hours_spread:g}", f"{self.objective:,.0f}", f"{self.bound:,.0f}", gap, f"{self.peak_mb:,.0f}"]


def run(size: str, solver: str, seed: int, limit: float, workers: int) -> dict[str, object]:
    """Solve one size with one solver (in the child process) and return its row as a dict."""
    from bench.baseline import solve_plain
    from bench.synthetic import make_scenario
    from rota.output import write_result
    from rota.solver import Progress, SolveOptions, relative_gap, solve

    scenario = make_scenario(size, seed)
    first_zero: list[float] = []
    began = time.monotonic()

    def zero() -> None:
        if not first_zero:
            first_zero.append(time.monotonic() - began)

    def on_progress(p: Progress) -> None:
        if p.p0_gap_minutes == 0:
            zero()

    if solver == "plain":
        plain = solve_plain(scenario, limit, workers, seed, zero)
        plan, chosen, objective, bound = plain.plan, plain.chosen, plain.objective, plain.bound
        gap = 100 * relative_gap(objective, bound) if chosen else None
        details = f"{plain.status}, {plain.variables:,} variables"
    else:
        options = SolveOptions(time_limit=limit, seed=seed, workers=workers, deterministic=solver == "rota")
        solution = solve(scenario, options, on_progress=on_progress, started=began)
        with tempfile.TemporaryDirectory() as out:
            write_result(solution, Path(out))
        plan, chosen, objective, bound = solution.plan, solution.chosen, solution.objective, solution.bound
        gap = 100 * solution.gap if solution.stages and solution.stages[-1].tier == "fairness" else None
        details = (f"{solution.status}{'' if solution.reproducible or solver != 'rota' else ' (wall clock)'}; "
                   "stages (objective/bound, s, work): " + "; ".join(
                       f"{st.tier} {st.status} {st.objective:,.0f}/{st.bound:,.0f} {st.seconds:.1f}s {st.work:.2f}w"
                       for st in solution.stages))
    seconds = time.monotonic() - began
    gaps, cost, spread = _measure(plan, chosen)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    details += f"; {len(chosen):,} shifts on {len({s.engineer for s in chosen})} engineers; load {load}"
    return asdict(Row(size, solver, len(scenario.engineers), scenario.days, len(plan.slots), limit, seconds,
                      first_zero[0] if first_zero else None, gaps["p0"], gaps["event"], gaps["peak"], cost, spread,
                      objective, bound, gap, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, details))


def _measure(plan, chosen) -> tuple[dict[str, int], int, float]:  # type: ignore[no-untyped-def]
    """Gap minutes per kind, the fair-share cost and the worst hours spread, all measured on the rota itself."""
    from rota import fairness
    from rota.report import engineer_load, find_gaps
    from rota.report import fairness as spreads

    gaps = dict.fromkeys(("p0", "event", "peak"), 0)
    for gap in find_gaps(plan, chosen):
        gaps["peak" if gap.kind == "language" else gap.kind] += gap.span.minutes
    worked: dict[str, list] = {e: [] for e in plan.engineers}
    for s in chosen:
        worked[s.engineer].append(s)
    cost = 0
    for members in fairness.groups(plan):
        band = fairness.bands(plan, members, chosen)
        for e in members:
            cost += fairness.cost(fairness.loads(worked[e]), {n: band[e, n] for n in fairness.WEIGHTS})
    spread = max((g["hours"] for g in spreads(plan, engineer_load(plan, chosen)).values()), default=0.0)
    return gaps, cost, spread


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
    from bench.synthetic import SIZES

    parser = argparse.ArgumentParser(prog="python -m bench.solver_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--solvers", nargs="+", choices=list(SOLVERS), default=list(SOLVERS))
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve (default: S 10, M 120, L 60, XL 120)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    print(machine())
    print(f"seed {args.seed}, {args.workers} workers\n", flush=True)
    context = multiprocessing.get_context("spawn")
    rows = []
    for size in args.sizes:
        limit = args.time_limit if args.time_limit is not None else DEFAULT_LIMITS[size]
        for solver in args.solvers:
            began = time.monotonic()
            with context.Pool(1) as pool:  # a fresh interpreter per solve: its peak memory is its own
                rows.append(Row(**pool.apply(run, (size, solver, args.seed, limit, args.workers))))
            print(f"  {size} {solver}: {time.monotonic() - began:.1f}s in the child process", file=sys.stderr,
                  flush=True)
    print(table(rows) + "\n")
    for r in rows:
        print(f"- {r.size} {SOLVERS[r.solver]} ({r.engineers} engineers × {r.days} days, {r.slots:,} slots): "
              f"{r.details}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
