"""The time limit is a ceiling for the whole `rota solve` command, timed from outside the process.

A team of 180 engineers over 8 weeks, with a 3-second limit and a work budget far beyond it: before, the command
built the model, then wrote an empty rota whose every gap it explained, and ran 27 s. The margin below does not
depend on the machine's speed: the fixed cost of starting the command and reading the scenario is measured the same
way, just before (`rota check` does both), and the solve may take only the limit and a few seconds more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synthetic import make_scenario, write_folder
from rota.checker import check_rota

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 3.0
MARGIN = 5.0  # writing the files after the deadline, and the noise of a shared machine


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "rota.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    return time.monotonic() - began, done


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(make_scenario("M"), tmp_path_factory.mktemp("synthetic-M"))


def test_the_time_limit_bounds_the_whole_command(medium: Path, tmp_path: Path):
    startup, checked = timed("check", str(medium))
    assert checked.returncode == 0, checked.stderr
    wall, solved = timed("solve", str(medium), "--out", str(tmp_path), "--time-limit", str(LIMIT),
                         "--work-limit", "1000", "--quiet")
    assert solved.returncode == 0, solved.stderr
    assert wall <= startup + LIMIT + MARGIN, f"{wall:.1f}s for a {LIMIT:g}s limit (startup {startup:.1f}s)"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["gap_minutes"]["p0"] == 0  # the first rota, at least: never an empty one
    assert check_rota(medium, tmp_path) == []
