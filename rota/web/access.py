"""Who is using this session and what they may do (the rules are rota.roles'), and the pages before any role.

Without sign-in configured the UI is one person's, with every right, as before sign-in existed (`rota serve` then
listens on loopback only).
With it, a person not signed in sees only the sign-in page, and one signed in with no role an "ask your admin" page.
Pages call `page_guard` first and `require` before acting: hiding a button is not enough.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rota import engineer_view, publishing, roles, views
from rota.domain import Engineer
from rota.report import Shifts
from rota.roles import Role, Roles
from rota.scenario import ScenarioError
from rota.signin_config import providers, signin_configured
from rota.store import StoreError, locate
from rota.views import Analysis
from rota.web import state


def signin_on() -> bool:
    return signin_configured()


def signed_in() -> bool:
    return bool(st.user.get("is_logged_in"))


def email() -> str | None:
    value = st.user.get("email") if signed_in() else None
    return str(value) if value else None


def actor() -> str:
    """Who acts, for the audit log: the signed-in e-mail, else the one person a loopback server without sign-in
    serves."""
    return email() or "the web UI's user (no sign-in, on loopback)"


def _groups(claim: str) -> list[str]:
    value = st.user.get(claim) if signed_in() else None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


@st.cache_resource(max_entries=8, show_spinner=False)
def _noted(store_url: str, path: str, _mtime: int, grants: tuple[str, ...]) -> bool:
    """Roles noted in the audit log once per version of the file (the file is edited by hand, outside rota)."""
    found = state.store()
    try:
        return found.note_roles(list(grants), actor=f"{path} (noticed by the web UI)") if found else False
    except StoreError:
        return False  # a read-only store: the change is not recorded, the roles still apply


def role_file() -> tuple[Roles, list[str]]:
    """The roles file's roles, and its problems as text (a broken file gives nobody a role from it)."""
    try:
        location = locate()
    except StoreError:
        location = None
    try:
        path = roles.roles_path(location)
        found = roles.load_roles(path)
        if location is not None and path.is_file():
            _noted(location.url, str(path), path.stat().st_mtime_ns, tuple(found.assignments()))
        return found, []
    except ScenarioError as error:
        return Roles(), [str(p) for p in error.problems]


def role() -> Role:
    if not signin_on():
        return Role.ADMIN
    if not signed_in():
        return Role.NONE
    found, _ = role_file()
    engineers = [e.email for e in state.scenario().engineers]
    return roles.effective_role(found, email(), _groups(found.groups_claim), engineers, state.team())


def engineer() -> Engineer | None:
    """The signed-in person's engineer in the working scenario, by the e-mail in engineers.csv."""
    mine = (email() or "").strip().lower()
    return next((e for e in state.scenario().engineers if mine and e.email.strip().lower() == mine), None)


def allowed(permission: Callable[[Role], bool]) -> bool:
    return permission(role())


def require(permission: Callable[[Role], bool], what: str) -> None:
    """Stop the page, saying so, unless this person may do `what` (checked again when the button is pressed)."""
    if not allowed(permission):
        st.error(f"Your role ({role().value}) may not {what}.", icon="⛔")
        st.stop()


def page_guard(page: str) -> None:
    """The first line of every page: the router only lists allowed pages, and a page refuses itself too."""
    if not roles.may_see_page(role(), page):
        st.error("This page is not for your role. Ask your admin if you need it.", icon="⛔")
        st.stop()


@st.cache_resource(max_entries=8, show_spinner=False)
def _analysed(store_url: str, version: int, files_key: str, _published: Shifts) -> Analysis:
    # One analysis per published version and scenario, shared by every viewer's session.
    plan = state.plan()
    return views.analyse(plan, engineer_view.slots_of(plan, _published))


def published_result() -> Analysis | None:
    """The latest published rota in the working scenario's window, for a role that reads but does not solve; None
    (saying why) when nothing is published or the store cannot be read."""
    store = state.store()
    try:
        found = publishing.published_baseline(store, state.scenario()) if store is not None else None
    except StoreError as error:
        st.error(f"The published rota cannot be read: {error}", icon="⛔")
        return None
    if found is None:
        st.info("Nothing is published yet: a manager publishes the rota on the Calendars page.")
        return None
    version, shifts = found
    st.session_state.published_token = -float(version)  # memo keys of the pages: one per version
    st.caption(f"The published rota, version {version}.")
    return _analysed(store.location.url, version, state.files_key(st.session_state.valid_files), shifts)


def signin_page() -> None:
    st.title("rota")
    st.markdown("Sign in with your company account to see the rota.")
    for provider in providers():
        st.button("Sign in" if provider is None else f"Sign in with {provider.capitalize()}", type="primary",
                  key=f"sign_in_{provider}" if provider else "sign_in", on_click=st.login, args=(provider,),
                  icon=":material/login:")


def no_role_page() -> None:
    st.title("rota")
    st.warning(f"You are signed in as **{email() or 'an account without an e-mail'}**, but you have no role in rota "
               "yet. Ask your admin to add you to the roles file.", icon=":material/lock:")
    _, problems = role_file()
    if problems:  # the details name people: for the admin's `rota roles`, not for this page
        st.error(f"The roles file has {len(problems)} problem(s), so it gives nobody a role: `rota roles` on the "
                 "server shows them.", icon="⛔")
    sign_out()


def sign_out() -> None:
    if signed_in():
        st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")
