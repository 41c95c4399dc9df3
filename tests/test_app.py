"""Each page's main flow through Streamlit's AppTest: the real app script, the real solver, no mocks.

Load the demo, edit an engineer (and see a bad edit reported on its row), solve with a short limit, stop a solve,
pin and re-solve, switch zones on the heatmap, upload a scenario, and find the downloads.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.testing.v1 import AppTest

from rota.scenario_io import read_folder, zip_files
from tests.checked import check_solution

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
# A short solve is enough to exercise every page. Its work budget, not the wall clock, decides the rota (0.9 units is
# some 3 s on an idle machine); the time limit is only a ceiling no machine reaches.
WORK = 0.9
CEILING = 600






def start() -> AppTest:
    """The app as a manager opens it (on Overview), then on the Team page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title.values == ["Overview"]
    return visit(at, "team")


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"rota/web/app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def solve(at: AppTest, limit: float = CEILING, work: float = WORK) -> None:
    """Solve on the Plan page; with the default ceiling, the work budget alone decides the rota."""
    visit(at, "plan")
    at.number_input(key="time_limit").set_value(limit)
    at.number_input(key="work_limit").set_value(work)
    at.button(key="solve").click().run()
    assert not at.exception
    finish(at)


def finish(at: AppTest) -> None:
    """Wait for the page's solve, redraw, and have the independent checker pass the rota it left."""
    job = at.session_state["job"]
    deadline = time.monotonic() + 300
    while job.running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not job.running, "the solve did not end"
    at.run()
    assert not at.exception
    if job.solution is not None:
        with tempfile.TemporaryDirectory(prefix="rota-app-checked-") as folder:
            check_solution(job.solution, Path(folder))


def editor_key(at: AppTest, prefix: str) -> str:
    [key] = [e.key for e in at.data_editor if e.key and e.key.startswith(prefix)]
    return key


def edit(at: AppTest, prefix: str, edited=None, added=None, deleted=None) -> AppTest:
    at.session_state[editor_key(at, prefix)] = {"edited_rows": edited or {}, "added_rows": added or [],
                                                "deleted_rows": deleted or []}
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, index: int = 0, column: str | None = None) -> tuple[dict, pd.DataFrame]:
    """A chart's Vega-Lite spec and the data behind it (the dataset with `column`), as the browser receives them."""
    element = at.get("vega_lite_chart")[index]
    spec = json.loads(element.proto.spec)
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets]
    if element.proto.data.data:
        frames.append(convert_arrow_bytes_to_pandas_df(element.proto.data.data))
    return spec, next(f for f in frames if column is None or column in f.columns)


def engineers(at: AppTest) -> pd.DataFrame:
    return at.data_editor(key=editor_key(at, "engineers.csv")).value


# ---- Team ----------------------------------------------------------------------------------------------------------


