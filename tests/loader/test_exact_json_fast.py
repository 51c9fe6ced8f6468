"""The msgspec hot path of loader/exact_json.py writes the same bytes as the standard-library path.

Consistency, not correctness: both paths are ours; the standard-library one is the reference that
tests/loader/test_exact_json.py checks against hand-written expectations. Landed `_data` and its
`_record_hash` must not change with the JSON library, or every record would look changed once.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pytest

from loader import exact_json
from loader.sandbox import jsonout

msgspec = pytest.importorskip("msgspec")

_TRICKY = ["", "ä", "Äijä \"Oy\"\n\t\r\b\f", "\x00\x01\x1f\x7f", "\u2028\u2029", "😀", "\\", "/", "\ue001",
           "12.50", "1e5", "null"]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.choice(_TRICKY) + "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(5)))
    if kind == 1:
        return rng.choice([0, -1, 7, 2**63, -(2**70), 10**25])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:  # a number as it comes off the wire, exact digits
        return rng.choice(["451.80", "-0.00", "1E+2", "1e-7", "12345678901234567890.01", "0.1"])
    if kind == 4:
        return Decimal(rng.choice(["451.80", "-0.00", "1E+2", "123.456789"]))
    if kind == 5:
        return rng.choice(_TRICKY)
    if kind in (6, 7):
        return {rng.choice([*_TRICKY, "a", "b", "B", "ä", "10", "9", "id"]) + str(rng.randrange(3)):
                _random_value(rng, depth + 1) for _ in range(rng.randrange(6))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def _wire_body(rng: random.Random) -> str:
    """A JSON text with non-integer numbers written as on the wire (kind 3 strings unquoted)."""
    value = {"results": [_random_value(rng) for _ in range(rng.randrange(1, 6))]}
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5, default=str)
    for number in ("451.80", "-0.00", "1E+2", "1e-7", "12345678901234567890.01", "0.1"):
        text = text.replace(f'"{number}"', number)
    return text


def _stdlib_loads_wire(text: str) -> Any:
    if exact_json._MARK in text or exact_json._ESCAPED_MARK.search(text):
        return exact_json.loads(text)
    return json.loads(text, parse_float=exact_json._mark)


def test_fast_path_is_on() -> None:
    assert exact_json._FAST is not None


@pytest.mark.parametrize("seed", range(300))
def test_fast_wire_parse_and_write_equal_the_standard_library(seed: int) -> None:
    rng = random.Random(seed)
    text = _wire_body(rng)
    if seed % 7 == 0:  # the marker character in the data: both take the Decimal road
        text = text.replace('"results"', '"\\ue000": 1, "results"', 1)
    fast, slow = exact_json.loads_wire(text.encode()), _stdlib_loads_wire(text)
    assert fast == slow
    assert exact_json.dumps_wire(fast) == exact_json.dumps(slow)


@pytest.mark.parametrize("seed", range(200))
def test_fast_write_of_any_landing_value_equals_the_standard_library(seed: int) -> None:
    value = _random_value(random.Random(seed))
    assert exact_json.dumps_wire(value) == exact_json.dumps(value)


def test_a_body_that_is_not_json_is_a_value_error() -> None:
    for bad in (b'{"results": [1, 2', b"NaN", b'{"a": NaN}', b"\xff\xfe"):
        with pytest.raises(ValueError):
            exact_json.loads_wire(bad)


@pytest.mark.parametrize("seed", range(100))
def test_the_sandbox_answers_the_same_json_through_either_encoder(seed: int) -> None:
    """The sandbox's fast encoder writes UTF-8 and no spaces; the value read back is the same,
    Decimals digit for digit."""
    value = _random_value(random.Random(seed))
    fast = jsonout.dumps_bytes(value)
    slow = jsonout.dumps(value)
    assert json.loads(fast, parse_float=Decimal) == json.loads(slow, parse_float=Decimal)


def test_the_sandbox_writes_decimals_as_plain_numbers() -> None:
    assert jsonout.dumps_bytes({"a": Decimal("451.80"), "b": "ä"}) == '{"a":451.80,"b":"ä"}'.encode()
    # str(Decimal) would write 1E+2: that answer takes the standard-library path, which writes 100.
    assert jsonout.dumps_bytes({"a": Decimal("1E+2")}) == b'{"a": 100}'
