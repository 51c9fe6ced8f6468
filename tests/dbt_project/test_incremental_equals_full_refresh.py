"""Incremental builds of the GL and invoice facts equal a full refresh, also after a receipt is
recreated under a new id, another invalidated and one deleted (tombstoned)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from fixture import build  # noqa: E402

pytestmark = pytest.mark.slow
FACTS = ("fct_general_ledger", "fct_invoices", "fct_invoice_lines")


def dbt(args: list[str], env: dict[str, str]) -> None:
    exe = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    proc = subprocess.run([exe, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def snapshot(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * exclude (_source_changed_at) from main_finance.{t} order by all").fetchall()
                for t in FACTS}
    finally:
        con.close()


def test_incremental_equals_full_refresh(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    build(str(db))
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(ROOT / "profiles.yml.example", profiles / "profiles.yml")
    env = {**os.environ, "DBT_PROFILES_DIR": str(profiles), "PROCOUNTOR_DUCKDB_PATH": str(db)}
    common = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    dbt(["run", "-s", "+fct_invoices", "+fct_general_ledger", *common], env)

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
    con.close()

    dbt(["run", "-s", "+fct_invoices", "+fct_general_ledger", *common], env)
    incremental = snapshot(db)
    dbt(["run", "-s", "+fct_invoices", "+fct_general_ledger", "--full-refresh", *common], env)
    full = snapshot(db)
    for table in FACTS:
        assert incremental[table] == full[table], table
    receipts = {r[3] for r in incremental["fct_general_ledger"] if r[2] == 101001}
    assert 100010 in receipts and 100006 not in receipts and 100005 not in receipts
