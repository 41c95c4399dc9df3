"""Plan: solve with live progress and Stop, read the outcome, pin cells and re-solve, download the result."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from rota import overview, publishing, views
from rota.report import NOT_REPRODUCIBLE, shifts_of
from rota.scenario_io import SCENARIO_FILE, apply_edits, result_zip, table
from rota.solver import SolveOptions
from rota.store import StoreError
from rota.web import access, state
from rota.windows import next_window, with_window

access.page_guard("plan")
st.title("Plan")
scenario = state.scenario()
plan = state.plan()
issues = state.problems()

store = state.store()
left, middle, right = st.columns([1, 1, 2], vertical_alignment="bottom")
# A re-plan keeping the published rota has its own limit, long enough to reach its "changes" stage.
replanning = bool(st.session_state.get("keep_published"))
time_limit = left.number_input("Time limit (seconds)", min_value=1, max_value=3600, step=5,
                               **state.kept("replan_limit" if replanning else "time_limit"))
with middle.popover("Solver settings"):
    seed = st.number_input("Seed", min_value=0, step=1, **state.kept("seed"))
    workers = st.number_input("Workers", min_value=1, max_value=16, step=1, **state.kept("workers"))
    work_limit = st.number_input("Work limit (0: from the time limit)", min_value=0.0, step=0.5,
                                 **state.kept("work_limit"),
                                 help="CP-SAT deterministic time, as rota solve --work-limit: the same budget, seed "
                                      "and workers give the same rota on any machine")
    fast = st.toggle("Free-running search (uses the wall clock fully; not reproducible)", **state.kept("fast"))

keep_published = st.toggle("Keep the published rota where possible", **state.kept("keep_published"),
                           help="Re-plan from the latest published version: after cover, as few of its shifts as "
                                "possible change (for a re-plan after sickness or a new pin)")
kept = None
if keep_published and store is not None:
    try:
        kept = publishing.published_baseline(store, scenario)
    except StoreError as error:
        st.error(f"The published rota cannot be read: {error}", icon="⛔")
    if kept is None:
        st.caption("Nothing is published yet (Calendars page): the solve plans from scratch.")
    else:
        st.caption(f"Re-plans from published version {kept[0]} ({len(kept[1])} shifts in this window): after cover, "
                   "it changes as few of them as possible. Re-plans keep their own time limit (default "
                   f"{overview.REPLAN_SECONDS} s, enough to reach that stage on the demo).")



def _to_window(start: date, days: int) -> None:
    data = state.files()
    state.set_files({**data, SCENARIO_FILE: with_window(data[SCENARIO_FILE], start, days)})


try:
    following = next_window(store.versions()) if store is not None else None
except StoreError:
    following = None  # the page says it above when it matters (keep the published rota)
if following is not None and following != (scenario.start, scenario.days):
    start, days = following
    st.button(f"Next window: {start} → {start + timedelta(days=days)} ({days} days)", key="next_window",
              icon=":material/skip_next:", on_click=_to_window, args=following,
              help="The day after the latest published window, of the same length (scenario.toml's start and days)")

past = state.published_history(scenario)
if past is not None:
    before = sum(1 for s in past.shifts if s.start < plan.window.start)
    st.caption(f"Continues {past.source}: {len(past.shifts)} published shifts around this window are fixed facts for "
               f"rest, days in a row and the weekly cap; the {before} before it count towards fair shares "
               f"(looking back {past.lookback_days} days).")

current = state.job()
result = state.result()
if current is not None and current.running:
    state.solve_status()
else:
    label = "Re-solve" if result else "Solve"
    if right.button(label, type="primary", disabled=bool(issues), key="solve",
                    help="Fix the scenario's problems first" if issues else "Solve with the pins below"):
        state.start_solve(SolveOptions(time_limit=float(time_limit), work_limit=float(work_limit) or None,
                                       seed=int(seed), workers=int(workers), deterministic=not fast), keep=kept,
                          past=past)
        st.rerun()
    if current is not None and current.error:
        st.error(current.error, icon="⛔")

if result is not None:
    solution = state.result_solution()
    assert solution is not None
    if state.result_is_stale():
        st.info("The scenario changed since this rota was solved (a pin or an edit): re-solve to apply it.")
    s = result.summary
    said = overview.outcome(solution)
    getattr(st, said.level)(f"**{said.headline}** {said.advice}")
    if warning := state.replan_warning():
        st.warning(warning, icon="⚠️")
    cols = st.columns(4)
    cols[0].metric("P0 cover", f"{s['p0_coverage_pct']:g} %", help="share of the window with a senior on shift")
    cols[1].metric("P0 gap", f"{s['p0_gap_minutes']} min")
    cols[2].metric("Other cover gaps", f"{s['cover_gap_minutes'] / 60:.1f} h", help="events, peaks, languages")
    cols[3].metric("Shifts", s["shifts"], help=f"solved in {solution.seconds:.1f} s")
    if not solution.reproducible:
        st.warning(f"Not reproducible: {NOT_REPRODUCIBLE}.", icon=":material/shuffle:")
    with st.expander("Stages"):
        st.dataframe([{"stage": overview.TIER_WORDS[st_.tier], "result": st_.status.lower(),
                       "cost": st_.objective, "best possible ≥": st_.bound, "seconds": round(st_.seconds, 2)}
                      for st_ in solution.stages], hide_index=True)
    job = state.result_job()
    version = job.context.get("kept_version") if job else None
    if job is not None and job.baseline is not None and version is not None:
        changes = publishing.diff_frame(job.baseline, shifts_of(result.chosen))
        st.subheader(f"Changes from published version {version}: {len(changes)}")
        if changes.empty:
            st.success("The published rota is kept as it is.", icon=":material/check_circle:")
        else:
            st.caption("Per engineer and local date: the published shift and the new one (empty: no shift). "
                       "Publish on the Calendars page to send them to the calendars.")
            st.dataframe(changes, hide_index=True, width="stretch", key="changes",
                         column_config={"before": st.column_config.TextColumn("published"),
                                        "after": st.column_config.TextColumn("re-planned")})
    # Built only on click (it recomputes the result files); the callable runs outside this script run, so it gets
    # the files now rather than reading the session later.
    files = state.result_files()
    st.download_button("Download the result (.zip)", key="download_result", mime="application/zip",
                       file_name="rota-result.zip", data=lambda: result_zip(solution, files))

st.subheader("Pins")
st.caption("In a cell, choose ◆ a shift to fix it, ◆ off to forbid work that day, or – to remove the pin; then "
           "re-solve. Unpinned cells show the last rota (– for no shift).")
centres = {c.name: c.id for c in scenario.centres}
state.choose("pin_centre", list(centres))
centre = centres[st.segmented_control("Centre", list(centres), **state.kept("pin_centre")) or next(iter(centres))]


def pin_grid() -> pd.DataFrame:
    return views.pin_grid(state.plan(), result.chosen if result is not None else None, centre)


def apply_pins(grid: pd.DataFrame, edited: pd.DataFrame) -> bool:
    changed = state.store_table("pins.csv", views.pins_after_edit(table(state.files(), "pins.csv"), grid,
                                                                      edited))
    state.bump("pin_grid_" + centre)  # a fresh grid, drawn from the new pins
    return changed


def on_pin_edit(key: str) -> None:
    # Before the page runs, so the pin shows in this very run (the grid is rebuilt exactly as it was drawn).
    grid = pin_grid()
    apply_pins(grid, apply_edits(grid, st.session_state.get(key) or {}))


grid = pin_grid()
options = views.pin_options(scenario, centre)
columns = {d: st.column_config.SelectboxColumn(f"{date.fromisoformat(d):%a %d}", options=options, width="small",
                                               format_func=views.pin_label)
           for d in grid.columns[1:]}
key = state.editor_key("pin_grid_" + centre)
edited = st.data_editor(grid, key=key, disabled=["engineer"], on_change=on_pin_edit, args=(key,),
                        column_config={"_index": st.column_config.TextColumn("id"), **columns}, width="stretch")
if not edited.equals(grid) and apply_pins(grid, edited):  # edits seeded without a change event (AppTest)
    st.rerun()

with st.expander(f"All pins ({len(scenario.pins)})", expanded=any(p.file == "pins.csv" for p in issues)):
    state.table_editor("pins.csv", {
        "engineer": st.column_config.SelectboxColumn("engineer", options=[e.id for e in scenario.engineers]),
        "shift": st.column_config.SelectboxColumn("shift", options=["off", *(t.id for t in scenario.shifts)]),
    })
