"""Projection all the way down (issue 15, point 6): recursive and untyped fields are projected like
any object. An unselected nested field never lands; a new nested field is reported as new and
stops `--fail-on-drift`.

The unit tests check the projection against hand-written records (correctness of the rule). The
sandbox tests add fields the contract does not declare inside a recursive field (bank statement
child events) and inside `serialNumber` (declared through `allOf`), then read what landed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from loader.config import selection_trie
from loader.projection import build_trie, project_collect
from loader.sandbox import SandboxConfig, SandboxServer
from loader.streams.contract import canonical_path, field_catalog, recursive_links
from loader.streams.registry import get_stream
from tests.conftest import sandbox_env

STATEMENT = {
    "id": 7,
    "events": [{"id": 1, "sum": "10.00", "name": "Salary run", "event": [
        {"id": 11, "sum": "4.00", "name": "part 1", "secret": "x", "event": [
            {"id": 111, "sum": "1.00", "name": "deep", "event": []}]},
        {"id": 12, "sum": "6.00", "name": "part 2", "event": []}]}],
}


def test_the_contract_marks_child_events_recursive_and_resolves_all_of() -> None:
    links = recursive_links("BankStatement")
    assert links == {"events.event": "events"}
    assert canonical_path("events.event.event.name", links) == "events.name"
    receipt = {f.path: f for f in field_catalog("LedgerReceipt")}
    assert receipt["serialNumber"].type == "object"
    assert {"serialNumber.series", "serialNumber.number"} <= set(receipt)


def test_child_events_keep_only_the_fields_selected_for_events() -> None:
    trie = selection_trie(get_stream("bank_statements"), ["id", "events.id", "events.sum", "events.event"])
    dropped: set[str] = set()
    out = project_collect(STATEMENT, trie, "", dropped)
    assert out == {"id": 7, "events": [{"id": 1, "sum": "10.00", "event": [
        {"id": 11, "sum": "4.00", "event": [{"id": 111, "sum": "1.00", "event": []}]},
        {"id": 12, "sum": "6.00", "event": []}]}]}
    # Dropped keys are named where the catalog lists them: the child's `secret` is an event field.
    assert dropped == {"events.name", "events.secret"}


def test_child_events_are_dropped_when_not_selected() -> None:
    trie = selection_trie(get_stream("bank_statements"), ["id", "events.id"])
    dropped: set[str] = set()
    assert project_collect(STATEMENT, trie, "", dropped) == {"id": 7, "events": [{"id": 1}]}
    assert "events.event" in dropped


def test_a_field_declared_without_fields_is_an_object_of_which_nothing_is_selected() -> None:
    trie = build_trie(["id", "blob"], opaque={"blob"})
    dropped: set[str] = set()
    out = project_collect({"id": 1, "blob": {"a": 1, "b": {"c": 2}}}, trie, "", dropped)
    assert out == {"id": 1, "blob": {}}
    assert dropped == {"blob.a", "blob.b"}
    # A scalar where an object was declared lands as sent.
    assert project_collect({"id": 1, "blob": "text"}, trie, "", set()) == {"id": 1, "blob": "text"}


def _landed(db: Path, stream: str) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT _record_id, _data FROM raw_procountor.{stream} WHERE NOT _is_deleted").fetchall()
    finally:
        con.close()
    return {rid: json.loads(data, parse_float=Decimal) for rid, data in rows}


def _child_events(statements: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [child for s in statements.values() for e in s.get("events") or [] for child in e.get("event") or []]


@pytest.fixture
def sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=5, documents=150, companies=1)) as sb:
        yield sb


def test_a_new_field_inside_child_events_is_reported_not_loaded(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    env = sandbox_env(sandbox)
    sandbox.add_field("bank_statements", "events.event.splitCode", "S-1")
    run = cli("--duckdb", str(db), "extract", "--stream", "bank_statements", "--fail-on-drift", env=env)
    assert run.exit_code == 6, run.output
    assert "bank_statements: events.splitCode" in run.output
    run = cli("--duckdb", str(db), "extract", "--stream", "bank_statements", env=env)
    assert run.exit_code == 0, run.output
    assert "new field(s) in the API, not loaded: events.splitCode" in run.output
    children = _child_events(_landed(db, "bank_statements"))
    assert children, "the sandbox has salary runs with child events"
    assert all("splitCode" not in c for c in children)
    # Asked for by its path inside the child events, it lands there.
    cfg = tmp_path / "procountor.yml"
    cfg.write_text("streams:\n  bank_statements:\n    fields: all\n    extra_fields: [events.event.splitCode]\n")
    run = cli("--duckdb", str(db), "--config", str(cfg), "extract", "--full-refresh", "bank_statements",
              "--fail-on-drift", env=env)
    assert run.exit_code == 0, run.output
    assert all(c["splitCode"] == "S-1" for c in _child_events(_landed(db, "bank_statements")))


def test_unselected_child_event_fields_never_land(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    cfg = tmp_path / "procountor.yml"
    cfg.write_text("streams:\n  bank_statements:\n    fields: [id, events.id, events.sum, events.event]\n")
    run = cli("--duckdb", str(db), "--config", str(cfg), "extract", "--stream", "bank_statements",
              env=sandbox_env(sandbox))
    assert run.exit_code == 0, run.output
    children = _child_events(_landed(db, "bank_statements"))
    assert children and all(set(c) <= {"id", "sum", "event"} for c in children)
    assert any(set(c) == {"id", "sum", "event"} for c in children)


def test_a_new_field_inside_serial_number_is_reported_not_loaded(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    sandbox.add_field("ledger_receipts", "serialNumber", {"series": "A", "number": 4, "checkDigit": 9})
    run = cli("--duckdb", str(db), "extract", "--stream", "ledger_receipts", env=sandbox_env(sandbox))
    assert run.exit_code == 0, run.output
    assert "not loaded: serialNumber.checkDigit" in run.output
    receipts = _landed(db, "ledger_receipts")
    assert receipts and all(r["serialNumber"] == {"series": "A", "number": 4} for r in receipts.values())


def test_a_field_path_through_child_events_selects_the_event_field(tmp_path: Path) -> None:
    from loader.config import load_config

    cfg = tmp_path / "procountor.yml"
    cfg.write_text("streams:\n  bank_statements:\n    fields: [events.event.name, events.event]\n")
    fields = load_config(cfg).streams["bank_statements"].fields
    assert "events.name" in fields and "events.event" in fields
    assert not any(f.startswith("events.event.") for f in fields)
