"""Real servers started by the tests: wait until one answers, stop it (and its children) afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Until `url` answers 200; the test fails with the end of the server's log if the process ends or time runs
    out first (a ceiling for a loaded machine, never a measurement)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{url} did not come up:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen, group: bool = False) -> None:
    """SIGTERM (to its whole process group when it was started in a new session), then SIGKILL if it lingers."""
    if group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(5)
