"""Published versions in a real SQLite store: SEQUENCE, cancellations, rollback, concurrent and killed publishes."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rota import tokens
from rota.ical import CANCELLED, CONFIRMED
from rota.result import load_result
from rota.store import ENV_KEY, ENV_PAUSE, ENV_STORE, RETENTION, Store, StoreError, locate
from tests.calendars import (
    GOLDEN_RESULT,
    REPO,
    damaged_store,
    golden_variant,
    icaljs,
    prop,
    rota,
    vevents,
    without_root_powers,
)

T1 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
SCENARIO = "Golden two-centre rota"


def uid(engineer: str, day: str) -> str:
    from tests.test_ical import uid_of

    return uid_of(SCENARIO, engineer, day)


@pytest.fixture(autouse=True)
def _no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_STORE, ENV_KEY, ENV_PAUSE):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(locate(str(tmp_path / "store.sqlite3")))


def feed(store: Store, kind: str, ident: str, at: datetime) -> bytes:
    record = next(f for f in store.feeds() if (f.kind, f.ident) == (kind, ident))
    document = store.document(record, at)
    assert document is not None
    return document.body


def test_publishing_the_same_rota_again_makes_no_version_and_keeps_every_byte(store: Store):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    before = {(f.kind, f.ident): feed(store, f.kind, f.ident, T1) for f in store.feeds()}
    report = store.publish(load_result(GOLDEN_RESULT), now=T2)
    assert report.republished and report.version.id == 1 and [v.id for v in store.versions()] == [1]
    assert report.carried == 0
    assert len(before) == 3 + 2 + 1
    for (kind, ident), body in before.items():
        assert feed(store, kind, ident, T2) == body, (kind, ident)


def test_a_changed_shift_keeps_its_uid_and_gets_sequence_plus_one(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    old = vevents(feed(store, "team", "team", T1))
    report = store.publish(load_result(golden_variant(tmp_path / "moved", move=True)), now=T2)
    body = feed(store, "team", "team", T2)
    new = vevents(body)
    assert set(new) == set(old)  # no duplicate, nothing lost
    moved = new[uid("ciara", "2027-03-27")]
    assert prop(moved, "SEQUENCE") == "1" and prop(moved, "DTSTART") == "20270327T070000Z"
    assert prop(moved, "DTSTAMP") == prop(moved, "LAST-MODIFIED") == "20270302T090000Z"
    # Shifts whose text did not change keep their bytes; every changed one is exactly one SEQUENCE up.
    untouched = uid("dev", "2027-03-28")
    assert new[untouched] == old[untouched] and prop(new[untouched], "DTSTAMP") == "20270301T090000Z"
    for key, block in new.items():
        assert prop(block, "SEQUENCE") == ("0" if block == old[key] else "1")
    assert report.version.changed == sum(new[k] != old[k] for k in new) >= 2
    path = store.location.key_file.parent / "team.ics"
    path.write_bytes(body)
    parsed = {e["uid"]: e for e in icaljs([path])[str(path)]["events"]}
    assert parsed[uid("ciara", "2027-03-27")]["sequence"] == 1


def test_a_removed_shift_stays_cancelled_for_30_days_then_leaves(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    report = store.publish(load_result(golden_variant(tmp_path / "dropped", drop=("dev", "2027-03-28"))), now=T2)
    assert report.version.cancelled == 1
    gone = uid("dev", "2027-03-28")
    for at in (T2, T2 + RETENTION - timedelta(seconds=1)):
        block = vevents(feed(store, "engineer", "dev", at))[gone]
        assert prop(block, "STATUS") == CANCELLED and prop(block, "SEQUENCE") == "1"
        assert prop(block, "SUMMARY") == "Cancelled · On call · Day · L1"
        assert prop(block, "DTSTAMP") == "20270302T090000Z"
    path = tmp_path / "dev.ics"
    path.write_bytes(feed(store, "engineer", "dev", T2))
    parsed = {e["uid"]: e for e in icaljs([path])[str(path)]["events"]}
    assert (parsed[gone]["status"], parsed[gone]["sequence"]) == ("CANCELLED", 1)
    record = next(f for f in store.feeds() if f.ident == "dev")
    later = store.document(record, T2 + RETENTION)
    assert later is not None and gone not in vevents(later.body)
    assert later.last_modified == T2 + RETENTION  # the feed changed when the cancellation left it
    assert store.document(record, T2).valid_until == T2 + RETENTION  # the server's cache knows when to re-render
    # A publish after the retention drops it for good; putting the shift back revives the same UID above it.
    assert store.publish(load_result(golden_variant(tmp_path / "d2", drop=("dev", "2027-03-28"))),
                         now=T2 + timedelta(days=40)).expired == 1
    store.publish(load_result(GOLDEN_RESULT), now=T2 + timedelta(days=41))
    back = vevents(feed(store, "engineer", "dev", T2 + timedelta(days=41)))[gone]
    assert prop(back, "STATUS") == CONFIRMED and prop(back, "SEQUENCE") == "2"


def test_shifts_outside_a_new_rotas_window_are_kept(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    # The next rota covers 28 March only; ciara's night from the 27th reaches into it and is not in it any more:
    # it started in the window it was published with, so it stays as published (it used to be cancelled).
    folder = golden_variant(tmp_path / "next", drop=("ciara", "2027-03-27"))
    toml = folder / "scenario" / "scenario.toml"
    toml.write_text(toml.read_text().replace("start = 2027-03-27\ndays = 2", "start = 2027-03-28\ndays = 1"))
    rows = (folder / "assignments.csv").read_text().splitlines()
    (folder / "assignments.csv").write_text("\n".join(r for r in rows if ",2027-03-27," not in r) + "\n")
    report = store.publish(load_result(folder), now=T2)
    events = {e.content.uid: e for e in store.events(report.version.id)}
    for kept in (uid("asha", "2027-03-27"), uid("dev", "2027-03-27"), uid("ciara", "2027-03-27")):
        assert (events[kept].status, events[kept].sequence, events[kept].modified) == (CONFIRMED, 0, T1)
    assert report.version.shifts == 6 and report.carried == 3


def test_rollback_publishes_an_old_version_again(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    first = vevents(feed(store, "team", "team", T1))
    store.publish(load_result(golden_variant(tmp_path / "moved", move=True, drop=("dev", "2027-03-28"))), now=T2)
    report = store.rollback(1, now=T2 + timedelta(hours=1))
    assert (report.version.id, report.version.rollback_of) == (3, 1)
    back = vevents(feed(store, "team", "team", T2 + timedelta(hours=1)))
    assert set(back) == set(first)
    for key, block in back.items():
        assert prop(block, "STATUS") == CONFIRMED
        for name in ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
            assert prop(block, name) == prop(first[key], name)
        # Whatever version 2 changed comes back one SEQUENCE higher still, so calendar apps take it.
        assert prop(block, "SEQUENCE") == ("0" if block == first[key] else "2")
    assert prop(back[uid("ciara", "2027-03-27")], "SEQUENCE") == "2"
    assert prop(back[uid("dev", "2027-03-28")], "SEQUENCE") == "2"
    with pytest.raises(StoreError, match="there is no version 9; versions: 1, 2, 3"):
        store.rollback(9)


def test_the_cli_publishes_lists_and_rolls_back(tmp_path: Path):
    env = {ENV_STORE: str(tmp_path / "cli.sqlite3")}
    done = rota("publish", str(GOLDEN_RESULT), env=env)
    assert done.returncode == 0, done.stderr
    assert "Published version 1 of 'Golden two-centre rota' (2027-03-27 → 2027-03-29)" in done.stdout
    assert "6 shifts: 6 new, 0 changed" in done.stdout
    done = rota("publish", str(golden_variant(tmp_path / "moved", move=True)), env=env)
    assert "Published version 2" in done.stdout and "0 new, 4 changed (SEQUENCE + 1), 2 unchanged" in done.stdout
    assert rota("rollback", "1", env=env).returncode == 0
    listing = rota("versions", env=env).stdout.splitlines()
    assert listing[0].startswith(f"Versions of team 'default' in {tmp_path / 'cli.sqlite3'}")
    assert listing[-1].startswith("*       3") and "rollback to version 1" in listing[-1]
    assert str(GOLDEN_RESULT) in listing[2]
    done = rota("rollback", "7", env=env)
    assert done.returncode == 2 and "rota: there is no version 7; versions: 1, 2, 3" in done.stderr
    assert "Traceback" not in done.stderr


def _start_paused_publish(result: Path, store_path: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "rota.cli", "publish", str(result), "--store", str(store_path)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, ENV_PAUSE: str(seconds)})
    assert process.stderr is not None
    line = process.stderr.readline()  # the hook's marker: the transaction is open and has written everything
    assert "pausing" in line, line + process.stderr.read()
    return process


def test_two_managers_publishing_at_once_both_keep_their_version(tmp_path: Path):
    path = tmp_path / "store.sqlite3"
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(path)).returncode == 0
    first = _start_paused_publish(golden_variant(tmp_path / "a", drop=("dev", "2027-03-28")), path, 3)
    started = time.monotonic()
    second = rota("publish", str(golden_variant(tmp_path / "b", move=True)), "--store", str(path))
    assert first.wait(30) == 0
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started > 1.5  # the second waited for the first to commit
    store = Store(locate(str(path)))
    assert [v.id for v in store.versions()] == [1, 2, 3]
    v2 = {e.content.uid: e for e in store.events(2)}
    v3 = {e.content.uid: e for e in store.events(3)}
    gone = uid("dev", "2027-03-28")
    assert (v2[gone].status, v2[gone].sequence) == (CANCELLED, 1)
    # The second publisher compared with the first one's version, not with version 1: the shift comes back above it.
    assert (v3[gone].status, v3[gone].sequence) == (CONFIRMED, 2)
    assert store.versions()[2].added == 1


def test_a_publish_killed_mid_transaction_leaves_the_previous_version_intact(tmp_path: Path):
    path = tmp_path / "store.sqlite3"
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(path)).returncode == 0
    store = Store(locate(str(path)))
    record = next(f for f in store.feeds() if f.kind == "team")
    before = store.document(record)
    assert before is not None
    victim = _start_paused_publish(golden_variant(tmp_path / "moved", move=True), path, 60)
    reading = time.monotonic()
    during = store.document(record)  # readers are not blocked by a publish in progress, and see the old version
    assert during is not None and during.body == before.body
    listing = rota("versions", "--store", str(path))  # nor is a new process opening the store
    assert listing.returncode == 0 and listing.stdout.count("\n") == 3 and time.monotonic() - reading < 20
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL
    store = Store(locate(str(path)))
    assert [v.id for v in store.versions()] == [1]
    after = store.document(record)
    assert after is not None and (after.body, after.version) == (before.body, 1)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    done = rota("publish", str(golden_variant(tmp_path / "again", move=True)), "--store", str(path))
    assert done.returncode == 0 and "Published version 2" in done.stdout


def test_feed_tokens_are_derived_hashed_and_rotated(store: Store):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    records = store.feeds()
    assert [(r.kind, r.ident) for r in records] == [("engineer", "asha"), ("engineer", "ciara"), ("engineer", "dev"),
                                                     ("centre", "blr"), ("centre", "dub"), ("team", "team")]
    key_file = store.location.key_file
    assert key_file == store.location.key_file.with_name("store.sqlite3.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    asha = records[0]
    token = store.token(asha)
    assert tokens.well_formed(token) and len(tokens.base64.urlsafe_b64decode(token + "=")) * 8 >= 128
    assert asha.token_hash == tokens.token_hash(token) and token not in asha.token_hash
    assert store.feed_by_token(token) == asha
    with sqlite3.connect(store.location.url.removeprefix("sqlite:///")) as db:
        dump = "\n".join(db.iterdump())
    assert all(store.token(r) not in dump for r in records)  # only hashes are stored
    (new,) = store.rotate("engineer", "asha")
    assert new.generation == 1 and store.feed_by_token(token) is None
    assert store.feed_by_token(store.token(new)) == new
    assert store.feed_by_token(store.token(records[1])) == records[1]  # the others are untouched
    with pytest.raises(StoreError, match="no engineer feed 'nobody'; known: asha, ciara, dev"):
        store.rotate("engineer", "nobody")
    key_file.write_text("00" * 32 + "\n")
    with pytest.raises(StoreError, match="does not match the store's tokens"):
        store.token(new)
    assert len(store.rotate("all")) == 6
    assert store.feed_by_token(store.token(store.feeds()[0])) is not None


def test_where_the_store_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    default = locate()
    assert default.url == f"sqlite:///{tmp_path / 'data' / 'rota' / 'rota.sqlite3'}"
    assert default.key_file == tmp_path / "data" / "rota" / "rota.sqlite3.key"
    monkeypatch.setenv(ENV_STORE, str(tmp_path / "env.db"))
    assert locate().url == f"sqlite:///{tmp_path / 'env.db'}"
    assert locate(str(tmp_path / "option.db")).url == f"sqlite:///{tmp_path / 'option.db'}"  # --store wins
    pg = locate("postgresql+psycopg://rota:secret@db.internal/rota")
    assert pg.label == "postgresql+psycopg://rota:***@db.internal/rota"
    assert pg.key_file == tmp_path / "data" / "rota" / "feed-secret.key"
    monkeypatch.setenv(ENV_KEY, str(tmp_path / "k"))
    assert locate().key_file == tmp_path / "k"


@pytest.mark.parametrize(("store_option", "message"), [
    ("postgresql+nosuchdriver://u@127.0.0.1/rota", "rota: no database driver for postgresql+nosuchdriver://"),
    ("sqlite://", "rota: a SQLite store must be a file"),
    ("not a url://x", "is not a SQLAlchemy URL"),
])
def test_a_bad_store_is_a_clear_error(store_option: str, message: str):
    done = rota("versions", "--store", store_option)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


# --- a broken, mistyped or read-only store: a clear error (exit 2), and nothing written ------------------------------


@pytest.mark.parametrize(("kind", "message"), [
    ("not-sqlite", "is not a rota store (the file is not a SQLite database): check the path"),
    ("truncated", "is damaged (database disk image is malformed): nothing was changed. Restore it from a backup"),
    ("corrupt-page", "is damaged ("),
])
def test_a_store_that_is_not_sqlite_or_is_damaged_is_reported_with_its_path(kind: str, message: str,
                                                                          tmp_path: Path):
    path = damaged_store(kind, tmp_path)
    before = path.read_bytes()
    commands = [("publish", str(golden_variant(tmp_path / "moved", move=True))), ("versions",), ("feeds", "list")]
    for command in commands:
        done = rota(*command, "--store", str(path))
        assert "Traceback" not in done.stderr, (command, done.stderr)
        if kind == "corrupt-page" and command[0] != "publish":
            continue  # reads that never touch the broken page still work
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert f"rota: {'the store ' if kind != 'not-sqlite' else ''}{path}" in done.stderr
        assert message in done.stderr, (command, done.stderr)
    assert path.read_bytes() == before  # nothing was written into it
    if kind != "corrupt-page":
        served = subprocess.run([sys.executable, "-m", "rota.cli", "serve", "--store", str(path), "--port", "1"],
                                cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
        assert served.returncode == 2 and message in served.stderr and "Traceback" not in served.stderr


def test_a_bad_store_url_is_a_clear_error():
    done = rota("versions", "--store", "postgresql+psycopg://rota@db.internal:five/rota")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "rota: store URL 'postgresql+psycopg://rota@db.internal:five/rota' is not a SQLAlchemy URL" in done.stderr
    assert "expected e.g. postgresql+psycopg://user:password@host:5432/rota" in done.stderr
    done = rota("versions", "--store", "postgresql+psycopg://rota@127.0.0.1:1/rota")  # nothing listens on port 1
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "rota: cannot read the store postgresql+psycopg://rota@127.0.0.1:1/rota" in done.stderr


def test_a_store_in_a_folder_that_does_not_exist_is_an_error_but_the_default_is_created(tmp_path: Path):
    typo = tmp_path / "sotre" / "rota.sqlite3"
    for given in ({"args": ("--store", str(typo)), "env": {}}, {"args": (), "env": {ENV_STORE: str(typo)}}):
        done = rota("publish", str(GOLDEN_RESULT), *given["args"], env=given["env"])
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"rota: the folder of the store {typo} does not exist ({typo.parent})" in done.stderr
    assert not typo.parent.exists()
    data = tmp_path / "data"
    done = rota("publish", str(GOLDEN_RESULT), env={"XDG_DATA_HOME": str(data)})
    assert done.returncode == 0, done.stderr
    assert (data / "rota" / "rota.sqlite3").is_file()


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_read_only_store_serves_its_feeds_and_refuses_a_publish_clearly(how: str, tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "store.sqlite3"
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(path)).returncode == 0
    before = Store(locate(str(path)))
    record = next(f for f in before.feeds() if f.kind == "team")
    token, body = before.token(record), feed(before, "team", "team", T1)
    before.close()
    for leftover in folder.glob("store.sqlite3-*"):
        leftover.unlink()
    if how == "file":
        path.chmod(0o444)
    else:
        folder.chmod(0o555)
    try:
        bytes_before = path.read_bytes()
        prefix = [*without_root_powers(), sys.executable, "-m", "rota.cli"]
        listing = subprocess.run([*prefix, "versions", "--store", str(path)], cwd=REPO, capture_output=True,
                                 text=True, timeout=60, check=False)
        assert listing.returncode == 0 and "*       1" in listing.stdout, listing.stderr
        refused = subprocess.run([*prefix, "publish", str(golden_variant(tmp_path / "moved", move=True)), "--store",
                                  str(path)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert f"rota: the store {path} is read-only for this user" in refused.stderr
        assert "feeds can still be served from it" in refused.stderr
        read = subprocess.run([*without_root_powers(), sys.executable, "-c", (
            "import sys; from rota.store import Store, locate\n"
            f"store = Store(locate({str(path)!r})); record = store.feed_by_token({token!r})\n"
            "sys.stdout.buffer.write(store.document(record).body)")],
            cwd=REPO, capture_output=True, timeout=60, check=False)
        assert read.returncode == 0, read.stderr
        assert read.stdout.split(b"DTSTAMP")[0] == body.split(b"DTSTAMP")[0]
        assert path.read_bytes() == bytes_before
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)


def test_a_publish_that_fails_half_way_leaves_the_store_as_it_was(tmp_path: Path):
    path = tmp_path / "store.sqlite3"
    store = Store(locate(str(path)))
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    before = {(f.kind, f.ident): feed(store, f.kind, f.ident, T2) for f in store.feeds()}
    with sqlite3.connect(path) as db:
        counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("revisions", "version_events")]
        # A real database failure after the version row, the new revisions and three of its events are written.
        db.execute("CREATE TRIGGER fail_half_way BEFORE INSERT ON version_events "
                   "WHEN (SELECT count(*) FROM version_events WHERE version_id = NEW.version_id) >= 3 "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
    moved = load_result(golden_variant(tmp_path / "moved", move=True))
    with pytest.raises(StoreError, match=f"cannot write to the store {path}: injected failure"):
        store.publish(moved, now=T2)
    assert [v.id for v in store.versions()] == [1]
    assert {(f.kind, f.ident): feed(store, f.kind, f.ident, T2) for f in store.feeds()} == before
    with sqlite3.connect(path) as db:
        assert [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("revisions", "version_events")] == counts
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.execute("DROP TRIGGER fail_half_way")
    report = store.publish(moved, now=T2)
    assert (report.version.id, report.version.changed) == (2, 4)
    events = {e.content.uid: e for e in store.events(2)}
    assert events[uid("ciara", "2027-03-27")].sequence == 1  # the failed attempt used no SEQUENCE


def test_last_modified_strictly_increases_even_within_one_second(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    record = next(f for f in store.feeds() if f.kind == "team")
    first = store.document(record, T1)
    store.publish(load_result(golden_variant(tmp_path / "moved", move=True)), now=T1)  # the same second
    second = store.document(record, T1)
    store.publish(load_result(GOLDEN_RESULT), now=T1 - timedelta(hours=1))  # a clock that went back
    third = store.document(record, T1)
    assert first is not None and second is not None and third is not None
    assert [v.published for v in store.versions()] == [T1, T1 + timedelta(seconds=1), T1 + timedelta(seconds=2)]
    assert first.last_modified < second.last_modified < third.last_modified
    assert third.last_modified - first.last_modified >= timedelta(seconds=2)


def test_a_cancellation_inside_the_window_is_not_reported_as_kept_from_outside(store: Store, tmp_path: Path):
    store.publish(load_result(GOLDEN_RESULT), now=T1)
    dropped = load_result(golden_variant(tmp_path / "dropped", drop=("dev", "2027-03-28")))
    assert store.publish(dropped, now=T2).version.cancelled == 1
    again = store.publish(dropped, now=T2 + timedelta(hours=1))
    assert again.republished and again.carried == 0 and [v.id for v in store.versions()] == [1, 2]
