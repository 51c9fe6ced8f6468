"""`procountor-loader sync`: one exit code for extract + dbt build."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb

from tests.user.warehouse import CLI, Warehouse, clean_env


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, env=clean_env(**env), text=True, capture_output=True, timeout=180)


def test_sync_built_the_marts(warehouse: Warehouse) -> None:
    """The session warehouse was made by `sync`: raw tables and marts are both there."""
    assert "dbt build succeeded" in warehouse.sync_output
    assert warehouse.sql("SELECT count(*) FROM raw_procountor.ledger_receipts")[0][0] > 0
    assert warehouse.sql("SELECT count(*) FROM main_finance.fct_general_ledger")[0][0] > 0


def test_extract_failure_exits_with_the_extract_code_and_skips_dbt(tmp_path: Path) -> None:
    # nothing listens on port 9: the API is unreachable
    env = {"PROCOUNTOR_BASE_URL": "http://127.0.0.1:9/api", "PROCOUNTOR_CLIENT_ID": "c",
           "PROCOUNTOR_CLIENT_SECRET": "s", "PROCOUNTOR_API_KEY": "k"}
    db = tmp_path / "w.duckdb"
    extract = _run(["--duckdb", str(db), "extract"], tmp_path, **env)
    sync = _run(["--duckdb", str(db), "sync"], tmp_path, **env)
    assert extract.returncode not in (0, 8)
    assert sync.returncode == extract.returncode, sync.stderr
    assert "running dbt build" not in sync.stderr


def test_config_error_exits_2(tmp_path: Path) -> None:
    sync = _run(["--duckdb", str(tmp_path / "w.duckdb"), "sync", "--target", "bigquery"], tmp_path,
                PROCOUNTOR_CLIENT_ID="c", PROCOUNTOR_CLIENT_SECRET="s", PROCOUNTOR_API_KEY="k")
    assert sync.returncode == 2, sync.stderr
    assert "dbt target" in sync.stderr


def test_dbt_failure_exits_8(tmp_path: Path) -> None:
    from loader.sandbox import SandboxConfig, SandboxServer

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    # a profile whose DuckDB path is a directory: extract works, dbt cannot open its database
    (profiles / "profiles.yml").write_text(
        f"procountor:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {tmp_path}\n      schema: main\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    config = tmp_path / "procountor.yml"  # one small stream keeps the extract short
    config.write_text("destination: {type: duckdb, path: w.duckdb}\nstreams:\n  accounts: {}\n", encoding="utf-8")
    with SandboxServer(SandboxConfig(seed=3, documents=30)) as sb:
        creds = sb.credentials(0)
        sync = subprocess.run(
            [*CLI, "sync", "--config", str(config)], cwd=tmp_path, text=True, capture_output=True, timeout=180,
            env={**clean_env(PROCOUNTOR_BASE_URL=sb.base_url, PROCOUNTOR_CLIENT_ID=creds["client_id"],
                             PROCOUNTOR_CLIENT_SECRET=creds["client_secret"], PROCOUNTOR_API_KEY=creds["api_key"]),
                 "DBT_PROFILES_DIR": str(profiles)})
    assert sync.returncode == 8, sync.stderr[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:  # the extract itself was committed before dbt failed
        assert con.execute("SELECT count(*) FROM raw_procountor.accounts").fetchone()[0] > 0
    finally:
        con.close()


def test_sync_builds_the_production_selection(warehouse: Warehouse) -> None:
    """`sync` builds the `sync` selector: the mart, seed and reconciliation tests run; the dbt unit tests
    and the staging and source tests (CI's guards of our own SQL and landing contract) do not.
    Checks what was run, from dbt's own log lines, not that the selection is wise."""
    started = [line.split(" START ", 1)[1] for line in warehouse.sync_output.splitlines() if " START " in line]
    tests = [entry.split()[1] for entry in started if entry.startswith("test ")]
    assert "running dbt build --selector sync" in warehouse.sync_output
    assert not [entry for entry in started if entry.startswith("unit_test ")]
    assert not [name for name in tests if "stg_procountor__" in name or name.startswith("source_")], tests
    assert {"assert_trial_balance_is_zero", "assert_statements_reconcile_to_procountor",
            "unique_fct_general_ledger_gl_entry_id"} <= set(tests), tests
    assert any(entry.startswith("sql incremental model ") for entry in started)
