"""The one process that serves rota: the Streamlit web UI (rota/web/app.py) and the calendar feeds (rota.feeds).

Started by `rota serve` (uvicorn, factory mode); the store comes from $ROTA_STORE, which `rota serve --store` sets.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit import config

from rota.feeds import routes
from rota.signin_config import secrets_files
from rota.store import open_store

APP = Path(__file__).resolve().parent / "app.py"


def create_app() -> st.App:
    # Sign-in reads [auth] where rota.signin_config looks: Streamlit's own places and $ROTA_SECRETS.
    config.set_option("secrets.files", [str(p) for p in secrets_files()])
    return st.App(APP, routes=routes(open_store()))
