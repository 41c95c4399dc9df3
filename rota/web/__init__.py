"""rota's web UI: the only part of rota that imports Streamlit.

`app.py` is the router Streamlit runs, `state.py` the session state the pages share, `app_pages/` the page scripts
(not `pages/`, which Streamlit would treat as its legacy multipage folder) and `server.py` the one process that
serves the UI beside the calendar feeds.
"""
