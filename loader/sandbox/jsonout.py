"""JSON serialisation that writes ``Decimal`` values as exact JSON numbers.

The standard encoder cannot emit a Decimal as a bare number, and going through ``float`` would turn
``451.80`` into ``451.8`` (or worse, into binary noise). We let the C encoder write a tagged string and
strip the quotes afterwards with one regular-expression pass, which keeps serialisation fast for
200-record batch responses.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_TAG = "\u2063D:"  # invisible separator: never appears in generated text
_TAGGED = re.compile(r'"\\u2063D:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _TAG + format(value, "f")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Serialise ``value`` (Decimals become exact numbers, e.g. ``451.80``)."""
    return _TAGGED.sub(r"\1", json.dumps(value, default=_default, ensure_ascii=True))


def dumps_bytes(value: Any) -> bytes:
    return dumps(value).encode("utf-8")


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON keeping numbers with a fraction as ``Decimal`` (used by tests and truth helpers)."""
    return json.loads(text, parse_float=Decimal)