def test_the_team_page_shows_the_demo_team():
    at = start()
    assert at.title.values == ["Team"]
    assert len(engineers(at)) == 36 and "problem" not in engineers(at).columns
    centres = at.dataframe[0].value
    assert centres["centre"].tolist() == ["sin", "dub", "tor"]
    assert centres["local_now"].str.match(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:\d\d$").all()
    assert "Demo follow-the-sun support" in at.sidebar.caption[0].value
    assert not at.error


def test_edit_add_and_remove_engineers_changes_the_scenario():
    at = start()
    edit(at, "engineers.csv", edited={1: {"max_hours_per_week": "40", "level": "L3"}},
         added=[{"id": "sin-13", "name": "Ana Cruz", "centre": "sin", "level": "L2", "languages": "tl;en"}],
         deleted=[35])
    table = engineers(at)
    assert len(table) == 36 and "sin-13" in set(table["id"]) and "tor-12" not in set(table["id"])
    assert table.set_index("id").loc["sin-02", ["level", "max_hours_per_week"]].tolist() == ["L3", "40"]
    assert b"sin-02,Tan Wei Ming,sin,L3,zh;en,40," in at.session_state["files"]["engineers.csv"]
    assert not at.error  # still a valid scenario: no problem banner
    visit(at, "rules")  # other pages use the edited scenario
    assert not at.error


def test_a_bad_edit_is_shown_on_its_row_and_field_and_pages_keep_the_last_valid_scenario():
    at = start()
    edit(at, "engineers.csv", edited={0: {"languages": "malay"}, 4: {"max_hours_per_week": "500"}})
    table = engineers(at)
    assert table.loc[0, "problem"].startswith("languages: 'malay' is not a two-letter ISO 639-1 code")
    assert table.loc[4, "problem"].startswith("max_hours_per_week: expected empty or a number")
    assert (table["problem"] != "").sum() == 2
    assert "2 problem(s)" in at.sidebar.error[0].value
    visit(at, "plan")
    assert at.button(key="solve").disabled  # no solve of a broken scenario
    visit(at, "rules")  # still drawn, from the last valid scenario
    assert len(at.get("vega_lite_chart")) == 3
    visit(at, "team")
    edit(at, "engineers.csv", edited={0: {"languages": "ms;id;en"}, 4: {"max_hours_per_week": ""}})
    assert "problem" not in engineers(at).columns and not at.sidebar.error


def test_leave_ending_before_it_starts_is_reported_on_its_row():
    at = start()
    edit(at, "leave.csv", edited={1: {"end": "2027-03-01"}})
    leave = at.data_editor(key=editor_key(at, "leave.csv")).value
    assert leave.loc[1, "problem"] == "end: leave ends (2027-03-01) before it starts (2027-03-22)"


# ---- Rules & cover ---------------------------------------------------------------------------------------------------


def test_rules_page_draws_the_utc_strip_once_per_dst_period():
    at = visit(start(), "rules")
    assert len(at.get("vega_lite_chart")) == 3
    spec, data = chart(at, 1)
    assert spec["title"].startswith("14 Mar – 27 Mar · hand-offs at 04:00")
    assert data.set_index("item").loc["tor-day", "start_h"] == 12.0
    assert [t.value for t in at.subheader] == ["Shifts on the UTC day", "Labour rules", "Events", "Peaks"]
    rules = at.dataframe[0].value
    assert "≤ 5" in rules.set_index("rule").loc["Consecutive days", "value"]


# ---- Plan, Coverage, People --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def solved() -> AppTest:
    at = start()
    at.context["timezone"] = "Europe/Berlin"
    solve(at)
    return at


def test_solving_shows_the_outcome_on_the_plan_page(solved, tmp_path):
    at = visit(solved, "plan")
    metrics = {m.label: m.value for m in at.metric}
    solution = at.session_state["last"].solution
    independent = check_solution(solution, tmp_path)  # the checker's figures, from the rota's files
    assert "Status" not in metrics and solution.status in ("FEASIBLE", "OPTIMAL")
    assert any(m.value.startswith(("**The best rota", "**A good rota", "**Stopped early"))
               for m in [*at.success, *at.warning])
    assert metrics["P0 cover"] == f"{round(independent.p0_coverage_pct, 2):g} %"
    assert metrics["P0 gap"] == f"{independent.gap_minutes['p0']} min"
    assert int(metrics["Shifts"]) == independent.shifts > 0
    assert at.button(key="solve").label == "Re-solve"
    assert [b.label for b in at.get("download_button") if b.key == "download_result"] == ["Download the result (.zip)"]
    grid = at.data_editor(key=editor_key(at, "pin_grid_sin")).value
    assert len(grid) == 12 and grid.loc["sin-04", "2027-03-08"] == "leave"
    assert (grid.iloc[:, 1:] != "–").to_numpy().sum() > 0  # the rota shows through the grid


def test_coverage_heatmap_and_gaps_table(solved):
    at = visit(solved, "coverage")
    assert at.selectbox(key="zone").options == [
        "UTC", "Singapore (Asia/Singapore)", "Dublin (Europe/Dublin)", "Toronto (America/Toronto)",
        "Your time (Europe/Berlin)"]
    _, cells = chart(at)
    assert len(cells) == 28 * 24 and set(cells["hour"]) == {f"{h:02d}:00" for h in range(24)}
    assert cells["on_shift"].str.len().min() > 0
    # A short solve may or may not close every gap: the page must agree with the result either way.
    analysis = at.session_state["last"].analysis
    heading = at.subheader[-1].value
    if heading == "Gaps (0)":
        assert "No gaps" in at.success[-1].value
        assert not analysis.gaps
    else:
        gaps = at.dataframe[-1].value
        assert {"reason", "suggestion"} <= set(gaps.columns)
        assert heading == f"Gaps ({len(gaps)})" and len(gaps) > 0
        assert gaps["suggestion"].str.contains("cover it").all()

    at.selectbox(key="zone").set_value("Toronto (America/Toronto)").run()
    assert not at.exception
    _, cells = chart(at)
    skipped = cells[cells["shade"] == "clocks skip this hour"]
    assert skipped[["day", "hour"]].values.tolist() == [["2027-03-14", "02:00"]]
    if heading != "Gaps (0)":
        assert at.dataframe[-1].value.columns[2] == "start"


def test_people_timeline_and_fairness(solved):
    at = visit(solved, "people")
    _, bars = chart(at)
    assert set(bars["kind"]) <= {"shift", "leave"} and (bars["kind"] == "shift").any()
    singapore = {f"{e.name} ({e.level})" for e in at.session_state["last"].scenario.engineers if e.centre == "sin"}
    assert set(bars["label"]) <= singapore and len(singapore) == 12  # the first centre's engineers only
    _, load = chart(at, 1, column="name")
    assert len(load) == 36 and {"hours", "night_hours", "group"} <= set(load.columns)
    at.selectbox(key="people_centre").set_value("Toronto (America/Toronto)").run()
    _, bars = chart(at)
    tor_days = bars[(bars["kind"] == "shift") & (bars["item"] == "tor-day")]
    assert set(pd.to_datetime(tor_days["start"]).dt.strftime("%H:%M")) <= {"08:00"}  # local wall time
    spreads = at.dataframe[0].value
    assert list(spreads.columns) == ["group", "hours", "night_hours", "weekend_shifts", "holiday_shifts",
                                     "peak_shifts"]


# ---- pins, stop ----------------------------------------------------------------------------------------------------


def test_pin_a_cell_off_then_re_solve_obeys_it():
    at = start()
    solve(at)
    grid = at.data_editor(key=editor_key(at, "pin_grid_sin")).value
    worked = [(e, d) for e in grid.index for d in grid.columns[1:] if grid.loc[e, d] not in ("–", "leave")
              and not str(grid.loc[e, d]).startswith("◆")]
    engineer, day = worked[0]
    row = list(grid.index).index(engineer)
    edit(at, "pin_grid_sin", edited={row: {day: "◆ off"}})
    assert f"{engineer},{day},off".encode() in at.session_state["files"]["pins.csv"]
    assert any("re-solve" in i.value for i in at.info)  # the shown rota predates the pin
    assert at.data_editor(key=editor_key(at, "pin_grid_sin")).value.loc[engineer, day] == "◆ off"
    at.button(key="solve").click().run()
    finish(at)
    chosen = at.session_state["last"].solution.chosen
    assert not [s for s in chosen if s.engineer == engineer and s.date.isoformat() == day]
    assert not at.info  # the rota now matches the scenario


def test_a_pin_on_a_leave_day_is_reported_on_its_row_and_blocks_the_solve():
    at = visit(start(), "plan")
    grid = at.data_editor(key=editor_key(at, "pin_grid_sin")).value
    edit(at, "pin_grid_sin", edited={list(grid.index).index("sin-04"): {"2027-03-09": "◆ sin-day"}})
    pins = at.data_editor(key=editor_key(at, "pins.csv")).value
    [note] = [p for p in pins["problem"] if p]
    assert note.startswith("date: sin-04 is on leave on 2027-03-09")
    assert at.button(key="solve").disabled


def test_stop_ends_the_solve_and_keeps_the_best_rota():
    at = visit(start(), "plan")
    at.number_input(key="time_limit").set_value(120)
    at.button(key="solve").click().run()
    job = at.session_state["job"]
    deadline = time.monotonic() + 60
    while job.latest() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    assert at.get("progress") and "P0 gap" in at.get("progress")[0].proto.text
    at.button(key="stop").click().run()
    finish(at)
    assert job.solution.stopped and job.elapsed < 60
    assert any("You stopped it" in m.value for m in [*at.success, *at.warning]), [m.value for m in at.warning]


# ---- scenario in and out -------------------------------------------------------------------------------------------


def test_upload_a_zip_replaces_the_scenario_and_a_bad_one_is_refused_with_a_reason():
    files = read_folder(ROOT / "data" / "demo")
    smaller = files["engineers.csv"].decode().splitlines()
    files["engineers.csv"] = ("\n".join(smaller[:13]) + "\n").encode()  # Singapore only
    files["leave.csv"] = b"engineer,start,end,reason\n"
    files["pins.csv"] = b"engineer,date,shift\n"
    at = start()
    at.sidebar.file_uploader[0].set_value(("small.zip", zip_files(files, "small"), "application/zip")).run()
    assert not at.exception
    assert len(engineers(at)) == 12 and at.session_state["source"] == "upload: small.zip"

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../scenario.toml", "x")
    at.sidebar.file_uploader[0].set_value(("evil.zip", evil.getvalue(), "application/zip")).run()
    assert "points outside the scenario folder" in at.sidebar.error[0].value
    assert len(engineers(at)) == 12  # the scenario is untouched


def test_load_a_folder_replaces_the_scenario_and_the_download_is_its_zip():
    demo = read_folder(ROOT / "data" / "demo")
    at = start()
    edit(at, "engineers.csv", deleted=[35])  # the working scenario now differs from the folder
    assert len(engineers(at)) == 35 and at.session_state["files"] != demo
    at.session_state["source"] = "edited"
    assert at.sidebar.selectbox(key="folder").options[0] == "data/demo"
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert at.session_state["source"] == "data/demo" and at.session_state["files"] == demo
    assert len(engineers(at)) == 36
    [download] = at.sidebar.get("download_button")
    assert download.label == "Download scenario (.zip)"
    # A download is named by the hash of its bytes: these are the folder's files, zipped.
    expected = zip_files(demo, "Demo follow-the-sun support")
    assert download.proto.url.rsplit("/", 1)[1].split(".")[0] == _calculate_file_id(
        expected, "application/zip", "demo-follow-the-sun-support.zip")


def test_settings_survive_a_page_switch():
    at = visit(start(), "plan")
    at.number_input(key="time_limit").set_value(7).run()
    visit(at, "team")
    visit(at, "plan")
    assert at.number_input(key="time_limit").value == 7
