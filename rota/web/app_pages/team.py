"""Team: engineers and leave (editable, each row's problems beside it), and the centres with their time now."""

from datetime import UTC, datetime

import streamlit as st

from rota import views
from rota.domain import LEVELS
from rota.scenario_io import other_problems
from rota.web import access, state

access.page_guard("team")
st.title("Team")
scenario = state.scenario()
issues = state.problems()
state.show_problems(other_problems(issues))  # problems that belong to no row (scenario.toml, a header, …)


@st.fragment(run_every=30)
def centres() -> None:
    # Refreshed every 30 s so "local time now" stays true while the page is open.
    frame = views.centres_frame(scenario, datetime.now(UTC))
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "local_now": "local time now", "utc_offset_now": "UTC offset now", "offset_in_window": "offset in the window",
        "holidays": "public holidays of"})


st.subheader("Centres")
centres()

st.subheader("Engineers")
st.caption("Add, remove or change a row; it is checked at once by the same rules as `rota check`. Languages are "
           "ISO 639-1 codes separated by `;`; an empty weekly cap means the rules' "
           f"{scenario.rules.max_hours_per_week:g} h.")
state.table_editor("engineers.csv", {
    "id": st.column_config.TextColumn("id"),
    "centre": st.column_config.SelectboxColumn("centre", options=[c.id for c in scenario.centres]),
    "level": st.column_config.SelectboxColumn("level", options=list(LEVELS)),
    "languages": st.column_config.TextColumn("languages", help="ISO 639-1 codes separated by ';', e.g. th;en"),
    "max_hours_per_week": st.column_config.TextColumn("weekly cap (h)", help="empty = the rules' cap"),
}, height=460)

st.subheader("Leave")
st.caption("Inclusive local dates (YYYY-MM-DD) in the engineer's centre.")
# No pattern check in the grid: it would silently revert a date typed another way; the loader says what is wrong.
state.table_editor("leave.csv", {
    "engineer": st.column_config.SelectboxColumn("engineer", options=[e.id for e in scenario.engineers]),
    "start": st.column_config.TextColumn("start", help="YYYY-MM-DD"),
    "end": st.column_config.TextColumn("end", help="YYYY-MM-DD"),
})
