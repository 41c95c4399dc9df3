"""The router Streamlit runs: the pages in app_pages/ with a shared sidebar (all logic lives in the rota package)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rota.web import state

PAGES = Path(__file__).resolve().parent / "app_pages"


def page(name: str) -> Path:
    """A page script by name, as st.Page and st.page_link take it (absolute: the entry may be run from anywhere)."""
    return PAGES / f"{name}.py"


def main() -> None:
    # An emoji favicon is drawn in the page; a :material: one is fetched from an outside font server.
    st.set_page_config(page_title="rota", page_icon="📅", layout="wide")
    state.init()
    plan_page = st.Page(page("plan"), title="Plan", icon=":material/calculate:")
    whatif_page = st.Page(page("whatif"), title="What-if", icon=":material/compare_arrows:")
    current = st.navigation([
        st.Page(page("overview"), title="Overview", icon=":material/home:", default=True),
        st.Page(page("team"), title="Team", icon=":material/group:"),
        st.Page(page("rules"), title="Rules & cover", icon=":material/schedule:"),
        plan_page,
        st.Page(page("coverage"), title="Coverage", icon=":material/grid_on:"),
        st.Page(page("people"), title="People", icon=":material/person:"),
        st.Page(page("calendars"), title="Calendars", icon=":material/calendar_month:"),
        whatif_page,
    ])
    # Each page shows its own job's progress in full; the others show it compact in the sidebar.
    state.sidebar(show_solve=current.url_path != plan_page.url_path,
                  show_whatif=current.url_path != whatif_page.url_path)
    current.run()


# Streamlit runs this script as __main__. A worker that multiprocessing spawns from the server re-runs the main
# script as __mp_main__: it must not start the UI there.
if __name__ == "__main__":
    main()
