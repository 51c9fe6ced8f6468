"""JSON that never turns money into floats.

Procountor sends amounts as JSON numbers (`451.80`). Parsing them as float would lose the exact
text on the way to the warehouse, so numbers with a fraction or exponent are kept exactly:

- `loads` gives Decimals (for code that computes with the values);
- `loads_wire` keeps each such number as its original text wrapped in a private-use marker
  character, which is what the hot path from the API to the spool needs: `dumps` writes those back
  digit for digit without a Python-level walk of every value (the C encoder does the work).

The hot path (`loads_wire`, `dumps_wire`) uses msgspec's decoder and encoder when it is installed
(a dependency; an older virtualenv may lack it): 2–4× faster than the standard library and the
same bytes (tests/loader/test_exact_json_fast.py compares the two).
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

try:
    import msgspec
except ImportError:  # pragma: no cover - a virtualenv installed before msgspec was a dependency
    msgspec = None

_MARK = "\ue000"
_MARKED_NUMBER = re.compile('"' + _MARK + r"(-?[0-9][0-9.eE+\-]*)" + _MARK + '"')
_ESCAPED_MARK = re.compile(r"\\u[eE]000")
_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                            default=lambda v: _default(v))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"non-finite number {value!r} cannot be written as JSON")
        return f"{_MARK}{value}{_MARK}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _mark(text: str) -> str:
    return f"{_MARK}{text}{_MARK}"


number_marker = _mark  # how `loads_wire` keeps a non-integer number: for decoders of its kind


def loads(text: str | bytes) -> Any:
    """Parse with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def loads_wire(text: str | bytes) -> Any:
    """Parse an API body fast, keeping non-integer numbers as exact (marked) text for `dumps`.
    Raises ValueError for a body that is not JSON."""
    if _FAST is not None:
        return _FAST.loads_wire(text)
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if _MARK in text or _ESCAPED_MARK.search(text):  # the marker in the data: take the slow road
        return loads(text)
    return json.loads(text, parse_float=_mark)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON; Decimals and wire numbers keep their exact digits."""
    return _MARKED_NUMBER.sub(_unquote, _encoder.encode(value))


def dumps_wire(value: Any) -> str:
    """`dumps` for what `loads_wire` parsed (dicts, lists, str, int, bool, None, marked numbers and
    Decimals): the same text, faster."""
    if _FAST is not None:
        return _FAST.dumps_wire(value)
    return dumps(value)


class _Msgspec:
    """msgspec's C decoder and encoder, writing exactly what the standard-library path writes:
    sorted keys, no spaces, non-ASCII as is, the same escapes, numbers with their wire digits."""

    def __init__(self) -> None:
        assert msgspec is not None
        self._wire = msgspec.json.Decoder(float_hook=_mark)
        self._exact = msgspec.json.Decoder(float_hook=Decimal)
        # Decimals (only from the slow road below) as bare numbers: str(Decimal), as `_default` writes.
        self._encoder = msgspec.json.Encoder(order="sorted", decimal_format="number")
        self._errors = (msgspec.DecodeError, UnicodeDecodeError)

    def loads_wire(self, text: str | bytes) -> Any:
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        try:
            if _MARK_BYTES in raw or _ESCAPED_MARK_BYTES.search(raw):
                # The marker in the data: Decimals instead (msgspec never yields NaN or Infinity).
                return self._exact.decode(raw)
            return self._wire.decode(raw)
        except self._errors as exc:
            raise ValueError(f"not valid JSON: {exc}") from None

    def dumps_wire(self, value: Any) -> str:
        text = self._encoder.encode(value).decode("utf-8")
        return _MARKED_NUMBER.sub(_unquote, text) if _MARK in text else text


_MARK_BYTES = _MARK.encode("utf-8")
_ESCAPED_MARK_BYTES = re.compile(rb"\\u[eE]000")
_FAST = _Msgspec() if msgspec is not None else None


def _unquote(match: re.Match[str]) -> str:
    return match.group(1)


def number_text(value: Any) -> str:
    """The exact text of a number from `loads` or `loads_wire`."""
    if isinstance(value, str) and value.startswith(_MARK):
        return value.strip(_MARK)
    return str(value)


def record_hash(data_text: str) -> str:
    return hashlib.sha256(data_text.encode("utf-8")).hexdigest()
