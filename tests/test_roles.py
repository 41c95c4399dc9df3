"""The roles file (rota.roles), where sign-in is read from (rota.signin_config), `rota roles`, and the pages' own
refusal through AppTest: a role that changes while a page is open cannot press what its old role could."""

from __future__ import annotations

from pathlib import Path

import pytest

from rota import publishing, roles
from rota.roles import Role, load_roles, parse_roles
from rota.scenario import ScenarioError, load_scenario
from rota.signin_config import providers, signin_configured
from rota.store import locate, open_store
from tests.calendars import GOLDEN_RESULT, rota
from tests.test_app import APP, ROOT, solve, visit

DEMO = ROOT / "data" / "demo"

GOOD = """
groups_claim = "roles"
[admin]
emails = ["Ada@Example.com"]
[manager]
emails = ["lin@example.com"]
groups = ["support-leads"]
[viewer]
groups = ["support"]
"""
AUTH = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a long random secret for the cookie"
client_id = "rota"
client_secret = "s3cret"
server_metadata_url = "http://127.0.0.1:9400/.well-known/openid-configuration"
"""


def test_roles_by_e_mail_and_by_group_the_highest_wins():
    found = parse_roles(GOOD, "roles.toml")
    assert found.groups_claim == "roles"
    assert found.role_for("ada@example.com", []) is Role.ADMIN  # e-mails compare without case
    assert found.role_for("lin@example.com", ["support"]) is Role.MANAGER
    assert found.role_for("vera@example.com", ["support"]) is Role.VIEWER
    assert found.role_for("vera@example.com", ["support", "support-leads"]) is Role.MANAGER
    assert found.role_for("nora@example.com", ["sales"]) is Role.NONE
    assert found.role_for(None, []) is Role.NONE
    # An engineer needs no line in the file: their e-mail in engineers.csv is enough; a listed role still wins.
    assert roles.effective_role(found, "Siti@example.com", [], ["siti@example.com"]) is Role.ENGINEER
    assert roles.effective_role(found, "lin@example.com", [], ["lin@example.com"]) is Role.MANAGER
    assert roles.effective_role(found, "nora@example.com", [], ["siti@example.com", ""]) is Role.NONE


def test_each_role_may_do_only_its_own():
    managing = {Role.ADMIN, Role.MANAGER}
    for role in Role:
        for may in (roles.may_edit, roles.may_solve, roles.may_publish, roles.may_rollback, roles.may_rotate_links,
                    roles.may_see_links):
            assert may(role) is (role in managing), (may.__name__, role)
        assert roles.may_manage_roles(role) is roles.may_manage_teams(role) is (role is Role.ADMIN)
    assert [p for p in ("overview", "team", "rules", "plan", "coverage", "people", "calendars", "whatif", "access")
            if roles.may_see_page(Role.VIEWER, p)] == ["overview", "coverage", "people", "calendars"]
    assert not any(roles.may_see_page(r, "plan") for r in (Role.VIEWER, Role.ENGINEER, Role.NONE))
    assert roles.may_see_page(Role.ADMIN, "access") and not roles.may_see_page(Role.MANAGER, "access")


def test_every_problem_of_a_roles_file_at_once_with_its_line():
    text = """[admin]
