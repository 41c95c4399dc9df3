"""The data behind the web UI's What-if page, as plain DataFrames (no streamlit): a variant built from form fields,
the base and its variants solved side by side (rota.whatif), and an uploaded schedule graded (rota.grade)."""

from __future__ import annotations

import re
import tempfile
import threading
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from rota.clock import iso_utc
from rota.grade import Grade, grade, read_mapping
from rota.scenario import Problem, ScenarioError
from rota.slots import Plan
from rota.solver import SolveOptions
from rota.variant import AddEngineers, AddLeave, VariantModel, load_variant, variant_toml
from rota.whatif import COLUMNS, run_whatif

COVER = {"P0": "p0_cover_pct", "peak headcount": "peak_cover_pct", "event headcount": "event_cover_pct",
         "languages": "language_cover_pct"}
HOURS = ("hours_min", "hours_mean", "hours_max")


# ---- a variant from a form ------------------------------------------------------------------------------------------


@dataclass
class Surge:
    """A surge event: `hours` from a local start, with its own staffing."""

    name: str
    timezone: str
    start: datetime  # naive local
    hours: float
    min_engineers: int = 0
    min_seniors: int = 0
    languages: list[str] = field(default_factory=list)


@dataclass
class VariantForm:
    """What the What-if page's form asks; every part is optional but the name."""

    name: str
    remove: list[str] = field(default_factory=list)  # engineer ids
    remove_kinds: str = ""  # "1 x L2 in sin, 2 x L1 in dub"
    hire: AddEngineers | None = None
    leave: AddLeave | None = None
    rules: str = ""  # TOML lines: min_rest_hours = 12
    surge: Surge | None = None
    start: date | None = None
    days: int | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "variant"


def variant_of(form: VariantForm) -> VariantModel:
    """The form as a variant; raises ScenarioError naming the field of each problem."""
    problems: list[Problem] = []
    if not form.name.strip():
        problems.append(Problem("variant", "name", "", "give the variant a name"))
    try:
        rules = tomllib.loads(form.rules) if form.rules.strip() else {}
    except tomllib.TOMLDecodeError as error:
        rules = {}
        problems.append(Problem("variant", "rules", "", f"write one rule a line, like min_rest_hours = 12 ({error})"))
    kinds = [k.strip() for k in form.remove_kinds.split(",") if k.strip()]
    events = []
    if form.surge is not None:
        s = form.surge
        events.append({"id": f"surge-{_slug(s.name)}", "name": s.name, "timezone": s.timezone,
                       "start": s.start, "end": s.start + timedelta(hours=s.hours), "min_engineers": s.min_engineers,
                       "min_seniors": s.min_seniors, "languages": s.languages})
    if problems:
        raise ScenarioError(problems)
    try:
        return VariantModel(name=form.name.strip(), rules=rules, remove_engineers=[*form.remove, *kinds],
                            add_engineers=[form.hire] if form.hire else [],
                            add_leave=[form.leave] if form.leave else [],
                            events=events, start=form.start, days=form.days)
    except ValidationError as error:
        raise ScenarioError([Problem("variant", ".".join(str(p) for p in e["loc"]), "", e["msg"])
                             for e in error.errors()]) from None


def describe(variant: VariantModel) -> str:
    """What a variant changes, in a few words: "removes sin-01 · min_rest_hours = 12 · surge 'Flash sale'"."""
    parts = []
    if variant.remove_engineers:
        parts.append("removes " + ", ".join(variant.remove_engineers))
    parts += [f"hires {h.count} x {h.level} in {h.centre}" for h in variant.add_engineers]
    parts += [f"leave for {block.engineer} {block.start}–{block.end}" for block in variant.add_leave]
    parts += [f"{key} = {value}" for key, value in variant.rules.items()]
    parts += [f"surge '{event.get('name') or event.get('id')}'" for event in variant.events]
    for table in ("centres", "shifts", "peaks"):
        if getattr(variant, table):
            parts.append(f"{table} {', '.join(str(item.get('id')) for item in getattr(variant, table))} set")
        if getattr(variant, f"remove_{table}"):
            parts.append(f"{table} {', '.join(getattr(variant, f'remove_{table}'))} removed")
    if variant.remove_events:
        parts.append(f"events {', '.join(variant.remove_events)} removed")
    if variant.start is not None or variant.days is not None:
        parts.append(f"window from {variant.start or 'the same start'} for {variant.days or 'the same'} days")
    return " · ".join(parts) or "changes nothing (the base again)"


def examples(folder: Path) -> dict[str, Path]:
    """The example variants in a folder, by their names."""
    out = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            out[f"{load_variant(path).name} ({path.stem})"] = path
        except ScenarioError:
            continue  # a broken example is left out; `rota whatif` reports it in full
    return out


