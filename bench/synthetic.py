"""Synthetic but realistic follow-the-sun scenarios, built in code from a seed (no files).

Sizes: S = 3 centres × 12 engineers × 28 days, M = 6 × 30 × 56, L = 3 × 100 × 91, XL = 3 × 300 × 91; all start
on Monday 2027-03-01, so every window crosses the North American (14 March) and European (28 March) spring DST
switches, and the 6-centre one also Sydney's autumn switch (4 April) and a half-hour zone (Asia/Kolkata).

Requirements scale with team size and stay coverable: each market's evening peak falls inside its own centre's late
shift, P0 needs one senior at every instant, and `check_coverable` proves no instant is out of every senior's reach.

    python -m bench.synthetic        # print a summary of each size and its pre-check
"""

from __future__ import annotations

import csv
import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays

from rota.domain import WEEKDAYS, Centre, Engineer, Event, Leave, Peak, Rules, Scenario, ShiftTemplate, WallTime
from rota.slots import Plan, unreachable_by_seniors
from rota.variant import _toml

START = date(2027, 3, 1)  # a Monday


@dataclass(frozen=True)
class Size:
    centres: int
    engineers_per_centre: int
    days: int


SIZES = {"S": Size(3, 12, 28), "M": Size(6, 30, 56), "L": Size(3, 100, 91), "XL": Size(3, 300, 91)}


@dataclass(frozen=True)
class Site:
    """A support centre, the market it serves in the evening, and the local shifts it works."""

    centre: Centre
    shifts: tuple[tuple[str, str, str], ...]  # (name, start, end) in local wall time, 9 h each
    languages: tuple[str, ...]  # spoken locally besides English; the peak's languages come first
    market: str
    market_zone: str
    peak_languages: tuple[str, ...]
    weekend_peak: tuple[str, str] | None  # (start, end) of a weekend peak in the market zone, if any


SITES = (
    Site(Centre("sin", "Singapore", "Asia/Singapore", "SG"),
         (("day", "07:00", "16:00"), ("mid", "11:00", "20:00"), ("late", "15:00", "24:00")),
         ("id", "th", "ms", "zh", "vi", "tl"), "sea", "Asia/Jakarta", ("id", "th"), ("10:00", "13:00")),
    Site(Centre("dub", "Dublin", "Europe/Dublin", "IE"),
         (("day", "07:00", "16:00"), ("late", "14:00", "23:00")),
         ("de", "fr", "es", "pt", "it", "pl", "ga"), "eu", "Europe/London", ("de", "fr"), ("12:00", "20:00")),
    Site(Centre("tor", "Toronto", "America/Toronto", "CA", "ON"),
         (("day", "08:00", "17:00"), ("late", "15:00", "24:00")),
         ("es", "fr", "pt", "zh", "hi"), "na", "America/New_York", ("es",), None),
    Site(Centre("blr", "Bengaluru", "Asia/Kolkata", "IN", "KA"),
         (("day", "07:00", "16:00"), ("mid", "10:30", "19:30"), ("late", "14:00", "23:00")),
         ("hi", "ta", "kn", "te", "mr"), "in", "Asia/Kolkata", ("hi",), ("11:00", "15:00")),
    Site(Centre("syd", "Sydney", "Australia/Sydney", "AU", "NSW"),
         (("day", "07:00", "16:00"), ("late", "14:00", "23:00")),
         ("zh", "vi", "ko", "ja"), "anz", "Australia/Sydney", (), None),
    Site(Centre("lax", "Los Angeles", "America/Los_Angeles", "US", "CA"),
         (("day", "08:00", "17:00"), ("late", "15:00", "24:00")),
         ("es", "ko", "zh", "tl"), "us-west", "America/Los_Angeles", ("es",), ("11:00", "16:00")),
)
SENIOR_SHARE = 0.4
ALL_DAYS = WEEKDAYS
WEEKEND = ("sat", "sun")


def _wall(text: str) -> WallTime:
    hour, minute = text.split(":")
    return WallTime(int(hour), int(minute))


def _sites(count: int) -> tuple[Site, ...]:
    if count not in (3, 6):
        raise ValueError(f"{count} centres: only 3 or 6 are defined")
    return SITES[:count]


