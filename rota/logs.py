"""Feed tokens never reach a log: every `/feeds/<token>` in a server log line becomes `/feeds/[token]`.

The filter sits on the loggers themselves (uvicorn's access and error loggers), not on their handlers, so it also
covers the handlers Streamlit adds to them when its config is parsed.
"""

from __future__ import annotations

import logging
import re

REDACTED = "/feeds/[token]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "rota")
_FEED_PATH = re.compile(r"/feeds/[^\s\"'?#]+")


def redact(text: str) -> str:
    """`text` with the part after /feeds/ of every feed path hidden (a .ics suffix kept)."""
    return _FEED_PATH.sub(lambda m: REDACTED + (".ics" if m.group().endswith(".ics") else ""), text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Redact the server's loggers (idempotent; call it in the app factory, after uvicorn has set up logging)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
