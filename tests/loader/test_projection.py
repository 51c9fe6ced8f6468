from loader.projection import build_trie, field_paths, is_covered, project

RECORD = {
    "id": 1,
    "counterParty": {"identifier": "123-4", "counterPartyAddress": {"name": "Oy", "city": "Lahti"}},
    "invoiceRows": [{"product": "A", "unitPrice": 10, "vatPercent": 25.5}, {"product": "B", "unitPrice": 5}],
    "notes": "secret",
}


def test_unselected_fields_never_survive() -> None:
    trie = build_trie(["id", "counterParty.counterPartyAddress.city", "invoiceRows.unitPrice"])
    assert project(RECORD, trie) == {
        "id": 1,
        "counterParty": {"counterPartyAddress": {"city": "Lahti"}},
        "invoiceRows": [{"unitPrice": 10}, {"unitPrice": 5}],
    }


def test_selecting_a_parent_selects_its_subtree() -> None:
    trie = build_trie(["counterParty", "counterParty.identifier"])
    assert project(RECORD, trie) == {"counterParty": RECORD["counterParty"]}


def test_field_paths_see_nested_and_array_fields() -> None:
    paths = field_paths(RECORD)
    assert {"invoiceRows.vatPercent", "counterParty.counterPartyAddress.name", "notes"} <= paths
    assert is_covered("counterParty.counterPartyAddress.name", ["counterParty"])
    assert not is_covered("notes", ["note"])
