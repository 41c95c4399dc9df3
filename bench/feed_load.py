"""Load test of the calendar feeds on loopback: requests per second with and without 304s, and errors.

Publishes a result folder into a temporary store, starts `rota serve` on 127.0.0.1 (free ports), and has a few
client threads (keep-alive connections) fetch feeds. Each run stops after --requests or --seconds, whichever comes
first. Prints a table; exits 1 if any request failed.

Scale-out: `--servers 2 --postgres` starts a throwaway PostgreSQL cluster (Debian's server binaries, Unix socket
only) and two `rota serve --feeds-only` processes on that one store; the client threads are spread over them.

    .venv/bin/python bench/feed_load.py                      # solves the demo (10 s) first
    .venv/bin/python bench/feed_load.py --result out/demo --requests 2000 --seconds 20 --threads 4
    .venv/bin/python bench/feed_load.py --result out/demo --postgres --servers 2 --feeds-only
"""

from __future__ import annotations

import argparse
import glob
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    name: str
    paths: list[str]
    headers: dict[str, dict[str, str]]  # per path
    expect: int  # the status every request should get
    done: int = 0
    errors: int = 0
    not_modified: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", type=Path, help="a result folder (default: solve the demo for 10 s)")
    parser.add_argument("--requests", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per run, at most (default 20)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--servers", type=int, default=1, help="server processes on the one store (default 1)")
    parser.add_argument("--feeds-only", action="store_true", help="serve with `rota serve --feeds-only`")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster as the store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rota-feed-load-") as tmp, _store(Path(tmp), args.postgres) as store:
        work = Path(tmp)
        result = args.result or _solve_demo(work)
        os.environ["ROTA_SECRET_KEY_FILE"] = str(work / "feed.key")  # never the user's own key
        env = {**os.environ, "ROTA_STORE": store}
        subprocess.run([sys.executable, "-m", "rota.cli", "publish", str(result)], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        ports = [_free_port() for _ in range(args.servers)]
        servers = [subprocess.Popen([sys.executable, "-m", "rota.cli", "serve", "--port", str(port), "--quiet",
                                     *(["--feeds-only"] if args.feeds_only else [])], cwd=REPO, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                   for port in ports]
        try:
            for port, server in zip(ports, servers, strict=True):
                _wait(port, server)
            runs = _runs(store, ports[0])
            for run in runs:
                _load(run, ports, args.requests, args.seconds, args.threads)
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(15)
    face = "feeds-only" if args.feeds_only else "UI + feeds"
    _table(runs, args.threads, f"{args.servers} `rota serve` ({face}) on {'PostgreSQL' if args.postgres else 'SQLite'}")
    return 1 if any(r.errors for r in runs) else 0


@contextmanager
def _store(work: Path, postgres: bool) -> Iterator[str]:
    """The store's URL: a SQLite file, or a throwaway PostgreSQL cluster's database (as in test_store_postgres)."""
    if not postgres:
        yield str(work / "store.sqlite3")
        return
    found = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None)
    if found is None:
        raise SystemExit("--postgres needs PostgreSQL's server binaries (Debian: apt-get install postgresql)")
    bin_dir = Path(found).resolve().parent
    root = Path(tempfile.mkdtemp(prefix="rota-pg-", dir="/tmp"))
    data, sockets = root / "data", root / "socket"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        for path in (root, sockets):
            shutil.chown(path, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "rota", "-E", "UTF8",
                    "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", f"-c listen_addresses='' -k {sockets}",
                    "-l", str(root / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://rota@/postgres?host={sockets}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _solve_demo(work: Path) -> Path:
    out = work / "demo"
    subprocess.run([sys.executable, "-m", "rota.cli", "solve", str(REPO / "rota" / "data" / "demo"), "--out", str(out),
                    "--time-limit", "10", "--quiet"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status, _, _ = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz", {})
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("rota serve did not start")


def _runs(store: str, port: int) -> list[Run]:
    sys.path.insert(0, str(REPO))
    from rota.store import Store, locate

    opened = Store(locate(store))
    records = opened.feeds()
    engineers = [f"/feeds/{opened.token(r)}.ics" for r in records if r.kind == "engineer"]
    team = [f"/feeds/{opened.token(r)}.ics" for r in records if r.kind == "team"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    etags = {p: _get(connection, p, {})[1] for p in engineers + team}
    gz = {p: _get(connection, p, {"Accept-Encoding": "gzip"})[1] for p in team}
    connection.close()
    return [
        Run("engineer feeds, full 200", engineers, {p: {} for p in engineers}, 200),
        Run("engineer feeds, If-None-Match → 304", engineers, {p: {"If-None-Match": etags[p]} for p in engineers}, 304),
        Run("team feed, full 200", team, {p: {} for p in team}, 200),
        Run("team feed, gzip 200", team, {p: {"Accept-Encoding": "gzip"} for p in team}, 200),
        Run("team feed, gzip If-None-Match → 304", team,
            {p: {"Accept-Encoding": "gzip", "If-None-Match": gz[p]} for p in team}, 304),
    ]


def _get(connection: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, str, int]:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, response.getheader("ETag") or "", len(body)


def _load(run: Run, ports: list[int], requests: int, seconds: float, threads: int) -> None:
    lock = threading.Lock()
    issued = 0
    started = time.monotonic()
    deadline = started + seconds

    def client(index: int) -> None:
        nonlocal issued
        port = ports[index % len(ports)]  # the threads spread over the servers
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = index
        while True:
            with lock:
                if issued >= requests or time.monotonic() >= deadline:
                    break
                issued += 1
            path = run.paths[n % len(run.paths)]
            n += threads
            begun = time.perf_counter()
            try:
                status, _, _ = _get(connection, path, run.headers[path])
                ok = status == run.expect
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, ok = 0, False
            with lock:
                run.done += 1
                run.errors += not ok
                run.not_modified += status == 304
                run.latencies.append(time.perf_counter() - begun)
        connection.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    run.seconds = time.monotonic() - started


def _table(runs: list[Run], threads: int, servers: str) -> None:
    print(f"Feed load test on 127.0.0.1: {servers}, {threads} client threads with keep-alive connections")
    print(f"| {'run':<38} | {'requests':>8} | {'seconds':>7} | {'req/s':>7} | {'errors':>6} | {'304 share':>9} | "
          f"{'p50 ms':>6} | {'p95 ms':>6} |")
    print(f"|{'-' * 40}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 11}|{'-' * 8}|{'-' * 8}|")
    for r in runs:
        ms = sorted(x * 1000 for x in r.latencies) or [0.0]
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        print(f"| {r.name:<38} | {r.done:>8} | {r.seconds:>7.2f} | {r.done / r.seconds:>7.0f} | {r.errors:>6} | "
              f"{100 * r.not_modified / max(r.done, 1):>8.0f}% | {statistics.median(ms):>6.1f} | {p95:>6.1f} |")


if __name__ == "__main__":
    sys.exit(main())
