"""The same store on a real PostgreSQL server: a throwaway cluster listening on a Unix socket only (no TCP).

Skipped where no PostgreSQL server binaries exist (the project's Debian image has PostgreSQL 15).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from rota.ical import CANCELLED, CONFIRMED
from rota.result import load_result
from rota.store import ENV_KEY, ENV_PAUSE, ENV_STORE, Store, locate
from tests.calendars import GOLDEN_RESULT, REPO, golden_variant, prop, vevents
from tests.test_store import T1, T2, feed, uid


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None)
    return Path(found).resolve().parent if found else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh cluster; initdb refuses root, so as root it runs as the `postgres` user."""
    pytest.importorskip("psycopg")
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    root = Path(tempfile.mkdtemp(prefix="rota-pg-", dir="/tmp"))
    data, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(socket_dir, "postgres")
        root.chmod(0o755)
        os.chown(root, 0, 0)
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    run = [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "rota", "-E", "UTF8",
           "--locale=C", "--no-sync"]
    subprocess.run(run, check=True, capture_output=True)
    options = f"-c listen_addresses='' -k {socket_dir} -F"  # Unix socket only; no fsync for a throwaway cluster
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://rota@/postgres?host={socket_dir}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh(postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty store in the cluster, with its secret key in tmp_path."""
    for name in (ENV_STORE, ENV_PAUSE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_KEY, str(tmp_path / "feed.key"))
    store = Store(locate(postgres))
    from sqlalchemy import text

    from rota.store import metadata

    metadata.drop_all(store.engine)
    with store.engine.begin() as conn:  # and the schema's revision, so the next open migrates from scratch
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    store.close()
    store = Store(locate(postgres))
    yield store
    store.close()


def test_postgresql_gives_the_same_feeds_as_sqlite(fresh: Store, tmp_path: Path):
    lite = Store(locate(str(tmp_path / "lite.sqlite3")))
    steps = [(GOLDEN_RESULT, T1), (golden_variant(tmp_path / "moved", move=True), T2),
             (golden_variant(tmp_path / "dropped", drop=("dev", "2027-03-28")), T2 + timedelta(hours=1))]
    for folder, at in steps:
        for store in (fresh, lite):
            store.publish(load_result(folder), now=at)
    for store in (fresh, lite):
        store.rollback(1, now=T2 + timedelta(hours=2))
    at = T2 + timedelta(hours=2)
    for kind, ident in (("team", "team"), ("engineer", "dev"), ("centre", "dub")):
        assert feed(fresh, kind, ident, at) == feed(lite, kind, ident, at), (kind, ident)
    events = vevents(feed(fresh, "team", "team", at))
    assert prop(events[uid("dev", "2027-03-28")], "SEQUENCE") == "2"  # cancelled at 1, back at 2
    assert [v.id for v in fresh.versions()] == [1, 2, 3, 4]
    token = fresh.token(fresh.feeds()[0])
    assert fresh.feed_by_token(token) == fresh.feeds()[0]


def _paused(result: Path, url: str, key: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "rota.cli", "publish", str(result), "--store", url], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, ENV_PAUSE: str(seconds), ENV_KEY: str(key)})
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "pausing" in line, line + process.stderr.read()
    return process


def test_two_publishers_and_a_killed_one_on_postgresql(fresh: Store, postgres: str, tmp_path: Path):
    key = tmp_path / "feed.key"
    fresh.publish(load_result(GOLDEN_RESULT), now=T1)
    first = _paused(golden_variant(tmp_path / "a", drop=("dev", "2027-03-28")), postgres, key, 3)
    started = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "rota.cli", "publish", str(golden_variant(tmp_path / "b",
                             move=True)), "--store", postgres], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, ENV_KEY: str(key)}, check=False)
    assert first.wait(30) == 0 and second.returncode == 0, second.stderr
    assert time.monotonic() - started > 1.5
    v2 = {e.content.uid: e for e in fresh.events(2)}
    v3 = {e.content.uid: e for e in fresh.events(3)}
    gone = uid("dev", "2027-03-28")
    assert (v2[gone].status, v2[gone].sequence) == (CANCELLED, 1)
    assert (v3[gone].status, v3[gone].sequence) == (CONFIRMED, 2)  # compared with version 2, not 1
    before = feed(fresh, "team", "team", T2)
    victim = _paused(golden_variant(tmp_path / "c", drop=("asha", "2027-03-27")), postgres, key, 60)
    assert feed(fresh, "team", "team", T2) == before  # readers see the committed version meanwhile
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    deadline = time.monotonic() + 20
    while True:  # the server notices the dropped connection and rolls its transaction back
        done = subprocess.run([sys.executable, "-m", "rota.cli", "publish", str(GOLDEN_RESULT), "--store",
                               postgres], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, ENV_KEY: str(key)}, check=False, timeout=60)
        if done.returncode == 0 or time.monotonic() > deadline:
            break
    assert done.returncode == 0, done.stderr
    assert [v.id for v in fresh.versions()] == [1, 2, 3, 4]
    assert all(e.status == CONFIRMED for e in fresh.events(4))
