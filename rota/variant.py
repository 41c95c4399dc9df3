"""What-if variants: a small TOML file that patches a scenario's files.

A variant is applied to the scenario's *files* (the TOML tables and CSV rows) and the result is loaded by the same
validator as any scenario, so a variant that breaks something gets the same clear errors.

```toml
name = "Lose two seniors in Singapore"
start = 2027-11-22                                    # optional: move the window; days = 14 likewise
remove_engineers = ["sin-02", "1 x L2 in sin"]       # ids, or "N x LEVEL in CENTRE" (the last ids of that kind)
[[add_engineers]]                                     # "hire": count new engineers of a kind
count = 2
centre = "dub"
level = "L2"
languages = ["en", "de"]
[[add_leave]]
engineer = "tor-01"
start = 2027-03-10
end = 2027-03-14
reason = "conference"
[rules]                                               # any rule, overridden
min_rest_hours = 12
[[peaks]]                                             # added, or replacing the peak with the same id
[[events]]                                            # likewise (a Black Friday surge, 11.11 at 00:00 local)
[[shifts]]                                            # likewise: move a template by giving its id new times
[[centres]]                                           # likewise: add a centre (give it shifts and add_engineers)
remove_peaks = ["eu-weekend"]                         # also remove_events, remove_shifts, remove_centres
```
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rota.scenario import (
    ENGINEERS_COLUMNS,
    LEAVE_COLUMNS,
    PINS_COLUMNS,
    Problem,
    ScenarioError,
    load_scenario,
    read_csv,
)

_KIND = re.compile(r"^\s*(\d+)\s*[x×]\s*(L[123])\s+in\s+([A-Za-z0-9_.-]+)\s*$")
TABLES = ("centres", "shifts", "peaks", "events")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddEngineers(_Model):
    count: int = Field(ge=1, le=500)
    centre: str
    level: str = Field(pattern=r"^L[123]$")
    languages: list[str] = []
    max_hours_per_week: float | None = None
    prefix: str = "new"


class AddLeave(_Model):
    engineer: str
    start: date
    end: date
    reason: str = "what-if"


class VariantModel(_Model):
    name: str
    description: str = ""
    start: date | None = None  # move the window (e.g. to Black Friday week)
    days: int | None = Field(None, ge=1, le=366)
    rules: dict[str, Any] = {}
    remove_engineers: list[str] = []
    add_engineers: list[AddEngineers] = []
    add_leave: list[AddLeave] = []
    centres: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    peaks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    remove_centres: list[str] = []
    remove_shifts: list[str] = []
    remove_peaks: list[str] = []
    remove_events: list[str] = []


def load_variant(path: Path) -> VariantModel:
    name = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        return VariantModel.model_validate(raw)
    except FileNotFoundError:
        raise ScenarioError([Problem(name, "", "", f"not found ({path})")]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError([Problem(name, "", "", f"is not valid UTF-8 TOML: {error}")]) from None
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"])
            message = "unknown key (misspelled?)" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(name, where, "", message.removeprefix("Value error, ")))
        raise ScenarioError(problems) from None


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows as the loader reads them (BOM, blank lines, padded fields); the loader reports any problem later."""
    if not path.is_file():
        return []
    return [row.values for row in read_csv(path, columns, [])]


def _write_rows(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _replace_by_id(items: list[dict[str, Any]], updates: list[dict[str, Any]], removed: list[str]) -> list[dict]:
    out = [dict(item) for item in items if item.get("id") not in removed]
    index = {item.get("id"): i for i, item in enumerate(out)}
    for update in updates:
        if update.get("id") in index:
            out[index[update["id"]]] = {**out[index[update["id"]]], **update}
        else:
            out.append(dict(update))
    return out


def apply_variant(scenario_dir: Path, variant: VariantModel, out_dir: Path) -> list[Problem]:
    """Write the patched scenario files to `out_dir`; return problems the patch itself has (bad references)."""
    problems: list[Problem] = []
    raw = tomllib.loads((scenario_dir / "scenario.toml").read_text(encoding="utf-8-sig"))
    raw["name"] = f"{raw.get('name', '')} — {variant.name}"
    raw["rules"] = {**raw.get("rules", {}), **variant.rules}
    if variant.start is not None:
        raw["start"] = variant.start
    if variant.days is not None:
        raw["days"] = variant.days
    for table in TABLES:
        raw[table] = _replace_by_id(raw.get(table, []), getattr(variant, table), getattr(variant, f"remove_{table}"))
    engineers = _read_rows(scenario_dir / "engineers.csv", ENGINEERS_COLUMNS)
    gone = set(variant.remove_centres)
    engineers = [e for e in engineers if e["centre"] not in gone]
    for shift in raw["shifts"]:  # a template offered only in removed centres goes with them
        if "centres" in shift:
            shift["centres"] = [c for c in shift["centres"] if c not in gone]
    raw["shifts"] = [s for s in raw["shifts"] if s.get("centres", True)]
    engineers = _remove_engineers(engineers, variant.remove_engineers, problems)
    engineers += _new_engineers(engineers, variant.add_engineers)
    ids = {e["id"] for e in engineers}
    leave = [r for r in _read_rows(scenario_dir / "leave.csv", LEAVE_COLUMNS) if r["engineer"] in ids]
    pins = [r for r in _read_rows(scenario_dir / "pins.csv", PINS_COLUMNS) if r["engineer"] in ids]
    for block in variant.add_leave:
        leave.append({"engineer": block.engineer, "start": block.start.isoformat(), "end": block.end.isoformat(),
                      "reason": block.reason})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "scenario.toml").write_text(_toml(raw), encoding="utf-8")
    _write_rows(out_dir / "engineers.csv", ENGINEERS_COLUMNS, engineers)
    _write_rows(out_dir / "leave.csv", LEAVE_COLUMNS, leave)
    _write_rows(out_dir / "pins.csv", PINS_COLUMNS, pins)
    return problems


