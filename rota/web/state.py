"""What the pages share: the working scenario (as files), its parse (cached), the solve job, and the sidebar.

Kept small on purpose: every rule and number comes from the rota package; this only holds session state.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import streamlit as st

from rota import child, history, overview
from rota.domain import History, Scenario
from rota.jobs import SolveJob, WhatIfJob
from rota.overview import REPLAN_SECONDS, TIER_WORDS
from rota.report import shifts_of
from rota.roles import may_see_page, may_solve
from rota.scenario import Problem
from rota.scenario_io import (
    FILES,
    ScenarioFiles,
    UploadError,
    apply_edits,
    editable,
    files_from_uploads,
    load_files,
    read_folder,
    row_problems,
    table,
    table_csv,
    with_table,
    zip_files,
)
from rota.slots import Plan
from rota.solver import Solution, SolveOptions
from rota.store import DEFAULT_TEAM, Location, Store, StoreError, locate
from rota.tokens import public_base_url, request_base_url
from rota.variant import VariantModel
from rota.views import Analysis, hint_from, progress_frame

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

DATA = Path(__file__).resolve().parents[1] / "data"  # the scenarios shipped in the package (demo, variants)
DEMO = DATA / "demo"
T = TypeVar("T")


# Settings that outlive a page switch, with their defaults (the widgets take them from here, not from `value=`).
KEEP = {"time_limit": 30, "work_limit": 0.0, "seed": 0, "workers": 2, "fast": False, "zone": None, "gap_kinds": [],
        "shade_cover_gaps": False, "people_centre": None, "people_span": "whole window", "metric": "hours",
        "pin_centre": None, "keep_published": False, "replan_limit": REPLAN_SECONDS, "whatif_limit": 10,
        "whatif_work": 0.0, "whatif_examples": [], "people_totals": "this window"}


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    # Altair takes about a second to import: done once per server, in the background while the first page is read,
    # so the first page that draws a chart (Rules, Coverage, People) does not wait for it.
    thread = threading.Thread(target=importlib.import_module, args=("altair",), name="rota-warm-up", daemon=True)
    thread.start()
    return thread


ENV_TEAM = "ROTA_TEAM"  # the team a session starts on (rota serve --team)


def init() -> None:
    """The app starts on the demo scenario with no set-up."""
    _warm_up()
    if "files" not in st.session_state:
        set_files(read_folder(DEMO), "data/demo")
        st.session_state.job = None
    # Each setting's value lives under a plain key that Streamlit never cleans up, written only by a real change (the
    # widget's callback): a widget's own state is dropped, or comes back from the browser at its first value, in some
    # runs (a solve ending while its page is not drawn reset the time limit to 30).
    values = _settings()
    for key, default in KEEP.items():
        value = values.get(key, default)
        if value is not None:
            st.session_state[key] = value


def _settings() -> dict[str, Any]:
    return st.session_state.setdefault("_settings", {})


def _remember(key: str) -> None:
    _settings()[key] = st.session_state[key]


def kept(key: str) -> dict[str, Any]:
    """The widget arguments of a setting in KEEP: `st.number_input(..., **kept("time_limit"))`."""
    return {"key": key, "on_change": _remember, "args": (key,)}


def choose(key: str, options: list[str]) -> None:
    """Make a kept choice valid for this scenario's options (a new upload may have other centres)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = _settings()[key] = options[0]


def files() -> ScenarioFiles:
    return st.session_state.files


def files_key(data: ScenarioFiles) -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + data.get(name, b"<absent>") + b"\0")
    return digest.hexdigest()


def set_files(data: ScenarioFiles, source: str | None = None) -> list[Problem]:
    """Make `data` the working scenario; it becomes the valid one only if it has no problem."""
    st.session_state.files = data
    if source is not None:
        st.session_state.source = source
    scenario, problems = parsed(data)
    if scenario is not None:
        st.session_state.valid_key = files_key(data)
        st.session_state.valid_files = data
    return problems


@st.cache_resource(max_entries=64, show_spinner=False)
def _parse(key: str, _data: ScenarioFiles) -> tuple[Scenario | None, list[Problem], Plan | None]:
    # Parsing and the Plan are the same for every session with the same files: cache them once, by content hash.
    scenario, problems = load_files(_data)
    return scenario, problems, Plan(scenario) if scenario else None


