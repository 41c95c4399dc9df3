"""The layout is the architecture: only the web UI subpackage may import Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rota"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_engine_never_imports_streamlit() -> None:
    engine = [p for p in PACKAGE.rglob("*.py") if "web" not in p.relative_to(PACKAGE).parts]
    assert len(engine) > 20
    offenders = {str(p.relative_to(PACKAGE)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "streamlit")
                 for p in engine}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_web_ui_is_inside_the_package() -> None:
    web = PACKAGE / "web"
    assert (web / "app.py").is_file() and (web / "server.py").is_file()
    assert "streamlit" in imported_modules(web / "app.py")


# ---- the independent checker stays independent ---------------------------------------------------------------------

CHECKER = PACKAGE / "checker.py"
# Run in a child: every import of rota fails, then the checker's file is run alone as a script.
WITHOUT_ROTA = """
import importlib.abc, runpy, sys

class NoRota(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "rota" or name.startswith("rota."):
            raise ImportError(f"{name} is unimportable in this test")
        return None

sys.meta_path.insert(0, NoRota())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_checker_imports_no_module_of_rota() -> None:
    tree = ast.parse(CHECKER.read_text(encoding="utf-8"), filename=str(CHECKER))
    relative = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level > 0]
    ours = sorted(m for m in imported_modules(CHECKER) if m.split(".")[0] == "rota")
    dynamic = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
               and ast.unparse(node.func) in {"__import__", "importlib.import_module", "import_module"}]
    assert (ours, relative, dynamic) == ([], [], [])
    assert {"zoneinfo", "holidays"} <= imported_modules(CHECKER)  # what it does use: the tz database, holidays


def test_the_checker_runs_alone_with_rota_unimportable(checked, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from tests.builders import engineer, scenario, shift

    checked.solve(scenario([engineer("ana"), engineer("bo", level="L1")],
                           [shift("day", "00:00", "12:00"), shift("night", "12:00", "24:00")], days=2),
                  _options())
    assert checked.last is not None
    alone = shutil.copy(CHECKER, tmp_path / "checker_alone.py")

    def run(result: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", "-c", WITHOUT_ROTA, str(alone), str(checked.last.scenario),
                               str(result)], capture_output=True, text=True, cwd=tmp_path, timeout=120)

    done = run(checked.last.result)
    assert (done.returncode, done.stderr) == (0, "") and done.stdout.startswith("OK: ")
    broken = shutil.copytree(checked.last.result, tmp_path / "broken")
    gaps = (broken / "gaps.csv").read_text(encoding="utf-8").splitlines()
    assert len(gaps) > 1  # bo is a junior: half of each day has no senior
    (broken / "gaps.csv").write_text("\n".join(gaps[:-1]) + "\n", encoding="utf-8")
    done = run(broken)
    assert done.returncode == 1 and "gaps.csv: missing row p0" in done.stdout, done.stdout + done.stderr
    # and the blocker works: the same child cannot import rota
    assert "unimportable" in subprocess.run([sys.executable, "-I", "-c", WITHOUT_ROTA.replace(
        "runpy.run_path(sys.argv[0], run_name=\"__main__\")", "import rota.clock")], capture_output=True,
        text=True).stderr


def _options():
    from rota.solver import SolveOptions

    return SolveOptions(time_limit=600, work_limit=1)
