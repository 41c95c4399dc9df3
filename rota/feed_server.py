"""The feeds-only face, `rota serve --feeds-only`: the calendar feeds and a health check, nothing else.

For the public host that calendar apps poll; the UI can stay on an internal one. Plain Starlette: this module never
imports Streamlit, so a feeds-only process does not load (or expose) the UI at all. Several of these may serve one
PostgreSQL store side by side: each answer comes from the store's latest committed version.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from rota import logs
from rota.feeds import not_found, routes
from rota.store import Store, StoreError, open_store

HEALTH = "/healthz"


def health_route(store: Store) -> Route:
    """`/healthz`: 200 "ok" with the latest version while the store can be read, else 503 (for load balancers)."""
    def health(_request: Request) -> Response:
        try:
            latest = store.versions()[-1:]
        except StoreError:
            return PlainTextResponse("store unavailable\n", status_code=503, headers={"Cache-Control": "no-store"})
        text = f"ok version {latest[0].id}\n" if latest else "ok no version yet\n"
        return PlainTextResponse(text, headers={"Cache-Control": "no-store"})
    return Route(HEALTH, health, methods=["GET", "HEAD"])


def create_app() -> Starlette:
    """The app uvicorn runs (factory mode); the store comes from $ROTA_STORE, which `rota serve --store` sets."""
    logs.install()
    store = open_store()

    async def nothing_else(request: Request, _error: Exception) -> Response:
        return not_found(request)

    return Starlette(routes=[health_route(store), *routes(store)],
                     exception_handlers={404: nothing_else, 405: nothing_else})
