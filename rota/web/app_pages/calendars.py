"""Calendars: download the rota's .ics files, publish it to the feeds, copy each engineer's feed link, roll back."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from rota import overview, publishing, roles
from rota.report import shifts_of
from rota.scenario import ScenarioError
from rota.store import RETENTION, SeamError, StoreError
from rota.tokens import BaseURLError, insecure
from rota.web import access, state

access.page_guard("calendars")

# The store counts calendar events sent again; an event changes when its shift does, and also when only its
# hand-over note does (a neighbour's shift moved): more than Plan's changes, which count engineer-days.
EVENTS_HELP = "Calendar events sent to the feeds: a shift's change, or only its hand-over note's"

st.title("Calendars")
result = state.result()
solution = state.result_solution()
store = state.store()


def _calendars() -> dict[str, bytes]:
    # Stamped once per solved rota, so the same rota downloads as the same bytes (as `rota ical`).
    files = state.result_files()
    stamp = datetime.now(UTC).replace(microsecond=0)
    return publishing.calendar_files(solution, files, stamp)  # type: ignore[arg-type]


st.subheader("Download")
if result is None or solution is None:
    st.info("Solve a rota on the Plan page first: its calendars can then be downloaded and published here.")
else:
    if state.result_is_stale():
        st.info("The scenario changed since this rota was solved: these calendars are of the rota as solved.")
    try:
        calendars = state.memo("calendars", state.result_token(), _calendars)
    except ScenarioError as error:
        calendars = {}
        state.show_problems(error.problems)
    scenario = result.plan.scenario
    if calendars:
        people, centres, everyone = st.columns(3, vertical_alignment="bottom")
        names = {f"{e.name} ({e.id})": e.id for e in scenario.engineers}
        who = names[people.selectbox("Engineer", list(names), key="ics_engineer")]
        people.download_button(f"{who}.ics", data=calendars[f"{who}.ics"], file_name=f"{who}.ics",
                               mime="text/calendar", key="ics_engineer_download", icon=":material/event:")
        sites = {c.name: c.id for c in scenario.centres}
        site = sites[centres.selectbox("Centre", list(sites), key="ics_centre")]
        centres.download_button(f"centre-{site}.ics", data=calendars[f"centre-{site}.ics"],
                                file_name=f"centre-{site}.ics", mime="text/calendar", key="ics_centre_download",
                                icon=":material/event:")
        everyone.download_button("team.ics", data=calendars["team.ics"], file_name="team.ics", mime="text/calendar",
                                 key="ics_team_download", icon=":material/event:", width="stretch")
        everyone.download_button(f"All {len(calendars)} calendars (.zip)", data=publishing.calendars_zip(calendars),
                                 file_name="calendars.zip", mime="application/zip", key="ics_zip_download",
                                 icon=":material/folder_zip:", width="stretch")
        st.caption("Snapshots (SEQUENCE 0), the same as `rota ical`: for importing once. To follow changes, "
                   "publish and subscribe to the feed links below.")

st.subheader("Publish")
if store is not None:
    st.caption(f"Store: `{store.location.label}` — the one `rota serve` serves the feeds from (ROTA_STORE).")
    count: int | None = None  # shift changes (engineer-days) from the published rota, as Plan counts them
    if result is not None:
        try:
            published = publishing.published_baseline(store, result.plan.scenario)
        except StoreError as error:
            published = None
            st.error(f"The published rota cannot be read: {error}", icon="⛔")
        if published is not None:
            changes = publishing.preview(published[1], shifts_of(result.chosen))
            count = sum(len(c.added) + len(c.moved) + len(c.cancelled) for c in changes)
            if not changes:
                st.success(f"Publishing changes nothing in this window: it is version {published[0]}'s rota.",
                           icon=":material/check_circle:")
            else:
                st.markdown(f"**Before you publish:** {count} change(s) from version {published[0]} for "
                            f"{len(changes)} engineer(s); each sees them in their calendar.")
                st.dataframe(publishing.preview_frame(changes), hide_index=True, width="stretch",
                             key="publish_preview", row_height=60)
    may_publish = access.allowed(roles.may_publish)
    warning = state.replan_warning()
    if warning:
        st.warning(warning, icon="⚠️")
    pressed = st.button("Publish this rota as a new version", type="primary", key="publish",
                        disabled=solution is None or not may_publish,
                        help="Solve on the Plan page first" if solution is None else None)
    if pressed and warning:
        st.session_state.confirm_publish = state.result_token()  # asked once per rota, until it is published
    anyway = False
    if warning and st.session_state.get("confirm_publish") == state.result_token():
        st.markdown("**Publish this re-plan anyway?** The engineers' calendars take it at once.")
        anyway = st.button("Publish anyway", key="publish_anyway", icon=":material/warning:")
    # A rota that breaks a hard rule where it meets the published one is refused; publishing it anyway is recorded.
    seam_breaks = st.session_state.get("seam_breaks")
    forced = False
    if seam_breaks and seam_breaks[0] == state.result_token():
        st.error("Not published: where this rota meets the published one it breaks "
                 f"{len(seam_breaks[1])} hard rule(s):\n\n" + "\n".join(f"- {b}" for b in seam_breaks[1])
                 + "\n\nRe-solve on the Plan page (it continues the published rota), or publish anyway: the audit "
                   "log records it.", icon="⛔")
        forced = st.button("Publish anyway, breaking these rules", key="publish_forced", icon=":material/gavel:")
    if ((pressed and not warning) or anyway or forced) and solution is not None:
        access.require(roles.may_publish, "publish")
        st.session_state.confirm_publish = None
        st.session_state.seam_breaks = None
        try:
            report = publishing.publish(store, solution, state.result_files(), actor=access.actor(), force=forced)
            st.session_state.publish_message = overview.publish_message(report, count) + (
                f" Cancelled shifts stay in the calendars, marked cancelled, for {RETENTION.days} days."
                if report.version.cancelled and not report.republished else "")
        except SeamError as error:
            st.session_state.publish_message = ""
            st.session_state.seam_breaks = (state.result_token(), [str(b) for b in error.breaks])
            st.rerun()
        except (ScenarioError, StoreError) as error:
            st.session_state.publish_message = ""
            st.error(f"Not published: {error}", icon="⛔")
        else:
            st.rerun()  # the preview and the confirmation above were drawn for the rota before this publish
    if st.session_state.get("publish_message"):
        st.success(st.session_state.publish_message, icon=":material/check_circle:")

    st.subheader("Feed links")
    if not access.allowed(roles.may_see_links):
        st.info("Feed links are secrets: each engineer finds their own on their page (My rota).")
    try:
        base = state.link_base()
        # Links are secrets: not even read for a role that may not see them.
        links = publishing.links_frame(store, base) if access.allowed(roles.may_see_links) else None
    except (BaseURLError, StoreError) as error:
        links = None
        st.error(f"The links cannot be shown: {error}", icon="⛔")
    if links is not None and links.empty:
        st.info("No feeds yet: publish a rota first.")
    elif links is not None:
        if insecure(base):
            st.warning(f"{base} is not https: the links carry secrets and calendar apps may refuse plain http. "
                       "Serve them behind TLS and set ROTA_PUBLIC_URL.", icon="⚠️")
        st.caption(f"Served by `rota serve` at {base} (ROTA_PUBLIC_URL). Google Calendar: *Other calendars → From "
                   "URL* with the https link; Outlook: *Subscribe from web*; Apple Calendar: open the webcal link. "
                   "Links are secrets: `rota feeds rotate` replaces a leaked one.")
        labels = {f"{r.name} ({r.kind} {r.id})": i for i, r in enumerate(links.itertuples())}
        chosen = links.iloc[labels[st.selectbox("Links of", list(labels), key="feed_of")]]
        st.code(chosen["https"], language=None)
        st.code(chosen["webcal"], language=None)
        with st.expander(f"All {len(links)} feed links"):
            st.dataframe(links, hide_index=True, width="stretch", key="feed_links",
                         column_config={"https": st.column_config.LinkColumn("https"),
                                        "webcal": st.column_config.LinkColumn("webcal")})

    st.subheader("Versions")
    try:
        history = publishing.versions_frame(store)
    except StoreError as error:
        st.error(f"The versions cannot be shown: {error}", icon="⛔")
        st.stop()
    if history.empty:
        st.info("Nothing published yet.")
    else:
        st.dataframe(history, hide_index=True, width="stretch", key="versions",  # what the feeds show: first
                     column_order=["shown", *(c for c in history.columns if c != "shown")],
                     column_config={"version": st.column_config.NumberColumn("version", width="small"),
                                    **{c: st.column_config.NumberColumn(f"events {c}", help=EVENTS_HELP)
                                       for c in ("new", "changed", "cancelled")},
                                    "scenario": st.column_config.TextColumn("scenario", width="medium"),
                                    "shown": st.column_config.CheckboxColumn("feeds show it", width="small")})
        earlier = [int(v) for v in history.loc[~history["shown"], "version"]] if access.allowed(
            roles.may_rollback) else []
        if earlier:
            st.markdown("**Roll back to** an earlier version: its shifts are published again, as a new version, and "
                        "calendar apps take it too.")
        columns = st.columns(4)
        for i, version in enumerate(earlier):
            if columns[i % 4].button(f"Version {version}", key=f"rollback_{version}", icon=":material/undo:",
                                     width="stretch", help=f"Publish the shifts of version {version} again"):
                access.require(roles.may_rollback, "roll back")
                try:
                    v = store.rollback(version, actor=access.actor()).version
                    st.session_state.publish_message = (
                        f"Published version {v.id}: the shifts of version {version} again ({v.shifts} shifts; calendar "
                        f"events: {v.added} back, {v.changed} updated, {v.unchanged} unchanged, {v.cancelled} "
                        "cancelled)")
                except StoreError as error:
                    st.session_state.publish_message = ""
                    st.error(f"Not rolled back: {error}", icon="⛔")
                st.rerun()

    st.subheader("Audit log")
    try:
        entries = store.audit(200)
    except StoreError as error:
        entries = []
        st.error(f"The audit log cannot be shown: {error}", icon="⛔")
    if entries:
        st.dataframe(pd.DataFrame([{"when (UTC)": f"{e.at:%Y-%m-%d %H:%M:%S}", "who": e.actor, "what": e.action,
                                    "detail": e.detail} for e in entries]),
                     hide_index=True, width="stretch", key="audit", row_height=60,
                     column_config={"detail": st.column_config.TextColumn("detail", width="large")})
        st.caption(f"Team {state.team()}: every publish, forced publish, rollback, link rotation and role change, "
                   "newest first (also `rota audit`).")
    else:
        st.info("Nothing recorded yet: publishing records who did it and when.")
