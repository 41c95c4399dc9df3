"""Who may do what in the web UI once sign-in is on: roles by e-mail or by the identity provider's group claim.

The roles file is small TOML ($ROTA_ROLES, else roles.toml beside the SQLite store, else in the user's data folder):

    groups_claim = "groups"          # optional: the claim that lists a person's groups
    [admin]
    emails = ["ada@example.com"]
    [manager]
    emails = ["lin@example.com"]     # a manager of every team
    groups = ["support-leads"]
    [manager.eu]                     # managers of team "eu" only (rota --team eu; the UI's team switcher)
    emails = ["ana@example.com"]
    [viewer]
    groups = ["support"]

Anyone whose e-mail is in engineers.csv is an engineer (their own page) without being listed; [engineer] may list
more. A person with several roles has the highest. No Streamlit here: the web UI and `rota roles` both use it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from rota.scenario import Problem, ScenarioError
from rota.store import Location, default_path

ENV_ROLES = "ROTA_ROLES"
FILE_NAME = "roles.toml"


class Role(Enum):
    """Highest first: a person listed under several roles gets the first of them."""

    ADMIN = "admin"  # teams and roles, and everything a manager does
    MANAGER = "manager"  # edit, solve, publish, roll back, rotate links
    VIEWER = "viewer"  # coverage, people, calendars without their links
    ENGINEER = "engineer"  # their own page
    NONE = "none"  # signed in, but nobody gave them a role


ROLE_SECTIONS = [r.value for r in Role if r is not Role.NONE]
_KEYS = ("emails", "groups")

# Pages by their script's name (rota/web/app_pages/<name>.py) and who sees each.
_PAGES = {
    "overview": {Role.ADMIN, Role.MANAGER, Role.VIEWER},
    "team": {Role.ADMIN, Role.MANAGER},
    "rules": {Role.ADMIN, Role.MANAGER},
    "plan": {Role.ADMIN, Role.MANAGER},
    "coverage": {Role.ADMIN, Role.MANAGER, Role.VIEWER},
    "people": {Role.ADMIN, Role.MANAGER, Role.VIEWER},
    "calendars": {Role.ADMIN, Role.MANAGER, Role.VIEWER},
    "whatif": {Role.ADMIN, Role.MANAGER},
    "access": {Role.ADMIN},
}
_MANAGING = {Role.ADMIN, Role.MANAGER}


# ---- what each role may do: one predicate per permission ---------------------------------------------------------


def may_see_page(role: Role, page: str) -> bool:
    return role in _PAGES.get(page, set())


def may_edit(role: Role) -> bool:
    """Change the working scenario: load, upload, edit tables, pins."""
    return role in _MANAGING


def may_solve(role: Role) -> bool:
    """Solve, stop a solve, run what-ifs."""
    return role in _MANAGING


def may_publish(role: Role) -> bool:
    return role in _MANAGING


def may_rollback(role: Role) -> bool:
    return role in _MANAGING


def may_rotate_links(role: Role) -> bool:
    """Rotate anyone's feed link (everyone signed in with an engineer page may rotate their own)."""
    return role in _MANAGING


def may_see_links(role: Role) -> bool:
    """See every feed link (secrets); an engineer sees only their own, on their page."""
    return role in _MANAGING


def may_manage_roles(role: Role) -> bool:
    return role is Role.ADMIN


def may_manage_teams(role: Role) -> bool:
    return role is Role.ADMIN


# ---- the roles file --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    emails: dict[str, Role] = field(default_factory=dict)  # lower-case e-mail -> its highest role
    groups: dict[str, Role] = field(default_factory=dict)  # group name -> its highest role
    groups_claim: str = "groups"
    source: str = ""  # the file it came from, for the UI ("" when there is none)
    teams: dict[str, Roles] = field(default_factory=dict)  # roles in one team only ([manager.eu]), by team

    def role_for(self, email: str | None, groups: Iterable[str] = (), team: str | None = None) -> Role:
        """The highest role this person has by e-mail or by any of their groups, in every team or in `team`;
        Role.NONE if none."""
        groups = list(groups)
        found = [self.emails.get((email or "").strip().lower(), Role.NONE),
                 *(self.groups.get(g, Role.NONE) for g in groups)]
        if team is not None and team in self.teams:
            found.append(self.teams[team].role_for(email, groups))
        return min(found, key=list(Role).index)

    def assignments(self) -> list[str]:
        """Every grant in words, sorted ("manager: lin@example.com", "manager of team eu: group leads"), for the
        audit log to tell what changed."""
        scopes = [(self, ""), *((self.teams[t], f" of team {t}") for t in sorted(self.teams))]
        return sorted(f"{role.value}{where}: {'group ' if kind == 'groups' else ''}{who}"
                      for scope, where in scopes for kind, found in (("emails", scope.emails), ("groups", scope.groups))
                      for who, role in found.items())

    def members(self, role: Role) -> tuple[list[str], list[str]]:
        """The e-mails and groups given `role` (for the admin's view and `rota roles`)."""
        return ([e for e, r in self.emails.items() if r is role], [g for g, r in self.groups.items() if r is role])


