"""Overview: the team, the published version and its window, the current plan and what to do next."""

import streamlit as st

from rota import overview
from rota.store import StoreError
from rota.web import access, state

access.page_guard("overview")
st.title("Overview")
scenario = state.scenario()
result = state.result()
solution = state.result_solution()
current = state.job()
store = state.store()

published = None
if store is not None:
    try:
        versions = store.versions()
        published = versions[-1] if versions else None
    except StoreError as error:
        st.error(f"The published rota cannot be read: {error}", icon="⛔")

standing = overview.Standing(
    problems=len(state.problems()), solving=current is not None and current.running, solved=result is not None,
    stale=state.result_is_stale(), p0_gap_minutes=result.summary["p0_gap_minutes"] if result else 0,
    other_gap_minutes=result.summary["cover_gap_minutes"] if result else 0,
    published_version=published.id if published else None,
    published_window=f"{published.window_start[:10]} → {published.window_end[:10]}" if published else None,
    window=overview.window_text(scenario))

st.subheader("What to do next")
steps = overview.next_steps(standing)
st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1)) if steps
            else "Nothing to do: the rota is solved, covered and published.")

team, plan, feeds = st.columns(3)
with team:
    st.subheader("Team")
    st.markdown(f"**{scenario.name}** · window {standing.window} ({scenario.days} days)")
    st.markdown("\n".join(f"- {line}" for line in overview.team_text(scenario)))
with plan:
    st.subheader("Plan")
    if solution is None or result is None:
        st.markdown("No rota yet.")
    else:
        said = overview.outcome(solution)
        st.markdown(f"{said.headline} {said.advice}")
        st.markdown(f"- P0 cover: **{result.summary['p0_coverage_pct']:g} %**\n"
                    f"- other cover gaps: **{result.summary['cover_gap_minutes'] / 60:.1f} h**\n"
                    f"- shifts: **{result.summary['shifts']}**")
with feeds:
    st.subheader("Published")
    if published is None:
        st.markdown("Nothing published yet.")
    else:
        st.markdown(f"Version **{published.id}**, {published.published:%Y-%m-%d %H:%M} UTC: {published.shifts} shifts "
                    f"for {standing.published_window}.")
