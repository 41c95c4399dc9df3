"""Re-plan benchmark: how much of a published rota a re-plan keeps. Solves the demo, then re-plans against it
(unchanged, and with the first engineer working on the 2nd or later sick for three days) and prints a table.

    python -m bench.replan_bench [--time-limit 3]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rota.domain import Leave
from rota.report import diff, shifts_of
from rota.scenario import load_scenario
from rota.solver import SolveOptions, solve

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replan_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=3.0)
    args = parser.parse_args(argv)
    options = SolveOptions(time_limit=args.time_limit)
    scenario = load_scenario(DEMO)
    first = solve(scenario, options)
    published = shifts_of(first.chosen)
    sick = next(s for s in first.chosen if s.date.day >= 2)
    leave = Leave(sick.engineer, sick.date, sick.date + timedelta(days=2), "sick")
    ill = replace(scenario, leave=(*scenario.leave, leave))
    print(f"demo, {args.time_limit:g} s per solve; published rota: {len(published)} shifts\n")
    print("| re-plan | shifts changed | status | stages |\n|---|---|---|---|")
    for name, case in (("unchanged", scenario), (f"{sick.engineer} sick 3 days", ill)):
        again = solve(case, options, baseline=published)
        stages = ", ".join(f"{st.tier} {st.objective:,.0f}" for st in again.stages)
        print(f"| {name} | {len(diff(published, shifts_of(again.chosen)))} | {again.status} | {stages} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