def parsed(data: ScenarioFiles | None = None) -> tuple[Scenario | None, list[Problem]]:
    data = files() if data is None else data
    scenario, problems, _ = _parse(files_key(data), data)
    return scenario, problems


def problems() -> list[Problem]:
    return parsed()[1]


def scenario() -> Scenario:
    """The last valid scenario (the working one while it has no problem)."""
    valid = st.session_state.valid_files
    return _parse(files_key(valid), valid)[0]  # type: ignore[return-value]


def plan() -> Plan:
    valid = st.session_state.valid_files
    return _parse(files_key(valid), valid)[2]  # type: ignore[return-value]


@st.cache_resource(max_entries=64, show_spinner=False)
def _shared(name: str, key: str, _compute: Callable[[], T]) -> T:
    return _compute()


def shared(name: str, key: str, compute: Callable[[], T]) -> T:
    """Like memo, but for every session: what depends only on content (`key`: a hash of it) is computed once. The
    object is shared, so pages only read it (filters and pivots make new frames)."""
    return _shared(name, key, compute)


def result_key() -> str:
    """A hash of the shown rota and the scenario it was solved from, for `shared` (sessions that solved the same
    scenario alike share the pages' frames)."""
    last: SolveJob | None = st.session_state.get("last")
    if last is None or last.analysis is None:
        return ""

    def digest() -> str:
        shifts = sorted(shifts_of(last.analysis.chosen))  # type: ignore[union-attr]
        return hashlib.sha256(repr((last.context.get("files_key"), shifts)).encode()).hexdigest()

    return memo("result_key", last.started, digest)


def memo(name: str, key: object, compute: Callable[[], T]) -> T:
    """Per-session memo for derived frames (heatmap per zone, gaps table): page switches redraw, not recompute."""
    store: dict[tuple[str, object], Any] = st.session_state.setdefault("_memo", {})
    if (name, key) not in store:
        if len(store) > 64:
            store.clear()
        store[name, key] = compute()
    return store[name, key]


# ---- solving -----------------------------------------------------------------------------------------------------


def job() -> SolveJob | None:
    return st.session_state.get("job")


def result() -> Analysis | None:
    """The analysis of the last finished solve (None before any)."""
    current = job()
    if current is not None and not current.running and current.analysis is not None:
        st.session_state.last = current
    last: SolveJob | None = st.session_state.get("last")
    return last.analysis if last else None


def require_result() -> Analysis:
    """The solved rota, or an explanation and a link to Plan (the page stops there)."""
    current = result()
    from rota.web import access  # here: access reads this module's scenario

    if current is None and not access.allowed(may_solve):  # a viewer: the published rota
        published = access.published_result()
        if published is None:
            st.stop()
        return published
    if current is None:
        running = job() is not None and job().running  # type: ignore[union-attr]
        st.info("Solving… the rota appears here as soon as it is ready." if running
                else "No rota yet: solve one on the Plan page.")
        if access.allowed(lambda role: may_see_page(role, "plan")):  # a link to a page not listed would fail
            st.page_link(str(Path(__file__).resolve().parent / "app_pages" / "plan.py"), label="Go to Plan",
                         icon=":material/calculate:")
        st.stop()
    if result_is_stale():
        st.info("The scenario changed since this rota was solved: re-solve on the Plan page to see it here.")
    return current  # type: ignore[return-value]


def result_token() -> float:
    """Identifies the shown result (its job's start time), for memo keys."""
    last: SolveJob | None = st.session_state.get("last")
    return last.started if last else st.session_state.get("published_token", 0.0)


def result_solution() -> Solution | None:
    last: SolveJob | None = st.session_state.get("last")
    return last.solution if last else None


def result_is_stale() -> bool:
    last: SolveJob | None = st.session_state.get("last")
    return last is not None and last.context.get("files_key") != st.session_state.valid_key


def result_job() -> SolveJob | None:
    """The job of the shown rota (its baseline, its context)."""
    return st.session_state.get("last")


def result_files() -> ScenarioFiles:
    """The scenario files the shown rota was solved from (what its result zip carries)."""
    last: SolveJob = st.session_state.last
    return last.context["files"]


def replan_warning() -> str | None:
    """Why the shown rota, a keep-published re-plan, should get a second look before it is published (None: fine)."""
    last = result_job()
    if last is None or last.baseline is None or last.solution is None or last.analysis is None:
        return None
    solution, summary, baseline = last.solution, last.analysis.summary, last.baseline

    def judge() -> str | None:
        published = overview.gap_minutes(solution.plan, overview.still_standing(solution.plan, baseline))
        return overview.replan_warning(solution, (summary["p0_gap_minutes"], summary["cover_gap_minutes"]),
                                       published)

    return memo("replan_warning", last.started, judge)


