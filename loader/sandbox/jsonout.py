"""JSON serialisation that writes ``Decimal`` values as exact JSON numbers.

The standard encoder cannot emit a Decimal as a bare number, and going through ``float`` would turn
``451.80`` into ``451.8`` (or worse, into binary noise). We let the C encoder write each Decimal as a
string between two invisible marker characters and strip the quotes-plus-markers afterwards with two
``str.replace`` passes (C speed, no per-match Python call), which keeps serialisation fast for
200-record batch responses.

Responses (`dumps_bytes`) go through msgspec's C encoder when it is installed: ≈ 4× faster, so the
sandbox's own speed does not cap a benchmark of the loader. It writes UTF-8 as is and no spaces
(what a JSON API typically sends; the standard-library path escapes to ASCII), and Decimals as
`str(value)`: an answer where that gives an exponent is written by the standard-library path
instead, so numbers always read as plain decimals, as Procountor writes them.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

try:
    import msgspec
except ImportError:  # pragma: no cover - a virtualenv installed before msgspec was a dependency
    msgspec = None

_OPEN = "\u2063"  # invisible separator and invisible plus: never appear in generated text
_CLOSE = "\u2064"
_OPEN_ESCAPED = '"\\u2063'  # how the ASCII-only encoder writes them
_CLOSE_ESCAPED = '\\u2064"'
_ENCODER = json.JSONEncoder(default=lambda value: _decimal(value), ensure_ascii=True)


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return _OPEN + format(value, "f") + _CLOSE
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Serialise ``value`` (Decimals become exact numbers, e.g. ``451.80``)."""
    text = _ENCODER.encode(value)
    if _OPEN_ESCAPED in text:
        text = text.replace(_OPEN_ESCAPED, "").replace(_CLOSE_ESCAPED, "")
    return text


_FAST = msgspec.json.Encoder(decimal_format="number") if msgspec is not None else None
_EXPONENT = re.compile(rb"[0-9][eE][+-]?[0-9]")  # also in a string now and then: then the slow path


def dumps_bytes(value: Any) -> bytes:
    if _FAST is not None:
        out = _FAST.encode(value)
        if not _EXPONENT.search(out):
            return out
    return dumps(value).encode("ascii")


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON keeping numbers with a fraction as ``Decimal`` (used by tests and truth helpers)."""
    return json.loads(text, parse_float=Decimal)
