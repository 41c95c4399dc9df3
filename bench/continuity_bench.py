"""Fair over months: a quarter planned as three 4-week windows, each on top of the last (published, with its history),
against the same quarter as one 12-week window and as three windows planned independently. Prints, per plan, the
spread (max − min within each centre and level) of night, weekend and holiday shifts over the quarter, and the rule
breaks at the seams.

    python -m bench.continuity_bench [--work 12] [--windows 3] [--days 28]

Budgets are CP-SAT work units (deterministic: the same figures on any machine, whatever else it runs); the one long
window gets the sum of the short ones'.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rota import fairness, history, seam
from rota.domain import Scenario
from rota.ical import shifts_from_result
from rota.output import SCENARIO_FILES, write_result
from rota.result import load_result
from rota.scenario import load_scenario
from rota.slots import Slot
from rota.solver import SolveOptions, solve
from rota.store import Store, locate
from rota.windows import with_window

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
METRICS = {"nights": "night_shifts", "weekends": "weekend_shifts", "holidays": "holiday_shifts"}


def options(work: float) -> SolveOptions:
    return SolveOptions(time_limit=3600, work_limit=work, seed=0, workers=2)


def files(window: Scenario) -> dict[str, bytes]:
    """The demo's files as the scenario of `window` (its scenario.toml moved to that window)."""
    out = {name: (DEMO / name).read_bytes() for name in SCENARIO_FILES if (DEMO / name).is_file()}
    out["scenario.toml"] = with_window(out["scenario.toml"], window.start, window.days)
    return out


def spreads(scenario: Scenario, chosen: list[Slot]) -> dict[str, tuple[int, int]]:
    """Per metric: the sum over centre/level groups of (max − min), and the largest group spread."""
    by_engineer: dict[str, list[Slot]] = defaultdict(list)
    for s in {(s.engineer, s.date): s for s in chosen}.values():  # a seam night held by two windows counts once
        by_engineer[s.engineer].append(s)
    groups: dict[str, list[str]] = defaultdict(list)
    for e in scenario.engineers:
        groups[f"{e.centre}/{e.level}"].append(e.id)
    out = {}
    for label, name in METRICS.items():
        per_group = []
        for members in groups.values():
            counts = [sum(fairness.metric(s, name) for s in by_engineer[m]) for m in members]
            per_group.append(max(counts) - min(counts))
        out[label] = (sum(per_group), max(per_group))
    return out


def seam_breaks(scenario: Scenario, results: list[Path]) -> int:
    """Hard-rule breaks between consecutive windows' rotas (their shifts joined)."""
    found = 0
    for before, after in itertools.pairwise(results):
        earlier, later = load_result(before), load_result(after)
        start = later.window.start
        kept = [c for c in shifts_from_result(earlier) if c.start < start]
        new = [c for c in shifts_from_result(later) if c.start >= start]
        found += len(seam.breaks(later.scenario, new, kept))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.continuity_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=float, default=12.0, help="work units per 4-week window (default 12)")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args(argv)
    demo = load_scenario(DEMO)
    windows = [replace(demo, start=demo.start + timedelta(days=args.days * k), days=args.days)
               for k in range(args.windows)]
    rows: dict[str, tuple[dict[str, tuple[int, int]], int]] = {}
    with tempfile.TemporaryDirectory(prefix="rota-continuity-") as tmp:
        folder = Path(tmp)
        store = Store(locate(str(folder / "store.sqlite3")))
        chained, chained_dirs = [], []
        for k, window in enumerate(windows):
            past = history.from_store(store, window)
            solution = solve(replace(window, history=past), options(args.work))
            out = folder / f"chained-{k}"
            write_result(solution, out, files=files(window))
            chained_dirs.append(out)
            store.publish(load_result(out), source=f"window {k + 1}")
            chained += solution.chosen
        rows["three windows, each on the last"] = (spreads(demo, chained), seam_breaks(demo, chained_dirs))
        whole = solve(replace(demo, days=args.days * args.windows), options(args.work * args.windows))
        rows["one 12-week window"] = (spreads(demo, whole.chosen), 0)
        alone, alone_dirs = [], []
        for k, window in enumerate(windows):
            solution = solve(window, options(args.work))
            out = folder / f"alone-{k}"
            write_result(solution, out, files=files(window))
            alone_dirs.append(out)
            alone += solution.chosen
        rows["three independent windows"] = (spreads(demo, alone), seam_breaks(demo, alone_dirs))
    print(f"demo ({len(demo.engineers)} engineers), {args.windows} × {args.days} days from {demo.start}, "
          f"{args.work:g} work units per window, seed 0, 2 workers\n")
    print("| plan | " + " | ".join(f"{m} spread (sum / worst group)" for m in METRICS) + " | seam breaks |")
    print("|---|" + "---|" * (len(METRICS) + 1))
    for name, (figures, broken) in rows.items():
        print(f"| {name} | " + " | ".join(f"{figures[m][0]} / {figures[m][1]}" for m in METRICS) + f" | {broken} |")
    one = rows["one 12-week window"][0]
    chained_figures = rows["three windows, each on the last"][0]
    print("\nchained ÷ one window (sum of spreads): "
          + ", ".join(f"{m} {chained_figures[m][0] / max(1, one[m][0]):.2f}" for m in METRICS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
