"""The walking skeleton end to end: sandbox → extract (twice) → DuckDB → dbt build → P&L.

Everything is real: the sandbox is an HTTP server on localhost, the loader signs in with the API
key flow, DuckDB is a file, and dbt builds the project.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env

SKELETON_STREAMS = ("accounts", "fiscal_years", "invoices", "ledger_receipts")


@pytest.fixture(scope="module")
def sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=11, documents=400)) as sb:
        yield sb


def _extract(cli, sb, db: Path, *streams: str):  # type: ignore[no-untyped-def]
    args = ["--duckdb", str(db), "extract"]
    for s in streams:
        args += ["--stream", s]
    result = cli(*args, env=sandbox_env(sb))
    assert result.exit_code == 0, result.output
    return result


def _vat(value: Decimal, percent: Decimal) -> Decimal:
    from decimal import ROUND_HALF_UP

    return (value * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.slow
def test_extract_twice_then_dbt_build_matches_the_sandbox(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    _extract(cli, sandbox, db)  # every stream: the marts' tests need payments for the subledgers
    _extract(cli, sandbox, db)

    con = duckdb.connect(str(db))
    try:
        for stream in SKELETON_STREAMS:
            truth = {k: v for k, v in sandbox.truth.records(stream).items() if not v.get("isOffer")}
            landed = con.execute(f"SELECT _record_id FROM raw_procountor.{stream} WHERE NOT _is_deleted").fetchall()
            assert sorted(r[0] for r in landed) == sorted(str(k) for k in truth), stream
            (dupes,) = con.execute(f"""SELECT count(*) FROM (SELECT _company_id, _record_id FROM
                raw_procountor.{stream} GROUP BY ALL HAVING count(*) > 1)""").fetchone()
            assert dupes == 0, stream

        # Every receipt balances to 0.00 once the VAT its lines imply is added (docs/architecture.md).
        import json

        for (data,) in con.execute("SELECT _data FROM raw_procountor.ledger_receipts").fetchall():
            receipt = json.loads(data, parse_float=Decimal)
            total = Decimal(0)
            for t in receipt.get("transactions") or []:
                value = Decimal(t["accountingValue"])
                total += value
                if t.get("transactionType") == "ENTRY" and t.get("vatType") and t.get("vatPercent"):
                    total += _vat(value, Decimal(t["vatPercent"]))
            assert total == 0, receipt["id"]
    finally:
        con.close()

    from loader.dbt_runner import run_dbt

    run_dbt(["build", "--quiet"], duckdb_path=str(db))

    con = duckdb.connect(str(db), read_only=True)
    try:
        (schema,) = con.execute("SELECT table_schema FROM information_schema.tables "
                                "WHERE table_name = 'rpt_profit_and_loss' LIMIT 1").fetchone()
        rows = con.execute(f"""
            SELECT strftime(period_start_date, '%Y-%m'), sum(amount_month)
            FROM {schema}.rpt_profit_and_loss
            WHERE company_id IS NOT NULL AND line_order = (SELECT max(line_order) FROM {schema}.rpt_profit_and_loss)
            GROUP BY 1 ORDER BY 1""").fetchall()
    finally:
        con.close()
    ours = {month: Decimal(str(total)) for month, total in rows}
    truth = {m: v for m, v in sandbox.truth.pl_by_month(0).items() if v != 0}
    assert {m: v for m, v in ours.items() if v != 0} == truth
    assert_every_column_reads(db)


def assert_every_column_reads(db: Path) -> None:
    """Staging models are views: a cast that fails on real values (text read as money) passes
    `dbt build` and only breaks when a BI tool selects that column. Read every column of every model."""
    con = duckdb.connect(str(db), read_only=True)
    failures = []
    try:
        relations = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                "WHERE table_schema <> 'raw_procountor' ORDER BY 1, 2").fetchall()
        assert len(relations) > 40
        for schema, table in relations:
            try:
                con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            except duckdb.Error as exc:
                failures.append(f"{schema}.{table}: {exc}")
    finally:
        con.close()
    assert not failures, "\n".join(failures)
