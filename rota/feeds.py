"""The calendar feed routes (Starlette): `/feeds/<token>.ics` for each engineer, each centre and the team.

Calendar apps poll these for years, so the answers are cheap and cacheable: the rendered bytes are cached per
(version, feed), ETag and Last-Modified let pollers get `304 Not Modified`, gzip is done once per document. Anything
wrong with a token — unknown, revoked, malformed — and any other path under /feeds gets the same plain 404.
No Streamlit here: server.py combines these routes with the UI.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from rota import tokens
from rota.store import FeedDocument, FeedRecord, Store, StoreError

MEDIA_TYPE = "text/calendar; charset=utf-8"
CACHE_ENTRIES = 512
_NOT_FOUND_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_log = logging.getLogger(__name__)
_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class _Cached:
    document: FeedDocument
    tag: str  # sha256 of the identity bytes; the gzip representation's ETag adds "-gz"
    gzipped: bytes
    filename: str


class FeedServer:
    def __init__(self, store: Store):
        self.store = store
        self._cache: OrderedDict[tuple[object, ...], _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/feeds/{name}", self.feed, methods=["GET", "HEAD"]),
            # Everything else under /feeds ends here, so no other route (nor the UI's) answers through it.
            Route("/feeds", not_found, methods=_ANY_METHOD),
            Route("/feeds/{rest:path}", not_found, methods=_ANY_METHOD),
        ]

    def feed(self, request: Request) -> Response:
        # A plain function: Starlette runs it in its thread pool, so the database calls do not block the event loop.
        name: str = request.path_params["name"]
        token = name.removesuffix(".ics")
        if token == name or not tokens.well_formed(token):
            return not_found(request)
        try:
            found = self.store.lookup(token)
            cached = self._document(*found) if found is not None else None
        except StoreError as error:
            # A damaged or unreachable store: calendar apps retry later; the operator reads why in the log.
            _log.error("feed request failed: %s", error)
            return PlainTextResponse("Service Unavailable: the calendar store cannot be read\n", status_code=503,
                                     headers={**_NOT_FOUND_HEADERS, "Retry-After": "300"})
        if cached is None:
            return not_found(request)
        use_gzip = _accepts_gzip(request.headers.get("accept-encoding", ""))
        etag = f'"{cached.tag}-gz"' if use_gzip else f'"{cached.tag}"'
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(cached.document.last_modified, usegmt=True),
            "Cache-Control": "private, no-cache",  # a secret URL: no shared caches; revalidate (cheap 304) each time
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if _not_modified(request, cached, headers["Last-Modified"]):
            return Response(status_code=304, headers=headers)
        body = cached.gzipped if use_gzip else cached.document.body
        headers["Content-Disposition"] = f'inline; filename="{cached.filename}"'
        if use_gzip:
            headers["Content-Encoding"] = "gzip"  # also keeps the UI's gzip middleware from compressing it again
        return Response(body, media_type=MEDIA_TYPE, headers=headers)

    def _document(self, record: FeedRecord, version: int) -> _Cached | None:
        key = (version, record.kind, record.ident, record.name, record.description)
        now = datetime.now(UTC)
        with self._lock:
            hit = self._cache.get(key)
            if hit and (hit.document.valid_until is None or now < hit.document.valid_until):
                self._cache.move_to_end(key)
                return hit
        document = self.store.document(record, now, version)
        if document is None:
            return None
        fresh = _Cached(document, hashlib.sha256(document.body).hexdigest()[:32],
                        gzip.compress(document.body, compresslevel=6, mtime=0), record.feed.filename)
        with self._lock:
            self._cache[key] = fresh
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return fresh


def routes(store: Store) -> list[BaseRoute]:
    return FeedServer(store).routes()


def not_found(_request: Request) -> Response:
    return PlainTextResponse("Not Found\n", status_code=404, headers=_NOT_FOUND_HEADERS)


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _float(q[2:]) == 0.0)
    return False


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


def _not_modified(request: Request, cached: _Cached, last_modified: str) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) wins; If-Modified-Since counts only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        ours = {cached.tag, f"{cached.tag}-gz"}  # the same content in either coding
        return any(tag.strip().removeprefix("W/").strip('"') in ours for tag in if_none_match.split(","))
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return parsedate_to_datetime(last_modified) <= since
