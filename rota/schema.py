"""The store's schema, managed by Alembic (rota/migrations): brought up to date whenever a store is opened.

A store made before migrations existed has the first revision's tables and no `alembic_version`: it is stamped with
that revision, then upgraded like any other, in place, keeping every version. The upgrade runs inside the caller's
write transaction; on PostgreSQL an advisory lock held to its end serialises processes opening a fresh database at
the same moment (SQLite's BEGIN IMMEDIATE already does), so the second one finds the schema made and does nothing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the stores made before migrations
LOCK_KEY = 0x726F74615F736368  # "rota_sch": the PostgreSQL advisory lock of schema changes


class SchemaError(Exception):
    """A store whose schema this rota cannot bring up to date (e.g. made by a newer rota)."""


@cache
def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


def current(conn: Connection) -> str | None:
    """The store's revision (None: an empty database, or a store made before migrations)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> None:
    """Bring the schema to head, inside `conn`'s open write transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    revision = current(conn)
    if revision == head():
        return  # another process did it while we waited for the lock
    config = _config()
    config.attributes["connection"] = conn
    try:
        if revision is None and inspect(conn).has_table("versions"):
            command.stamp(config, BASELINE)  # made before migrations: its tables are the first revision's
        command.upgrade(config, "head")
    except CommandError as error:
        raise SchemaError(f"its schema revision {revision} is unknown to this rota, which knows up to {head()} "
                          f"(made by a newer rota? upgrade rota): {error}") from None
    finally:
        config.attributes.pop("connection", None)
