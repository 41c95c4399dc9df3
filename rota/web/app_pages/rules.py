"""Rules & cover: shift templates on a 24 h UTC strip (the follow-the-sun seams, per DST period), peaks, events and
the labour rules."""

import altair as alt
import streamlit as st

from rota import views
from rota.clock import iso_utc
from rota.slots import unreachable_by_seniors
from rota.web import access, state

access.page_guard("rules")
st.title("Rules & cover")
scenario = state.scenario()
plan = state.plan()
st.caption(f"{scenario.name}: {iso_utc(plan.window.start)} → {iso_utc(plan.window.end)} ({scenario.days} days)")

st.subheader("Shifts on the UTC day")
key = st.session_state.valid_key  # the scenario's content: every session with it shares what is computed from it
strip = state.shared("strip", key, lambda: views.shift_strip(scenario))
periods = list(dict.fromkeys(strip["period"]))
st.caption("Each bar is a shift template in its centre's wall time, drawn in UTC; peaks below in their market's zone. "
           f"The window has {len(periods)} period(s) of constant UTC offsets: the seams move when a centre changes "
           "its clocks.")
seams = dict(state.shared("seams", key, lambda: views.seams(scenario)))
for period in periods:
    part = strip[strip["period"] == period]
    rows = list(dict.fromkeys(part["row"]))
    chart = alt.Chart(part).mark_bar(cornerRadius=3, height=14).encode(
        x=alt.X("start_h:Q", title="hour of the day (UTC)", scale=alt.Scale(domain=[0, 24], nice=False),
                axis=alt.Axis(values=list(range(0, 25, 2)), grid=True)),
        x2="end_h:Q",
        y=alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=260)),
        color=alt.Color("centre:N", title="centre", legend=None, scale=alt.Scale(scheme="tableau10")),
        opacity=alt.condition(alt.datum.kind == "peak", alt.value(0.4), alt.value(1.0)),
        tooltip=[alt.Tooltip("row:N", title="template"), alt.Tooltip("local:N", title="local"),
                 alt.Tooltip("utc:N", title="UTC"), alt.Tooltip("period:N")],
    ).properties(height=22 * len(rows) + 90, title=f"{period} · hand-offs at {seams.get(period, '–')} UTC")
    st.altair_chart(chart, width="stretch", key=f"strip_{period}")

holes = state.shared("holes", key, lambda: unreachable_by_seniors(plan))
if holes:
    st.warning("No available senior can reach these times at all (P0 gaps whatever the solver does): "
               + "; ".join(f"{iso_utc(h.start)} → {iso_utc(h.end)}" for h in holes[:10]))

MINIMUMS = {"min_engineers": st.column_config.NumberColumn("≥ engineers", width="small"),
            "min_seniors": st.column_config.NumberColumn("≥ seniors", width="small"),
            "languages": st.column_config.TextColumn("languages", width="small")}
st.subheader("Labour rules")
st.dataframe(state.shared("rules", key, lambda: views.rules_frame(scenario)), hide_index=True, width="stretch")
st.subheader("Events")
events = state.shared("events", key, lambda: views.events_frame(scenario))
if len(events):
    st.dataframe(events, hide_index=True, width="stretch", column_config=MINIMUMS)
else:
    st.caption("No one-off events in this scenario.")
st.subheader("Peaks")
st.dataframe(state.shared("peaks", key, lambda: views.peaks_frame(scenario)), hide_index=True, width="stretch",
             column_config=MINIMUMS)
