"""The router Streamlit runs: the pages in app_pages/ with a shared sidebar (all logic lives in the rota package)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rota import roles
from rota.web import access, state

PAGES = Path(__file__).resolve().parent / "app_pages"


# Every page by its script's name, in the menu's order (rota.roles says who sees which).
PAGE_TITLES = {
    "overview": ("Overview", ":material/home:"),
    "mine": ("My rota", ":material/badge:"),
    "team": ("Team", ":material/group:"),
    "rules": ("Rules & cover", ":material/schedule:"),
    "plan": ("Plan", ":material/calculate:"),
    "coverage": ("Coverage", ":material/grid_on:"),
    "people": ("People", ":material/person:"),
    "calendars": ("Calendars", ":material/calendar_month:"),
    "whatif": ("What-if", ":material/compare_arrows:"),
    "access": ("Access", ":material/admin_panel_settings:"),
}


def page(name: str) -> Path:
    """A page script by name, as st.Page and st.page_link take it (absolute: the entry may be run from anywhere)."""
    return PAGES / f"{name}.py"


def main() -> None:
    # An emoji favicon is drawn in the page; a :material: one is fetched from an outside font server.
    st.set_page_config(page_title="rota", page_icon="📅", layout="wide")
    state.init()
    role = access.role()
    if role is roles.Role.NONE:
        # Before any role: only these pages exist in this session, so no other page's script can run.
        only = access.no_role_page if access.signed_in() else access.signin_page
        st.navigation([st.Page(only, title="Sign in", icon=":material/login:", default=True)]).run()
        return
    # The engineer's own page is for whoever is signed in with an engineer's e-mail, whatever their role.
    mine = access.signed_in() and access.engineer() is not None
    names = [n for n in PAGE_TITLES if (roles.may_see_page(role, n) or (n == "mine" and mine))
             and (n != "access" or access.signin_on())]
    if not names:  # an engineer by group whose e-mail is in no engineers.csv
        st.navigation([st.Page(access.no_role_page, title="Sign in", icon=":material/login:", default=True)]).run()
        return
    shown = {n: st.Page(page(n), title=PAGE_TITLES[n][0], icon=PAGE_TITLES[n][1], default=i == 0)
             for i, n in enumerate(names)}
    current = st.navigation(list(shown.values()))
    if roles.may_edit(role):
        # Each page shows its own job's progress in full; the others show it compact in the sidebar.
        state.sidebar(show_solve=current.url_path != shown["plan"].url_path,
                      show_whatif=current.url_path != shown["whatif"].url_path, new_team=roles.may_manage_teams(role))
    if access.signed_in():
        with st.sidebar:
            st.caption(f"Signed in as **{access.email()}** ({role.value})")
            access.sign_out()
    current.run()


# Streamlit runs this script as __main__. A worker that multiprocessing spawns from the server re-runs the main
# script as __mp_main__: it must not start the UI there.
if __name__ == "__main__":
    main()
