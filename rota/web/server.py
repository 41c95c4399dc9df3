"""The one process that serves rota: the Streamlit web UI (rota/web/app.py) and the calendar feeds (rota.feeds).

Started by `rota serve` (uvicorn, factory mode); the store comes from $ROTA_STORE, which `rota serve --store` sets.
`rota serve --feeds-only` runs rota.feed_server instead, without Streamlit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from streamlit import config

from rota import logs
from rota.feed_server import health_route
from rota.feeds import routes
from rota.signin_config import secrets_files
from rota.store import open_store

APP = Path(__file__).resolve().parent / "app.py"


def create_app() -> st.App:
    logs.install()
    _one_line_per_request()
    # Sign-in reads [auth] where rota.signin_config looks: Streamlit's own places and $ROTA_SECRETS.
    config.set_option("secrets.files", [str(p) for p in secrets_files()])
    store = open_store()
    return st.App(APP, routes=[health_route(store), *routes(store)])


def _one_line_per_request() -> None:
    """Streamlit adds its own handler to uvicorn's access logger when it parses its config; from then on uvicorn's
    handler stays quiet, so each request is logged once, not twice."""
    access = logging.getLogger("uvicorn.access")
    for handler in access.handlers:
        handler.addFilter(lambda _record: not hasattr(access, "streamlit_console_handler"))