# ---- running and comparing ------------------------------------------------------------------------------------------


def run_variants(files: Mapping[str, bytes], variants: list[Path | VariantModel], out: Path,
                 options: SolveOptions, *, on_done: Callable[[str], None] | None = None,
                 cancel: threading.Event | None = None, memory_mb: int | None = None) -> list[dict[str, object]]:
    """Solve the scenario `files` and each variant (a .toml path or a built variant) in parallel processes, as
    `rota whatif`; results under `out/results`. A built variant is labelled by its name. `on_done`, `cancel` and
    `memory_mb` as in rota.whatif.run_whatif."""
    scenario_dir = out / "input" / "scenario"
    scenario_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (scenario_dir / name).write_bytes(data)
    paths = []
    for variant in variants:
        if isinstance(variant, VariantModel):
            path = out / "input" / f"{_slug(variant.name)}.toml"
            path.write_text(variant_toml(variant), encoding="utf-8")
            variant = path
        paths.append(variant)
    return run_whatif(scenario_dir, paths, out / "results", options, on_done=on_done, cancel=cancel,
                      memory_mb=memory_mb)


def comparison_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Measures as rows, the base and each variant as columns (as comparison.md), as text: a column mixes numbers
    and the solve status."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).set_index("variant").T
    frame.index.name = "measure"
    frame.columns.name = None
    return frame.map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))


def differs_from_base(comparison: pd.DataFrame) -> pd.DataFrame:
    """True where a variant's value differs from the base's (the first column); the base column is all False."""
    base = comparison.iloc[:, 0]
    return comparison.apply(lambda column: column != base).assign(**{comparison.columns[0]: False})


def cover_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Cover % per variant and kind (P0, peaks, events, languages), long, for a grouped bar chart."""
    out = [{"variant": r["variant"], "cover": kind, "pct": float(r[column])}  # type: ignore[arg-type]
           for r in rows for kind, column in COVER.items()]
    return pd.DataFrame(out, columns=["variant", "cover", "pct"])


def shortfall_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """How far each variant falls short of each cover (100 − cover %), long: differences near full cover show, where
    bars of cover % all read 100."""
    cover = cover_frame(rows)
    return cover.assign(short=(100 - cover["pct"]).round(2)).drop(columns=["pct"])


def hours_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Hours per engineer in the window per variant: min, mean and max."""
    return pd.DataFrame([{"variant": r["variant"], **{k: float(r[k]) for k in HOURS}}  # type: ignore[arg-type]
                         for r in rows], columns=["variant", *HOURS])


# ---- grading an uploaded schedule -----------------------------------------------------------------------------------


def grade_upload(plan: Plan, ics: bytes, mapping: bytes | None = None, name: str = "schedule.ics") -> Grade:
    """Grade uploaded .ics bytes (and an optional match,engineer CSV) as `rota grade` grades files."""
    with tempfile.TemporaryDirectory(prefix="rota-grade-") as tmp:
        path = Path(tmp) / (Path(name).name or "schedule.ics")
        path.write_bytes(ics)
        mapping_path = None
        if mapping is not None:
            mapping_path = Path(tmp) / "mapping.csv"
            mapping_path.write_bytes(mapping)
        return grade(plan, path, read_mapping(mapping_path))


def _flat(numbers: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in numbers.items():
        if isinstance(value, dict):
            out.update({f"{key} {sub}": v for sub, v in value.items()})
        else:
            out[key] = value
    return out


def grade_numbers_frame(schedule: Mapping[str, object], rota: Mapping[str, object] | None) -> pd.DataFrame:
    """The grade's measures (gap minutes per kind spelled out) beside rota's own solve, if there is one."""
    theirs, ours = _flat(schedule), _flat(rota or {})
    rows = [{"measure": k, "schedule": float(v), "rota": float(ours[k]) if k in ours else None}  # type: ignore[arg-type]
            for k, v in theirs.items()]
    return pd.DataFrame(rows, columns=["measure", "schedule", "rota"])


def breaks_frame(result: Grade) -> pd.DataFrame:
    return pd.DataFrame([b.__dict__ for b in result.breaks], columns=["engineer", "date", "rule", "detail"])


def grade_gaps_frame(result: Grade) -> pd.DataFrame:
    rows = [{"kind": g.kind, "rule": g.rule, "start_utc": iso_utc(g.span.start), "end_utc": iso_utc(g.span.end),
             "hours": round(g.span.minutes / 60, 2), "required": g.required, "staffed": g.staffed,
             "reason": g.reason} for g in result.gaps]
    return pd.DataFrame(rows, columns=["kind", "rule", "start_utc", "end_utc", "hours", "required", "staffed",
                                       "reason"])
