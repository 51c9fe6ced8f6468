"""`dbt source freshness` measures when a stream was last read successfully, not when a record changed.

Landing rows and the run history are written with the loader's real DuckDB destination (commit_stream,
start_run / finish_run), with the destination's clock set back for old loads; then `dbt source
freshness` runs (in-process) over five streams in the states a user meets:

- accounts: every row loaded 10 days ago (a stable chart of accounts), read by a run an hour ago → pass
- fiscal_years: last successful run 30 hours ago → warn (warn_after 26 h)
- invoices: last successful run 4 days ago; an hour ago a failed run and a partial run that could not
  read invoices → error (error_after 72 h): neither counts
- ledger_receipts: company 1 read an hour ago, company 2 last 5 days ago → error (the stalest company)
- dimensions: no company has the stream (not selected) → pass (as fresh as the last good run)

Correctness of the rule as the README states it, on DuckDB.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import loader.destinations.duckdb as duckdb_destination
from loader import exact_json
from loader.destinations.base import RunRecord, StreamCommit
from loader.destinations.duckdb import DuckDBDestination

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
STREAMS = ("accounts", "fiscal_years", "invoices", "ledger_receipts", "dimensions")


def _land(dest: DuckDBDestination, work: Path, company: int, stream: str, loaded_at: datetime) -> None:
    text = exact_json.dumps({"id": 1, "name": "stable"})
    spool = work / f"{company}-{stream}.jsonl"
    spool.write_text(exact_json.dumps({"_company_id": company, "_record_id": "1", "_data": text,
                                       "_record_hash": exact_json.record_hash(text), "_cursor_value": None,
                                       "_extracted_at": loaded_at.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    real = duckdb_destination._now
    duckdb_destination._now = lambda: loaded_at
    try:
        dest.commit_stream(StreamCommit(company, stream, "load", [spool], "merge", {}))
    finally:
        duckdb_destination._now = real


def _run(dest: DuckDBDestination, sync_id: str, company: int, finished: datetime, status: str,
         streams: list[str], unreadable: tuple[str, ...] = ()) -> None:
    run = RunRecord(sync_id, company, finished - timedelta(minutes=5), None, "running", {})
    dest.start_run(run)
    run.finished_at, run.status = finished, status
    run.stats = {"streams": [{"stream": s, "mode": "incremental", "records": 0} for s in streams],
                 "unreadable": [{"stream": s, "reason": "403"} for s in unreadable]}
    dest.finish_run(run)


def test_freshness_follows_successful_runs_of_each_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbt.cli.main import dbtRunner

    now = datetime.now(UTC).replace(tzinfo=None)
    warehouse = tmp_path / "warehouse.duckdb"
    dest = DuckDBDestination(warehouse)
    try:
        dest.setup()
        for stream in STREAMS:
            dest.ensure_stream_table(stream)
        for stream in ("accounts", "fiscal_years", "invoices", "ledger_receipts"):
            _land(dest, tmp_path, 1, stream, now - timedelta(days=10))
        _land(dest, tmp_path, 2, "ledger_receipts", now - timedelta(days=10))
        _run(dest, "a", 1, now - timedelta(hours=1), "succeeded", ["accounts", "ledger_receipts"])
        _run(dest, "b", 1, now - timedelta(hours=30), "succeeded", ["fiscal_years"])
        _run(dest, "c", 1, now - timedelta(days=4), "succeeded", ["invoices"])
        _run(dest, "d", 1, now - timedelta(hours=1), "failed", ["invoices"])
        _run(dest, "e", 1, now - timedelta(hours=1), "partial", ["invoices"], unreadable=("invoices",))
        _run(dest, "f", 2, now - timedelta(days=5), "succeeded", ["ledger_receipts"])
    finally:
        dest.close()

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(ROOT / "profiles.yml.example", profiles / "profiles.yml")
    monkeypatch.setenv("PROCOUNTOR_DUCKDB_PATH", str(warehouse))
    output = tmp_path / "sources.json"
    result = dbtRunner().invoke([
        "source", "freshness", "--select", *[f"source:procountor.{s}" for s in STREAMS], "--output", str(output),
        "--project-dir", str(ROOT), "--profiles-dir", str(profiles), "--target-path", str(tmp_path / "target"),
        "--log-path", str(tmp_path / "logs"), "--quiet"])
    assert output.exists(), result.exception
    statuses = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in json.loads(output.read_text())["results"]}
    assert statuses == {"accounts": "pass", "fiscal_years": "warn", "invoices": "error",
                        "ledger_receipts": "error", "dimensions": "pass"}
