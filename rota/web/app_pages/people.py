"""People: each engineer's rota in their local time, and fairness per centre and level with its spread."""

import altair as alt
import pandas as pd
import streamlit as st

from rota import views
from rota.web import access, state

access.page_guard("people")
st.title("People")
result = state.require_result()

scenario = result.plan.scenario
centres = {f"{c.name} ({c.timezone})": c.id for c in scenario.centres}
state.choose("people_centre", list(centres))
centre = centres[st.selectbox("Centre", list(centres), **state.kept("people_centre"))]

st.subheader("Timeline in local time")
shared = state.result_key()  # the same rota in another session draws from the same frames
frame = state.shared(f"timeline {centre}", shared, lambda: views.timeline_frame(result.plan, result.chosen, centre))
weeks = views.weeks(result.plan.scenario)
state.choose("people_span", ["whole window", *weeks])
span = st.segmented_control("Show", ["whole window", *weeks], **state.kept("people_span")) or "whole window"
if span != "whole window":
    first = weeks[span]
    frame = frame[(frame["end"] > first) & (frame["start"] < first + pd.Timedelta(days=7))]
# Vega-Lite reads a naive date-time in the browser's zone; tag the wall times as UTC and draw on a UTC scale so
# they show exactly as the engineer's clock reads.
drawn = frame.assign(start=frame["start"].dt.tz_localize("UTC"), end=frame["end"].dt.tz_localize("UTC"))
labels = list(dict.fromkeys(f"{e.name} ({e.level})" for e in scenario.engineers if e.centre == centre))
tooltip = [alt.Tooltip("label:N", title="engineer"), alt.Tooltip("item:N", title="shift / leave"),
           alt.Tooltip("when:N", title="local time"), alt.Tooltip("hours:Q"), alt.Tooltip("utc:N", title="UTC"),
           alt.Tooltip("pinned:N")]
base = alt.Chart(drawn).encode(
    x=alt.X("start:T", title="local time", scale=alt.Scale(type="utc"),
            axis=alt.Axis(format="%a %d %b" if span == "whole window" else "%a %d %H:%M")),
    x2="end:T",
    y=alt.Y("label:N", sort=labels, title=None, scale=alt.Scale(domain=labels),
            axis=alt.Axis(labelOverlap=False, labelLimit=240)),
    tooltip=tooltip,
)
shifts = base.transform_filter(alt.datum.kind == "shift").mark_bar(cornerRadius=2).encode(
    color=alt.Color("item:N", title="shift", legend=alt.Legend(orient="top")),
    stroke=alt.condition(alt.datum.pinned, alt.value("#111"), alt.value(None)))
leave = base.transform_filter(alt.datum.kind == "leave").mark_bar(color="#c7c7c7")
timeline = (leave + shifts).properties(height=30 * len(labels) + 80)
st.altair_chart(timeline, width="stretch", key="timeline")
st.caption("Grey: leave. A black outline marks a pinned shift. Times are the centre's wall clock, DST included.")

st.subheader("Fairness per centre and level")
metric_names = {"hours": "Hours", "night_hours": "Night hours", "weekend_shifts": "Weekend shifts",
                "holiday_shifts": "Holiday shifts", "peak_shifts": "Peak shifts"}
metric = st.segmented_control("Metric", list(metric_names), format_func=metric_names.get,
                              **state.kept("metric")) or "hours"
load = result.load
carried = state.shared("lookback", shared, lambda: views.lookback_frame(result.plan, result.chosen))
if carried is not None:
    past = result.plan.scenario.history
    span = st.segmented_control("Totals", ["this window", "with the look-back"], **state.kept("people_totals"),
                                help=f"The look-back: the {past.lookback_days if past else 0} days of published rota "
                                     "before this window, which fair shares weigh too") or "this window"
    load = carried if span == "with the look-back" else load
spread = state.shared("fairness with look-back" if load is carried else "fairness", shared,
                      lambda: views.fairness_frame(load))
one = spread[spread["metric"] == metric]
groups = list(one["group"])
bars = alt.Chart(one).mark_rule(strokeWidth=10, opacity=0.25, color="#4c78a8").encode(
    y=alt.Y("group:N", sort=groups, title="centre / level"), x=alt.X("min:Q", title=metric_names[metric]), x2="max:Q",
    tooltip=["group:N", "min:Q", "max:Q", "mean:Q", "spread:Q"])
dots = alt.Chart(load).mark_circle(size=80).encode(
    y=alt.Y("group:N", sort=groups), x=alt.X(f"{metric}:Q"), color=alt.Color("level:N"),
    tooltip=["name:N", "engineer:N", "group:N", alt.Tooltip(f"{metric}:Q", title=metric_names[metric]),
             alt.Tooltip("weekly_cap:Q", title="weekly cap")])
st.altair_chart((bars + dots).properties(height=28 * len(groups) + 40), width="stretch", key="fairness")
st.caption("Each dot is an engineer; the band is the spread (max − min) within the group. After cover, which comes "
           "first, the solver moves each engineer towards their fair share of the group's work, in proportion to the "
           "days they are available and their weekly cap: leave and shorter contracts widen the band on purpose, and "
           "cover that only some can give (languages, a single senior at night) widens it too.")
st.dataframe(spread.pivot(index="group", columns="metric", values="spread").reset_index(), hide_index=True,
             width="stretch")
with st.expander("Per engineer"):
    st.dataframe(load, hide_index=True, width="stretch")
