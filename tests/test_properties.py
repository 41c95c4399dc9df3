"""Properties checked on many generated cases (Hypothesis), derandomized so every run tries the same cases.

1. Whatever a person does to a valid scenario folder (a cell, row or column dropped, doubled or garbled, a key of
   scenario.toml lost, a byte changed, another encoding, `;` separators, an empty or missing file), `rota check`
   never raises: it exits 0, or 2 with the problems printed.
2. The one time rule (rota/clock.py) on every DST transition of every zone in tzdata: a wall time is read with
   fold=0 (a skipped time moves forward by the gap, an ambiguous one is its first occurrence), and an instant written
   as local time with its offset reads back as the same instant. The independent checker's rule agrees.
3. Small generated scenarios across DST switches and odd offsets: the solver's rota passes the independent checker.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota import checker
from rota.clock import iso_local, local_to_utc, wall_to_utc
from rota.domain import Centre, Leave, Pin, Rules, WallTime

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
FILES = ("scenario.toml", "engineers.csv", "leave.csv", "pins.csv")
CSVS = FILES[1:]
DEMO_FILES = {name: (DEMO / name).read_bytes() for name in FILES}
# Same cases on every run and machine; no example database written beside the code; no per-example time limit.
BOUNDED = settings(derandomize=True, database=None, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- 1. mutated scenario folders through `rota check` --------------------------------------------------------------


def _rows(data: bytes) -> list[list[bytes]]:
    return [line.split(b",") for line in data.split(b"\n")]


def _join(rows: list[list[bytes]]) -> bytes:
    return b"\n".join(b",".join(row) for row in rows)


def _pick(draw: st.DrawFn, items: list | bytes, label: str) -> int:
    return draw(st.integers(0, max(0, len(items) - 1)), label=label)


TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", '"', ",", ";", "\n", "-1", "0", "1e9", "nan",
                                                        "2027-02-30", "25:00", "24:00", "L4", "xx", "Mars/Base"]))


@st.composite
def mutation(draw: st.DrawFn, files: dict[str, bytes]) -> tuple[str, dict[str, bytes]]:
    """One change a person could make to the files; returns what it did and the changed files."""
    kind = draw(st.sampled_from(["drop_cell", "double_cell", "garble_cell", "drop_row", "double_row", "drop_column",
                                 "double_column", "semicolons", "empty", "missing", "drop_key", "double_key",
                                 "garble_value", "byte", "truncate", "encoding", "bom", "crlf"]))
    out = dict(files)
    if kind in ("drop_key", "double_key", "garble_value"):
        name = "scenario.toml"
    else:
        name = draw(st.sampled_from(CSVS if "cell" in kind or "row" in kind or "column" in kind else FILES))
    if name not in out:
        return f"{kind} {name} (absent)", out
    data = out[name]
    if kind in ("drop_cell", "double_cell", "garble_cell", "drop_row", "double_row", "drop_column", "double_column"):
        rows = _rows(data)
        r = _pick(draw, rows, "row")
        c = _pick(draw, rows[r], "column")
        if kind == "drop_cell":
            del rows[r][c]
        elif kind == "double_cell":
            rows[r].insert(c, rows[r][c])
        elif kind == "garble_cell":
            rows[r][c] = draw(TEXT, label="cell").encode("utf-8", "surrogatepass")
        elif kind == "drop_row":
            del rows[r]
        elif kind == "double_row":
            rows.insert(r, list(rows[r]))
        else:
            for row in rows:
                if c < len(row):
                    if kind == "drop_column":
                        del row[c]
                    else:
                        row.insert(c, row[c])
        out[name] = _join(rows)
    elif kind in ("drop_key", "double_key", "garble_value"):
        lines = data.split(b"\n")
        keyed = [i for i, line in enumerate(lines) if b"=" in line and not line.lstrip().startswith(b"#")]
        if not keyed:  # an earlier change left no key
            return f"{kind} {name} (no key)", out
        i = keyed[_pick(draw, keyed, "key")]
        if kind == "drop_key":
            del lines[i]
        elif kind == "double_key":
            lines.insert(i, lines[i])
        else:
            key = lines[i].split(b"=", 1)[0]
            lines[i] = key + b"= " + draw(TEXT, label="value").encode("utf-8", "surrogatepass")
        out[name] = b"\n".join(lines)
    elif kind == "semicolons":
        out[name] = data.replace(b",", b";")
    elif kind == "empty":
        out[name] = b""
    elif kind == "missing":
        del out[name]
    elif kind == "byte":
        i = _pick(draw, data, "at")
        out[name] = data[:i] + bytes([draw(st.integers(0, 255), label="byte")]) + data[i + 1:]
    elif kind == "truncate":
        out[name] = data[:_pick(draw, data, "at")]
    elif kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "utf-32", "cp1252", "latin-1"]))
        text = data.decode("utf-8", "replace")
        out[name] = text.encode(codec, "replace") + (b"\xe9\xff" if codec == "latin-1" else b"")
    elif kind == "bom":
        out[name] = b"\xef\xbb\xbf" + data
    else:
        out[name] = data.replace(b"\n", b"\r\n")
    return f"{kind} {name}", out


@st.composite
def mutated_demo(draw: st.DrawFn) -> tuple[list[str], dict[str, bytes]]:
    files, done = dict(DEMO_FILES), []
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        what, files = draw(mutation(files))
        done.append(what)
    return done, files


def rota_check(files: dict[str, bytes]) -> tuple[int, str, str]:
    """`rota check` in this process on a folder holding `files`: exit code, stdout, stderr."""
    from rota.cli import main

    with tempfile.TemporaryDirectory(prefix="rota-mutated-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", tmp])
        return code, out.getvalue(), err.getvalue().replace(tmp, "<folder>")


def test_the_unchanged_demo_checks_clean() -> None:
    code, out, err = rota_check(DEMO_FILES)
    assert (code, err) == (0, "") and out.startswith("Demo follow-the-sun support")


@settings(BOUNDED, max_examples=120)
@given(mutated_demo())
def test_a_mutated_scenario_folder_is_never_a_traceback(case: tuple[list[str], dict[str, bytes]]) -> None:
    done, files = case
    code, out, err = rota_check(files)  # an exception here is the failure: Hypothesis reports the smallest case
    assert code in (0, 2), (done, code, err)
    assert "Traceback" not in out + err
    if code == 2:
        header, *problems = err.splitlines()
        assert header.startswith("rota: ") and "problem(s) in" in header, (done, err)
        assert problems and all(line.strip() for line in problems), (done, err)
    else:
        assert err == "" and out.strip(), (done, out, err)


# ---- 2. the time rule on every DST transition of every zone --------------------------------------------------------

YEARS = (2015, 2035)  # inclusive: recent history, the present and the announced future
STEP = timedelta(days=7)  # no zone changes its offset twice within a week in these years (asserted below)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Transition:
    zone: str
    at: datetime  # UTC: the first instant with the new offset
    before: timedelta  # UTC offset just before
    after: timedelta


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


@cache
def transitions() -> tuple[Transition, ...]:
    """Every UTC-offset change of every tzdata zone in YEARS, to the second (by stepping, then bisecting)."""
    start, end = datetime(YEARS[0], 1, 1, tzinfo=UTC), datetime(YEARS[1] + 1, 1, 1, tzinfo=UTC)
    found = []
    for name in sorted(available_timezones()):
        zone = ZoneInfo(name)
        t0, o0 = start, _offset(start, zone)
        while t0 < end:
            t1 = min(t0 + STEP, end)
            o1 = _offset(t1, zone)
            if o1 != o0:
                lo, hi = t0, t1
                while hi - lo > SECOND:
                    mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                    lo, hi = (mid, hi) if _offset(mid, zone) == o0 else (lo, mid)
                found.append(Transition(name, hi, o0, o1))
            t0, o0 = t1, o1
    return tuple(found)


def _wall(instant: datetime, offset: timedelta) -> tuple[date, time]:
    """The wall clock reading of `instant` at `offset`, as a scenario file writes it (no fold)."""
    local = (instant + offset).replace(tzinfo=None)
    return local.date(), time(local.hour, local.minute, local.second)


def _rule_holds(t: Transition, day: date, at: time) -> None:
    """fold=0: the wall time read with the offset in force before the transition, when it is skipped or repeated."""
    got = local_to_utc(day, at, t.zone)
    wall = datetime.combine(day, at)
    first_local = t.at + t.before  # the wall reading at which the transition happens, on the old offset
    in_change = min(first_local, t.at + t.after) <= wall.replace(tzinfo=UTC) < max(first_local, t.at + t.after)
    if in_change:  # skipped (spring forward: moves forward by the gap) or repeated (fall back: its first occurrence)
        assert got == (wall - t.before).replace(tzinfo=UTC), (t, wall)
        if t.after > t.before:
            assert got.astimezone(ZoneInfo(t.zone)).replace(tzinfo=None) == wall + (t.after - t.before)
    else:  # exists once: read back exactly
        assert got.astimezone(ZoneInfo(t.zone)).replace(tzinfo=None) == wall, (t, wall)
    if at.second == 0:  # the contract's wall times are whole minutes; the checker reads them with its own rule
        minutes = at.hour * 60 + at.minute
        assert checker.local_instant(day, minutes, ZoneInfo(t.zone)) == got
        assert wall_to_utc(day, WallTime(at.hour, at.minute), t.zone) == got


def test_tzdata_has_transitions_in_the_range_and_none_closer_than_the_step() -> None:
    found = transitions()
    zones = {t.zone for t in found}
    assert len(found) > 1000 and {"America/Toronto", "Europe/Dublin", "Australia/Lord_Howe"} <= zones
    by_zone: dict[str, list[datetime]] = {}
    for t in found:
        by_zone.setdefault(t.zone, []).append(t.at)
    assert all(b - a > STEP for times in by_zone.values() for a, b in pairwise(times))


def test_every_transition_of_every_zone_obeys_the_time_rule_at_its_edges() -> None:
    for t in transitions():
        change = abs(t.after - t.before)
        for instant in (t.at - change - SECOND, t.at - SECOND, t.at, t.at + SECOND, t.at + change):
            for offset in (t.before, t.after):  # both readings: one of them is the skipped or repeated wall time
                day, at = _wall(instant, offset)
                _rule_holds(t, day, at)
        # the middle of the skipped or repeated span, to the minute
        day, at = _wall(t.at + change / 2, min(t.before, t.after))
        _rule_holds(t, day, at.replace(second=0))


@settings(BOUNDED, max_examples=400)
@given(st.data())
def test_local_and_utc_round_trip_near_any_transition(data: st.DataObject) -> None:
    found = transitions()
    t = found[data.draw(st.integers(0, len(found) - 1), label="transition")]
    instant = t.at + timedelta(seconds=data.draw(st.integers(-2 * 86400, 2 * 86400), label="seconds from it"))
    zone = ZoneInfo(t.zone)
    # UTC → local (as the result files write it, with its offset) → UTC is the identity
    text = iso_local(instant, t.zone)
    assert datetime.fromisoformat(text) == instant and datetime.fromisoformat(text).utcoffset() == _offset(
        instant, zone)
    # local wall time (no fold) → UTC: the instant itself, unless it is the second reading of a repeated wall time
    day, at = _wall(instant, _offset(instant, zone))
    back = local_to_utc(day, at, t.zone)
    repeated_later = t.after < t.before and t.at <= instant < t.at + (t.before - t.after)
    assert back == (instant - (t.before - t.after) if repeated_later else instant), (t, instant)
    _rule_holds(t, day, at)


# ---- 3. small generated scenarios: the solver's rota passes the independent checker --------------------------------

# Zones with DST both ways, half-hour offsets and a half-hour DST (Lord Howe); each with a holiday calendar.
CENTRES = [Centre("tor", "Toronto", "America/Toronto", "CA", "ON"), Centre("dub", "Dublin", "Europe/Dublin", "IE"),
           Centre("blr", "Bengaluru", "Asia/Kolkata", "IN"), Centre("lhi", "Lord Howe", "Australia/Lord_Howe", "AU"),
           Centre("syd", "Sydney", "Australia/Sydney", "AU", "NSW"), Centre("sin", "Singapore", "Asia/Singapore", "SG")]
# Windows that hold a switch of one of those zones (2027): US 14 Mar, EU 28 Mar, AU 4 Apr, AU 3 Oct, EU 31 Oct,
# US 7 Nov; and one without.
STARTS = [date(2027, 3, 13), date(2027, 3, 27), date(2027, 4, 3), date(2027, 10, 2), date(2027, 10, 30),
          date(2027, 11, 6), date(2027, 6, 1)]
CLOCK = st.builds(lambda h, half: f"{h:02d}:{30 if half else 0:02d}", st.integers(0, 23), st.booleans())


@st.composite
def small_scenario(draw: st.DrawFn):
    from tests.builders import engineer, event, peak, scenario, shift

    centres = draw(st.lists(st.sampled_from(CENTRES), min_size=1, max_size=2, unique_by=lambda c: c.id))
    ids = [c.id for c in centres]
    shifts = []
    for i in range(draw(st.integers(1, 3))):
        start, end = draw(CLOCK), draw(st.one_of(CLOCK, st.just("24:00")))
        if start == end:
            end = "24:00" if start != "00:00" else "12:00"
        shifts.append(shift(f"s{i}", start, end, tuple(draw(st.lists(st.sampled_from(ids), min_size=1,
                                                                      unique=True)))))
    engineers = [engineer(f"e{i}", level=draw(st.sampled_from(["L1", "L2", "L3"])), centre=draw(st.sampled_from(ids)),
                          languages=tuple(draw(st.lists(st.sampled_from(["en", "fr", "hi"]), min_size=1,
                                                        unique=True))),
                          cap=draw(st.none() | st.sampled_from([8.0, 20.0, 33.33])))
                 for i in range(draw(st.integers(1, 4)))]
    start, days = draw(st.sampled_from(STARTS)), draw(st.integers(1, 3))
    peaks = tuple(peak("pk", draw(CLOCK), draw(CLOCK), engineers=draw(st.integers(0, 2)),
                       seniors=draw(st.integers(0, 1)), languages=tuple(draw(st.lists(st.sampled_from(["fr", "hi"]),
                                                                                       max_size=1))),
                       tz=draw(st.sampled_from(CENTRES)).timezone) for _ in range(draw(st.integers(0, 1))))
    peaks = tuple(p for p in peaks if p.start != p.end)
    first = datetime.combine(start, time(draw(st.integers(0, 23))))
    events = tuple(event("ev", first, first + timedelta(hours=draw(st.integers(2, 30))),
                         engineers=draw(st.integers(1, 3)), tz=draw(st.sampled_from(CENTRES)).timezone)
                   for _ in range(draw(st.integers(0, 1))))
    rules = Rules(p0_min_seniors=draw(st.integers(0, 1)), min_rest_hours=draw(st.sampled_from([0, 8, 11])),
                  max_hours_per_week=draw(st.sampled_from([16, 48, 168])),
                  max_consecutive_days=draw(st.integers(1, 5)),
                  public_holidays=draw(st.sampled_from(["off", "avoid", "ignore"])))
    leave = tuple(Leave(e.id, start, start + timedelta(days=draw(st.integers(0, 1))), "leave")
                  for e in engineers[:draw(st.integers(0, 1))])
    pins = tuple(Pin(e.id, start + timedelta(days=1), Pin.OFF) for e in engineers[:draw(st.integers(0, 1))])
    return scenario(engineers, shifts, start=start, days=days, centres=tuple(centres), rules=rules, peaks=peaks,
                    events=events, leave=leave, pins=pins)


@settings(BOUNDED, max_examples=20)
@given(small_scenario())
def test_the_rota_of_any_small_scenario_passes_the_independent_checker(s) -> None:
    from rota.solver import SolveOptions, solve
    from tests.checked import check_solution

    solution = solve(s, SolveOptions(time_limit=600, work_limit=0.3, seed=0))
    with tempfile.TemporaryDirectory(prefix="rota-generated-") as tmp:
        check_solution(solution, Path(tmp))
