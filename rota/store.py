"""Published versions of a rota, the events in each, and the feed tokens (SQLAlchemy Core).

A SQLite file by default; any SQLAlchemy URL (e.g. PostgreSQL) by configuration. Publishing compares the new rota
with the version committed before it, inside one write transaction:
- an unchanged event keeps its revision (same SEQUENCE, same stamps, so the same bytes);
- a changed event keeps its UID and gets a new revision with SEQUENCE = the highest ever issued for that UID + 1;
- an event that disappears gets a CANCELLED revision (SEQUENCE + 1) that stays in the feeds for RETENTION;
- an event outside the new rota's window is carried forward unchanged (publishing April does not cancel March).
Events are immutable revisions; a version is the set of revisions it shows. A rollback publishes an old version's
events again as a new version, so SEQUENCE only ever grows and calendar apps take the change.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import socket
import sqlite3
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from rota import schema, seam, tokens
from rota.ical import CANCELLED, CONFIRMED, CalendarEvent, Feed, ShiftContent, feeds_for, render, shifts_from_result
from rota.result import SCENARIO_COPY, Result
from rota.seam import SeamBreak

RETENTION = timedelta(days=30)  # a cancelled shift stays in the feeds this long after its cancellation
ENV_STORE = "ROTA_STORE"
ENV_KEY = "ROTA_SECRET_KEY_FILE"
ENV_PAUSE = "ROTA_TEST_PAUSE_IN_PUBLISH"  # test hook: seconds to sleep inside the publish transaction
BUSY_SECONDS = 60.0  # how long a publish waits for another one to finish
_LOCK = "publish-lock"
_ROLES = "roles"  # meta: the role grants last noted in the audit log
ALL_TEAMS = ""  # the audit log's team for what concerns every team (roles)
DEFAULT_TEAM = "default"  # the team of a store's only rota when nobody named one (and of stores made before teams)

metadata = MetaData()
versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("published", String(20), nullable=False),
    Column("scenario", Text, nullable=False),
    Column("window_start", String(20), nullable=False),
    Column("window_end", String(20), nullable=False),
    Column("source", Text, nullable=False),
    Column("rollback_of", Integer, nullable=True),
    Column("shifts", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("cancelled", Integer, nullable=False, default=0),
    Column("team", String(200), nullable=False, index=True, server_default=DEFAULT_TEAM),
    Column("files", LargeBinary, nullable=True),  # the scenario's files as published (zip), for the team's UI
)
revisions = Table(
    "revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(64), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("modified", String(20), nullable=False),
    Column("cancelled", String(20), nullable=True),
    Column("engineer", String(200), nullable=False, index=True),
    Column("centre", String(200), nullable=False, index=True),
    Column("start_utc", String(20), nullable=False),
    Column("end_utc", String(20), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("content", Text, nullable=False),
    UniqueConstraint("uid", "sequence"),  # two different revisions of an event never share a SEQUENCE
)
version_events = Table(
    "version_events", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("revision_id", Integer, ForeignKey("revisions.id"), primary_key=True),
)
feeds = Table(
    "feeds", metadata,
    Column("team", String(200), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("ident", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", String(20), nullable=False),
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(20), nullable=False),
    Column("team", String(200), nullable=False, index=True),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
)
_LISTED = [c for c in versions.c if c.name != "files"]  # a version without its files, for lists and lookups
meta = Table(
    "meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)


class StoreError(Exception):
    """A store that cannot be opened or used as asked; the message says what to do."""


# --- where the store is ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    url: str
    key_file: Path
    label: str  # for messages: the file path, or the URL without its password
    default: bool = False  # the user's data dir: its folder may be created; a location given explicitly must exist


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("rota", appauthor=False)) / "rota.sqlite3"


def locate(option: str | None = None) -> Location:
    """--store, else $ROTA_STORE, else the user's data dir. A plain path means a SQLite file; a URL is SQLAlchemy's."""
    given = option or os.environ.get(ENV_STORE)
    raw = given or str(default_path())
    if "://" in raw:
        try:
            url = make_url(raw)
        except (ArgumentError, ValueError) as error:
            raise StoreError(f"store URL {raw!r} is not a SQLAlchemy URL ({error}); expected e.g. "
                             "postgresql+psycopg://user:password@host:5432/rota or sqlite:////path/rota.sqlite3, "
                             "or a plain file path") from None
        database = url.database if url.get_backend_name() == "sqlite" else None
        key = Path(database + ".key") if database and database != ":memory:" else default_path().with_name(
            "feed-secret.key")
        label = (str(Path(database).absolute()) if database and database != ":memory:"
                 else url.render_as_string(hide_password=True))  # a SQLite file is named by its path
        text = raw
    else:
        path = Path(raw).expanduser().absolute()
        text, key, label = f"sqlite:///{path}", path.with_name(path.name + ".key"), str(path)
    key_env = os.environ.get(ENV_KEY)
    return Location(text, Path(key_env).expanduser() if key_env else key, label, default=not given)


# --- records -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    team: str
    actor: str  # who: a signed-in e-mail, or the OS user of a command
    action: str  # publish, forced publish, rollback, rotate, role change
    detail: str


@dataclass(frozen=True)
class VersionInfo:
    id: int
    published: datetime
    scenario: str
    window_start: str
    window_end: str
    source: str
    rollback_of: int | None
    shifts: int
    added: int
    changed: int
    unchanged: int
    cancelled: int
    team: str = DEFAULT_TEAM


@dataclass(frozen=True)
class PublishReport:
    version: VersionInfo
    carried: int  # shifts outside the rota's window, kept as they were
    expired: int  # cancellations older than RETENTION, dropped
    republished: bool = False  # nothing differed from `version`, the latest: no new version was made
    edge_kept: int = 0  # shifts of the result starting before its window, left as the earlier window published them
    forced: tuple[SeamBreak, ...] = ()  # the rule breaks at the seams it was published with (--force)


@dataclass(frozen=True)
class PublishPlan:
    """What a publish of a result would write, worked out before writing (and for `rota publish --dry-run`)."""

    target: dict[str, ShiftContent]  # the result's shifts that will be published, by UID
    before: frozenset[tuple[str, str, str]]  # (engineer, local date, shift) published in the window now
    after: frozenset[tuple[str, str, str]]  # the same after the publish
    edge_kept: int
    breaks: tuple[SeamBreak, ...]  # hard rules the joined rota (published outside the window + result) breaks
    owned: frozenset[str] = frozenset()  # UIDs starting before the window that an earlier publish of it made


class SeamError(StoreError):
    """The joined rota would break hard rules at a seam: nothing was published."""

    def __init__(self, breaks: tuple[SeamBreak, ...]):
        self.breaks = breaks
        listed = "\n".join(f"  {b}" for b in breaks)
        super().__init__(f"publishing this result would break {len(breaks)} hard rule(s) where it meets the published "
                         f"rota; nothing was published:\n{listed}\nSolve again with the published history (the "
                         "default; see rota solve --no-history), or publish anyway with --force")


@dataclass(frozen=True)
class FeedRecord:
    team: str
    kind: str
    ident: str
    name: str
    description: str
    generation: int
    token_hash: str
    created: datetime

    @property
    def feed(self) -> Feed:
        return Feed(self.kind, self.ident, self.name, self.description)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FeedDocument:
    """A feed as served at one moment."""

    body: bytes
    version: int
    last_modified: datetime  # the latest change of anything in it
    valid_until: datetime | None  # when a visible cancellation expires and the bytes change without a publish


@dataclass(frozen=True)
class _Row:
    id: int
    uid: str
    sequence: int
    status: str
    modified: str
    cancelled: str | None
    start_utc: str
    end_utc: str
    fingerprint: str
    content: str


# --- the store ---------------------------------------------------------------------------------------------------


class Store:
    """One store holds the rotas of several teams; `team` chooses whose versions, feeds and audit a Store shows
    (default: the store's only team, "default" in an empty one). Feed tokens open their own team's feed whatever the
    Store's team."""

    def __init__(self, location: Location, team: str | None = None):
        self.location = location
        self._team = team
        self.engine, self.read_only = _engine(location)
        try:
            self._ensure_schema()
        except DBAPIError as error:
            self.engine.dispose()
            raise StoreError(_explain(location, error)) from None

    def close(self) -> None:
        self.engine.dispose()

    # teams

    def teams(self) -> list[str]:
        """Every team with a published version or a feed, by name."""
        with self._read() as conn:
            named = set(conn.execute(select(versions.c.team).distinct()).scalars())
            named |= set(conn.execute(select(feeds.c.team).distinct()).scalars())
        return sorted(named)

    @property
    def team(self) -> str:
        """The team this Store works on; StoreError when it was not named and the store holds several."""
        if self._team is None:
            known = self.teams()
            if len(known) > 1:
                raise StoreError(f"the store {self.location.label} holds the rotas of {len(known)} teams "
                                 f"({', '.join(known)}): say which one with --team")
            self._team = known[0] if known else DEFAULT_TEAM
        return self._team

    # transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read; a database that fails (damaged, gone, unreachable) becomes a StoreError that says what to do."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as error:
            raise StoreError(_explain(self.location, error)) from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction, serialised with every other writer before it reads anything. It commits whole or
        not at all: any failure inside rolls everything back."""
        if self.read_only:
            raise StoreError(f"the store {self.location.label} is read-only for this user (the file or its folder "
                             "is not writable): nothing was changed. Publishing needs write access; feeds can still "
                             "be served from it (rota serve)")
        try:
            with self.engine.connect() as conn:
                conn.execution_options(rota_write=True)
                with conn.begin():
                    # SQLite: BEGIN IMMEDIATE already holds the write lock. Elsewhere this row lock serialises
                    # publishers; under READ COMMITTED the reads after it see the version committed before us.
                    conn.execute(update(meta).where(meta.c.key == _LOCK).values(value=meta.c.value))
                    _check_integrity(conn, self.location)  # never write into a damaged file
                    yield conn
        except OperationalError as error:
            if "locked" in str(error.orig) or "busy" in str(error.orig):
                raise StoreError(f"the store {self.location.label} stayed busy for {BUSY_SECONDS:.0f} s (another "
                                 "publish?); nothing was changed, try again") from None
            raise StoreError(_explain(self.location, error, writing=True)) from None
        except DBAPIError as error:
            raise StoreError(_explain(self.location, error, writing=True)) from None

    def _ensure_schema(self) -> None:
        # A read first: opening a store that is up to date must not wait behind a publish holding the write lock.
        with self.engine.connect() as conn:
            revision = schema.current(conn)
        if revision == schema.HEAD:
            return
        if self.read_only:
            raise StoreError(f"the store {self.location.label} is read-only for this user and holds no rota store "
                             "yet, or one whose schema needs an upgrade: open it once where it is writable (e.g. "
                             "`rota versions --store ...` as its owner), or give the right path")
        try:
            with self._write_bootstrap() as conn:
                schema.upgrade(conn)
        except schema.SchemaError as error:
            raise StoreError(f"cannot open the store {self.location.label}: {error}") from None

    @contextmanager
    def _write_bootstrap(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(rota_write=True)
            with conn.begin():
                yield conn

    # publishing

    def publish(self, result: Result, now: datetime | None = None, source: str | None = None,
                force: bool = False, actor: str = "") -> PublishReport:
        """Store `result` as a new version; see the module docstring for how it is compared with the last one.
        `source` says where it came from in the version list (default: the result folder's path).

        Only the result's window changes: a shift starting in it is replaced or cancelled, every other published
        shift is kept, and a shift of the result that starts before its window (a night reaching into it) is left
        as the earlier window published it. When the joined rota would break a hard rule, SeamError, unless
        `force` (the version's source then says so)."""
        start, end = _z(result.window.start), _z(result.window.end)
        with self._write() as conn:
            plan = self._prepare(conn, result)
            if plan.breaks and not force:
                raise SeamError(plan.breaks)
            key = self._key(create=True)
            label = source or str(result.folder.absolute())
            if plan.breaks:
                label += f" (forced past {len(plan.breaks)} rule break{'s' if len(plan.breaks) > 1 else ''})"
            report = self._commit(conn, plan.target, lambda r: start <= r.start_utc < end or r.uid in plan.owned,
                                  _now(now), scenario=result.scenario.name, window=(start, end), source=label,
                                  rollback_of=None, files=_zipped(result.folder / SCENARIO_COPY))
            self._ensure_feeds(conn, feeds_for(result), key, report.version.published)
            if not report.republished:
                v = report.version
                what = (f"version {v.id} of '{v.scenario}' ({v.window_start[:10]} → {v.window_end[:10]}): {v.added} "
                        f"new, {v.changed} changed, {v.cancelled} cancelled; from {label}")
                self._record(conn, "forced publish" if plan.breaks else "publish",
                             what + "".join(f"; broke {b}" for b in plan.breaks), actor, v.published)
            _test_pause()
        return replace(report, edge_kept=plan.edge_kept, forced=plan.breaks)

    def plan_publish(self, result: Result) -> PublishPlan:
        """What `publish(result)` would do now, without writing anything."""
        with self._read() as conn:
            return self._prepare(conn, result)

    def _prepare(self, conn: Connection, result: Result) -> PublishPlan:
        start, end = _z(result.window.start), _z(result.window.end)
        latest = self._latest(conn)
        rows = [r for r in self._rows(conn, latest.id) if r.status == CONFIRMED] if latest else []
        infos = self._versions(conn)
        window_of = {v.published: v.window_start for v in infos}  # a revision is stamped with its version's time
        owned = frozenset(r.uid for r in rows if r.start_utc < start and window_of.get(_from_z(r.modified)) == start)
        outside = [ShiftContent.from_json(r.content) for r in rows
                   if not start <= r.start_utc < end and r.uid not in owned]
        taken = {(c.engineer, c.date) for c in outside}
        target: dict[str, ShiftContent] = {}
        edge_kept = 0
        for c in shifts_from_result(result):
            if _z(c.start) < start and (c.engineer, c.date) in taken:
                edge_kept += 1  # that engineer-day belongs to the window it was published in
                continue
            target[c.uid] = c
        found = tuple(seam.breaks(result.scenario, target.values(), outside))
        inside = [ShiftContent.from_json(r.content) for r in rows if start <= r.start_utc < end or r.uid in owned]
        return PublishPlan(target, frozenset((c.engineer, c.date, c.shift) for c in inside),
                           frozenset((c.engineer, c.date, c.shift) for c in target.values()), edge_kept, found, owned)

    def rollback(self, version: int, now: datetime | None = None, actor: str = "") -> PublishReport:
        """Publish the events of `version` again, as a new version compared with the current one."""
        with self._write() as conn:
            info = self._version(conn, version)
            if info is None:
                known = [v.id for v in self._versions(conn)]
                raise StoreError(f"there is no version {version}; versions: "
                                 f"{', '.join(map(str, known)) or 'none (publish first)'}")
            rows = self._rows(conn, version)
            target = {r.uid: ShiftContent.from_json(r.content) for r in rows if r.status == CONFIRMED}
            files = conn.execute(select(versions.c.files).where(versions.c.id == version)).scalar()
            report = self._commit(conn, target, lambda r: True, _now(now), scenario=info.scenario,
                                  window=(info.window_start, info.window_end), source=info.source,
                                  rollback_of=version, files=files)
            self._record(conn, "rollback", f"version {report.version.id} shows version {version}'s rota again",
                         actor, report.version.published)
            _test_pause()
        return report

    def _commit(self, conn: Connection, target: dict[str, ShiftContent], in_scope: Callable[[_Row], bool],
                now: datetime, *, scenario: str, window: tuple[str, str], source: str,
                rollback_of: int | None, files: bytes | None = None) -> PublishReport:
        latest = self._latest(conn)
        if latest and latest.published >= now:
            # HTTP dates have one-second resolution: each version is stamped at least a second after the one before,
            # even when the clock goes back or two publishes share a second, so If-Modified-Since sees the change.
            now = latest.published + timedelta(seconds=1)
        stamp = _z(now)
        previous = {r.uid: r for r in self._rows(conn, latest.id)} if latest else {}
        if latest and rollback_of is None and _same(previous, target, in_scope, now) and (
                latest.scenario, latest.window_start, latest.window_end) == (scenario, *window):
            # The same rota again: a new version would only raise every SEQUENCE and fill the history with copies.
            carried = sum(1 for uid in set(previous) - set(target)
                          if previous[uid].status == CONFIRMED and not in_scope(previous[uid]))
            return PublishReport(latest, carried, 0, republished=True)
        highest = self._highest_sequences(conn, set(target) | set(previous))
        # Numbered under the lock, across teams (a version number names one version in the store): no gap left by
        # a killed publish.
        version_id = (conn.execute(select(func.max(versions.c.id))).scalar() or 0) + 1
        conn.execute(insert(versions).values(
            id=version_id, published=stamp, scenario=scenario, window_start=window[0], window_end=window[1],
            source=source, rollback_of=rollback_of, team=self.team, files=files))
        shown: list[int] = []
        counts = {"added": 0, "changed": 0, "unchanged": 0, "cancelled": 0, "carried": 0, "expired": 0}
        for uid in sorted(target):
            content, before = target[uid], previous.get(uid)
            if before and before.status == CONFIRMED and before.fingerprint == content.fingerprint:
                shown.append(before.id)
                counts["unchanged"] += 1
                continue
            counts["changed" if before and before.status == CONFIRMED else "added"] += 1
            shown.append(self._insert(conn, content, CONFIRMED, highest.get(uid, -1) + 1, stamp, None))
        for uid in sorted(set(previous) - set(target)):
            before = previous[uid]
            if before.status == CONFIRMED and in_scope(before):
                content = ShiftContent.from_json(before.content)
                shown.append(self._insert(conn, content, CANCELLED, highest.get(uid, -1) + 1, stamp, stamp))
                counts["cancelled"] += 1
            elif before.status == CONFIRMED or _from_z(before.cancelled or stamp) + RETENTION > now:
                shown.append(before.id)  # still shown: a shift of another window, or a recent cancellation
                counts["carried"] += before.status == CONFIRMED
            else:
                counts["expired"] += 1
        for revision_id in shown:
            conn.execute(insert(version_events).values(version_id=version_id, revision_id=revision_id))
        live = len(target) + sum(1 for uid in set(previous) - set(target)
                                 if previous[uid].status == CONFIRMED and not in_scope(previous[uid]))
        conn.execute(update(versions).where(versions.c.id == version_id).values(
            shifts=live, added=counts["added"], changed=counts["changed"], unchanged=counts["unchanged"],
            cancelled=counts["cancelled"]))
        info = self._version(conn, version_id)
        assert info is not None
        return PublishReport(info, counts["carried"], counts["expired"])

    def _insert(self, conn: Connection, content: ShiftContent, status: str, sequence: int, stamp: str,
                cancelled: str | None) -> int:
        return conn.execute(insert(revisions).values(
            uid=content.uid, sequence=sequence, status=status, modified=stamp, cancelled=cancelled,
            engineer=content.engineer, centre=content.centre, start_utc=_z(content.start), end_utc=_z(content.end),
            fingerprint=content.fingerprint, content=content.to_json())).inserted_primary_key[0]

    def _highest_sequences(self, conn: Connection, uids: set[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        ordered = sorted(uids)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i:i + 500]
            query = select(revisions.c.uid, func.max(revisions.c.sequence)).where(
                revisions.c.uid.in_(chunk)).group_by(revisions.c.uid)
            out.update((uid, highest) for uid, highest in conn.execute(query))
        return out

    # feeds and tokens

    def _key(self, create: bool) -> bytes:
        try:
            return tokens.load_key(self.location.key_file, create)
        except tokens.KeyFileError as error:
            raise StoreError(str(error)) from None

    def _ensure_feeds(self, conn: Connection, wanted: list[Feed], key: bytes, now: datetime) -> None:
        team = self.team
        existing = {(r.kind, r.ident): r for r in conn.execute(select(feeds).where(feeds.c.team == team)).all()}
        for feed in wanted:
            row = existing.get((feed.kind, feed.ident))
            if row is None:
                conn.execute(insert(feeds).values(
                    team=team, kind=feed.kind, ident=feed.ident, name=feed.name, description=feed.description,
                    generation=0, created=_z(now),
                    token_hash=tokens.token_hash(tokens.derive(key, feed.kind, feed.ident, 0, team))))
            elif (row.name, row.description) != (feed.name, feed.description):
                conn.execute(update(feeds).where(feeds.c.team == team, feeds.c.kind == feed.kind,
                                                 feeds.c.ident == feed.ident).values(
                    name=feed.name, description=feed.description))

    def feeds(self) -> list[FeedRecord]:
        with self._read() as conn:
            rows = conn.execute(select(feeds).where(feeds.c.team == self.team)).all()
        order = {"engineer": 0, "centre": 1, "team": 2}
        return sorted((_feed_record(r) for r in rows), key=lambda f: (order.get(f.kind, 3), f.ident))

    def token(self, record: FeedRecord) -> str:
        """Re-derive a feed's token from the secret key, checking it against the stored hash."""
        token = tokens.derive(self._key(create=False), record.kind, record.ident, record.generation, record.team)
        if not tokens.same_hash(tokens.token_hash(token), record.token_hash):
            raise StoreError(f"the secret key {self.location.key_file} does not match the store's tokens (was the "
                             "key file replaced?); issue new links with `rota feeds rotate --all`")
        return token

    def rotate(self, kind: str, ident: str | None = None, actor: str = "") -> list[FeedRecord]:
        """Revoke and replace the token of one feed, or of every feed of `kind` ("all" for every feed)."""
        team = self.team
        with self._write() as conn:
            key = self._key(create=True)
            query = select(feeds).where(feeds.c.team == team)
            if kind != "all":
                query = query.where(feeds.c.kind == kind)
            if ident is not None:
                query = query.where(feeds.c.ident == ident)
            rows = conn.execute(query).all()
            if not rows:
                known = sorted(conn.execute(select(feeds.c.ident).where(
                    feeds.c.team == team, feeds.c.kind == kind)).scalars().all())
                raise StoreError(f"no {kind} feed '{ident}'" + (f"; known: {', '.join(known)}" if known else
                                                               "; publish a rota first"))
            for row in rows:
                generation = row.generation + 1
                conn.execute(update(feeds).where(feeds.c.team == team, feeds.c.kind == row.kind,
                                                 feeds.c.ident == row.ident).values(
                    generation=generation,
                    token_hash=tokens.token_hash(tokens.derive(key, row.kind, row.ident, generation, team))))
            keys = [(r.kind, r.ident) for r in rows]
            which = "every feed" if kind == "all" else f"the {kind} feed {ident}" if ident else f"every {kind} feed"
            self._record(conn, "rotate", f"new link for {which} ({len(rows)}); the old link no longer opens it",
                         actor, _now(None))
        return [f for f in self.feeds() if (f.kind, f.ident) in keys]

    def feed_by_token(self, token: str) -> FeedRecord | None:
        """The feed a presented token opens, or None. Looked up by hash; the hash compared in constant time."""
        found = self.lookup(token)
        return found[0] if found else None

    def lookup(self, token: str) -> tuple[FeedRecord, int] | None:
        """The feed a token opens and the version the feeds show, in one round trip (the server's hot path)."""
        wanted = tokens.token_hash(token)
        latest = select(func.max(versions.c.id)).where(versions.c.team == feeds.c.team).scalar_subquery()
        with self._read() as conn:
            row = conn.execute(select(feeds, latest.label("latest")).where(feeds.c.token_hash == wanted)).first()
        if row is None or row.latest is None or not tokens.same_hash(row.token_hash, wanted):
            return None
        return _feed_record(row), row.latest

    def document(self, record: FeedRecord, at: datetime | None = None, version: int | None = None
                 ) -> FeedDocument | None:
        """The feed's calendar as of `at` in `version` (default: the latest; None before the first publish)."""
        at = _now(at)
        with self._read() as conn:
            latest = (self._version(conn, version, record.team) if version is not None
                      else self._latest(conn, record.team))
            if latest is None:
                return None
            feed = record.feed
            rows = self._rows(conn, latest.id, kind=record.kind, ident=record.ident)
        events, changes, expiries = [], [record.created], []
        for r in rows:
            content = ShiftContent.from_json(r.content)
            if not feed.includes(content):
                continue
            if r.status == CANCELLED:
                until = _from_z(r.cancelled or r.modified) + RETENTION
                if until <= at:
                    changes.append(until)  # it left the feed then
                    continue
                expiries.append(until)
            changes.append(_from_z(r.modified))
            events.append(CalendarEvent(content, r.status, r.sequence, _from_z(r.modified)))  # type: ignore[arg-type]
        return FeedDocument(render(feed, events), latest.id, max(changes), min(expiries, default=None))

    # versions

    def versions(self) -> list[VersionInfo]:
        with self._read() as conn:
            return self._versions(conn)

    def events(self, version: int) -> list[CalendarEvent]:
        """Every event a version shows (cancelled ones included), for tools and tests."""
        with self._read() as conn:
            if self._version(conn, version) is None:
                raise StoreError(f"there is no version {version}")
            rows = self._rows(conn, version)
        return [CalendarEvent(ShiftContent.from_json(r.content), r.status, r.sequence,  # type: ignore[arg-type]
                              _from_z(r.modified)) for r in rows]

    def _versions(self, conn: Connection) -> list[VersionInfo]:
        query = select(*_LISTED).where(versions.c.team == self.team).order_by(versions.c.id)
        return [_version_info(r) for r in conn.execute(query).all()]

    def _version(self, conn: Connection, version: int, team: str | None = None) -> VersionInfo | None:
        row = conn.execute(select(*_LISTED).where(versions.c.id == version,
                                                  versions.c.team == (team or self.team))).first()
        return _version_info(row) if row is not None else None

    def _latest(self, conn: Connection, team: str | None = None) -> VersionInfo | None:
        query = select(*_LISTED).where(versions.c.team == (team or self.team)).order_by(versions.c.id.desc())
        row = conn.execute(query.limit(1)).first()
        return _version_info(row) if row is not None else None

    def scenario_files(self, version: int | None = None) -> dict[str, bytes] | None:
        """The scenario files a version of the team was published from (default: the latest); None if none."""
        with self._read() as conn:
            info = self._version(conn, version) if version is not None else self._latest(conn)
            if info is None:
                return None
            data = conn.execute(select(versions.c.files).where(versions.c.id == info.id)).scalar()
        if not data:
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    # the audit log

    def _record(self, conn: Connection, action: str, detail: str, actor: str, at: datetime) -> None:
        conn.execute(insert(audit).values(at=_z(at), team=self.team, actor=actor or default_actor(), action=action,
                                          detail=detail))

    def record(self, action: str, detail: str, actor: str = "", now: datetime | None = None) -> None:
        """Add to the audit log what happened outside the store (e.g. a role changed)."""
        with self._write() as conn:
            self._record(conn, action, detail, actor, _now(now))

    def note_roles(self, grants: list[str], actor: str = "", now: datetime | None = None) -> bool:
        """Record in the audit log how the roles changed since they were last noted (the roles file is edited by
        hand, so a change is recorded when rota first reads it); True if they had changed."""
        with self._write() as conn:
            before = conn.execute(select(meta.c.value).where(meta.c.key == _ROLES)).scalar()
            known = json.loads(before) if before else []
            if known == grants:
                return False
            added = [g for g in grants if g not in known]
            removed = [g for g in known if g not in grants]
            detail = "; ".join(part for part in (f"added {', '.join(added)}" if added else "",
                                                 f"removed {', '.join(removed)}" if removed else "") if part)
            conn.execute(insert(audit).values(at=_z(_now(now)), team=ALL_TEAMS, actor=actor or default_actor(),
                                              action="role change", detail=detail))
            if before is None:
                conn.execute(insert(meta).values(key=_ROLES, value=json.dumps(grants)))
            else:
                conn.execute(update(meta).where(meta.c.key == _ROLES).values(value=json.dumps(grants)))
        return True

    def audit(self, limit: int | None = None) -> list[AuditEntry]:
        """The team's audit log (with what concerns every team, such as roles), newest first."""
        query = select(audit).where(audit.c.team.in_([self.team, ALL_TEAMS])).order_by(audit.c.id.desc())
        with self._read() as conn:
            rows = conn.execute(query.limit(limit) if limit else query).all()
        return [AuditEntry(_from_z(r.at), r.team, r.actor, r.action, r.detail) for r in rows]

    def _rows(self, conn: Connection, version: int, kind: str = "team", ident: str = "") -> list[_Row]:
        query = select(revisions).join(version_events, version_events.c.revision_id == revisions.c.id).where(
            version_events.c.version_id == version)
        if kind == "engineer":
            query = query.where(revisions.c.engineer == ident)
        elif kind == "centre":
            query = query.where(revisions.c.centre == ident)
        return [_Row(r.id, r.uid, r.sequence, r.status, r.modified, r.cancelled, r.start_utc, r.end_utc,
                     r.fingerprint, r.content) for r in conn.execute(query.order_by(revisions.c.uid)).all()]


def _same(previous: dict[str, _Row], target: dict[str, ShiftContent], in_scope: Callable[[_Row], bool],
          now: datetime) -> bool:
    """Whether publishing `target` over the `previous` version's rows would change no event at all (nor drop a
    cancellation past its retention)."""
    for uid, content in target.items():
        before = previous.get(uid)
        if before is None or before.status != CONFIRMED or before.fingerprint != content.fingerprint:
            return False
    return not any((r.status == CONFIRMED and in_scope(r)) or (r.status != CONFIRMED and r.cancelled
                   and _from_z(r.cancelled) + RETENTION <= now) for uid, r in previous.items() if uid not in target)


def open_store(option: str | None = None, team: str | None = None) -> Store:
    return Store(locate(option), team)


def _zipped(folder: Path) -> bytes | None:
    """A scenario copy's files, zipped with fixed stamps (the same files, the same bytes)."""
    if not folder.is_dir():
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            archive.writestr(zipfile.ZipInfo(path.name, (2000, 1, 1, 0, 0, 0)), path.read_bytes())
    return buffer.getvalue()


def default_actor() -> str:
    """Who runs this process, for the audit log of a command: the OS user on this host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()} (command line)"


# --- helpers -----------------------------------------------------------------------------------------------------


def _engine(location: Location) -> tuple[Engine, bool]:
    """The engine, and whether the store is read-only for this user (then it is opened so, and only read)."""
    url = make_url(location.url)
    try:
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True), False
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise StoreError(f"no database driver for {location.label}: {error} (install it, e.g. "
                         "`pip install psycopg` for postgresql+psycopg://)") from None
    except (SQLAlchemyError, ValueError) as error:
        raise StoreError(f"cannot use the store {location.label}: {error}") from None
    if not url.database or url.database == ":memory:":
        raise StoreError("a SQLite store must be a file (a store in memory would vanish with the process)")
    path = Path(url.database).absolute()
    if location.default:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        # A typo in --store must not become a new, empty store that answers every feed with 404.
        raise StoreError(f"the folder of the store {location.label} does not exist ({path.parent}): check the "
                         "path given with --store or $ROTA_STORE, or create the folder first")
    if path.is_dir():
        raise StoreError(f"the store {location.label} is a folder; give the path of the store file in it "
                         f"(e.g. {path / 'rota.sqlite3'})")
    read_only = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    args: dict[str, Any] = {"timeout": BUSY_SECONDS, "check_same_thread": False}
    if read_only:
        # Without write access to the folder, SQLite cannot create the WAL index beside the file: open it as
        # immutable then (nobody can publish into it meanwhile); else read-only, seeing later publishes.
        shm = path.with_name(path.name + "-shm")
        immutable = not os.access(path.parent, os.W_OK) and not shm.exists()
        uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
        args["uri"] = True
        engine = create_engine(url, creator=lambda: sqlite3.connect(uri, **args))  # the file's URL: its pool
    else:
        engine = create_engine(url, connect_args=args)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # we emit BEGIN ourselves (sqlite3's legacy mode would defer it)
        cursor = dbapi.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers (the feed server) never wait for a publish
            cursor.execute("PRAGMA synchronous=FULL")  # a committed version survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock before its first read, so it compares with the latest committed version.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("rota_write") else "BEGIN")

    return engine, read_only


def _check_integrity(conn: Connection, location: Location) -> None:
    if conn.dialect.name != "sqlite":
        return
    problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check").all()]
    if problems != ["ok"]:
        raise StoreError(f"the store {location.label} is damaged ({problems[0].splitlines()[-1].strip()}): nothing "
                         f"was changed. {_RESTORE.format(label=location.label)}")


_RESTORE = ("Restore it from a backup, or save what is readable with `sqlite3 {label} .recover | sqlite3 "
            "rescued.sqlite3` and use that file")


def _explain(location: Location, error: DBAPIError, writing: bool = False) -> str:
    """What went wrong with the store, where, and what to do: a message for a person, not a traceback."""
    label, detail = location.label, str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    text = detail.lower()
    if "file is not a database" in text:
        return (f"{label} is not a rota store (the file is not a SQLite database): check the path given with --store "
                "or $ROTA_STORE; to start a new store at this path, move the file away first")
    if "malformed" in text or "corrupt" in text:
        return f"the store {label} is damaged ({detail}): nothing was changed. {_RESTORE.format(label=label)}"
    if "readonly" in text or "read-only" in text:
        return (f"the store {label} is read-only for this user ({detail}): nothing was changed. Publishing needs "
                "write access to the file and its folder; feeds can still be served from it")
    if "disk is full" in text or "disk full" in text:
        return (f"the store {label} could not be written: the database or disk is full ({detail}); nothing was "
                "changed. Free some space and try again")
    if "unable to open" in text:
        return (f"cannot open the store {label} ({detail}): check that the file and its folder exist and this user "
                "may read them")
    what = "write to" if writing else "read"
    return f"cannot {what} the store {label}: {detail}"


def _test_pause() -> None:
    seconds = os.environ.get(ENV_PAUSE)
    if seconds:
        print(f"rota: {ENV_PAUSE}: pausing {seconds} s inside the publish transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_z(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _version_info(row: Any) -> VersionInfo:
    return VersionInfo(row.id, _from_z(row.published), row.scenario, row.window_start, row.window_end, row.source,
                       row.rollback_of, row.shifts, row.added, row.changed, row.unchanged, row.cancelled, row.team)


def _feed_record(row: Any) -> FeedRecord:
    return FeedRecord(row.team, row.kind, row.ident, row.name, row.description, row.generation, row.token_hash,
                      _from_z(row.created))
