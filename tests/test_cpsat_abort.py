"""A Stop during a warm-started re-solve must never abort the process inside CP-SAT.

OR-Tools 9.15 dies with `Check failed: solution->size() == postsolve_mapping.size()` when `stop_search` reaches an
interleaved search with two or more workers and a complete hint while it is taking in the hint's solution: during
that solution's callback or just after. A UI re-solve (a pin added, the last rota as the warm start) met exactly
that: its Stop button, or the progress a page reacts to, arrives on the first solution. The solve runs in a child
process, so an abort fails this test instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    from dataclasses import replace
    from pathlib import Path

    from rota.domain import Pin
    from rota.report import shifts_of
    from rota.scenario import load_scenario
    from rota.solver import SolveControl, SolveOptions, solve

    demo = load_scenario(Path("data/demo"))
    options = SolveOptions(work_limit=0.3, seed=1, workers=2)
    first = solve(demo, options)
    free = next(s for s in first.plan.slots if s.engineer == "sin-03" and s.date.day == 10)
    pinned = replace(demo, pins=(*demo.pins, Pin(free.engineer, free.date, free.shift)))
    control = SolveControl()
    seen = []

    def on_progress(progress):
        seen.append(progress.stage)
        if progress.stage != "first":  # the first CP-SAT solution of the re-solve: the hint's
            control.stop()

    again = solve(pinned, SolveOptions(work_limit=50, seed=1, workers=2), on_progress, control,
                  shifts_of(first.chosen))
    assert again.stopped and again.chosen, (again.stopped, len(again.chosen))
    assert (free.engineer, free.date, free.shift) in {(s.engineer, s.date, s.shift) for s in again.chosen}
    print("stopped cleanly after", seen)
""")


def test_a_stop_on_the_first_solution_of_a_warm_started_re_solve_does_not_abort():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "stopped cleanly" in done.stdout