@st.cache_resource(max_entries=16, show_spinner=False)
def _history(_store: Store, store_key: str, latest: int, scenario_key: str, _scenario: Scenario) -> History | None:
    return history.from_store(_store, _scenario)


def published_history(plan_scenario: Scenario) -> History | None:
    """What is published around the scenario's window (fixed facts at the seams, fairness look-back), if anything:
    read once per published version and scenario, not on every run of the page."""
    found = store()
    if found is None:
        return None
    try:
        infos = found.versions()
        if not infos:
            return None
        return _history(found, f"{found.location.url}|{found.team}", infos[-1].id,
                        files_key(st.session_state.valid_files), plan_scenario)
    except StoreError as error:
        st.error(f"The published rota cannot be read: {error}", icon="⛔")
        return None


def start_solve(options: SolveOptions, keep: tuple[int, frozenset[tuple[str, str, str]]] | None = None,
                past: History | None = None) -> SolveJob:
    """Solve in a child process. `keep`: a published (version, shifts) to change as little as possible (the
    explicit re-plan); without it a re-solve only warm-starts from the last rota, and fairness may move it. `past`:
    the published rota around the window, which the rota continues."""
    previous = result()
    new = SolveJob(replace(scenario(), history=past), options, hint_from(previous.chosen) if previous else None,
                   baseline=keep[1] if keep else None, keeps_last=previous is not None,
                   context={"files_key": st.session_state.valid_key, "files": st.session_state.valid_files,
                            "kept_version": keep[0] if keep else None})
    st.session_state.job = new.start()
    return new


# ---- what-ifs: the base and its variants compared in the background ---------------------------------------------


def whatif_job() -> WhatIfJob | None:
    return st.session_state.get("whatif_job")


def start_whatif(variants: list[Path | VariantModel], options: SolveOptions) -> WhatIfJob:
    """Compare the last valid scenario with `variants` in the background (worker processes)."""
    new = WhatIfJob(dict(st.session_state.valid_files), list(variants), options)
    st.session_state.whatif_job = new.start()
    return new


def whatif_rows() -> list[dict[str, object]] | None:
    """The rows of the last comparison that ended with one; a cancelled or refused run keeps the one before."""
    current = whatif_job()
    if current is not None and not current.running and current.rows is not None:
        st.session_state.whatif_last = current
    last: WhatIfJob | None = st.session_state.get("whatif_last")
    return last.rows if last else None


