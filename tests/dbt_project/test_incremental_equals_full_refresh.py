"""Incremental builds of every incremental model (the JSON-parsing base and staging tables) and the facts built
on them equal a full refresh, also after a receipt is recreated under a new id,
another invalidated, a payment event deleted (tombstoned), a bank statement edited (one event fewer,
one more), an invoice row dropped and a dimension added to a company. Proves consistency (incremental =
full refresh of our own models), not correctness."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from fixture import build, dbt_runner  # noqa: E402

pytestmark = pytest.mark.slow
FACTS = ("fct_general_ledger", "fct_invoices", "fct_invoice_lines", "fct_gl_dimension_allocations")
# the base models are the incremental ones; the staging views over them are compared too
STAGING = ("base_procountor__ledger_receipts", "base_procountor__invoices", "base_procountor__bank_statements",
           "stg_procountor__ledger_receipts", "stg_procountor__ledger_transactions",
           "stg_procountor__transaction_dimension_values", "stg_procountor__invoices", "stg_procountor__invoice_rows",
           "stg_procountor__payment_events", "stg_procountor__bank_statement_events")
SELECT = ["-s", "+fct_invoices", "+fct_general_ledger", "+fct_gl_dimension_allocations", "+fct_bank_transactions"]




def snapshot(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [f"main_finance.{t}" for t in FACTS] + [f"main_stg_procountor.{t}" for t in STAGING]
        return {t: con.execute(f"select * exclude (_source_changed_at) from {t} order by all").fetchall()
                for t in tables}
    finally:
        con.close()


def test_incremental_equals_full_refresh(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    build(str(db))
    dbt = dbt_runner(tmp_path, db)
    dbt(["seed"])
    dbt(["run", *SELECT])

    later = datetime(2026, 3, 21, 6, 0, 0)
    con = duckdb.connect(str(db))
    # 1. receipt 100006 recreated as 100010 (new id, later date), old id tombstoned
    data = json.loads(con.execute(
        "select _data from raw_procountor.ledger_receipts where _company_id = 101001 and _record_id = '100006'"
    ).fetchone()[0])
    data["id"], data["receiptDate"] = 100010, "2025-09-15"
    con.execute("update raw_procountor.ledger_receipts set _is_deleted = true, _deleted_at = ? "
                "where _company_id = 101001 and _record_id = '100006'", [later])
    con.execute("insert into raw_procountor.ledger_receipts select _company_id, '100010', ?, _record_hash, "
                "_cursor_value, _extracted_at, ?, _sync_id, false, null from raw_procountor.ledger_receipts "
                "where _company_id = 101001 and _record_id = '100006'", [json.dumps(data), later])
    con.execute("update raw_procountor.invoices set _data = replace(_data, '\"ledgerReceiptId\": 100006', "
                "'\"ledgerReceiptId\": 100010'), _loaded_at = ? where _company_id = 101001 and _record_id = '100502'",
                [later])
    # 2. the journal 100005 invalidated
    con.execute("update raw_procountor.ledger_receipts set _data = replace(_data, '\"APPROVED\"', '\"INVALIDATED\"'), "
                "_loaded_at = ? where _company_id = 101001 and _record_id = '100005'", [later])
    # 3. a payment event deleted
    con.execute("update raw_procountor.payment_events set _is_deleted = true, _deleted_at = ? "
                "where _company_id = 102001", [later])
    # 4. a bank statement re-read: its event replaced by two others
    data = json.loads(con.execute(
        "select _data from raw_procountor.bank_statements where _company_id = 101001").fetchone()[0])
    event = data["events"][0]
    data["events"] = [{**event, "id": 7102, "sum": 400.0}, {**event, "id": 7103, "sum": 46.4}]
    con.execute("update raw_procountor.bank_statements set _data = ?, _loaded_at = ? where _company_id = 101001",
                [json.dumps(data), later])
    # 5. an invoice row dropped from the sales invoice 200500
    data = json.loads(con.execute("select _data from raw_procountor.invoices "
                                  "where _company_id = 102001 and _record_id = '200500'").fetchone()[0])
    assert len(data["invoiceRows"]) > 1
    data["invoiceRows"] = data["invoiceRows"][:-1]
    con.execute("update raw_procountor.invoices set _data = ?, _loaded_at = ? "
                "where _company_id = 102001 and _record_id = '200500'", [json.dumps(data), later])
    # 6. a third dimension for company 102001: every one of its ledger lines gets rows for it
    con.execute("insert into raw_procountor.dimensions select _company_id, '4103', replace(_data, '4102', '4103'), "
                "_record_hash, _cursor_value, _extracted_at, ?, _sync_id, false, null from raw_procountor.dimensions "
                "where _company_id = 102001 and _record_id = '4102'", [later])
    con.close()

    dbt(["run", *SELECT])
    incremental = snapshot(db)
    dbt(["run", *SELECT, "--full-refresh"])
    full = snapshot(db)
    assert incremental.keys() == full.keys()
    for table in full:
        assert incremental[table] == full[table], table
    receipts = {r[3] for r in incremental["main_finance.fct_general_ledger"] if r[2] == 101001}
    assert 100010 in receipts and 100006 not in receipts and 100005 not in receipts
    allocations = incremental["main_finance.fct_gl_dimension_allocations"]
    assert {r[8] for r in allocations if r[3] == 102001} >= {4101, 4102, 4103}
    assert {r[8] for r in allocations if r[3] == 101001} == {4101, 4102}
    events = {r[1] for r in incremental["main_stg_procountor.stg_procountor__bank_statement_events"] if r[0] == 101001}
    assert events == {7102, 7103}
