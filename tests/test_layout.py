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
