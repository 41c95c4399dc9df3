"""What-if: build variants of the scenario (or pick the examples), solve them beside the base and compare; grade an
existing schedule (.ics) against the scenario."""

from datetime import datetime, time

import altair as alt
import streamlit as st

from rota import whatif_views as wv
from rota.grade import solution_numbers
from rota.scenario import ScenarioError
from rota.solver import SolveOptions
from rota.variant import AddEngineers, AddLeave
from rota.web import access, state

access.page_guard("whatif")
st.title("What-if")
scenario = state.scenario()
engineer_ids = [e.id for e in scenario.engineers]
centres = {c.name: c for c in scenario.centres}
built: list = st.session_state.setdefault("whatif_built", [])
compare, grading = st.tabs(["Compare variants", "Grade a schedule (.ics)"])

with compare:
    examples = wv.examples(state.DATA / "variants")
    picked = st.multiselect("Example variants (data/variants)", list(examples), **state.kept("whatif_examples"))

    with st.expander("Build a variant"), st.form("variant_form", border=False):
        name = st.text_input("Name", key="v_name", placeholder="e.g. Dublin short-staffed in week 2")
        one, two = st.columns(2)
        remove = one.multiselect("Remove engineers", engineer_ids, key="v_remove")
        kinds = two.text_input("…or remove by kind", key="v_kinds", placeholder="1 x L2 in sin, 2 x L1 in dub")
        st.markdown("**Add engineers** (hire)")
        h1, h2, h3, h4 = st.columns(4)
        hire_count = h1.number_input("How many", min_value=0, max_value=50, key="v_hire_count")
        hire_centre = h2.selectbox("Centre", list(centres), key="v_hire_centre")
        hire_level = h3.selectbox("Level", ["L1", "L2", "L3"], index=1, key="v_hire_level")
        hire_languages = h4.text_input("Languages", value="en", key="v_hire_languages")
        st.markdown("**Add a leave block**")
        l1, l2, l3, l4 = st.columns(4)
        leave_who = l1.selectbox("Engineer", ["—", *engineer_ids], key="v_leave_who")
        leave_from = l2.date_input("From", value=scenario.start, key="v_leave_from")
        leave_to = l3.date_input("To", value=scenario.start, key="v_leave_to")
        leave_reason = l4.text_input("Reason", value="what-if", key="v_leave_reason")
        rules = st.text_area("Override rules (one a line, as in scenario.toml)", key="v_rules",
                             placeholder="min_rest_hours = 12\nmax_hours_per_week = 40", height=80)
        st.markdown("**Add a surge event**")
        s0, s1, s2, s3, s4, s5, s6 = st.columns([1.2, 2, 1.5, 1.2, 1, 1, 1])
        surge_on = s0.checkbox("Surge", key="v_surge")
        surge_name = s1.text_input("Event", value="Flash sale", key="v_surge_name")
        surge_centre = s2.selectbox("In the time of", list(centres), key="v_surge_centre")
        surge_day = s3.date_input("Day", value=scenario.start, key="v_surge_day")
        surge_at = s4.time_input("Local start", value=time(0, 0), key="v_surge_at")
        surge_hours = s5.number_input("Hours", min_value=0.5, max_value=72.0, value=3.0, step=0.5, key="v_surge_hours")
        surge_staff = s6.number_input("Engineers", min_value=0, max_value=20, value=4, key="v_surge_staff")
        w0, w1, w2 = st.columns([1, 2, 2])
        move = w0.checkbox("Move the window", key="v_move")
        move_start = w1.date_input("Start", value=scenario.start, key="v_move_start")
        move_days = w2.number_input("Days", min_value=1, max_value=366, value=scenario.days, key="v_move_days")
        if st.form_submit_button("Add this variant", type="primary"):
            try:
                built.append(wv.variant_of(wv.VariantForm(
                    name=name, remove=remove, remove_kinds=kinds,
                    hire=AddEngineers(count=int(hire_count), centre=centres[hire_centre].id, level=hire_level,
                                      languages=[x.strip() for x in hire_languages.split(",") if x.strip()])
                    if hire_count else None,
                    leave=AddLeave(engineer=leave_who, start=leave_from, end=leave_to, reason=leave_reason)
                    if leave_who != "—" else None,
                    rules=rules,
                    surge=wv.Surge(surge_name, centres[surge_centre].timezone, datetime.combine(surge_day, surge_at),
                                   float(surge_hours), int(surge_staff), min(1, int(surge_staff)))
                    if surge_on else None,
                    start=move_start if move else None, days=int(move_days) if move else None)))
            except ScenarioError as error:
                state.show_problems(error.problems)
    if built:
        st.markdown("**Built variants**")
        for i, variant in enumerate(built):
            text, remove = st.columns([8, 1], vertical_alignment="center")
            text.markdown(f"**{variant.name}** · {wv.describe(variant)}")
            remove.button("Remove", key=f"whatif_remove_{i}", on_click=built.pop, args=(i,),
                          help=f"Remove {variant.name} from the built variants")
        st.button("Clear the built variants", key="whatif_clear", on_click=built.clear)

    left, middle, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    limit = left.number_input("Time limit per solve (seconds)", min_value=1, max_value=600,
                              **state.kept("whatif_limit"))
    work = middle.number_input("Work limit per solve (0: from the time limit)", min_value=0.0, step=0.5,
                               **state.kept("whatif_work"),
                               help="CP-SAT deterministic time, as rota whatif --work-limit")
    chosen = [examples[p] for p in picked] + built
    comparing = state.whatif_job()
    if comparing is not None and comparing.running:
        state.whatif_status()
    else:
        if right.button(f"Compare the base with {len(chosen)} variant(s)", type="primary", key="whatif_run",
                        disabled=not chosen, help="Each solve runs in its own process, in parallel, in the "
                                                  "background: the page stays usable"):
            state.start_whatif(chosen, SolveOptions(time_limit=float(limit), work_limit=float(work) or None))
            st.rerun()
        if comparing is not None and comparing.cancelled:
            st.info("The comparison was cancelled." + (" The one before is shown below."
                                                       if state.whatif_rows() else ""))
        if comparing is not None and comparing.problems:
            state.show_problems(comparing.problems)
        if comparing is not None and comparing.error:
            st.error(comparing.error, icon="⛔")

    rows = state.whatif_rows()
    if rows:
        table = wv.comparison_frame(rows)
        changed = wv.differs_from_base(table)
        st.subheader("Side by side")
        st.caption("Each column a fresh solve with the same limits — the base too: it is the scenario as it is now, "
                   "solved beside its variants, not the Plan page's rota. Cells that differ from the base are "
                   "highlighted.")
        st.dataframe(table.style.apply(lambda _: changed.replace({True: "background-color: #fff3c4; "
                                                                  "font-weight: 600", False: ""}), axis=None),
                     width="stretch", height=35 * len(table) + 40,
                     column_config={"_index": st.column_config.TextColumn("measure", width="medium")})
        cover, hours = st.columns(2)
        short = wv.shortfall_frame(rows)
        if (short["short"] == 0).all():
            cover.success("Every solve covers P0, peaks, events and languages at every minute.")
        else:
            cover.altair_chart(alt.Chart(short, title="Short of cover, % of the time it is required").mark_bar()
                               .encode(x=alt.X("cover:N", title=None, sort=list(wv.COVER)), xOffset="variant:N",
                                       y=alt.Y("short:Q", title="short %"),
                                       color=alt.Color("variant:N", legend=alt.Legend(orient="bottom", columns=2)),
                                       tooltip=["variant", "cover", "short"]), width="stretch")
        spread = wv.hours_frame(rows)
        base = alt.Chart(spread, title="Hours per engineer: min, mean, max").encode(
            y=alt.Y("variant:N", title=None, sort=None))
        hours.altair_chart(
            base.mark_rule(strokeWidth=2).encode(x=alt.X("hours_min:Q", title="hours in the window"), x2="hours_max")
            + base.mark_tick(thickness=3, size=18, color="#d62728").encode(x="hours_mean:Q",
                                                                           tooltip=["variant", *wv.HOURS])
            + base.mark_point(filled=True).encode(x="hours_min:Q") + base.mark_point(filled=True).encode(
                x="hours_max:Q"), width="stretch")

