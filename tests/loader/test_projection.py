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


def test_a_field_added_inside_a_selected_object_is_dropped_and_reported(tmp_path) -> None:
    from loader import exact_json
    from loader.config import load_config
    from loader.spool import SpoolWriter

    cfg_file = tmp_path / "procountor.yml"
    cfg_file.write_text("streams:\n  invoices:\n    fields: [counterParty, invoiceRows]\n")
    sel = load_config(cfg_file).streams["invoices"]
    writer = SpoolWriter(tmp_path / "s.jsonl", 1, build_trie(sel.fields), "id", "version")
    record = {"id": 1, "version": "2026-01-01T00:00:00",
              "counterParty": {"identifier": "1234567-8", "newThing": "x"},
              "invoiceRows": [{"product": "A", "rowNew": 1}]}
    writer.write(record)
    writer.close()
    row = exact_json.loads((tmp_path / "s.jsonl").read_text())
    landed = exact_json.loads(row["_data"])
    assert landed["counterParty"] == {"identifier": "1234567-8"}
    assert landed["invoiceRows"] == [{"product": "A"}]
    assert {"counterParty.newThing", "invoiceRows.rowNew"} <= writer.seen_fields
