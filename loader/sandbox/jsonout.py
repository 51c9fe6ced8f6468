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

An ``Encoded`` value is a record already serialised by ``dumps_bytes`` (bodies.py keeps them):
its bytes are copied into the answer as they are.
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


class Encoded:
    """A record serialised once (its ``dumps_bytes``), with its id for listing variants that drop rows."""

    __slots__ = ("id", "raw")

    def __init__(self, record_id: int, raw: bytes) -> None:
        self.id = record_id
        self.raw = raw

    def value(self) -> Any:
        return loads_exact(self.raw)


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


def _raw(value: Any) -> Any:
    if isinstance(value, Encoded):
        return msgspec.Raw(value.raw)
    raise NotImplementedError(f"not JSON serialisable: {type(value).__name__}")


_WITH_RAW = msgspec.json.Encoder(decimal_format="number", enc_hook=_raw) if msgspec is not None else None
# A digit, e or E, an optional sign and a digit: an exponent (also in a string now and then: then the
# slow path). Searched from the letter, as a literal-led pattern is ~7x faster than a digit class.
_EXPONENT_FROM = (re.compile(rb"E[+-]?[0-9]"), re.compile(rb"e[+-]?[0-9]"))


def _has_exponent(out: bytes) -> bool:
    for pattern in _EXPONENT_FROM:
        match = pattern.search(out)
        while match is not None:
            start = match.start()
            if start and 48 <= out[start - 1] <= 57:
                return True
            match = pattern.search(out, start + 1)
    return False


def dumps_bytes(value: Any) -> bytes:
    if _WITH_RAW is None:
        return dumps(_decoded(value)).encode("ascii")
    encoded: list[Encoded] = []

    def blank(item: Any) -> Any:
        if isinstance(item, Encoded):
            encoded.append(item)
            return None
        raise NotImplementedError(f"not JSON serialisable: {type(item).__name__}")

    # The answer without its Encoded records first: they were checked for exponents when they were
    # encoded, and the check scans every byte (≈ 1 ms for a 300 KB batch).
    out = msgspec.json.Encoder(decimal_format="number", enc_hook=blank).encode(value)
    if _has_exponent(out):
        return dumps(_decoded(value)).encode("ascii")
    return _WITH_RAW.encode(value) if encoded else out


def _decoded(value: Any) -> Any:
    """``value`` with its Encoded records parsed back (the rare standard-library path only)."""
    if isinstance(value, Encoded):
        return value.value()
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decoded(v) for v in value]
    return value


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON keeping numbers with a fraction as ``Decimal`` (used by tests and truth helpers)."""
    return json.loads(text, parse_float=Decimal)
