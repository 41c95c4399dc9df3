"""Several teams in one store: each its own rota, versions, feeds, history and audit log; one never touches another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rota.cli import main
from rota.ical import CONFIRMED
from rota.result import load_result
from rota.store import DEFAULT_TEAM, Store, StoreError, locate
from tests.calendars import GOLDEN_RESULT, golden_variant, vevents
from tests.test_store import T1, feed

T2 = T1 + timedelta(hours=1)


def test_two_teams_publish_the_same_window_without_touching_each_other(tmp_path: Path):
    path = str(tmp_path / "store.sqlite3")
    eu, na = Store(locate(path), "eu"), Store(locate(path), "na")
    eu.publish(load_result(GOLDEN_RESULT), now=T1)
    # The other team's rota has one shift fewer in the same window: before teams it cancelled the first team's.
    report = na.publish(load_result(golden_variant(tmp_path / "na", drop=("dev", "2027-03-28"))), now=T2)
    assert report.version.cancelled == 0 and report.version.id == 2  # numbers are the store's, across teams
    assert [v.id for v in eu.versions()] == [1] and [v.id for v in na.versions()] == [2]
    assert all(e.status == CONFIRMED for e in eu.events(1))
    assert sorted(Store(locate(path)).teams()) == ["eu", "na"]
    # Each team's links open that team's feed; the same engineer in both has two different links.
    eu_dev = next(f for f in eu.feeds() if f.ident == "dev")
    na_dev = next(f for f in na.feeds() if f.ident == "dev")
    assert eu.token(eu_dev) != na.token(na_dev)
    assert len(vevents(feed(eu, "engineer", "dev", T2))) == 2 and len(vevents(feed(na, "engineer", "dev", T2))) == 1
    found, latest = eu.lookup(na.token(na_dev))  # type: ignore[misc]
    assert (found.team, latest) == ("na", 2)
    with pytest.raises(StoreError, match="there is no version 2"):
        eu.rollback(2)  # another team's version


def test_a_store_of_several_teams_asks_which_and_a_store_of_one_needs_no_name(tmp_path: Path, capsys):
    path = tmp_path / "store.sqlite3"
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(path)]) == 0
    assert Store(locate(str(path))).teams() == [DEFAULT_TEAM]
    assert main(["versions", "--store", str(path)]) == 0  # one team: no name needed
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(path), "--team", "na"]) == 0
    capsys.readouterr()
    assert main(["versions", "--store", str(path)]) == 2
    assert "holds the rotas of 2 teams (default, na): say which one with --team" in capsys.readouterr().err
    assert main(["versions", "--store", str(path), "--team", "na"]) == 0
    assert "Versions of team 'na'" in capsys.readouterr().out


def test_publish_rollback_rotate_and_forced_publishes_are_in_the_teams_audit_log(tmp_path: Path, capsys):
    path = tmp_path / "store.sqlite3"
    args = ["--store", str(path), "--team", "eu"]
    assert main(["publish", str(GOLDEN_RESULT), *args]) == 0
    assert main(["publish", str(golden_variant(tmp_path / "d", drop=("dev", "2027-03-28"))), *args]) == 0
    assert main(["rollback", "1", *args]) == 0
    assert main(["feeds", "rotate", "dev", *args]) == 0
    store = Store(locate(str(path)), "eu")
    store.record("role change", "lin@example.com: viewer → manager", actor="ada@example.com",
                 now=datetime(2027, 3, 2, tzinfo=UTC))
    entries = store.audit()
    assert [e.action for e in entries][:4] == ["role change", "rotate", "rollback", "publish"]
    assert entries[0].actor == "ada@example.com" and "(command line)" in entries[1].actor
    assert "the engineer feed dev" in entries[1].detail and "version 3 shows version 1" in entries[2].detail
    assert Store(locate(str(path)), "na").audit() == []  # another team's log is its own
    capsys.readouterr()
    assert main(["audit", *args]) == 0
    printed = capsys.readouterr().out
    assert "rollback" in printed and "role change" in printed


def test_a_change_of_the_roles_file_is_in_every_teams_audit_log(tmp_path: Path, capsys):
    path = tmp_path / "store.sqlite3"
    roles = tmp_path / "roles.toml"
    assert main(["publish", str(GOLDEN_RESULT), "--store", str(path), "--team", "eu"]) == 0
    roles.write_text('[admin]\nemails = ["ada@example.com"]\n')
    assert main(["roles", "--roles", str(roles), "--store", str(path)]) == 0
    assert main(["roles", "--roles", str(roles), "--store", str(path)]) == 0  # unchanged: nothing new
    roles.write_text('[admin]\nemails = ["ada@example.com"]\n[manager.eu]\nemails = ["ana@example.com"]\n')
    assert main(["roles", "--roles", str(roles), "--store", str(path)]) == 0
    assert "recorded in the audit log" in capsys.readouterr().out
    changes = [e for e in Store(locate(str(path)), "eu").audit() if e.action == "role change"]
    assert [e.detail for e in changes] == ["added manager of team eu: ana@example.com",
                                           "added admin: ada@example.com"]
    assert str(roles) in changes[0].actor
    assert [e.action for e in Store(locate(str(path)), "na").audit()] == ["role change", "role change"]
