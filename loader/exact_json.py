"""JSON that never turns money into floats.

Procountor sends amounts as JSON numbers (`451.80`). Parsing them as float would lose the exact
text on the way to the warehouse, so numbers with a fraction or exponent are parsed as Decimal
and written back digit for digit.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON; Decimals keep their exact digits."""
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def _write(value: Any, out: Any) -> None:
    if isinstance(value, dict):
        out("{")
        first = True
        for key in sorted(value):
            if not first:
                out(",")
            first = False
            out(_encode_str(str(key)))
            out(":")
            _write(value[key], out)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for i, item in enumerate(value):
            if i:
                out(",")
            _write(item, out)
        out("]")
    elif isinstance(value, str):
        out(_encode_str(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"non-finite number {value!r} cannot be written as JSON")
        out(str(value))
    elif isinstance(value, float):
        # Only reached for values we built ourselves; API input never yields floats.
        out(repr(value))
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def record_hash(data_text: str) -> str:
    return hashlib.sha256(data_text.encode("utf-8")).hexdigest()
