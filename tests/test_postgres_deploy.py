"""A company deployment on a real PostgreSQL server (a throwaway cluster, as in test_store_postgres.py): concurrent
first publishes on a fresh database, and two feeds-only servers on one store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from rota.store import ENV_KEY, ENV_PAUSE, ENV_STORE, Store, locate
from tests.calendars import GOLDEN_RESULT, REPO, golden_variant, rota
from tests.test_serve import serving
from tests.test_store_postgres import postgres  # noqa: F401 (the cluster fixture)

# The real CLI, imported, then held until the parent says go: both processes start publishing at the same moment.
AT_THE_SIGNAL = """
import sys, time
from pathlib import Path
import rota.publishing, rota.store
from rota.cli import main
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
sys.exit(main(sys.argv[3:]))
"""
ROUNDS = 20


def _database(postgres_url: str, name: str) -> str:
    """A new, empty database in the cluster; its SQLAlchemy URL."""
    import psycopg

    host = postgres_url.split("host=", 1)[1]
    with psycopg.connect(host=host, user="rota", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.replace("/postgres?", f"/{name}?")


def _env(key: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_STORE, ENV_PAUSE)}
    return {**env, ENV_KEY: str(key)}


def test_two_first_publishes_at_once_on_a_fresh_database_lose_nothing(postgres: str, tmp_path: Path):  # noqa: F811
    results = [GOLDEN_RESULT, golden_variant(tmp_path / "moved", move=True)]
    failures = []
    for round_ in range(ROUNDS):
        url = _database(postgres, f"race{round_}")
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        go = folder / "go"
        processes = []
        for i, result in enumerate(results):
            processes.append(subprocess.Popen(
                [sys.executable, "-c", AT_THE_SIGNAL, str(folder / f"ready{i}"), str(go), "publish", str(result),
                 "--store", url], cwd=REPO, env=_env(tmp_path / f"key{round_}"), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 120
        while not all((folder / f"ready{i}").exists() for i in range(len(results))):
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
            time.sleep(0.005)
        go.touch()
        outcomes = [(p.wait(120), *p.communicate()) for p in processes]
        os.environ[ENV_KEY] = str(tmp_path / f"key{round_}")
        try:
            store = Store(locate(url))
            versions = store.versions()
            store.close()
        finally:
            del os.environ[ENV_KEY]
        codes = [code for code, _out, _err in outcomes]
        if codes != [0, 0] or len(versions) != 2 or {v.source for v in versions} != {str(r) for r in results}:
            failures.append((round_, codes, [v.id for v in versions], [err for _c, _o, err in outcomes]))
    assert failures == [], failures


def test_two_feeds_only_servers_on_one_store_serve_the_same_bytes_right_after_a_publish(
        postgres: str, tmp_path: Path):  # noqa: F811
    url = _database(postgres, "scale")
    key = tmp_path / "feed.key"
    env = {**_env(key), "HOME": str(tmp_path)}
    done = rota("publish", str(GOLDEN_RESULT), "--store", url, env={ENV_KEY: str(key)})
    assert done.returncode == 0, done.stderr
    links = rota("feeds", "list", "--store", url, env={ENV_KEY: str(key)})
    assert links.returncode == 0, links.stderr
    paths = ["/feeds/" + line.split("/feeds/", 1)[1] for line in links.stdout.splitlines()
             if line.strip().startswith("http") and "/feeds/" in line]
    assert len(paths) >= 3
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    with serving(url, a_dir, "--feeds-only", "--quiet", env=env) as (a, _), \
            serving(url, b_dir, "--feeds-only", "--quiet", env=env) as (b, _):
        for step, result in enumerate([None, golden_variant(tmp_path / "moved", move=True),
                                       golden_variant(tmp_path / "dropped", drop=("dev", "2027-03-28"))]):
            if result is not None:
                done = rota("publish", str(result), "--store", url, env={ENV_KEY: str(key)})
                assert done.returncode == 0, done.stderr
            health = f"ok version {step + 1}\n".encode()
            assert a.request("GET", "/healthz")[2] == b.request("GET", "/healthz")[2] == health
            tags = set()
            for path in paths:
                got_a, got_b = a.request("GET", path), b.request("GET", path)
                assert got_a[0] == got_b[0] == 200
                assert got_a[2] == got_b[2] and got_a[1]["etag"] == got_b[1]["etag"], path
                assert b.request("GET", path, {"If-None-Match": got_a[1]["etag"]})[0] == 304
                tags.add(got_a[1]["etag"])
            assert len(tags) == len(paths)
