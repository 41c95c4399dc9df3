"""A scenario held as its files in memory: what the web UI edits, uploads and downloads.

The UI never builds a Scenario by hand. Edited tables are written back as CSV text and go through `load_scenario`,
so every problem is reported exactly as `rota check` reports it (file, line, field, message), and a row's problems
can be shown beside that row.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pandas as pd

from rota.domain import Scenario
from rota.output import (
    ASSIGNMENT_COLUMNS,
    COVERAGE_COLUMNS,
    GAP_COLUMNS,
    SCENARIO_COPY,
    csv_text,
    result_tables,
)
from rota.scenario import (
    ENGINEERS_COLUMNS,
    LEAVE_COLUMNS,
    PINS_COLUMNS,
    SCENARIO_FILE,
    Problem,
    ScenarioError,
    load_scenario,
)
from rota.solver import Solution

ScenarioFiles = dict[str, bytes]  # file name -> raw bytes, as they would lie in the scenario folder

TABLES: dict[str, tuple[str, ...]] = {
    "engineers.csv": ENGINEERS_COLUMNS, "leave.csv": LEAVE_COLUMNS, "pins.csv": PINS_COLUMNS,
}
FILES = (SCENARIO_FILE, *TABLES)
# An upload is a handful of small text files; anything far bigger is a mistake or a zip bomb.
MAX_FILE_BYTES = 2_000_000
MAX_ZIP_BYTES = 10_000_000
MAX_ZIP_MEMBERS = 200


class UploadError(ValueError):
    """An upload that cannot be a scenario (not a zip, unsafe paths, too big); the message says what to do."""


def read_folder(folder: str | Path) -> ScenarioFiles:
    folder = Path(folder)
    return normalise({name: (folder / name).read_bytes() for name in FILES if (folder / name).is_file()})


def load_files(files: Mapping[str, bytes]) -> tuple[Scenario | None, list[Problem]]:
    """(Scenario, []) when the files are valid, else (None, every problem). Uses the command line's own loader."""
    with tempfile.TemporaryDirectory(prefix="rota-scenario-") as tmp:
        for name, data in files.items():
            if name in FILES:
                (Path(tmp) / name).write_bytes(data)
        try:
            scenario = load_scenario(tmp)
        except ScenarioError as error:
            return None, error.problems
    # The temporary folder is gone: a source path would mislead anything that copies the input files.
    return replace(scenario, source=""), []


# ---- tables ------------------------------------------------------------------------------------------------------


def _rows(data: bytes) -> list[list[str]] | None:
    """The non-blank rows of a CSV, or None when it is not UTF-8 (the loader reports that)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    return [[f.strip() for f in row] for row in reader if any(f.strip() for f in row)]


def table(files: Mapping[str, bytes], name: str) -> pd.DataFrame:
    """A CSV of the scenario as a DataFrame of strings in the contract's column order ("" for empty)."""
    columns = TABLES[name]
    rows = _rows(files.get(name, b"")) or []
    if rows and set(rows[0]) >= set(columns):
        header = rows[0]
        records = [{c: (row[header.index(c)] if header.index(c) < len(row) else "") for c in columns}
                   for row in rows[1:]]
    else:
        records = []
    return pd.DataFrame(records, columns=list(columns), dtype=object).fillna("")