emails = ["ada@example.com", "not-an-address"]
[manager]
emails = ["ada@example.com"]
group = ["x"]
[viewer]
groups = "support"
[owner]
emails = []
"""
    with pytest.raises(ScenarioError) as raised:
        parse_roles(text, "roles.toml")
    said = [str(p) for p in raised.value.problems]
    assert said == [
        "roles.toml: line 2, field 'admin.emails': 'not-an-address' is not an e-mail address; expected name@domain",
        "roles.toml: line 2, field 'manager.emails': 'ada@example.com' is also under [admin]; give each e-mail or "
        "group one role (the highest it should have)",
        "roles.toml: line 5, field 'manager.group': unknown key; expected emails or groups",
        "roles.toml: line 7, field 'viewer.groups': expected a list of non-empty strings, e.g. [\"support-leads\"]",
        "roles.toml: line 8, field 'owner': unknown key; expected groups_claim or a section [admin], [manager], "
        "[viewer], [engineer]",
    ]
    with pytest.raises(ScenarioError) as raised:
        parse_roles("[admin\nemails = []\n", "roles.toml")
    assert str(raised.value).startswith("roles.toml: line 1: is not valid TOML")


def test_where_the_roles_file_is(tmp_path, monkeypatch):
    monkeypatch.delenv("ROTA_ROLES", raising=False)
    assert roles.roles_path(locate(str(tmp_path / "rota.sqlite3"))) == tmp_path / "roles.toml"
    monkeypatch.setenv("ROTA_ROLES", str(tmp_path / "elsewhere.toml"))
    assert roles.roles_path(locate(str(tmp_path / "rota.sqlite3"))) == tmp_path / "elsewhere.toml"
    assert load_roles(tmp_path / "missing.toml").role_for("ada@example.com") is Role.NONE  # nobody has a role
    with pytest.raises(ScenarioError, match="the roles file does not exist"):
        load_roles(tmp_path / "missing.toml", required=True)


def test_sign_in_is_configured_by_an_auth_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROTA_SECRETS", raising=False)
    monkeypatch.delenv("STREAMLIT_SECRETS_FILES", raising=False)
    assert not signin_configured() and providers() == []
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(AUTH.replace('client_secret = "s3cret"\n', ""))
    assert not signin_configured(), "without a client secret Streamlit cannot sign anyone in"
    extra = tmp_path / "rota-secrets.toml"
    extra.write_text(AUTH)
    monkeypatch.setenv("ROTA_SECRETS", str(extra))
    assert signin_configured() and providers() == [None]  # $ROTA_SECRETS is read last
    # A later file's [auth] replaces an earlier one's whole, as Streamlit merges secrets section by section.
    extra.write_text('[auth]\nclient_secret = "s3cret"\n')
    assert not signin_configured()
    extra.write_text('[auth]\nredirect_uri = "r"\ncookie_secret = "c"\n[auth.okta]\nclient_id = "rota"\n'
                     'client_secret = "x"\nserver_metadata_url = "u"\n[auth.half]\nclient_id = "rota"\n')
    assert signin_configured() and providers() == ["okta"], "a named provider's table"


def test_rota_roles_lists_the_file_and_reports_its_problems(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(GOOD)
    listed = rota("roles", "--roles", str(path))
    assert listed.returncode == 0, listed.stderr
    assert "admin: ada@example.com" in listed.stdout and "manager: lin@example.com; groups support-leads" in \
        listed.stdout
    path.write_text('[viewer]\nemails = ["x"]\n')
    bad = rota("roles", "--roles", str(path))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert f"{path}: line 2, field 'viewer.emails': 'x' is not an e-mail address" in bad.stderr


# ---- the pages refuse by themselves (AppTest: the real app, a user seeded as signed in) ------------------------------


@pytest.fixture
def signed_in(tmp_path, monkeypatch) -> Path:
    """Sign-in configured, a roles file, and a store; returns the roles file."""
    (tmp_path / "secrets.toml").write_text(AUTH)
    monkeypatch.setenv("ROTA_SECRETS", str(tmp_path / "secrets.toml"))
    monkeypatch.setenv("ROTA_ROLES", str(tmp_path / "roles.toml"))
    monkeypatch.setenv("ROTA_STORE", str(tmp_path / "rota.sqlite3"))
    monkeypatch.delenv("ROTA_PUBLIC_URL", raising=False)
    (tmp_path / "roles.toml").write_text(GOOD)
    return tmp_path / "roles.toml"


def test_signed_out_sees_only_the_sign_in_button(signed_in):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert at.title.values == ["rota"] and [b.key for b in at.button] == ["sign_in"]


def test_a_manager_demoted_while_the_page_is_open_can_press_nothing(signed_in, tmp_path):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "email": "lin@example.com"}
    at.run()
    assert not at.exception and at.title.values == ["Overview"]
    solve(at)
    visit(at, "calendars")
    at.button(key="publish").click().run()  # as a manager: published
    assert any(m.value.startswith("Published version 1") for m in at.success)
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(tmp_path / "rota.sqlite3")).returncode == 0
    at.run()
    assert at.button(key="rollback_1")

    demoted = GOOD.replace('emails = ["lin@example.com"]', "emails = []").replace(
        'groups = ["support"]', 'groups = ["support"]\nemails = ["lin@example.com"]')
    signed_in.write_text(demoted)
    at.button(key="rollback_1").click()  # both pressed on the page as it was drawn for a manager
    at.button(key="publish").click()
    at.run()
    assert "Signed in as **lin@example.com** (viewer)" in at.sidebar.caption.values
    assert not any(b.key == "rollback_1" for b in at.button) and at.button(key="publish").disabled
    assert versions() == 2, "neither the rollback nor the publish happened"
    noted = [e for e in open_store().audit() if e.action == "role change"]
    assert "removed manager: lin@example.com" in noted[0].detail and "noticed by the web UI" in noted[0].actor

    # A viewer solves nothing: Coverage and People show the published rota (its shifts in the scenario's window).
    at.session_state["job"] = at.session_state["last"] = None  # a viewer's session has no solve of its own
    visit(at, "coverage")
    store = open_store()
    _, shifts = publishing.published_baseline(store, load_scenario(DEMO))
    store.close()
    assert "The published rota, version 2." in at.caption.values
    # the demo's published month (the golden rota of version 2 has 6 shifts of its own two days)
    assert {m.label: m.value for m in at.metric}["Shifts"] == str(len(shifts)) and len(shifts) > 100
    visit(at, "people")
    assert "The published rota, version 2." in at.caption.values and not at.exception

    signed_in.write_text(GOOD.replace('emails = ["lin@example.com"]', "emails = []"))  # no role at all
    at.run()
    assert "no role in rota yet" in at.warning[0].value and [b.key for b in at.button] == ["sign_out"]
    assert not at.error

    signed_in.write_text(GOOD.replace("[viewer]", "[viewers]"))  # a broken file gives nobody a role, and says so
    at.run()
    assert "no role in rota yet" in at.warning[0].value
    assert [e.value for e in at.error] == ["The roles file has 1 problem(s), so it gives nobody a role: `rota roles` "
                                           "on the server shows them."]


def versions() -> int:
    store = open_store()
    try:
        return len(store.versions())
    finally:
        store.close()


def test_one_sign_in_button_per_provider(signed_in, tmp_path):
    from streamlit.testing.v1 import AppTest

    (tmp_path / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\ncookie_secret = "a long random secret"\n'
        '[auth.okta]\nclient_id = "rota"\nclient_secret = "x"\nserver_metadata_url = "http://127.0.0.1:1/m"\n'
        '[auth.entra]\nclient_id = "rota"\nclient_secret = "y"\nserver_metadata_url = "http://127.0.0.1:2/m"\n'
        '[auth.broken]\nclient_id = "rota"\n')
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with Okta", "Sign in with Entra"]


def test_a_manager_of_one_team_is_no_manager_of_another():
    from rota.roles import Role, parse_roles

    found = parse_roles('[viewer]\nemails = ["ana@example.com"]\n[manager.eu]\nemails = ["ana@example.com"]\n'
                        '[manager]\ngroups = ["leads"]\n', "roles.toml")
    assert found.role_for("ana@example.com", (), "eu") is Role.MANAGER
    assert found.role_for("ana@example.com", (), "na") is Role.VIEWER
    assert found.role_for("bo@example.com", ["leads"], "na") is Role.MANAGER


def test_a_teams_section_is_checked_like_the_others():
    from rota.roles import parse_roles

    with pytest.raises(ScenarioError) as error:
        parse_roles('[manager.eu]\nemails = ["not-an-address"]\nteams = 3\n', "roles.toml")
    said = [str(p) for p in error.value.problems]
    assert any("manager.eu.emails" in p and "not an e-mail address" in p for p in said)
    assert any("manager.eu.teams" in p and "unknown key" in p for p in said)
