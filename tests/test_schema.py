"""The store's schema under Alembic (rota/migrations), on SQLite: a store made before migrations is upgraded in
place without losing a version or changing a byte of its feeds; the migrations make exactly rota's tables; a store
from a newer rota is refused clearly. PostgreSQL: tests/test_postgres_deploy.py."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rota import schema
from rota.result import load_result
from rota.store import ENV_KEY, ENV_STORE, Store, StoreError, locate, metadata
from tests.calendars import golden_variant, rota

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pre-alembic"  # made by make_pre_alembic_store.py


def _revision(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV_STORE, raising=False)
    for name in ("rota.sqlite3", "rota.sqlite3.key"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    monkeypatch.setenv(ENV_KEY, str(tmp_path / "rota.sqlite3.key"))
    return tmp_path / "rota.sqlite3"


def test_a_store_from_before_migrations_is_upgraded_in_place(old_store: Path, tmp_path: Path):
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    with sqlite3.connect(old_store) as conn:
        assert "alembic_version" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    store = Store(locate(str(old_store)))
    assert _revision(old_store) == [(schema.HEAD,)]
    found = [{**{k: v for k, v in vars(info).items() if k not in ("published", "team")},
              "published": info.published.isoformat()} for info in store.versions()]
    assert found == manifest["versions"] and len(found) == 3
    assert store.teams() == ["default"] and {v.team for v in store.versions()} == {"default"}  # its one rota
    at = datetime.fromisoformat(manifest["at"])
    for name, feed in manifest["feeds"].items():
        record, latest = store.lookup(feed["token"]) or (None, 0)  # the old links still open their feeds
        assert record is not None and f"{record.kind}:{record.ident}" == name and latest == 3
        for version, digest in feed["sha256"].items():
            document = store.document(record, at, int(version))
            assert document is not None and hashlib.sha256(document.body).hexdigest() == digest, (name, version)
    report = store.publish(load_result(golden_variant(tmp_path / "dropped", drop=("dev", "2027-03-28"))))
    assert report.version.id == 4 and report.version.cancelled == 1
    store.close()
    again = Store(locate(str(old_store)))  # opening an up-to-date store changes nothing
    assert [v.id for v in again.versions()] == [1, 2, 3, 4] and _revision(old_store) == [(schema.HEAD,)]
    again.close()


def test_the_cli_upgrades_an_old_store_when_it_opens_it(old_store: Path):
    done = rota("versions", "--store", str(old_store))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("golden") >= 2 and _revision(old_store) == [(schema.HEAD,)]


def test_the_migrations_make_exactly_the_tables_rota_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV_KEY, str(tmp_path / "k"))
    store = Store(locate(str(tmp_path / "new.sqlite3")))
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert schema.current(conn) == schema.HEAD
    store.close()


def test_head_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(schema.config()).get_current_head() == schema.HEAD


def test_a_store_from_a_newer_rota_is_refused_clearly(old_store: Path):
    Store(locate(str(old_store))).close()
    with sqlite3.connect(old_store) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(StoreError, match=r"revision ffff is unknown to this rota.*upgrade rota"):
        Store(locate(str(old_store)))
    done = rota("versions", "--store", str(old_store))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "unknown to this rota" in done.stderr
