from decimal import Decimal

from loader import exact_json


def test_money_keeps_its_exact_digits() -> None:
    text = '{"b": 451.80, "a": [0.1, 1E+2, -360.00], "c": 12345678901234567890.01}'
    value = exact_json.loads(text)
    assert value["b"] == Decimal("451.80")
    assert exact_json.dumps(value) == '{"a":[0.1,1E+2,-360.00],"b":451.80,"c":12345678901234567890.01}'


def test_strings_unicode_and_literals_round_trip() -> None:
    value = {"name": "Kahvila Äijä \"Oy\"\n", "ok": True, "none": None, "n": 3}
    assert exact_json.loads(exact_json.dumps(value)) == value


def test_hash_is_stable_for_key_order() -> None:
    a = exact_json.dumps(exact_json.loads('{"x": 1, "y": 2.50}'))
    b = exact_json.dumps(exact_json.loads('{"y": 2.50, "x": 1}'))
    assert exact_json.record_hash(a) == exact_json.record_hash(b)
