"""Feed tokens: secret, derivable by the manager's CLI, stored only as hashes.

token = base64url(HMAC-SHA256(secret key, "<kind>:<id>:<generation>")), 256 bits. The store keeps sha256(token) and
the generation; `rota feeds list` re-derives tokens from the key, `rota feeds rotate` bumps the generation (the old
token then matches no stored hash). The server needs no key: it hashes what it is given and looks the hash up.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

KEY_BYTES = 32
TOKEN_LENGTH = 43  # base64url of 32 bytes without padding
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_KEY_TEXT = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"
ENV_PUBLIC_URL = "ROTA_PUBLIC_URL"


class KeyFileError(Exception):
    """The key file is missing, unreadable or not a key."""


def well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token))


def derive(key: bytes, kind: str, ident: str, generation: int, team: str = "default") -> str:
    # The default team's message is the one used before teams existed, so its links survive the upgrade.
    message = f"{kind}:{ident}:{generation}" if team == "default" else f"{team}\x00{kind}:{ident}:{generation}"
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def load_key(path: Path, create: bool) -> bytes:
    """The secret key in `path` (64 hex digits); with `create`, make one (mode 0600) if there is none yet."""
    if not path.exists():
        if not create:
            raise KeyFileError(f"secret key file {path} not found; it is created by the first `rota publish` "
                            "(or set ROTA_SECRET_KEY_FILE to where it is)")
        _create(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"cannot read the secret key file {path}: {error}") from None
    if not _KEY_TEXT.match(text):
        raise KeyFileError(f"{path} is not a rota secret key (expected 64 hexadecimal digits)")
    return bytes.fromhex(text)


def _create(path: Path) -> None:
    # Written whole to a private temporary file, then linked into place: a second process racing us keeps its own
    # key only if it linked first, and nobody ever reads a half-written key.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made the key first: use theirs
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


# --- feed links: `rota feeds list` and the web UI's Calendars page ---------------------------------------------


class BaseURLError(ValueError):
    """A public base URL that cannot carry feed links."""


def public_base_url(option: str | None = None, request_base: str | None = None) -> str:
    """The address the feeds are served at: `option`, else $ROTA_PUBLIC_URL, else `request_base` (what the request
    showing the links came in on), else the local server's default."""
    base = (option or os.environ.get(ENV_PUBLIC_URL) or request_base or DEFAULT_PUBLIC_URL).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BaseURLError(f"base URL {base!r} must start with https:// (or http://) and name a host")
    return base


def request_base_url(headers: Mapping[str, str]) -> str | None:
    """The base URL a request came in on, as its client saw it: a reverse proxy's X-Forwarded-Proto/-Host/-Port
    (or RFC 7239 Forwarded) first, else the Host header; None when the headers name no usable host."""
    lower = {k.lower(): v for k, v in headers.items()}
    forwarded = _forwarded(lower.get("forwarded", ""))
    proto = (_first(lower.get("x-forwarded-proto")) or forwarded.get("proto") or "http").lower()
    host = _first(lower.get("x-forwarded-host")) or forwarded.get("host") or _first(lower.get("host"))
    if proto not in ("http", "https") or not host or not _HOST.match(host):
        return None
    port = _first(lower.get("x-forwarded-port"))
    if port and port.isdigit() and not _HOST_PORT.search(host) and port != ("443" if proto == "https" else "80"):
        host = f"{host}:{port}"
    return f"{proto}://{host}"


_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
_HOST_PORT = re.compile(r":\d{1,5}$")


def _first(value: str | None) -> str:
    """The first of a comma-separated list (the hop nearest the client), trimmed."""
    return (value or "").split(",")[0].strip()


def _forwarded(value: str) -> dict[str, str]:
    """The first element of an RFC 7239 Forwarded header as {parameter: value}."""
    pairs = (part.split("=", 1) for part in value.split(",")[0].split(";") if "=" in part)
    return {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def insecure(base: str) -> bool:
    """Plain http to another host: the links carry secrets, and calendar apps may refuse them."""
    parts = urlsplit(base)
    return parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1")


def feed_url(base: str, token: str) -> tuple[str, str]:
    """A feed's (https or http, webcal) links."""
    url = f"{base}/feeds/{token}.ics"
    return url, f"webcal://{url.split('://', 1)[1]}"
