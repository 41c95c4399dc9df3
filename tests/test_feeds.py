"""The feeds over HTTP, from a real `rota serve` (uvicorn, the Streamlit UI and the feed routes) on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest

from rota.result import load_result
from rota.store import ENV_KEY, ENV_PAUSE, ENV_STORE, Store, locate
from tests.calendars import (
    GOLDEN_RESULT,
    damaged_store,
    golden_variant,
    icaljs,
    prop,
    rota,
    vevents,
    without_root_powers,
)
from tests.servers import stop, wait_healthy

NOT_FOUND = b"Not Found\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, store: Path):
        self.port, self.store = port, store
        self.base = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        """One request with the path sent exactly as given (no client-side normalisation)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def links(self) -> dict[tuple[str, str], tuple[str, str]]:
        """{(kind, id): (http url, webcal url)} as `rota feeds list` prints them."""
        done = rota("feeds", "list", "--store", str(self.store), "--base-url", self.base)
        assert done.returncode == 0, done.stderr
        lines, out = done.stdout.splitlines()[1:], {}
        for i in range(0, len(lines), 3):
            kind, ident = lines[i].split()[:2]
            out[kind, ident] = (lines[i + 1].strip(), lines[i + 2].strip())
        return out

    def path(self, kind: str, ident: str) -> str:
        return self.links()[kind, ident][0].removeprefix(self.base)


