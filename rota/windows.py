"""The next planning window: the day after the latest published window, of the same length, written into the
scenario's scenario.toml (its comments and every other line kept as they are)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rota.store import VersionInfo

_KEY = re.compile(r"^(?P<key>start|days)(?P<eq>\s*=\s*)(?P<value>[^#\s]+)(?P<rest>.*)$")


def next_window(versions: Iterable[VersionInfo]) -> tuple[date, int] | None:
    """(first UTC day, days) of the window after the latest-ending published one; None before any publish."""
    windows = [(_day(v.window_start), _day(v.window_end)) for v in versions]
    if not windows:
        return None
    start, end = max(windows, key=lambda w: (w[1], w[0]))
    return end, (end - start).days  # a window's end is the first UTC day after it


def _day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def with_window(toml: bytes, start: date, days: int) -> bytes:
    """scenario.toml with its top-level `start` and `days` set (a line added for a key it lacks)."""
    lines = toml.decode().splitlines(keepends=True)
    found: set[str] = set()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("["):
            break  # top-level keys come before the first table
        match = _KEY.match(line.rstrip("\r\n"))
        if match:
            key = match["key"]
            value = start.isoformat() if key == "start" else str(days)
            ending = line[len(line.rstrip("\r\n")):]
            lines[i] = f"{key}{match['eq']}{value}{match['rest']}{ending}"
            found.add(key)
    missing = [f"{k} = {start.isoformat() if k == 'start' else days}\n" for k in ("start", "days") if k not in found]
    return ("".join(missing) + "".join(lines)).encode()