def effective_role(roles: Roles, email: str | None, groups: Iterable[str], engineer_emails: Iterable[str],
                   team: str | None = None) -> Role:
    """The file's role (in `team`), else engineer when the e-mail is an engineer's in the scenario."""
    role = roles.role_for(email, groups, team)
    if role is Role.NONE and email and email.strip().lower() in {e.strip().lower() for e in engineer_emails if e}:
        return Role.ENGINEER
    return role


def roles_path(location: Location | None = None) -> Path:
    """$ROTA_ROLES, else roles.toml beside the store's SQLite file, else in the user's data folder."""
    given = os.environ.get(ENV_ROLES)
    if given:
        return Path(given).expanduser().absolute()
    if location is not None and location.url.startswith("sqlite:///") and location.label != ":memory:":
        return Path(location.label).with_name(FILE_NAME)
    return default_path().with_name(FILE_NAME)


def load_roles(path: Path, required: bool = False) -> Roles:
    """The roles in `path`; an absent file gives nobody a role (unless `required`). ScenarioError lists every
    problem at once, each with the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ScenarioError([Problem(str(path), "", "", "the roles file does not exist; expected a TOML file "
                                         "with [admin], [manager], [viewer] sections of emails = [...] and "
                                         "groups = [...]")]) from None
        return Roles()
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem(str(path), "", "", f"cannot be read ({error}); expected a UTF-8 TOML "
                                     "file")]) from None
    return parse_roles(text, str(path))


def parse_roles(text: str, source: str) -> Roles:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem(source, _where(_toml_line(error)), "", f"is not valid TOML: {error}")]) from None
    problems: list[Problem] = []

    def problem(needle: str, column: str, message: str) -> None:
        problems.append(Problem(source, _where(_line_of(text, needle)), column, message))

    claim = data.pop("groups_claim", "groups")
    if not isinstance(claim, str) or not claim:
        problem("groups_claim", "groups_claim", "expected the name of the claim that lists groups, e.g. \"groups\"")
        claim = "groups"
    emails: dict[str, Role] = {}
    groups: dict[str, Role] = {}
    teams: dict[str, tuple[dict[str, Role], dict[str, Role]]] = {}
    for name, section in data.items():
        if name not in ROLE_SECTIONS:
            problem(f"[{name}]" if isinstance(section, dict) else name, name,
                    f"unknown key; expected groups_claim or a section [{'], ['.join(ROLE_SECTIONS)}]")
            continue
        if not isinstance(section, dict):
            problem(name, name, f"expected a section [{name}] with emails = [...] and groups = [...]")
            continue
        role = Role(name)
        entries = [(None, key, values) for key, values in section.items() if not isinstance(values, dict)]
        for team, subsection in section.items():
            if isinstance(subsection, dict):  # [manager.eu]: this role in team eu only
                entries += [(team, key, values) for key, values in subsection.items()]
        for team, key, values in entries:
            where = f"{name}.{team}.{key}" if team else f"{name}.{key}"
            if key not in _KEYS:
                problem(f"{key}", where, "unknown key; expected emails or groups")
                continue
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                problem(f"{key}", where, "expected a list of non-empty strings, e.g. "
                        + ('["ada@example.com"]' if key == "emails" else '["support-leads"]'))
                continue
            for value in values:
                item = value.strip().lower() if key == "emails" else value.strip()
                if key == "emails" and ("@" not in item or item.startswith("@") or item.endswith("@")):
                    problem(value, where, f"'{value}' is not an e-mail address; expected name@domain")
                    continue
                scope = (emails, groups) if team is None else teams.setdefault(team, ({}, {}))
                seen = scope[0] if key == "emails" else scope[1]
                if item in seen and seen[item] is not role:
                    problem(value, where, f"'{value}' is also under [{seen[item].value}"
                            f"{'.' + team if team else ''}]; give each e-mail or group one role"
                            f"{' in a team' if team else ''} (the highest it should have)")
                    continue
                seen[item] = role
    if problems:
        raise ScenarioError(problems)
    return Roles(emails, groups, claim, source,
                 {team: Roles(found[0], found[1], claim, source) for team, found in teams.items()})


def _where(line: int | None) -> str:
    return f"line {line}" if line else ""


def _toml_line(error: tomllib.TOMLDecodeError) -> int | None:
    # tomllib says "... (at line 3, column 7)"; the line is what a person looks for.
    text = str(error)
    if "at line " not in text:
        return None
    digits = text.split("at line ", 1)[1].split(",", 1)[0].rstrip(")")
    return int(digits) if digits.isdigit() else None


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return None
