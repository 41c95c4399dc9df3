"""End to end on real files: solve the demo with the CLI, then let the independent checker recompute everything."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from rota.cli import main
from tests.checked import check_result_folder

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
# The work budget decides the rota; the time limit is a ceiling no machine reaches (the demo takes some 20 s).
BUDGET = ["--work-limit", "6", "--time-limit", "900"]


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-result")
    assert main(["solve", str(DEMO), "--out", str(out), *BUDGET, "--quiet"]) == 0
    return out


def test_demo_has_no_p0_gap(demo_result: Path):
    summary = json.loads((demo_result / "summary.json").read_text())
    assert summary["gap_minutes"]["p0"] == 0
    assert summary["p0_coverage_pct"] == 100.0
    assert summary["stages"][0]["tier"] == "p0"


def test_demo_rota_passes_the_independent_checker(demo_result: Path):
    checked = check_result_folder(DEMO, demo_result)
    assert checked.gap_minutes["p0"] == 0 and checked.shifts > 0
    assert checked.summary["reproducible"] is True  # the work budget, not the wall clock, ended every stage


def test_demo_rota_crosses_both_spring_switches_in_local_time(demo_result: Path):
    rows = list(csv.DictReader((demo_result / "assignments.csv").open()))
    toronto = {r["start_local"][-6:] for r in rows if r["timezone"] == "America/Toronto"}
    dublin = {r["start_local"][-6:] for r in rows if r["timezone"] == "Europe/Dublin"}
    assert toronto == {"-05:00", "-04:00"}
    assert dublin == {"+00:00", "+01:00"}
    # a Toronto day shift is 08:00 local on both sides of the switch, so 13:00Z before and 12:00Z after
    day_starts = {r["start_utc"][11:16] for r in rows if r["shift"] == "tor-day"}
    assert day_starts == {"13:00", "12:00"}


def test_short_staffed_demo_reports_real_gaps_exactly(tmp_path: Path):
    """Keep one senior per centre: P0 cannot hold; the gaps must be exactly the real ones, each with a reason."""
    scenario = tmp_path / "short"
    shutil.copytree(DEMO, scenario)
    rows = list(csv.DictReader((DEMO / "engineers.csv").open(encoding="utf-8")))
    kept = [r for r in rows if r["level"] == "L1" or r["id"].endswith("-01")]
    with (scenario / "engineers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    kept_ids = {r["id"] for r in kept}
    for name in ("leave.csv", "pins.csv"):
        lines = (DEMO / name).read_text().splitlines()
        (scenario / name).write_text("\n".join([lines[0]] + [x for x in lines[1:] if x.split(",")[0] in kept_ids]))
    out = tmp_path / "out"
    assert main(["solve", str(scenario), "--out", str(out), "--work-limit", "3", "--time-limit", "900", "--quiet"]) == 0
    gaps = list(csv.DictReader((out / "gaps.csv").open()))
    p0 = [g for g in gaps if g["kind"] == "p0"]
    assert p0, "three seniors cannot cover 24/7 for four weeks"
    assert all(g["reason"] for g in gaps)
    assert any("weekly hours" in g["reason"] or "consecutive days" in g["reason"] or "rest" in g["reason"]
               for g in p0)
    checked = check_result_folder(scenario, out)  # exactly the real shortfalls, no more, no fewer
    assert checked.gap_minutes["p0"] == sum(_minutes(g) for g in p0) > 0


def test_result_folder_stands_alone(demo_result: Path):
    assert sorted(p.name for p in (demo_result / "scenario").iterdir()) == sorted(
        p.name for p in DEMO.iterdir())
    assert main(["verify", str(demo_result)]) == 0


def _minutes(gap: dict[str, str]) -> int:
    start, end = (datetime.strptime(gap[k], "%Y-%m-%dT%H:%M:%SZ") for k in ("start_utc", "end_utc"))
    return round((end - start).total_seconds() / 60)