def table_csv(frame: pd.DataFrame, name: str) -> bytes:
    """A table back to CSV bytes: one line per row (so "line N" is row N - 2), in the contract's columns."""
    columns = TABLES[name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in frame.reindex(columns=list(columns)).to_dict("records"):
        cells = [_cell(record[c]) for c in columns]
        if any(cells):  # a row just added in the editor, nothing typed yet, is not data: the loader skips it too
            writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # A newline inside a cell would make one row span two lines and break the row <-> line mapping.
    return " ".join(str(value).split("\n")).strip()


def normalise(files: Mapping[str, bytes]) -> ScenarioFiles:
    """Rewrite each well-formed CSV canonically (no BOM, no blank lines, contract column order).

    Then "line N" in a problem is row N - 2 of the table. A CSV that is not UTF-8, has another header or a row with
    the wrong number of fields is kept byte for byte, so the loader still reports exactly that.
    """
    out = dict(files)
    for name, columns in TABLES.items():
        rows = _rows(files[name]) if name in files else None
        if rows and sorted(rows[0]) == sorted(columns) and all(len(r) == len(rows[0]) for r in rows):
            out[name] = table_csv(table(files, name), name)
    return out


def with_table(files: Mapping[str, bytes], name: str, frame: pd.DataFrame) -> ScenarioFiles:
    return {**files, name: table_csv(frame, name)}


def editable(files: Mapping[str, bytes], name: str) -> bool:
    """Whether a table can be edited as rows: absent, or canonical. Otherwise editing would drop what is unreadable
    (a wrong header, a row with too many fields), so the UI shows the file's problems instead."""
    return name not in files or files[name] == table_csv(table(files, name), name)


def row_problems(problems: Iterable[Problem], name: str, rows: int) -> list[str]:
    """For each row of a table written by `table_csv`, its problems as "field: message" (joined by "; ")."""
    out: list[list[str]] = [[] for _ in range(rows)]
    for problem in problems:
        index = _row_index(problem, name)
        if index is not None and index < rows:
            out[index].append(f"{problem.field}: {problem.message}" if problem.field else problem.message)
    return ["; ".join(items) for items in out]


def other_problems(problems: Iterable[Problem], name: str | None = None) -> list[Problem]:
    """The problems that belong to no row of a table (scenario.toml, a header, a file that is not UTF-8)."""
    return [p for p in problems if (name is None or p.file == name) and _row_index(p, p.file) is None]


def _row_index(problem: Problem, name: str) -> int | None:
    if problem.file != name or name not in TABLES or not problem.where.startswith("line "):
        return None
    line = problem.where.removeprefix("line ")
    return int(line) - 2 if line.isdigit() and int(line) >= 2 else None


# ---- zip in, zip out -----------------------------------------------------------------------------------------------


# Every member's timestamp: zip's earliest date. A stamp of the clock's time made each download another file.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def zip_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (path, bytes) members, in that order, whose bytes depend on the members alone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # a plain file readable by all, as an extractor would create it
            archive.writestr(info, data)
    return buffer.getvalue()


def zip_files(files: Mapping[str, bytes], folder: str = "scenario") -> bytes:
    """The scenario folder as a zip, the way `rota` and a file manager expect it (one top folder)."""
    return zip_bytes((f"{_safe_folder(folder)}/{name}", files[name]) for name in FILES if name in files)


def _safe_folder(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip("-.")
    return cleaned or "scenario"


def files_from_zip(data: bytes) -> ScenarioFiles:
    """The scenario files in an uploaded zip (the folder zipped, or the files at its top level).

    Nothing is extracted to disk; members are read by name only. Refused: absolute or `..` paths, links, more than
    one scenario in the zip, members or totals beyond the size limits (checked on the real bytes read, not on the
    sizes the zip claims).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise UploadError("is not a zip file; upload a zip of the scenario folder or its CSV/TOML files") from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadError(f"holds {len(members)} entries; a scenario zip holds at most {MAX_ZIP_MEMBERS}")
        found: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
                raise UploadError(f"entry '{info.filename}' points outside the scenario folder; refused")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UploadError(f"entry '{info.filename}' is a symbolic link; refused")
            if info.is_dir() or path.name not in FILES or "__MACOSX" in path.parts:
                continue
            if path.name in found:
                raise UploadError(f"holds two '{path.name}' files ({found[path.name].filename}, {info.filename}); "
                                  "zip one scenario folder")
            found[path.name] = info
        if SCENARIO_FILE not in found:
            raise UploadError(f"has no {SCENARIO_FILE}; zip the scenario folder (scenario.toml, engineers.csv, ...)")
        out: ScenarioFiles = {}
        total = 0
        for name, info in found.items():
            with archive.open(info) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                raise UploadError(f"'{info.filename}' is larger than {MAX_FILE_BYTES // 1_000_000} MB; refused")
            total += len(content)
            if total > MAX_ZIP_BYTES:
                raise UploadError(f"unpacks to more than {MAX_ZIP_BYTES // 1_000_000} MB; refused")
            out[name] = content
    return normalise(out)


def files_from_uploads(current: Mapping[str, bytes], uploads: Iterable[tuple[str, bytes]]) -> ScenarioFiles:
    """Merge uploaded files into the current scenario: a zip replaces it; loose files replace theirs by name."""
    uploads = list(uploads)
    zips = [(name, data) for name, data in uploads if name.lower().endswith(".zip")]
    if zips:
        if len(uploads) > 1:
            raise UploadError("upload either one zip or the loose files, not both")
        return files_from_zip(zips[0][1])
    out = dict(current)
    for name, data in uploads:
        base = PurePosixPath(name.replace("\\", "/")).name
        if base not in FILES:
            raise UploadError(f"'{name}' is not a scenario file; expected {', '.join(FILES)} or a zip of them")
        if len(data) > MAX_FILE_BYTES:
            raise UploadError(f"'{name}' is larger than {MAX_FILE_BYTES // 1_000_000} MB; refused")
        out[base] = data
    return normalise(out)


def result_zip(solution: Solution, files: Mapping[str, bytes], folder: str = "result") -> bytes:
    """The result folder of the file contract as a zip: the four result files and scenario/ with the input files."""
    tables = result_tables(solution)
    top = _safe_folder(folder)
    members = [
        (f"{top}/assignments.csv", csv_text(ASSIGNMENT_COLUMNS, tables["assignments"]).encode()),  # type: ignore[arg-type]
        (f"{top}/coverage.csv", csv_text(COVERAGE_COLUMNS, tables["coverage"]).encode()),  # type: ignore[arg-type]
        (f"{top}/gaps.csv", csv_text(GAP_COLUMNS, tables["gaps"]).encode()),  # type: ignore[arg-type]
        (f"{top}/summary.json", (json.dumps(tables["summary"], indent=2, ensure_ascii=False) + "\n").encode()),
    ]
    members += [(f"{top}/{SCENARIO_COPY}/{name}", files[name]) for name in FILES if name in files]
    return zip_bytes(members)


def apply_edits(frame: pd.DataFrame, edits: Mapping[str, object]) -> pd.DataFrame:
    """A table after a data editor's changes, given as Streamlit keeps them: {"edited_rows": {position: {column:
    value}}, "added_rows": [{column: value}], "deleted_rows": [position]}, positions in the table as shown."""
    out = frame.copy()
    for position, changes in (edits.get("edited_rows") or {}).items():  # type: ignore[attr-defined]
        for column, value in changes.items():
            if column in out.columns:
                out.iat[int(position), out.columns.get_loc(column)] = value
    deleted = [int(i) for i in edits.get("deleted_rows") or []]  # type: ignore[attr-defined]
    out = out.drop(index=out.index[deleted])
    added = [{c: row.get(c) for c in out.columns} for row in edits.get("added_rows") or []]  # type: ignore[attr-defined]
    if added:
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True)
    return out
