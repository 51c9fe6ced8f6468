"""JSON that never turns money into floats.

Procountor sends amounts as JSON numbers (`451.80`). Parsing them as float would lose the exact
text on the way to the warehouse, so numbers with a fraction or exponent are kept exactly:

- `loads` gives Decimals (for code that computes with the values);
- `loads_wire` keeps each such number as its original text wrapped in a private-use marker
  character, which is what the hot path from the API to the spool needs: `dumps` writes those back
  digit for digit without a Python-level walk of every value (the C encoder does the work).
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

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


def loads(text: str | bytes) -> Any:
    """Parse with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def loads_wire(text: str | bytes) -> Any:
    """Parse an API body fast, keeping non-integer numbers as exact (marked) text for `dumps`."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if _MARK in text or _ESCAPED_MARK.search(text):  # the marker in the data: take the slow road
        return loads(text)
    return json.loads(text, parse_float=_mark)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON; Decimals and wire numbers keep their exact digits."""
    return _MARKED_NUMBER.sub(_unquote, _encoder.encode(value))


def _unquote(match: re.Match[str]) -> str:
    return match.group(1)


def number_text(value: Any) -> str:
    """The exact text of a number from `loads` or `loads_wire`."""
    if isinstance(value, str) and value.startswith(_MARK):
        return value.strip(_MARK)
    return str(value)


def record_hash(data_text: str) -> str:
    return hashlib.sha256(data_text.encode("utf-8")).hexdigest()