with grading:
    st.caption("An export of the current schedule (PagerDuty, Opsgenie, Grafana OnCall…) graded against this "
               "scenario: cover, gaps and rule breaks, beside rota's own solve (the Plan page's).")
    ics = st.file_uploader("Schedule (.ics)", type=["ics"], key="grade_ics")
    mapping = st.file_uploader("Optional mapping (CSV with match,engineer)", type=["csv"], key="grade_map")
    if ics is not None:
        try:
            graded = wv.grade_upload(state.plan(), ics.getvalue(), mapping.getvalue() if mapping else None,
                                     ics.name)
        except ScenarioError as error:
            graded = None
            state.show_problems(error.problems)
        except ValueError as error:  # e.g. a mapping that is not UTF-8 text
            graded = None
            st.error(f"{ics.name} cannot be graded: {error}", icon="⛔")
        if graded is not None:
            solution = state.result_solution()
            ours = None
            if solution is not None and not state.result_is_stale():
                ours = state.memo("solution_numbers", state.result_token(), lambda: solution_numbers(solution))
            else:
                st.info("Solve on the Plan page to see rota's own numbers beside the schedule's.")
            st.dataframe(wv.grade_numbers_frame(graded.numbers(), ours), hide_index=True, width="stretch",
                         column_config={"rota": st.column_config.NumberColumn("rota's own solve")})
            if graded.unmapped:
                st.warning(f"{len(graded.unmapped)} event(s) matched no engineer (add them to a mapping CSV): "
                           + "; ".join(graded.unmapped[:5]), icon="⚠️")
            breaks = wv.breaks_frame(graded)
            st.subheader(f"Rule breaks ({len(breaks)})")
            st.dataframe(breaks, hide_index=True, width="stretch")
            gaps = wv.grade_gaps_frame(graded)
            st.subheader(f"Gaps ({len(gaps)})")
            st.dataframe(gaps, hide_index=True, width="stretch",
                         column_config={"reason": st.column_config.TextColumn("reason", width="large")})
