"""Keeps secrets out of logs, state, the warehouse and exception texts.

Every credential the loader reads or receives (client secret, api key, access and refresh tokens,
authorization codes) is registered here; `redact` replaces each with `***` and a logging filter
applies it to every log record.
"""

from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    with _lock:
        for value in values:
            if value and len(value) >= 4:
                _secrets.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
