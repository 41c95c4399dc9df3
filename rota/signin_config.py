"""Whether sign-in is configured: the `[auth]` section of the secrets files Streamlit reads, checked without Streamlit.

Streamlit's `st.login` needs `redirect_uri`, `cookie_secret` and, for at least one provider (the `[auth]` table
itself or a `[auth.<name>]` table), `client_id`, `client_secret` and `server_metadata_url`. The files are those of
Streamlit's `secrets.files` option: `~/.streamlit/secrets.toml`, then `.streamlit/secrets.toml` in the folder the
server starts in, then the one beside the UI's entry script; a later file's `[auth]` replaces an earlier one's.
`[secrets] files` in a `.streamlit/config.toml` (or $STREAMLIT_SECRETS_FILES) replaces that list, as in Streamlit.
`rota serve` reads the file $ROTA_SECRETS names after all of them (rota.web.server gives Streamlit the same list).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GENERAL = ("redirect_uri", "cookie_secret")
PROVIDER = ("client_id", "client_secret", "server_metadata_url")
ENV_FILES = "STREAMLIT_SECRETS_FILES"
ENV_SECRETS = "ROTA_SECRETS"
_ENTRY = Path(__file__).resolve().parent / "web" / "app.py"  # the script Streamlit runs (its script-level config)


def secrets_files(cwd: Path | None = None) -> list[Path]:
    """Where Streamlit looks for secrets, first to last, and then $ROTA_SECRETS."""
    extra = os.environ.get(ENV_SECRETS)
    files = _streamlit_files(cwd or Path.cwd())
    return [*files, Path(extra).expanduser().absolute()] if extra else files


def _streamlit_files(cwd: Path) -> list[Path]:
    configured = os.environ.get(ENV_FILES)
    if configured:
        return [Path(p).expanduser() for p in configured.split(",") if p.strip()]
    for config in reversed(_config_files(cwd)):  # the last config file that sets the option wins
        files = _read(config).get("secrets", {}).get("files")
        if isinstance(files, list) and files:
            return [Path(str(p)).expanduser() for p in files]
    return [Path.home() / ".streamlit" / "secrets.toml", cwd / ".streamlit" / "secrets.toml",
            _ENTRY.parent / ".streamlit" / "secrets.toml"]


def auth_section(cwd: Path | None = None) -> dict[str, Any]:
    """The merged `[auth]` section ({} when there is none)."""
    found: dict[str, Any] = {}
    for path in secrets_files(cwd):
        auth = _read(path).get("auth")
        if isinstance(auth, Mapping):
            found = dict(auth)  # Streamlit merges the files section by section, not key by key
    return found


def signin_problems(cwd: Path | None = None) -> list[str]:
    """What is missing for sign-in to work ([] when it is configured)."""
    auth = auth_section(cwd)
    if not auth:
        return ["no [auth] section in " + " or ".join(str(p) for p in secrets_files(cwd))]
    problems = [f"[auth] has no {key}" for key in GENERAL if not auth.get(key)]
    providers = [auth, *(v for v in auth.values() if isinstance(v, Mapping))]
    if not any(all(p.get(key) for key in PROVIDER) for p in providers):
        problems.append(f"no provider in [auth] (or an [auth.<name>] table) has all of {', '.join(PROVIDER)}")
    return problems


def signin_configured(cwd: Path | None = None) -> bool:
    return not signin_problems(cwd)


def providers(cwd: Path | None = None) -> list[str | None]:
    """Who one can sign in with: None for the provider in [auth] itself, else the name of each complete
    [auth.<name>] table (st.login(name)); [] when sign-in is not configured."""
    auth = auth_section(cwd)
    if signin_problems(cwd):
        return []
    named: list[str | None] = [name for name, table in auth.items()
                               if isinstance(table, Mapping) and all(table.get(key) for key in PROVIDER)]
    return [None, *named] if all(auth.get(key) for key in PROVIDER) else named


def _config_files(cwd: Path) -> list[Path]:
    return [Path.home() / ".streamlit" / "config.toml", cwd / ".streamlit" / "config.toml"]


def _read(path: Path) -> dict[str, Any]:
    # An unreadable or broken file counts as absent here; Streamlit itself reports it when the UI starts.
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}

