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


def test_wire_numbers_round_trip_digit_for_digit() -> None:
    text = '{"b": 451.80, "a": [0.1, 1E+2, -360.00, 7], "s": "x\\u00e4", "c": 12345678901234567890.01}'
    assert exact_json.dumps(exact_json.loads_wire(text)) == \
        '{"a":[0.1,1E+2,-360.00,7],"b":451.80,"c":12345678901234567890.01,"s":"xä"}'
    assert exact_json.number_text(exact_json.loads_wire('{"v": 2.50}')["v"]) == "2.50"


def test_wire_parse_of_the_marker_character_falls_back_to_decimals() -> None:
    text = '{"s": "\\ue000", "v": 1.10}'
    value = exact_json.loads_wire(text)
    assert value["v"] == Decimal("1.10")
    assert exact_json.loads(exact_json.dumps(value)) == {"s": "\ue000", "v": Decimal("1.10")}
