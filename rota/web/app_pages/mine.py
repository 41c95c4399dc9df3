"""My rota: the signed-in engineer's upcoming shifts in their zone, their handovers, their load against their fair
share, and their own feed link (copy, rotate)."""

from datetime import UTC, datetime

import streamlit as st

from rota import engineer_view, publishing
from rota.store import StoreError
from rota.tokens import BaseURLError, feed_url
from rota.web import access, state

st.title("My rota")
me = access.engineer()
if me is None:  # the router lists this page only for an engineer's e-mail; the page checks too
    st.error("Your e-mail is not in the team's engineers.csv. Ask your manager to add it.", icon="⛔")
    st.stop()
scenario = state.scenario()
zone = scenario.zone_of(me)
st.markdown(f"**{me.name}** ({me.id}) · {scenario.centre(me.centre).name}, {me.level} · times in **{zone}**")
store = state.store()
if store is None:
    st.stop()
try:
    versions = store.versions()
    events = store.events(versions[-1].id) if versions else []
    record = next((f for f in store.feeds() if f.kind == "engineer" and f.ident == me.id), None)
except StoreError as error:
    st.error(f"The published rota cannot be read: {error}", icon="⛔")
    st.stop()
if not versions:
    st.info("Nothing is published yet: your shifts appear here once your manager publishes the rota.")
    st.stop()

st.subheader("Upcoming shifts")
names = {e.id: e.name for e in scenario.engineers}
shifts = engineer_view.upcoming(events, me.id, zone, names, datetime.now(UTC))
if shifts.empty:
    st.info("No upcoming shifts in the published rota.")
else:
    st.dataframe(shifts, hide_index=True, width="stretch", key="my_shifts",
                 column_config={"from": st.column_config.TextColumn("handed over from", width="medium"),
                                "to": st.column_config.TextColumn("you hand over to", width="medium")})
    st.caption(f"Version {versions[-1].id} as the feeds show it. A handover is a colleague whose shift ends or starts "
               f"within {engineer_view.HANDOVER.seconds // 3600} hours of your shift's start or end.")

st.subheader("My load and my fair share")
published = publishing.published_baseline(store, scenario)
if published is not None:
    st.dataframe(engineer_view.share(state.plan(), published[1], me.id), hide_index=True, width="stretch",
                 key="my_share")
    st.caption("Your share of your group's work (same centre and level) in this rota's window, in proportion to the "
               "days you are available and your weekly cap; within the band counts as fair.")

st.subheader("My calendar feed")
if record is None:
    st.info("You have no feed yet: it is made when a rota with your shifts is published.")
    st.stop()
if st.button("Rotate my link", key="rotate_mine", icon=":material/autorenew:",
             help="Issue a new link and revoke the old one (if it leaked); subscribe again with the new one"):
    try:
        store.rotate("engineer", me.id, actor=access.actor())  # only ever the signed-in engineer's own feed
        st.session_state.rotated_mine = True
    except StoreError as error:
        st.error(f"Not rotated: {error}", icon="⛔")
    st.rerun()
try:
    record = next(f for f in store.feeds() if f.kind == "engineer" and f.ident == me.id)
    https, webcal = feed_url(state.link_base(), store.token(record))
except (BaseURLError, StoreError, StopIteration) as error:
    st.error(f"Your link cannot be shown: {error}", icon="⛔")
    st.stop()
if st.session_state.pop("rotated_mine", False):
    st.success("New link issued: the old one no longer works. Subscribe again with this one.",
               icon=":material/check_circle:")
st.code(https, language=None)  # st.code has a copy button
st.code(webcal, language=None)
st.caption("Google Calendar: *Other calendars → From URL* with the https link; Outlook: *Subscribe from web*; Apple "
           "Calendar: open the webcal link. The link is a secret: rotate it if it leaked.")