@contextmanager
def serving(store: Path, folder: Path, prefix: Sequence[str] = ()) -> Iterator[Server]:
    """A real `rota serve` on a free port (`prefix`: e.g. a command that takes the user's write permission away)."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_STORE, ENV_KEY, ENV_PAUSE)}
    port = free_port()
    log = (folder / "server.log").open("w")
    process = subprocess.Popen([*prefix, sys.executable, "-m", "rota.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port), "--store", str(store), "--quiet"], cwd=folder, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    running = Server(port, store)
    wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, folder / "server.log")
    try:
        yield running
    finally:
        stop(process, group=True)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("feeds")
    store = folder / "store.sqlite3"
    done = rota("publish", str(GOLDEN_RESULT), "--store", str(store))
    assert done.returncode == 0, done.stderr
    with serving(store, folder) as running:
        yield running


def test_a_feed_is_a_calendar_with_validators(server: Server, tmp_path: Path):
    status, headers, body = server.request("GET", server.path("engineer", "ciara"))
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])
    assert parsedate_to_datetime(headers["last-modified"]) <= datetime.now(UTC)
    assert "private" in headers["cache-control"]
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and b"X-WR-CALNAME:On call \xc2\xb7 Ciara" in body
    path = tmp_path / "ciara.ics"
    path.write_bytes(body)
    events = icaljs([path])[str(path)]["events"]
    assert [(e["start"], e["end"], e["summary"]) for e in events] == [
        ("2027-03-27T13:00:00Z", "2027-03-28T01:00:00Z", "On call · Late · P0 senior"),
        ("2027-03-28T12:00:00Z", "2027-03-29T00:00:00Z", "On call · Late · P0 senior")]


def test_every_listed_link_opens_its_feed(server: Server):
    links = server.links()
    assert sorted(links) == [("centre", "blr"), ("centre", "dub"), ("engineer", "asha"), ("engineer", "ciara"),
                             ("engineer", "dev"), ("team", "team")]
    for (kind, ident), (url, webcal) in links.items():
        assert re.fullmatch(re.escape(server.base) + r"/feeds/[A-Za-z0-9_-]{43}\.ics", url)
        assert webcal == "webcal://" + url.removeprefix("http://")
        status, _headers, body = server.request("GET", url.removeprefix(server.base))
        assert status == 200
        summaries = len(re.findall(rb"\r\nBEGIN:VEVENT", body))
        assert summaries == {"team": 6, "blr": 4, "dub": 2, "asha": 2, "ciara": 2, "dev": 2}[ident], (kind, ident)


def test_conditional_requests_get_304(server: Server):
    path = server.path("engineer", "asha")
    _, headers, body = server.request("GET", path)
    etag, modified = headers["etag"], headers["last-modified"]
    for conditions in ({"If-None-Match": etag}, {"If-None-Match": f"W/{etag}"}, {"If-None-Match": f'"x", {etag}'},
                       {"If-None-Match": "*"}, {"If-Modified-Since": modified},
                       {"If-Modified-Since": format_datetime(datetime.now(UTC), usegmt=True)}):
        status, again, payload = server.request("GET", path, conditions)
        assert (status, payload) == (304, b""), conditions
        assert again["etag"] == etag and again["last-modified"] == modified
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    for conditions in ({"If-None-Match": '"0123"'}, {"If-Modified-Since": earlier},
                       {"If-None-Match": '"0123"', "If-Modified-Since": modified},  # If-None-Match decides
                       {"If-Modified-Since": "not a date"}):
        status, _, payload = server.request("GET", path, conditions)
        assert (status, payload) == (200, body), conditions


def test_head_has_the_headers_of_get_and_no_body(server: Server):
    path = server.path("centre", "blr")
    _, get_headers, body = server.request("GET", path)
    status, headers, payload = server.request("HEAD", path)
    assert (status, payload) == (200, b"")
    assert int(headers["content-length"]) == len(body)
    for name in ("content-type", "etag", "last-modified", "cache-control"):
        assert headers[name] == get_headers[name]
    assert server.request("HEAD", path, {"If-None-Match": get_headers["etag"]})[0] == 304


def test_gzip_is_its_own_representation(server: Server):
    path = server.path("team", "team")
    _, plain, body = server.request("GET", path)
    status, headers, payload = server.request("GET", path, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(payload) == body
    assert headers["etag"] == plain["etag"][:-1] + '-gz"' and "accept-encoding" in headers["vary"].lower()
    assert server.request("GET", path, {"If-None-Match": headers["etag"]})[0] == 304  # same content, either coding


def test_anything_but_a_valid_token_gets_the_same_plain_404(server: Server):
    valid = server.path("engineer", "asha")
    token = valid.removeprefix("/feeds/").removesuffix(".ics")
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/feeds/{near}.ics", f"/feeds/{token}", f"/feeds/{token}.ICS", f"/feeds/{token[:-1]}.ics",
                 f"/feeds/{token}x.ics", "/feeds/" + "!" * 43 + ".ics", "/feeds/", "/feeds", "/feeds/a/b.ics",
                 f"/feeds/{token}.ics/extra", "/feeds/..%252Fserver.py", "/feeds/app.py", "/feeds/server.py"):
        status, headers, body = server.request("GET", path)
        assert (status, body) == (404, NOT_FOUND), path
        assert headers["content-type"] == "text/plain; charset=utf-8" and "etag" not in headers
    assert server.request("POST", valid)[0:3:2] == (404, NOT_FOUND)
    # Dot segments and NULs, raw or encoded, never reach a route (the UI's path-security layer answers 400).
    for path in ("/feeds/../app.py", "/feeds/../../pyproject.toml", f"/feeds/../feeds/{token}.ics",
                 "/feeds/..%2Fapp.py", "/feeds/%2e%2e%2f%2e%2e%2fpyproject.toml", "/feeds/%2e%2e/server.py",
                 f"/feeds/{token}.ics%00"):
        status, _, body = server.request("GET", path)
        assert status in (400, 404) and b"streamlit" not in body and b"[project]" not in body, path


def test_the_web_ui_is_served_by_the_same_server(server: Server):
    status, headers, body = server.request("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"<div id=\"root\">" in body
    assert server.request("GET", "/_stcore/health")[2] == b"ok"


def test_a_publish_and_a_rotation_show_at_once(server: Server, tmp_path: Path):
    path = server.path("engineer", "ciara")
    _, headers, before = server.request("GET", path)
    done = rota("publish", str(golden_variant(tmp_path / "moved", move=True)), "--store", str(server.store))
    assert done.returncode == 0, done.stderr
    status, fresh, after = server.request("GET", path, {"If-None-Match": headers["etag"]})
    assert status == 200 and fresh["etag"] != headers["etag"]
    moved = [b for b in vevents(after).values() if prop(b, "DTSTART") == "20270327T070000Z"]
    assert len(moved) == 1 and prop(moved[0], "SEQUENCE") == "1" and set(vevents(after)) == set(vevents(before))
    old = server.path("engineer", "dev")
    done = rota("feeds", "rotate", "dev", "--store", str(server.store), "--base-url", server.base)
    assert done.returncode == 0 and "the old ones stopped working" in done.stdout
    new = re.search(r"(/feeds/[A-Za-z0-9_-]{43}\.ics)", done.stdout).group(1)  # type: ignore[union-attr]
    assert server.request("GET", old)[0:3:2] == (404, NOT_FOUND)
    assert server.request("GET", new)[0] == 200 and new == server.path("engineer", "dev")


def test_a_client_revalidating_sees_each_new_version_even_within_one_second(tmp_path: Path):
    store_path = tmp_path / "store.sqlite3"
    store = Store(locate(str(store_path)))
    now = datetime.now(UTC).replace(microsecond=0)
    store.publish(load_result(GOLDEN_RESULT), now=now)
    with serving(store_path, tmp_path) as server:
        path = server.path("team", "team")
        status, headers, before = server.request("GET", path)
        assert status == 200
        # A second version in the same second, as a quick correction right after a publish is.
        store.publish(load_result(golden_variant(tmp_path / "moved", move=True)), now=now)
        status, fresh, after = server.request("GET", path, {"If-Modified-Since": headers["last-modified"]})
        assert status == 200 and after != before
        assert parsedate_to_datetime(fresh["last-modified"]) > parsedate_to_datetime(headers["last-modified"])
        assert server.request("GET", path, {"If-Modified-Since": fresh["last-modified"]})[0] == 304


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_read_only_store_is_served(how: str, tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    store_path = folder / "store.sqlite3"
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(store_path)).returncode == 0
    for leftover in folder.glob("store.sqlite3-*"):
        leftover.unlink()
    (store_path if how == "file" else folder).chmod(0o444 if how == "file" else 0o555)
    try:
        with serving(store_path, tmp_path, without_root_powers()) as server:
            status, _, body = server.request("GET", server.path("engineer", "ciara"))
            assert status == 200 and body.count(b"BEGIN:VEVENT") == 2
            assert server.request("GET", "/feeds/" + "A" * 43 + ".ics")[0] == 404
    finally:
        folder.chmod(0o755)


def test_a_store_damaged_under_a_running_server_gets_503_not_a_traceback(tmp_path: Path):
    store_path = damaged_store("corrupt-page", tmp_path)  # opens (its first pages are whole); its events do not read
    with serving(store_path, tmp_path) as server:
        status, headers, body = server.request("GET", server.path("team", "team"))
        assert (status, headers["retry-after"]) == (503, "300")
        assert body == b"Service Unavailable: the calendar store cannot be read\n"
        assert server.request("GET", "/_stcore/health")[0] == 200  # the server itself carries on
    log = (tmp_path / "server.log").read_text()
    assert f"the store {store_path} is damaged" in log and "Traceback" not in log
