"""The store's schema, managed by Alembic (rota/migrations): brought up to date whenever a store is opened.

A store made before migrations existed has the first revision's tables and no `alembic_version`: it is stamped with
that revision, then upgraded like any other, in place, keeping every version. The upgrade runs inside the caller's
write transaction; on PostgreSQL an advisory lock held to its end serialises processes opening a fresh database at
the same moment (SQLite's BEGIN IMMEDIATE already does), so the second one finds the schema made and does nothing.
Alembic is imported only to upgrade: opening an up-to-date store reads one row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the stores made before migrations
HEAD = "0002"  # the newest revision in migrations/versions (tests/test_schema.py checks it against Alembic's)
VERSION_TABLE = "alembic_version"
LOCK_KEY = 0x726F74615F736368  # "rota_sch": the PostgreSQL advisory lock of schema changes


class SchemaError(Exception):
    """A store whose schema this rota cannot bring up to date (e.g. made by a newer rota)."""


def config() -> Config:
    from alembic.config import Config

    found = Config()
    found.set_main_option("script_location", str(MIGRATIONS))
    return found


def current(conn: Connection) -> str | None:
    """The store's revision (None: an empty database, or a store made before migrations)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(conn: Connection) -> None:
    """Bring the schema to HEAD, inside `conn`'s open write transaction."""
    from alembic import command
    from alembic.util import CommandError

    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    revision = current(conn)
    if revision == HEAD:
        return  # another process did it while we waited for the lock
    migrations = config()
    migrations.attributes["connection"] = conn
    try:
        if revision is None and inspect(conn).has_table("versions"):
            command.stamp(migrations, BASELINE)  # made before migrations: its tables are the first revision's
        command.upgrade(migrations, "head")
    except CommandError as error:
        raise SchemaError(f"its schema revision {revision} is unknown to this rota, which knows up to {HEAD} "
                          f"(made by a newer rota? upgrade rota): {error}") from None