def _remove_engineers(rows: list[dict[str, str]], specs: list[str], problems: list[Problem]) -> list[dict[str, str]]:
    rows = list(rows)
    for spec in specs:
        kind = _KIND.match(spec)
        if kind:
            count, level, centre = int(kind.group(1)), kind.group(2), kind.group(3)
            if count < 1:
                problems.append(Problem("variant", "remove_engineers", "", f"'{spec}': the count must be 1 or more"))
                continue
            matching = [r for r in rows if r["level"] == level and r["centre"] == centre]
            if len(matching) < count:
                problems.append(Problem("variant", "remove_engineers", "", f"'{spec}': only {len(matching)} "
                                        f"{level} engineers in {centre}"))
            drop = {r["id"] for r in sorted(matching, key=lambda r: r["id"])[-count:]}
            rows = [r for r in rows if r["id"] not in drop]
        elif any(r["id"] == spec for r in rows):
            rows = [r for r in rows if r["id"] != spec]
        else:
            problems.append(Problem("variant", "remove_engineers", "", f"'{spec}' is neither an engineer id nor "
                                    "'N x LEVEL in CENTRE'"))
    return rows


def _new_engineers(existing: list[dict[str, str]], hires: list[AddEngineers]) -> list[dict[str, str]]:
    taken = {e["id"] for e in existing}
    out = []
    for hire in hires:
        n = 0
        for _ in range(hire.count):
            n += 1
            while f"{hire.prefix}-{hire.centre}-{hire.level.lower()}-{n}" in taken:
                n += 1
            ident = f"{hire.prefix}-{hire.centre}-{hire.level.lower()}-{n}"
            taken.add(ident)
            out.append({"id": ident, "name": f"New {hire.level} {hire.centre} #{n}", "centre": hire.centre,
                        "level": hire.level, "languages": ";".join(hire.languages),
                        "max_hours_per_week": "" if hire.max_hours_per_week is None else str(hire.max_hours_per_week),
                        "email": ""})
    return out


def _toml(raw: dict[str, Any]) -> str:
    """Scenario TOML back to text (only the value types a scenario uses)."""
    lines = []
    for key, value in raw.items():
        if not isinstance(value, dict | list) or (isinstance(value, list) and not value_is_tables(value)):
            lines.append(f"{key} = {_value(value)}")
    if "rules" in raw:
        lines.append("\n[rules]")
        lines += [f"{k} = {_value(v)}" for k, v in raw["rules"].items()]
    for table in TABLES:
        for item in raw.get(table, []):
            lines.append(f"\n[[{table}]]")
            lines += [f"{k} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def variant_toml(variant: VariantModel) -> str:
    """A variant as the TOML file `load_variant` reads back (for variants built in the web UI)."""
    data = variant.model_dump(exclude_none=True)
    plain = {k: v for k, v in data.items() if not isinstance(v, dict | list) or (v and not value_is_tables(v))}
    lines = [f"{key} = {_value(value)}" for key, value in plain.items() if not isinstance(value, dict)]
    if data.get("rules"):
        lines.append("\n[rules]")
        lines += [f"{k} = {_value(v)}" for k, v in data["rules"].items()]
    for table in ("add_engineers", "add_leave", *TABLES):
        for item in data.get(table, []):
            lines.append(f"\n[[{table}]]")
            lines += [f"{k} = {_value(v)}" for k, v in item.items() if v is not None]
    return "\n".join(lines) + "\n"


def value_is_tables(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, dict) for v in value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, date):  # date and datetime (naive local) are TOML literals
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


@contextmanager
def variant_scenario(scenario_dir: Path, variant_path: Path | VariantModel) -> Iterator[tuple[VariantModel, Path]]:
    """The patched scenario in a temporary folder, validated; raises ScenarioError naming the variant's problems."""
    variant = variant_path if isinstance(variant_path, VariantModel) else load_variant(variant_path)
    label = variant.name if isinstance(variant_path, VariantModel) else variant_path.name
    with tempfile.TemporaryDirectory(prefix="rota-variant-") as tmp:
        folder = Path(tmp) / "scenario"
        problems = apply_variant(scenario_dir, variant, folder)
        try:
            load_scenario(folder)
        except ScenarioError as error:
            problems += [Problem(f"{label} → {p.file}", p.where, p.field, p.message) for p in error.problems]
        if problems:
            raise ScenarioError([Problem(label, p.where, p.field, p.message) if p.file == "variant" else p
                                 for p in problems])
        yield variant, folder
