"""rota's web UI: a thin router over the page scripts in app_pages/ (all logic lives in the rota package).

The folder is not called pages/: Streamlit treats a pages/ folder beside the entry script as its legacy
multipage app and, on a fresh server or under AppTest, runs a page without this router.
"""

import streamlit as st

import ui_state


def main() -> None:
    st.set_page_config(page_title="rota", page_icon=":material/schedule:", layout="wide")
    ui_state.init()
    plan_page = st.Page("app_pages/plan.py", title="Plan", icon=":material/calculate:")
    whatif_page = st.Page("app_pages/whatif.py", title="What-if", icon=":material/compare_arrows:")
    page = st.navigation([
        st.Page("app_pages/team.py", title="Team", icon=":material/group:", default=True),
        st.Page("app_pages/rules.py", title="Rules & cover", icon=":material/schedule:"),
        plan_page,
        st.Page("app_pages/coverage.py", title="Coverage", icon=":material/grid_on:"),
        st.Page("app_pages/people.py", title="People", icon=":material/person:"),
        st.Page("app_pages/calendars.py", title="Calendars", icon=":material/calendar_month:"),
        whatif_page,
    ])
    # Each page shows its own job's progress in full; the others show it compact in the sidebar.
    ui_state.sidebar(show_solve=page.url_path != plan_page.url_path,
                     show_whatif=page.url_path != whatif_page.url_path)
    page.run()


# Streamlit runs this script as __main__. A worker that multiprocessing spawns from the server (the what-if solves)
# re-runs it as __mp_main__: it must not start the UI there.
if __name__ == "__main__":
    main()