@st.fragment(run_every=0.5)
def whatif_status(compact: bool = False) -> None:
    """Which solves of the comparison are done; when it ends, the whole page reruns to draw the table."""
    current = whatif_job()
    if current is None:
        return
    if not current.running:
        st.rerun(scope="app")
    done = current.done()
    # The solves run side by side, a core each: the clock says how far along they are before the first one ends.
    rounds = -(-current.total // max(1, min(current.total, os.cpu_count() or 1)))
    share = max(len(done) / current.total, min(0.95, current.elapsed / (rounds * current.options.time_limit + 2)))
    solving = "What-if: solving" if compact else "Solving"
    text = f"{solving} the base and {current.total - 1} variant(s)… {current.elapsed:.0f} s · " + (
        f"{len(done)} of {current.total} done: {', '.join(done)}" if done
        else f"{current.options.time_limit:g} s each")
    st.progress(share, text=text)
    if compact:
        return
    if st.button("Cancel the comparison", key="whatif_cancel", help="Stops every solve of it at once"):
        current.cancel()
        st.toast("Cancelling: the solves are stopped and the previous comparison is kept")


# ---- the store: the one `rota serve` publishes the feeds from ($ROTA_STORE, else the default) -----------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def _store(key: str, _location: Location, team: str | None) -> Store:
    return Store(_location, team)


def _location() -> Location:
    return locate()


def teams() -> list[str]:
    """The teams of the store (an empty store: none yet)."""
    try:
        location = _location()
        return _store(f"{location.url}|{location.key_file}", location, None).teams()
    except StoreError:
        return []


def team() -> str:
    """The team this session works on: the one picked in the sidebar, else $ROTA_TEAM, else the store's only team
    (the first of several)."""
    chosen = st.session_state.get("team") or os.environ.get(ENV_TEAM)
    if chosen:
        return chosen
    known = teams()
    return known[0] if known else DEFAULT_TEAM


def store() -> Store | None:
    """The publishing store as the session's team sees it, opened once per location and team; None (with the
    reason on the page) if it cannot be opened."""
    try:
        location = _location()
        return _store(f"{location.url}|{location.key_file}|{team()}", location, team())
    except StoreError as error:
        st.error(f"The store cannot be opened: {error}", icon="⛔")
        return None


def _on_team() -> None:
    """Another team: its latest published scenario becomes the working one (the rota shown is left behind)."""
    st.session_state.team = st.session_state.team_choice
    found = store()
    published = found.scenario_files() if found is not None else None
    if published:
        set_files(published, f"team {team()}: published version {found.versions()[-1].id}")  # type: ignore[union-attr]
        st.session_state.job = None
        st.session_state.pop("last", None)


def link_base() -> str:
    """The feed links' base URL: $ROTA_PUBLIC_URL when set, else what this browser's request came in on."""
    return public_base_url(request_base=request_base_url(st.context.headers))


# ---- sidebar: scenario in and out, and a compact solve status ------------------------------------------------------


def scenario_folders() -> list[str]:
    return sorted(str(p.parent.relative_to(DATA.parent)) for p in DATA.glob("*/scenario.toml"))


def _on_upload() -> None:
    uploads = st.session_state.get("upload") or []
    if not uploads:
        return
    try:
        data = files_from_uploads(files(), [(u.name, u.getvalue()) for u in uploads])
    except UploadError as error:
        st.session_state.upload_error = f"{', '.join(u.name for u in uploads)} {error}"
        return
    st.session_state.upload_error = ""
    set_files(data, "upload: " + ", ".join(u.name for u in uploads))


def _on_load_folder() -> None:
    folder = st.session_state.folder
    set_files(read_folder(DATA.parent / folder), folder)


def _on_new_team() -> None:
    name = (st.session_state.get("new_team") or "").strip()
    if name:
        st.session_state.team = name[:200]
        st.session_state.new_team = ""


def sidebar(show_solve: bool, show_whatif: bool = True, new_team: bool = False) -> None:
    """`new_team`: offer to start another team (an admin's): the scenario at hand is published as its first rota."""
    with st.sidebar:
        scenario_now, issues = parsed()
        shown = scenario_now or scenario()
        current_team, published = team(), teams()
        known = sorted({*published, current_team}) if published else []
        if len(known) > 1:
            st.selectbox("Team", known, index=known.index(current_team),
                         key="team_choice", on_change=_on_team,
                         help="Whose rota: its published versions, feeds, history and audit log; switching loads the "
                              "team's published scenario")
        st.caption(f"Scenario: **{shown.name}** · {st.session_state.source}")
        if new_team:
            st.text_input("Start a new team", key="new_team", on_change=_on_new_team, placeholder="team name",
                          help="Its first publish (Calendars) makes it: its own versions, feed links and audit log")
            if st.session_state.get("team") and current_team not in published:
                st.caption(f"Team **{current_team}**: nothing published yet.")
        if issues:
            st.error(f"The edited scenario has {len(issues)} problem(s); pages show the last valid version. "
                     "Fix them on the Team page.", icon="⚠️")
        with st.expander("Load, upload, download"):
            folders = scenario_folders()
            st.selectbox("Scenario folder in data/", folders, key="folder",
                         index=folders.index("data/demo") if "data/demo" in folders else 0)
            st.button("Load folder", on_click=_on_load_folder, width="stretch")
            st.file_uploader("Upload a zip of the scenario folder, or its files", type=["zip", "csv", "toml"],
                             accept_multiple_files=True, key="upload", on_change=_on_upload)
            if st.session_state.get("upload_error"):
                st.error(st.session_state.upload_error)
            st.download_button("Download scenario (.zip)", data=zip_files(files(), shown.name),
                               file_name=f"{_slug(shown.name)}.zip", mime="application/zip", width="stretch")
        current = job()
        if show_solve and current is not None and current.running:
            solve_status(compact=True)
        comparing = whatif_job()
        if show_whatif and comparing is not None and comparing.running:
            whatif_status(compact=True)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "scenario"


@st.fragment(run_every=0.5)  # a finished solve reaches the page within half a second; lighter on a busy server
def solve_status(compact: bool = False) -> None:
    """Each better rota as it arrives; when the solve ends, the whole page reruns to draw the result."""
    current = job()
    if current is None:
        return
    if not current.running:
        st.rerun(scope="app")
    latest = current.latest()
    limit = current.options.time_limit
    share = min(1.0, current.elapsed / limit) if limit else 0.0
    if current.queued:
        share = 0.0
        text = (f"Queued for {current.elapsed:.0f} s: the server runs {child.slots()} solve(s) at once and all are "
                "busy; this one starts as soon as one ends")
    elif latest is None:
        text = f"Solving… {current.elapsed:.0f} s of {limit:g} s: looking for a first rota"
    else:
        text = (f"Solving… {current.elapsed:.0f} s of {limit:g} s · {TIER_WORDS.get(latest.stage, latest.stage)} · "
                f"P0 gap {latest.p0_gap_minutes} min · cost {100 * latest.gap:.1f} % above the best possible")
    st.progress(share, text=text)
    if compact:
        return
    if st.button("Cancel" if current.queued else "Stop and keep the best rota", type="primary", key="stop"):
        current.stop()
        st.toast("Stopping: the best rota so far is kept")
    found = progress_frame(current.snapshot())
    found["stage"] = found["stage"].map(lambda tier: TIER_WORDS.get(tier, tier))
    if len(found):
        st.dataframe(found.head(8), hide_index=True, width="stretch",
                     column_config={"seconds": "s", "p0_gap_minutes": "P0 gap (min)", "objective": "cost",
                                    "bound": "best possible ≥",
                                    "gap_pct": st.column_config.NumberColumn("% above best possible", format="%.2f")})


# ---- editable tables -----------------------------------------------------------------------------------------------


def editor_key(name: str) -> str:
    """A fresh key after each applied edit, so the editor shows the new table instead of replaying old edits."""
    return f"{name}_editor_{st.session_state.setdefault('editor_versions', {}).get(name, 0)}"


def bump(name: str) -> None:
    versions = st.session_state.setdefault("editor_versions", {})
    versions[name] = versions.get(name, 0) + 1


def store_table(name: str, frame: pd.DataFrame) -> bool:
    """Write an edited table into the working scenario (validated by the loader); True if anything changed."""
    before = files()
    after = with_table(before, name, frame)
    if after == before:
        return False
    set_files(after)
    bump(name)
    return True


def apply_table(name: str, frame: pd.DataFrame) -> None:
    """From a page body: store the table and redraw (the editor was drawn with the old table in this run)."""
    if store_table(name, frame):
        st.rerun()


def _on_table_edit(name: str, key: str) -> None:
    # A callback runs before the page, so one run draws the edit and its problems (no second run: edits feel fast).
    edits = st.session_state.get(key) or {}
    store_table(name, apply_edits(table(files(), name), edits))


def table_editor(name: str, column_config: dict[str, Any], *, height: int | str = "auto") -> None:
    """An editable CSV of the scenario with each row's problems (from the loader) in a column beside the row."""
    data = files()
    issues = problems()
    if not editable(data, name):
        st.warning(f"{name} cannot be edited as a table until its problems below are fixed; upload a corrected file.")
        show_problems([p for p in issues if p.file == name])
        return
    frame = table(data, name)
    shown: pd.DataFrame | Styler = frame
    notes = row_problems(issues, name, len(frame))
    if any(notes):  # the problem column appears only when a row has one, first so it is never scrolled away
        shown = frame.copy()
        shown.insert(0, "problem", notes)
        shown = shown.style.map(lambda v: "background-color: #fde2e1; color: #8a1c12" if v else "", subset=["problem"])
    key = editor_key(name)
    edited = st.data_editor(
        shown, key=key, num_rows="dynamic", hide_index=True, width="stretch", height=height,
        on_change=_on_table_edit, args=(name, key),
        column_config={"problem": st.column_config.TextColumn("⚠ problem", disabled=True, width="large"),
                       **column_config},
    )
    # Edits the callback did not see (AppTest seeds an editor's state without a change event) are applied here.
    new = edited.drop(columns=["problem"], errors="ignore").reindex(columns=frame.columns)
    if table_csv(new, name) != table_csv(frame, name):
        apply_table(name, new)


def show_problems(items: list[Problem]) -> None:
    if items:
        st.error("\n".join(f"- **{p.file}** · {p.where or 'file'}{f' · `{p.field}`' if p.field else ''}: {p.message}"
                           for p in items), icon="⚠️")
