"""Large listings are read in date parts side by side, and still land exactly the truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.config import load_config
from loader.connect import api_client
from loader.destinations.duckdb import DuckDBDestination
from loader.engine.windows import partitions
from loader.extract import Extractor
from loader.sandbox import SandboxConfig, SandboxServer
from loader.streams import get_stream
from tests.conftest import sandbox_env
from tests.loader.test_sync_against_sandbox import landed, truth_ids


@pytest.fixture(scope="module")
def big_sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=21, documents=1800, rate_limit=0)) as sb:
        yield sb


def test_a_large_listing_is_split_into_disjoint_date_parts(big_sandbox, monkeypatch, tmp_path: Path) -> None:
    for key, value in sandbox_env(big_sandbox).items():
        monkeypatch.setenv(key, value)
    cfg = load_config(None)
    cfg.extract.workers = 4
    dest = DuckDBDestination(tmp_path / "w.duckdb")
    try:
        extractor = Extractor(cfg, api_client(cfg, cfg.connections[0]), dest)
        parts, expected = partitions(extractor.rc, get_stream("invoices"), {})
    finally:
        dest.close()
    assert expected == len([r for r in big_sandbox.truth.records("invoices").values() if not r.get("isOffer")])
    assert len(parts) >= 2
    ends = [(p["startDate"], p["endDate"]) for p in parts]
    assert all(a <= b for a, b in ends)
    assert all(ends[i][1] < ends[i + 1][0] for i in range(len(ends) - 1))  # disjoint, in order


def test_parallel_parts_land_every_record_once(cli, big_sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "procountor.yml"
    cfg.write_text("extract:\n  workers: 4\nstreams:\n  invoices: {}\n  ledger_receipts: {}\n")
    db = tmp_path / "w.duckdb"
    result = cli("--duckdb", str(db), "--config", str(cfg), "extract", env=sandbox_env(big_sandbox))
    assert result.exit_code == 0, result.output
    for stream in ("invoices", "ledger_receipts"):
        assert set(landed(db, stream)) == truth_ids(big_sandbox, stream), stream


def test_spool_files_staged_during_the_read_land_every_record_once_and_keep_unchanged_rows(
        cli, big_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Correctness against the sandbox's truth: with a new spool file every 400 KB (≈ 150 invoices), the files
    finished during the read are parsed into the warehouse before the commit (stage_spool) and
    the commit lands them with the last file, once each; a second run over unchanged data finds
    every row unchanged (the staged rows are compared with the landed ones like any others)."""
    import duckdb

    staged: list[str] = []
    stage = DuckDBDestination.stage_spool

    def counting(self, company_id, stream, sync_id, path):  # type: ignore[no-untyped-def]
        staged.append(stream)
        return stage(self, company_id, stream, sync_id, path)

    monkeypatch.setattr(DuckDBDestination, "stage_spool", counting)
    cfg = tmp_path / "procountor.yml"
    cfg.write_text("extract:\n  workers: 4\n  spool_file_bytes: 400000\n"
                   "streams:\n  invoices: {}\n  ledger_receipts: {}\n")
    db = tmp_path / "w.duckdb"
    for _run in range(2):
        result = cli("--duckdb", str(db), "--config", str(cfg), "extract", "--full-refresh", "invoices",
                     env=sandbox_env(big_sandbox))
        assert result.exit_code == 0, result.output
        for stream in ("invoices", "ledger_receipts"):
            assert set(landed(db, stream)) == truth_ids(big_sandbox, stream), stream
        con = duckdb.connect(str(db), read_only=True)
        try:
            (rows, ids, syncs) = con.execute("SELECT count(*), count(DISTINCT _record_id), "
                                             "count(DISTINCT _sync_id) FROM raw_procountor.invoices").fetchone()
        finally:
            con.close()
        assert rows == ids == len(truth_ids(big_sandbox, "invoices"))
        assert syncs == 1  # the second run changed nothing, so every row keeps the first run's sync
    assert staged.count("invoices") >= 2 * (len(truth_ids(big_sandbox, "invoices")) // 200)
