"""Which time limit a keep-published re-plan of the demo needs to reach its "changes" stage (keep the published
rota) and finish it. Solves and "publishes" the demo, adds a new engineer and a sick week, then re-plans against the
published rota at each limit and prints a table.

    python -m bench.replan_limit [--limits 5,10,15,20,30]

Wall-clock figures: the stage reached within a limit depends on the machine and its load.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rota.domain import Leave
from rota.report import diff, shifts_of
from rota.scenario import load_scenario
from rota.solver import SolveOptions, solve
from rota.views import analyse

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replan_limit", description=__doc__.splitlines()[0])
    parser.add_argument("--limits", default="5,10,15,20,30")
    parser.add_argument("--first", type=float, default=30.0, help="time limit of the published rota's solve")
    args = parser.parse_args(argv)
    scenario = load_scenario(DEMO)
    first = solve(scenario, SolveOptions(time_limit=args.first))
    published = shifts_of(first.chosen)
    sick = next(s for s in first.chosen if s.date.day >= 8)
    template = next(e for e in scenario.engineers if e.centre == sick_centre(scenario, sick.engineer))
    hire = replace(template, id="new-01", name="New Hire")
    week = Leave(sick.engineer, sick.date, sick.date + timedelta(days=6), "sick")
    case = replace(scenario, engineers=(*scenario.engineers, hire), leave=(*scenario.leave, week))
    print(f"demo + a new engineer + {sick.engineer} sick 7 days; published: {len(published)} shifts "
          f"({args.first:g} s solve)\n")
    print("| limit s | wall s | stages reached | changes stage | shifts changed | P0 gap min | other gaps h |")
    print("|---|---|---|---|---|---|---|")
    for limit in (float(x) for x in args.limits.split(",")):
        began = time.monotonic()
        again = solve(case, SolveOptions(time_limit=limit), baseline=published)
        wall = time.monotonic() - began
        reached = [s.tier for s in again.stages]
        changes = next((s.status.lower() for s in again.stages if s.tier == "changes"), "not reached")
        summary = analyse(again.plan, again.chosen).summary
        print(f"| {limit:g} | {wall:.1f} | {', '.join(reached)} | {changes} | "
              f"{len(diff(published, shifts_of(again.chosen)))} | {summary['p0_gap_minutes']} | "
              f"{summary['cover_gap_minutes'] / 60:.1f} |", flush=True)
    return 0


def sick_centre(scenario, engineer: str) -> str:
    return next(e.centre for e in scenario.engineers if e.id == engineer)


if __name__ == "__main__":
    sys.exit(main())
