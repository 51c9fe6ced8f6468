"""The reconciliation against Procountor's own reports holds whatever the company's report layout.

One sandbox with three companies, each with its own /reports/accounting layout and its own reading
of /reports/ledgeraccounts values (the contract leaves both open): extract each → one DuckDB → dbt
build. Everything is real (HTTP sandbox, loader CLI, DuckDB, dbt).

What it proves: the account-level reconciliation (our general ledger vs Procountor's per-account
report) is correctness against the source system, compared for every account and every month,
whichever layout and value basis the server uses. The statement-level reconciliation compares what
maps (account rows, mapped rows, the key figures found by position) and warns about the rest; after
`procountor-loader report-mapping draft` (reviewed as is), the English layout maps completely.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from loader.dbt_runner import dbt_executable, profiles_dir, project_dir, run_dbt
from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env

LAYOUTS = ("statutory", "accounts", "english")
VALUES = ("movement", "closing", "mixed")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=13, documents=150, companies=3, rate_limit=0, report_layouts=LAYOUTS,
                           ledger_account_values=VALUES)
    with SandboxServer(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def warehouse(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from loader.cli import main

    db = tmp_path_factory.mktemp("layouts") / "warehouse.duckdb"
    for index in range(len(LAYOUTS)):
        result = CliRunner().invoke(main, ["--duckdb", str(db), "extract"], env=sandbox_env(sandbox, index),
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    proc = run_dbt(["build"], duckdb_path=str(db), capture=True, check=False)
    (db.parent / "build.log").write_text(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return db


WARN_TEST = "assert_report_rows_are_mapped_in_procountor_report_row_mapping"
# The account-level layout's totals that are not the net result, total assets or total equity and
# liabilities (those three are found by position): the sandbox's own names, which nothing maps.
ACCOUNT_LAYOUT_TOTALS = {
    "Tuotot yhteensä", "Kulut yhteensä", "Liiketulos", "Rahoituserät yhteensä", "Siirrot ja verot yhteensä",
    "Aiempien kausien kirjaamaton tulos", "Kauden tulos", "Oma pääoma yhteensä", "Vieras pääoma yhteensä",
}


def _rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_every_account_and_month_reconciles_in_every_layout(sandbox: SandboxServer, warehouse: Path) -> None:
    recon = "main_finance.rpt_ledger_account_reconciliation"
    for index, company_id in enumerate(sandbox.company_ids):
        months = {r[0] for r in _rows(warehouse, "SELECT _record_id FROM raw_procountor.ledger_account_reports "
                                                 "WHERE _company_id = ? AND NOT _is_deleted", company_id)}
        assert len(months) >= 30, months  # every month-end of the fiscal years up to today
        compared = _rows(warehouse, f"SELECT period_start_date, period_end_date, account_code, is_reconciled "
                                    f"FROM {recon} WHERE company_id = ?", company_id)
        assert {f"{s}:{e}" for s, e, _, _ in compared} == months
        # every account the sandbox ever posted to is compared in every month
        accounts = {line["account"] for line in sandbox.truth.ledger(index)}
        per_month: dict[str, set[str]] = {}
        for _, end, account, _ in compared:
            per_month.setdefault(str(end), set()).add(account)
        assert all(accounts <= got for got in per_month.values())
        assert all(ok for *_, ok in compared), [r for r in compared if not r[3]][:5]

    bases = {(c, bs, basis) for c, bs, basis in _rows(
        warehouse, f"SELECT DISTINCT company_id, is_balance_sheet_account, value_basis FROM {recon}")}
    movement, closing, mixed = sandbox.company_ids
    assert {(bs, b) for c, bs, b in bases if c == movement} == {(True, "movement"), (False, "movement")}
    assert (True, "closing_balance") in {(bs, b) for c, bs, b in bases if c == closing}
    assert (False, "closing_balance") in {(bs, b) for c, bs, b in bases if c == closing}
    assert {(bs, b) for c, bs, b in bases if c == mixed and not bs} == {(False, "movement")}
    assert (True, "closing_balance") in {(bs, b) for c, bs, b in bases if c == mixed}


def _statement_rows(db: Path, company_id: int) -> list[tuple[Any, ...]]:
    return _rows(db, "SELECT report_type, row_name, match_kind, key_figure, is_reconciled, procountor_amount "
                     "FROM main_finance.rpt_statement_reconciliation WHERE company_id = ?", company_id)


def _nonzero_unmapped(rows: list[tuple[Any, ...]]) -> set[str]:
    return {name for _, name, kind, _, _, amount in rows if kind == "unmapped" and amount}


@pytest.mark.slow
def test_statements_compare_what_maps_and_warn_on_the_rest(sandbox: SandboxServer, warehouse: Path) -> None:
    statutory, accounts, english = sandbox.company_ids
    log = (warehouse.parent / "build.log").read_text()
    assert "WARN" in log and WARN_TEST in log  # a warning, never an error, naming the seed to edit
    for company in (statutory, accounts, english):
        rows = _statement_rows(warehouse, company)
        assert all(ok for _, _, kind, _, ok, _ in rows if kind in ("account", "line", "key_figure"))
        # the three figures every layout has are found and compared in every month
        for key in ("net_result", "total_assets", "total_equity_and_liabilities"):
            found = [r for r in rows if r[3] == key]
            assert found and all(r[2] != "unmapped" and r[4] for r in found), (company, key)

    rows = _statement_rows(warehouse, statutory)
    assert {kind for _, _, kind, _, _, _ in rows} == {"line"}  # the default mapping covers every row

    rows = _statement_rows(warehouse, accounts)
    assert any(kind == "account" for _, _, kind, _, _, _ in rows)
    assert not any(kind == "line" for _, _, kind, _, _, _ in rows)
    unmapped = _nonzero_unmapped(rows)
    assert unmapped and unmapped <= ACCOUNT_LAYOUT_TOTALS, unmapped

    rows = _statement_rows(warehouse, english)
    assert not any(kind in ("account", "line") for _, _, kind, _, _, _ in rows)
    assert {"Net turnover", "Operating result", "Short-term debt"} <= _nonzero_unmapped(rows)


@pytest.mark.slow
def test_a_drafted_mapping_maps_the_english_layout(sandbox: SandboxServer, warehouse: Path,
                                                   tmp_path: Path) -> None:
    """`report-mapping draft` proposes lines by figures; with the draft as reviewed, every English row
    with figures is compared (and reconciles), and no warning is left for that company."""
    from click.testing import CliRunner

    from loader.cli import main

    project = tmp_path / "project"
    for part in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(project_dir() / part, project / part)
    shutil.copyfile(project_dir() / "dbt_project.yml", project / "dbt_project.yml")
    seed = project / "seeds" / "procountor_report_row_mapping.csv"
    english = sandbox.company_ids[2]
    result = CliRunner().invoke(main, ["--duckdb", str(warehouse), "report-mapping", "draft", "--company",
                                       str(english), "--output", str(seed)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    drafted = seed.read_text(encoding="utf-8")
    assert f"{english},INCOME_STATEMENT,Net turnover,Liikevaihto," in drafted
    assert f"{english},BALANCE_SHEET,Short-term debt,Lyhytaikainen vieras pääoma," in drafted

    env = {"PROCOUNTOR_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run([dbt_executable(), "build", "--select", "procountor_report_row_mapping+",
                           "--project-dir", str(project), "--profiles-dir", str(profiles_dir())],
                          cwd=project, env={**__import__("os").environ, **env}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = _statement_rows(warehouse, english)
    assert not _nonzero_unmapped(rows)
    assert {"Net turnover", "Short-term debt"} <= {name for _, name, kind, _, _, _ in rows if kind == "line"}
    assert all(ok for _, _, kind, _, ok, _ in rows if kind in ("line", "key_figure"))


# Last in the module: it changes the shared warehouse.
@pytest.mark.slow
def test_a_figure_procountor_disagrees_with_fails_the_build(sandbox: SandboxServer, warehouse: Path) -> None:
    """The account-level test can fail: one cent off in one account of one month is an error; a row
    whose name carries no account number only warns."""
    con = duckdb.connect(str(warehouse))
    try:
        record_id, data = con.execute("SELECT _record_id, _data FROM raw_procountor.ledger_account_reports "
                                      "WHERE _company_id = ? ORDER BY _record_id DESC LIMIT 1",
                                      [sandbox.company_ids[0]]).fetchone()
        body = json.loads(data)
        row = body["reportData"]["periods"][0]["rows"][0]
        row["value"] = str(round(float(row["value"]) + 0.01, 2)) if isinstance(row["value"], str) else \
            round(row["value"] + 0.01, 2)
        # a total row without an account number: warned about, left out, never an error
        body["reportData"]["periods"][0]["rows"].append({"name": "Tilit yhteensä", "value": 123.45})
        con.execute("UPDATE raw_procountor.ledger_account_reports SET _data = ? WHERE _record_id = ? "
                    "AND _company_id = ?", [json.dumps(body), record_id, sandbox.company_ids[0]])
    finally:
        con.close()
    proc = run_dbt(["build", "--select", "stg_procountor__ledger_account_report_lines+"], duckdb_path=str(warehouse),
                   capture=True, check=False)
    assert proc.returncode != 0
    assert "FAIL 1 assert_ledger_accounts_reconcile_to_procountor" in proc.stdout
    assert "WARN 1 assert_ledger_account_report_rows_carry_an_account_number" in proc.stdout
