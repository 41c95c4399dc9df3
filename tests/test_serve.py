"""`rota serve` for a deployment, against real servers: the feeds-only face (no Streamlit in it), feed tokens kept
out of every log line, and the UI refused beyond loopback until sign-in is configured."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from rota import logs
from rota.signin_config import signin_configured, signin_problems
from rota.store import ENV_KEY, ENV_PAUSE, ENV_STORE
from rota.tokens import ENV_PUBLIC_URL, public_base_url, request_base_url
from tests.calendars import GOLDEN_RESULT, rota
from tests.servers import stop, wait_healthy
from tests.test_feeds import Server, free_port

# Runs the real CLI with every import of Streamlit failing: a feeds-only server must not need it.
WITHOUT_STREAMLIT = """
import importlib.abc, sys

class NoStreamlit(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ImportError(f"{name} is unimportable in this test")
        return None

sys.meta_path.insert(0, NoStreamlit())
from rota.cli import main
sys.exit(main(sys.argv[1:]))
"""
AUTH = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a-long-random-secret-for-the-cookie"
client_id = "rota"
client_secret = "secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


def clean_env(home: Path) -> dict[str, str]:
    """No store, key or secrets from the developer's own environment: HOME is a fresh folder."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_STORE, ENV_KEY, ENV_PAUSE, "STREAMLIT_SECRETS_FILES")}
    env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("serve") / "store.sqlite3"
    done = rota("publish", str(GOLDEN_RESULT), "--store", str(store))
    assert done.returncode == 0, done.stderr
    return store


@contextmanager
def serving(store: Path | str, folder: Path, *options: str, command: Sequence[str] = ("-m", "rota.cli"),
            env: dict[str, str] | None = None) -> Iterator[tuple[Server, Path]]:
    """A real `rota serve OPTIONS` on a free loopback port, with its stdout and stderr in the returned file."""
    port = free_port()
    log_path = folder / f"server-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, *command, "serve", "--port", str(port), "--store", str(store),
                                *options], cwd=folder, env=env or clean_env(folder), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    running = Server(port, store)  # type: ignore[arg-type]  # a URL works too: links() passes it on as text
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process, log_path)
    try:
        yield running, log_path
    finally:
        stop(process, group=True)
        log.close()


# ---- A: the feeds-only face ----------------------------------------------------------------------------------------


def test_feeds_only_serves_the_feeds_and_a_health_check_and_nothing_else(published: Path, tmp_path: Path):
    with serving(published, tmp_path, "--feeds-only", command=("-c", WITHOUT_STREAMLIT)) as (server, _log):
        status, headers, body = server.request("GET", "/healthz")
        assert (status, body) == (200, b"ok version 1\n")
        status, headers, body = server.request("GET", server.path("engineer", "asha"))
        assert status == 200 and headers["content-type"].startswith("text/calendar")
        assert body.startswith(b"BEGIN:VCALENDAR")
        for path in ("/", "/_stcore/health", "/_stcore/stream", "/oauth2callback", "/auth/login", "/static/x.js",
                     "/calendars", "/feeds", "/feeds/x.ics"):
            status, _headers, body = server.request("GET", path)
            assert (path, status, body) == (path, 404, b"Not Found\n")
        assert server.request("POST", "/")[0] == 404


def test_the_full_server_answers_the_health_check_too(published: Path, tmp_path: Path):
    with serving(published, tmp_path, "--quiet") as (server, _log):
        assert server.request("GET", "/healthz")[:3:2] == (200, b"ok version 1\n")
        assert server.request("GET", "/_stcore/health")[0] == 200
        assert server.request("GET", "/")[0] == 200


# ---- B: tokens never reach a log -----------------------------------------------------------------------------------


@pytest.mark.parametrize("face", [["--feeds-only"], []], ids=["feeds-only", "with-ui"])
def test_feed_tokens_never_reach_the_log(face: list[str], published: Path, tmp_path: Path):
    with serving(published, tmp_path, *face) as (server, log):
        path = server.path("engineer", "ciara")
        token = path.removeprefix("/feeds/").removesuffix(".ics")
        assert server.request("GET", path)[0] == 200
        assert server.request("GET", path + "?x=1", {"If-None-Match": "*"})[0] == 304
        unknown = "A" * 43
        assert server.request("GET", f"/feeds/{unknown}.ics")[0] == 404
        assert server.request("GET", f"/feeds/{token}")[0] == 404  # no suffix: still a secret in the path
        time.sleep(0.5)  # let the access log lines be written
    text = log.read_text()
    assert token not in text and unknown not in text
    assert text.count('"GET /feeds/[token].ics HTTP/1.1" 200') == 1  # once: it was twice with the UI
    assert '"GET /feeds/[token].ics?x=1 HTTP/1.1" 304' in text
    assert '"GET /feeds/[token] HTTP/1.1" 404' in text


def test_redact_hides_every_feed_path() -> None:
    assert logs.redact('"GET /feeds/abc_-9.ics?x HTTP/1.1" 200') == '"GET /feeds/[token].ics?x HTTP/1.1" 200'
    assert logs.redact("/feeds/a/b/c /feeds/%41b") == "/feeds/[token] /feeds/[token]"
    assert logs.redact("GET / HTTP/1.1") == "GET / HTTP/1.1"


# ---- D: no UI beyond loopback without sign-in ----------------------------------------------------------------------