def _engineers(rng: random.Random, site: Site, n: int) -> list[Engineer]:
    seniors = round(n * SENIOR_SHARE)
    levels = ["L3"] * max(1, seniors // 3) + ["L2"] * (seniors - max(1, seniors // 3)) + ["L1"] * (n - seniors)
    rng.shuffle(levels)
    out = []
    for i in range(n):
        spoken = ["en", site.languages[i % len(site.languages)]]
        spoken += [lang for j, lang in enumerate(site.peak_languages) if i % 3 == j]  # ~n/3 speakers per peak language
        if rng.random() < 0.3:
            spoken.append(rng.choice(site.languages))
        cap = rng.choice((40.0, 44.0)) if rng.random() < 0.15 else None
        ident = f"{site.centre.id}-{i + 1:03d}"
        out.append(Engineer(ident, f"{site.centre.name} engineer {i + 1}", site.centre.id, levels[i],
                            tuple(dict.fromkeys(spoken)), cap, f"{ident}@example.com"))
    return out


def _leave(rng: random.Random, engineers: list[Engineer], days: int) -> list[Leave]:
    """About one block of 2–7 days per engineer per ten weeks, anywhere in the window."""
    count = max(3, round(len(engineers) * days / 70))
    out = []
    for engineer in rng.sample(engineers, min(count, len(engineers))):
        first = START + timedelta(days=rng.randrange(days - 2))
        length = rng.randint(2, 7)
        out.append(Leave(engineer.id, first, first + timedelta(days=length - 1), rng.choice(("annual leave", "training",
                                                                                              "sick leave"))))
    return out


def _peaks(site: Site, n: int) -> list[Peak]:
    market = site.market
    out = [Peak(f"{market}-evening", f"{market} evening live peak", site.market_zone, ALL_DAYS, _wall("19:00"),
                _wall("23:00"), max(2, round(n * 0.25)), max(1, round(n * 0.1)), site.peak_languages)]
    if site.weekend_peak:
        start, end = site.weekend_peak
        out.append(Peak(f"{market}-weekend", f"{market} weekend daytime", site.market_zone, WEEKEND, _wall(start),
                        _wall(end), max(2, round(n * 0.15))))
    return out


def _surge(days: int, total_engineers: int) -> Event:
    """A double-date sale (3.3, 5.5 …) in Jakarta: from local midnight through the next evening."""
    mid = START + timedelta(days=days // 2)
    day = date(mid.year, mid.month, mid.month)
    if not START <= day < START + timedelta(days=days - 1):
        day = mid
    begin = datetime(day.year, day.month, day.day)
    return Event(f"sale-{day.month}-{day.day}", f"{day.month}.{day.day} mega sale", "Asia/Jakarta", begin,
                 begin + timedelta(hours=26), max(4, round(total_engineers * 0.08)),
                 max(2, round(total_engineers * 0.03)))


def make_scenario(size: str, seed: int = 0) -> Scenario:
    """A synthetic scenario of `size` ("S", "M", "L" or "XL"); the same size and seed always give the same scenario."""
    spec = SIZES[size]
    rng = random.Random(f"rota-bench-{size}-{seed}")
    sites = _sites(spec.centres)
    supported = holidays.list_supported_countries()
    for site in sites:
        c = site.centre
        assert c.country in supported and (not c.subdivision or c.subdivision in supported[c.country]), c
    shifts = tuple(ShiftTemplate(f"{s.centre.id}-{name}", _wall(start), _wall(end), (s.centre.id,))
                   for s in sites for name, start, end in s.shifts)
    engineers = [e for s in sites for e in _engineers(rng, s, spec.engineers_per_centre)]
    return Scenario(
        name=f"Synthetic {size} (seed {seed}): {spec.centres} centres × {spec.engineers_per_centre} engineers × "
             f"{spec.days} days",
        start=START, days=spec.days,
        rules=Rules(p0_min_seniors=1, min_rest_hours=11, max_hours_per_week=48, max_consecutive_days=5,
                    public_holidays="avoid"),
        centres=tuple(s.centre for s in sites), shifts=shifts, engineers=tuple(engineers),
        peaks=tuple(p for s in sites for p in _peaks(s, spec.engineers_per_centre)),
        events=(_surge(spec.days, len(engineers)),),
        leave=tuple(_leave(rng, engineers, spec.days)),
        source=f"bench.synthetic:{size}:{seed}",
    )


def write_folder(scenario: Scenario, folder: Path) -> Path:
    """The scenario as a folder `rota solve` and the independent checker read (scenario.toml, engineers.csv,
    leave.csv, pins.csv)."""
    def wall(t: WallTime) -> str:
        return str(t)

    raw: dict[str, Any] = {
        "name": scenario.name, "start": scenario.start, "days": scenario.days,
        "rules": {**asdict(scenario.rules), "senior_levels": list(scenario.rules.senior_levels)},
        "centres": [{k: v for k, v in asdict(c).items() if v != ""} for c in scenario.centres],
        "shifts": [{"id": t.id, "start": wall(t.start), "end": wall(t.end), "centres": list(t.centres)}
                   for t in scenario.shifts],
        "peaks": [{"id": p.id, "name": p.name, "timezone": p.timezone, "days": list(p.days), "start": wall(p.start),
                   "end": wall(p.end), "min_engineers": p.min_engineers, "min_seniors": p.min_seniors,
                   "languages": list(p.languages)} for p in scenario.peaks],
        "events": [{"id": e.id, "name": e.name, "timezone": e.timezone, "start": e.start, "end": e.end,
                    "min_engineers": e.min_engineers, "min_seniors": e.min_seniors, "languages": list(e.languages)}
                   for e in scenario.events],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(_toml(raw), encoding="utf-8")
    _csv(folder / "engineers.csv", ("id", "name", "centre", "level", "languages", "max_hours_per_week", "email"),
         [(e.id, e.name, e.centre, e.level, ";".join(e.languages),
           "" if e.max_hours_per_week is None else f"{e.max_hours_per_week:g}", e.email) for e in scenario.engineers])
    _csv(folder / "leave.csv", ("engineer", "start", "end", "reason"),
         [(lv.engineer, lv.start.isoformat(), lv.end.isoformat(), lv.reason) for lv in scenario.leave])
    _csv(folder / "pins.csv", ("engineer", "date", "shift"),
         [(p.engineer, p.date.isoformat(), p.shift) for p in scenario.pins])
    return folder


def _csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def check_coverable(scenario: Scenario) -> None:
    """Raise if some instant is out of every available senior's reach (a P0 gap no solver could close)."""
    holes = unreachable_by_seniors(Plan(scenario))
    if holes:
        raise ValueError(f"{scenario.name}: no senior can reach {holes[:3]}")


if __name__ == "__main__":
    for size in SIZES:
        sc = make_scenario(size)
        check_coverable(sc)
        seniors = sum(sc.is_senior(e) for e in sc.engineers)
        print(f"{size}: {len(sc.centres)} centres, {len(sc.engineers)} engineers ({seniors} senior), {sc.days} days, "
              f"{len(sc.shifts)} shifts, {len(sc.peaks)} peaks, {len(sc.leave)} leave blocks, "
              f"event {sc.events[0].name}; coverable")
