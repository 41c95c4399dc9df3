"""Helpers for the calendar tests: two independent iCalendar parsers, scenarios across DST, and the CLI.

Neither parser is built on the `icalendar` package that writes the files: Mozilla's ical.js (the parser inside
Thunderbird, run with node) and the `ical` package from PyPI.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.checked import check_result_folder

REPO = Path(__file__).resolve().parents[1]
JS = REPO / "tests" / "js"
GOLDEN = REPO / "tests" / "golden"
GOLDEN_RESULT = GOLDEN / "result"


def rota(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real `rota` command in a subprocess."""
    return subprocess.run([sys.executable, "-m", "rota.cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, check=False)


def damaged_store(kind: str, tmp_path: Path) -> Path:
    """A store file as a user may find one: not SQLite at all, cut short by a full disk, or with a page overwritten."""
    path = tmp_path / f"{kind}.sqlite3"
    if kind == "not-sqlite":
        path.write_text("team,engineer\nblr,asha\n")
        return path
    assert rota("publish", str(GOLDEN_RESULT), "--store", str(path)).returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        revisions = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'revisions'").fetchone()[0]
    if kind == "truncated":
        os.truncate(path, 5000)
    else:  # the revisions table's page overwritten; the schema, versions and feeds stay readable
        with path.open("r+b") as handle:
            handle.seek((revisions - 1) * page_size)
            handle.write(b"\xff" * page_size)
    return path


def without_root_powers() -> list[str]:
    """A command prefix that makes file permissions bind: as root, drop the capabilities that override them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to bind")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def icaljs(paths: list[Path]) -> dict[str, dict]:
    """{path: {"calendar": {...}, "events": [{uid, sequence, status, summary, start, end}]}} from ical.js."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js` (scripts/test.sh does, and installs "
                    "Debian's nodejs and npm when node is missing)")
    out: dict[str, dict] = {}
    for i in range(0, len(paths), 50):  # keep the command line short
        done = subprocess.run([node, str(JS / "parse.mjs"), *map(str, paths[i:i + 50])], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        out.update(json.loads(done.stdout))
    return out


def pyical(path: Path) -> dict:
    """The same shape as icaljs(), from the `ical` package (PyPI)."""
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(path.read_bytes().decode("utf-8"))  # the exact CRLF bytes
    return {"events": [{
        "uid": e.uid, "sequence": e.sequence, "status": str(e.status.value) if e.status else None,
        "summary": e.summary, "start": _z(e.dtstart), "end": _z(e.dtend),
    } for e in calendar.events]}


def _z(value: datetime | date) -> str:
    assert isinstance(value, datetime) and value.tzinfo is not None, f"not an exact instant: {value!r}"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assignments(result: Path) -> list[dict[str, str]]:
    with (result / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_assignments(result: Path, rows: list[dict[str, str]]) -> None:
    with (result / "assignments.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def copy_golden(dest: Path) -> Path:
    shutil.copytree(GOLDEN_RESULT, dest)
    return dest


# A three-centre scenario whose pinned night shifts cross each DST switch of 2027 in North America and Europe, with
# Bengaluru (UTC+05:30) in between. Each season is solved separately to keep the solver's work small.
SEASONS = {
    "spring": {"start": "2027-03-12", "days": 18, "pins": [("tor-1", "2027-03-13", "tor-night"),
                                                          ("dub-1", "2027-03-27", "dub-night"),
                                                          ("blr-1", "2027-03-14", "blr-day")]},
    "autumn": {"start": "2027-10-29", "days": 11, "pins": [("tor-1", "2027-11-06", "tor-night"),
                                                          ("dub-1", "2027-10-30", "dub-night"),
                                                          ("blr-1", "2027-11-07", "blr-day")]},
}
# The pinned shifts as instants, worked out by hand from the zones' rules (not with rota's code).
PINNED_INSTANTS = {
    "spring": {("tor-1", "2027-03-13"): ("2027-03-14T03:00:00Z", "2027-03-14T10:00:00Z"),  # 22:00 EST → 06:00 EDT, 7 h
               ("dub-1", "2027-03-27"): ("2027-03-27T23:00:00Z", "2027-03-28T06:00:00Z"),  # 23:00 GMT → 07:00 IST, 7 h
               ("blr-1", "2027-03-14"): ("2027-03-14T03:30:00Z", "2027-03-14T12:30:00Z")},  # 09:00–18:00 IST (+05:30)
    "autumn": {("tor-1", "2027-11-06"): ("2027-11-07T02:00:00Z", "2027-11-07T11:00:00Z"),  # 22:00 EDT → 06:00 EST, 9 h
               ("dub-1", "2027-10-30"): ("2027-10-30T22:00:00Z", "2027-10-31T07:00:00Z"),  # 23:00 IST → 07:00 GMT, 9 h
               ("blr-1", "2027-11-07"): ("2027-11-07T03:30:00Z", "2027-11-07T12:30:00Z")},
}


def write_dst_scenario(folder: Path, season: str, leave: list[tuple[str, str]] = ()) -> Path:  # type: ignore[assignment]
    spec = SEASONS[season]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(f"""
name = "DST test rota ({season})"
start = {spec['start']}
days = {spec['days']}

[rules]
p0_min_seniors = 1
min_rest_hours = 11
max_hours_per_week = 48
max_consecutive_days = 5
public_holidays = "ignore"

[[centres]]
id = "tor"
name = "Toronto"
timezone = "America/Toronto"
country = "CA"

[[centres]]
id = "dub"
name = "Dublin"
timezone = "Europe/Dublin"
country = "IE"

[[centres]]
id = "blr"
name = "Bengaluru"
timezone = "Asia/Kolkata"
country = "IN"

[[shifts]]
id = "tor-night"
start = "22:00"
end = "06:00"
centres = ["tor"]

[[shifts]]
id = "tor-day"
start = "08:00"
end = "16:00"
centres = ["tor"]

[[shifts]]
id = "dub-night"
start = "23:00"
end = "07:00"
centres = ["dub"]

[[shifts]]
id = "dub-day"
start = "08:00"
end = "16:00"
centres = ["dub"]

[[shifts]]
id = "blr-day"
start = "09:00"
end = "18:00"
centres = ["blr"]

[[peaks]]
id = "eu-evening"
name = "Europe evening"
timezone = "Europe/London"
start = "19:00"
end = "23:00"
min_engineers = 1
""", encoding="utf-8")
    people = [("tor-1", "Tessa North", "tor", "L2"), ("tor-2", "Tom Lake", "tor", "L3"),
              ("tor-3", "Tia Ray", "tor", "L1"), ("dub-1", "Dara Quinn", "dub", "L2"),
              ("dub-2", "Niamh Cole", "dub", "L3"), ("dub-3", "Rory Hart", "dub", "L1"),
              ("blr-1", "Bala Menon", "blr", "L2"), ("blr-2", "Priya Das", "blr", "L3"),
              ("blr-3", "Kiran Rao", "blr", "L1")]
    (folder / "engineers.csv").write_text(
        "id,name,centre,level,languages,max_hours_per_week,email\n"
        + "".join(f"{i},{n},{c},{lv},en,,{i}@example.com\n" for i, n, c, lv in people), encoding="utf-8")
    (folder / "pins.csv").write_text("engineer,date,shift\n" + "".join(f"{e},{d},{s}\n" for e, d, s in spec["pins"]),
                                     encoding="utf-8")
    (folder / "leave.csv").write_text("engineer,start,end,reason\n" + "".join(f"{e},{d},{d},test\n"
                                                                             for e, d in leave), encoding="utf-8")
    return folder


def solve(scenario: Path, out: Path, seed: int = 0) -> Path:
    """`rota solve` on a work budget (the wall-clock limit a ceiling only); the rota must pass the checker."""
    done = rota("solve", str(scenario), "--out", str(out), "--work-limit", "1.5", "--time-limit", "600", "--seed",
                str(seed), "--quiet")
    assert done.returncode == 0, done.stderr
    check_result_folder(scenario, out)
    return out


def golden_variant(dest: Path, *, move: bool = False, drop: tuple[str, str] | None = None) -> Path:
    """The golden result, edited as a re-solve might: `move` puts ciara's 27 March on dub-early (07:00–15:00 UTC);
    `drop` removes the (engineer, date) shift."""
    folder = copy_golden(dest)
    rows = assignments(folder)
    if move:
        row = next(r for r in rows if (r["engineer"], r["date"]) == ("ciara", "2027-03-27"))
        row.update(shift="dub-early", start_utc="2027-03-27T07:00:00Z", end_utc="2027-03-27T15:00:00Z")
    if drop:
        rows = [r for r in rows if (r["engineer"], r["date"]) != drop]
    write_assignments(folder, rows)
    return folder


def vevents(body: bytes) -> dict[str, bytes]:
    """Each VEVENT's exact bytes, by UID."""
    out = {}
    for block in body.split(b"BEGIN:VEVENT\r\n")[1:]:
        block = block.split(b"END:VEVENT\r\n")[0]
        uid = next(line[4:] for line in block.split(b"\r\n") if line.startswith(b"UID:"))
        out[uid.decode()] = block
    return out


def prop(block: bytes, name: str) -> str:
    """An unfolded property value of one VEVENT block."""
    for line in block.replace(b"\r\n ", b"").split(b"\r\n"):
        if line.startswith(name.encode() + b":"):
            return line[len(name) + 1:].decode()
    raise KeyError(name)
