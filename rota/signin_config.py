"""Whether the web UI's sign-in is configured: an [auth] section in the secrets files Streamlit reads.

Streamlit reads ~/.streamlit/secrets.toml, then .streamlit/secrets.toml in the working folder; rota adds the file
$ROTA_SECRETS names (read last, so it wins). No Streamlit import: `rota serve` asks before starting the server.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

ENV_SECRETS = "ROTA_SECRETS"
# What st.login needs of [auth] (or of a provider's [auth.<name>] below it, for the provider keys).
_AUTH_KEYS = ("redirect_uri", "cookie_secret")
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def secrets_files() -> list[Path]:
    """The secrets files, in the order read (a later one overrides an earlier one)."""
    files = [Path("~/.streamlit/secrets.toml").expanduser(), Path.cwd() / ".streamlit" / "secrets.toml"]
    extra = os.environ.get(ENV_SECRETS)
    return [*files, Path(extra).expanduser().absolute()] if extra else files


def auth_section() -> dict[str, object]:
    """The merged [auth] section of the secrets files ({} when none has one; an unreadable file counts as none)."""
    merged: dict[str, object] = {}
    for path in secrets_files():
        try:
            section = tomllib.loads(path.read_text(encoding="utf-8")).get("auth")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(section, dict):
            merged.update(section)
    return merged


def providers() -> list[str | None]:
    """The providers one can sign in with: None for [auth]'s own keys, else each complete [auth.<name>] section."""
    auth = auth_section()
    if not all(auth.get(k) for k in _AUTH_KEYS):
        return []
    named: list[str | None] = [name for name, section in auth.items()
                               if isinstance(section, dict) and all(section.get(k) for k in _PROVIDER_KEYS)]
    return [None, *named] if all(auth.get(k) for k in _PROVIDER_KEYS) else named


def signin_configured() -> bool:
    """True when [auth] has what Streamlit's OIDC sign-in needs, for the default provider or a named one."""
    return bool(providers())
