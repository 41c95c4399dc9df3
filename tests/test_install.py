"""rota installed the way a user installs it: a wheel, non-editable, into a fresh virtual environment, then
`rota solve`, `rota publish` and `rota serve` run from a folder that has nothing to do with the checkout.

Offline and the same in CI: the wheel is built without build isolation (setuptools from the `test` extra), the fresh
venv gets only that wheel, and its dependencies (ortools, Streamlit, …) are borrowed from the test environment through
a `.pth` file appended after the venv's own site-packages, so the `rota` it imports is the installed one.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_feeds import free_port

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the fresh venv's bin folder, an environment without the checkout on any path)."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # only what a release carries: no tests, no venv, no caches
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "rota", source / "rota", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ROTA_", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", root / "wheel",
         source, cwd=root, env=env)
    wheel = next((root / "wheel").glob("rota-*.whl"))
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root, env=env)
    python = venv / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root, env=env).strip()
    borrowed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()}
    (Path(purelib) / "borrowed-deps.pth").write_text("".join(f"{p}\n" for p in sorted(borrowed) if Path(p).is_dir()))
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel, cwd=root, env=env)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv / "bin", env


def test_the_installed_package_runs_from_any_folder(installed: tuple[Path, dict[str, str]], tmp_path: Path):
    bin_dir, env = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(bin_dir / "python", "-c", "import rota, rota.web; print(rota.__file__)", cwd=elsewhere, env=env)
    assert where.strip().startswith(str(bin_dir.parent)), where  # the wheel's copy, not the checkout's
    demo = Path(where.strip()).parent / "data" / "demo"
    assert (demo / "scenario.toml").is_file()

    out, store = elsewhere / "out", elsewhere / "rota.sqlite3"
    _run(bin_dir / "rota", "solve", demo, "--out", out, "--work-limit", "1", "--time-limit", "120", "--quiet",
         cwd=elsewhere, env=env)
    _run(bin_dir / "rota", "verify", demo, out, cwd=elsewhere, env=env)  # the independent checker passes it
    _run(bin_dir / "rota", "publish", out, "--store", store, cwd=elsewhere, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    links = _run(bin_dir / "rota", "feeds", "list", "--store", store, "--base-url", base, cwd=elsewhere, env=env)
    team = next(line.strip() for line in links.splitlines() if line.strip().startswith(f"{base}/feeds/"))
    with (elsewhere / "server.log").open("w") as log:
        server = subprocess.Popen([bin_dir / "rota", "serve", "--port", str(port), "--store", store], cwd=elsewhere,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if _get(f"{base}/_stcore/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, (elsewhere / "server.log").read_text()
                time.sleep(0.3)
            status, page = _get(f"{base}/")
            assert status == 200 and b"<html" in page.lower()
            status, body = _get(team)
            assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
        finally:
            server.terminate()
            server.wait(20)