def _serve(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rota.cli", "serve", *args], cwd=folder, env=clean_env(folder),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_the_ui_is_refused_beyond_loopback_without_sign_in(host: str, published: Path, tmp_path: Path):
    done = _serve(tmp_path, "--host", host, "--port", str(free_port()), "--store", str(published))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"rota: refusing to serve the web UI on {host} without sign-in")
    assert "no [auth] section in " in done.stderr and ".streamlit/secrets.toml" in done.stderr
    assert "--feeds-only" in done.stderr


def test_half_a_sign_in_configuration_is_refused_and_named(published: Path, tmp_path: Path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(AUTH.replace('cookie_secret = "', 'x = "'))
    done = _serve(tmp_path, "--host", "0.0.0.0", "--port", str(free_port()), "--store", str(published))
    assert done.returncode == 2 and "[auth] has no cookie_secret" in done.stderr


def test_with_sign_in_configured_the_check_passes(tmp_path: Path):
    # Never actually listening beyond loopback here: a store folder that does not exist stops it right after.
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(AUTH)
    done = _serve(tmp_path, "--host", "0.0.0.0", "--port", str(free_port()), "--store", str(tmp_path / "no" / "s"))
    assert done.returncode == 2 and "refusing" not in done.stderr
    assert "does not exist" in done.stderr


def test_feeds_only_may_listen_anywhere(published: Path, tmp_path: Path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "rota.cli", "serve", "--feeds-only", "--host", "0.0.0.0",
                                "--port", str(port), "--store", str(published), "--quiet"], cwd=tmp_path,
                               env=clean_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        server, deadline = Server(port, published), time.monotonic() + 60
        while True:
            try:
                if server.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        assert server.request("GET", "/")[0] == 404
    finally:
        process.terminate()
        process.wait(15)


def test_loopback_names_need_no_sign_in(published: Path, tmp_path: Path):
    with serving(published, tmp_path, "--host", "localhost", "--quiet") as (server, _log):
        assert server.request("GET", "/_stcore/health")[0] == 200


def test_signin_configured_reads_the_files_streamlit_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STREAMLIT_SECRETS_FILES", raising=False)
    project = tmp_path / "project"
    (project / ".streamlit").mkdir(parents=True)
    assert not signin_configured(project)
    (tmp_path / "home" / ".streamlit").mkdir(parents=True)
    (tmp_path / "home" / ".streamlit" / "secrets.toml").write_text(AUTH)
    assert signin_configured(project)  # the user's global secrets
    # A provider table instead of the default provider's keys at the top.
    (project / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "x"\ncookie_secret = "y"\n[auth.google]\nclient_id = "a"\nclient_secret = "b"\n'
        'server_metadata_url = "c"\n')
    assert signin_configured(project)
    # The project's [auth] replaces the global one whole, as in Streamlit.
    (project / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "x"\n')
    assert signin_problems(project) == [
        "[auth] has no cookie_secret",
        "no provider in [auth] (or an [auth.<name>] table) has all of client_id, client_secret, server_metadata_url"]
    (project / ".streamlit" / "config.toml").write_text(f'[secrets]\nfiles = ["{tmp_path / "elsewhere.toml"}"]\n')
    (tmp_path / "elsewhere.toml").write_text(AUTH)
    assert signin_configured(project)


# ---- C: feed links on the address the request came in on ---------------------------------------------------------


def test_request_base_url_honours_the_proxy_headers() -> None:
    assert request_base_url({"Host": "127.0.0.1:8765"}) == "http://127.0.0.1:8765"
    assert request_base_url({"host": "127.0.0.1:8765", "X-Forwarded-Proto": "https",
                             "X-Forwarded-Host": "rota.example.com, inner:8765"}) == "https://rota.example.com"
    assert request_base_url({"Host": "inner", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "rota.example.com",
                             "X-Forwarded-Port": "8443"}) == "https://rota.example.com:8443"
    assert request_base_url({"Forwarded": 'for=1.2.3.4;proto=https;host="cal.example.org"', "Host": "x"}
                            ) == "https://cal.example.org"
    assert request_base_url({"Host": "[::1]:8600"}) == "http://[::1]:8600"
    for bad in ({}, {"Host": "a b"}, {"Host": "evil.example/path"}, {"Host": "x", "X-Forwarded-Proto": "gopher"}):
        assert request_base_url(bad) is None


def test_rota_public_url_wins_over_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_PUBLIC_URL, raising=False)
    assert public_base_url(request_base="http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert public_base_url() == "http://127.0.0.1:8501"
    monkeypatch.setenv(ENV_PUBLIC_URL, "https://cal.example.com/")
    assert public_base_url(request_base="http://127.0.0.1:8765") == "https://cal.example.com"


@pytest.mark.browser
def test_the_calendars_page_links_to_the_address_it_was_opened_on(published: Path, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    env = {k: v for k, v in clean_env(tmp_path).items() if k != ENV_PUBLIC_URL}
    with serving(published, tmp_path, "--quiet", env=env) as (server, _log), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def first_link(headers: dict[str, str]) -> str:
                context = browser.new_context(extra_http_headers=headers)
                page = context.new_page()
                page.set_default_timeout(90_000)
                page.goto(f"{server.base}/calendars")
                code = page.locator('[data-testid="stCode"]').first
                code.wait_for()
                text = code.inner_text().strip()
                context.close()
                return text

            direct = first_link({})
            assert re.fullmatch(re.escape(server.base) + r"/feeds/[A-Za-z0-9_-]{43}\.ics", direct), direct
            assert server.request("GET", direct.removeprefix(server.base))[0] == 200
            proxied = first_link({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rota.example.com"})
            assert proxied == direct.replace(server.base, "https://rota.example.com")
        finally:
            browser.close()
