"""Coverage: day × hour heatmap in a zone of the viewer's choice (seniors per cell, gaps red, peaks outlined), and the
gaps with their reasons and a concrete suggestion each."""

import altair as alt
import streamlit as st

from rota import views
from rota.web import access, state

access.page_guard("coverage")
st.title("Coverage")
result = state.require_result()

scenario = result.plan.scenario
zones = views.zone_options(scenario, st.context.timezone)
state.choose("zone", list(zones))
label = st.selectbox("Show times in", list(zones), **state.kept("zone"))
tz = zones[label]
token = state.result_token()
cells = state.memo("heatmap", (token, tz), lambda: views.heatmap_frame(result.hourly, tz))

s = result.summary
cols = st.columns(4)
cols[0].metric("P0 cover", f"{s['p0_coverage_pct']:g} %")
cols[1].metric("P0 gap", f"{s['p0_gap_minutes']} min")
cols[2].metric("Other cover gaps", f"{s['cover_gap_minutes'] / 60:.1f} h")
cols[3].metric("Shifts", s["shifts"])

other_gaps = st.toggle("Shade peak, event and language gaps too", **state.kept("shade_cover_gaps"),
                       help="Off: only P0 gaps are red, so the few that matter most stand out")
if not other_gaps:
    cells = views.p0_shades_only(cells)

COLOURS = ("#d62728", "#ff9e9a", "#f2f2f2", "#c6dbef", "#6baed6", "#2171b5", "#08306b", "#bdbdbd")
days = list(dict.fromkeys(cells["day_label"]))
hours = sorted(set(cells["hour"]))
tooltip = [alt.Tooltip("local:N", title="local"), alt.Tooltip("utc:N", title="UTC"),
           alt.Tooltip("seniors:Q"), alt.Tooltip("engineers:Q"), alt.Tooltip("gaps:N", title="short of"),
           alt.Tooltip("peaks:N", title="peaks/events"), alt.Tooltip("on_shift:N", title="on shift")]
base = alt.Chart(cells).encode(
    x=alt.X("hour:O", sort=hours, title=f"hour starting ({tz})", axis=alt.Axis(labelAngle=-60, orient="top")),
    y=alt.Y("day_label:O", sort=days, title=None, axis=alt.Axis(labelOverlap=False)),
    tooltip=tooltip,
)
heat = base.mark_rect().encode(color=alt.Color(
    "shade:N", title="cover", scale=alt.Scale(domain=list(views.SHADES), range=list(COLOURS)),
    legend=alt.Legend(orient="bottom", columns=8)))
outline = base.transform_filter(alt.datum.peak).mark_rect(filled=False, stroke="#111", strokeWidth=1.5)
numbers = base.transform_filter(alt.datum.shade != "clocks skip this hour").mark_text(fontSize=10).encode(
    text="seniors:Q",
    color=alt.condition(alt.FieldOneOfPredicate("shade", ["3 seniors", "4+ seniors", "P0 gap"]),
                        alt.value("white"), alt.value("#222")))
st.altair_chart((heat + outline + numbers).properties(height=24 * len(days) + 40), width="stretch", key="heatmap")
st.caption("Numbers are the seniors on shift for the whole hour. Red: a P0 gap; pink (when shown): short of an "
           "event, peak or language; black outline: a peak or event hour. In DST weeks a skipped wall hour is grey "
           "and a repeated one shows the worse of its two real hours (hover for both).")

# After the heatmap on purpose: writing every gap's reason and suggestion is the slow part of this page.
gaps = state.memo("gaps", (token, tz), lambda: views.gaps_frame(result.plan, result.chosen, result.gaps, tz))
st.subheader(f"Gaps ({len(gaps)})")
if gaps.empty:
    st.success("No gaps: every cover rule holds at every minute.")
else:
    counts = gaps["kind"].value_counts()
    st.caption("Most severe first: " + " · ".join(f"{counts.get(k, 0)} {k}" for k in views.GAP_KINDS)
               + ". Each row says why nobody covered it and who could.")
    kinds = st.multiselect("Kinds", list(views.GAP_KINDS), placeholder="all kinds", **state.kept("gap_kinds"))
    shown = gaps[gaps["kind"].isin(kinds)] if kinds else gaps
    # Tall rows: the grid wraps long text only in rows taller than one line.
    st.dataframe(shown.drop(columns=["start_utc", "end_utc"]), hide_index=True, width="stretch", key="gaps_table",
                 row_height=108,
                 column_config={"kind": st.column_config.TextColumn("kind", width="small"),
                                "rule": st.column_config.TextColumn("rule", width="small"),
                                "start": f"start ({tz})", "end": f"end ({tz})",
                                "minutes": st.column_config.NumberColumn("min", width="small"),
                                "required": None, "staffed": None,
                                "shortfall": st.column_config.NumberColumn("short", width="small"),
                                "reason": st.column_config.TextColumn("reason", width="large"),
                                "suggestion": st.column_config.TextColumn("suggestion", width="large")})
