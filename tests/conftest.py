"""Fixtures shared by the suite."""

from __future__ import annotations

import sys
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from rota.domain import Scenario
from rota.solver import Solution, SolveOptions, solve
from tests.checked import Checked, check_solution


class Checker:
    """`checked(solution)` writes the solution's result folder and has the independent checker pass it (see
    tests/checked.py); `checked.solve(...)` is rota.solver.solve followed by that check."""

    def __init__(self, folder: Path):
        self.folder, self._numbers = folder, count(1)
        self.last: Checked | None = None

    def __call__(self, solution: Solution) -> Checked:
        self.last = check_solution(solution, self.folder / f"checked-{next(self._numbers)}")
        return self.last

    def solve(self, scenario: Scenario, options: SolveOptions, **kwargs: Any) -> Solution:
        solution = solve(scenario, options, **kwargs)
        self(solution)
        return solution


@pytest.fixture
def checked(tmp_path: Path) -> Checker:
    return Checker(tmp_path)


MAIN = sys.modules["__main__"]  # pytest's, before any AppTest run


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest runs app.py as __main__ and leaves it in sys.modules; multiprocessing's spawn (what-if and solve
    processes) would then re-run app.py in every child. Put the real __main__ back after each test."""
    yield
    sys.modules["__main__"] = MAIN
