"""A commit that outgrows DuckDB's memory_limit: large documents (a bank statement of thousands of
events is over a megabyte of JSON) must still land. The limit keeps a usual sync small; when a
statement runs out of memory the destination rolls back, doubles the limit and runs it again, then
returns to the configured limit (loader/destinations/duckdb.py, `_with_headroom`)."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

import loader.destinations.duckdb as duckdb_destination
from loader.destinations.base import StreamCommit
from loader.destinations.duckdb import DuckDBDestination
from loader.errors import DestinationError
from tests.loader.spooling import write_spool

SID = "c" * 32


def _statements() -> list[dict]:
    events = [{"id": i, "name": f"Maksaja {i} Oy", "sum": f"{i}.15", "reference": "1234561" * 5}
              for i in range(15_000)]
    return [{"id": n, "version": f"v{n}", "events": events} for n in range(1, 13)]  # ≈ 1.5 MB each


def _land_into(dest: DuckDBDestination, tmp: Path, records: list[dict], *, staged: bool) -> None:
    """Spool `records` (one file each when `staged`, staged as they finish) and commit them."""
    finished, left = write_spool(tmp / "spool" / "bank_statements.jsonl", records, staged=staged)
    dest.setup()
    dest.ensure_stream_table("bank_statements")
    for path in finished:
        dest.stage_spool(1, "bank_statements", SID, path)
    commit = StreamCommit(1, "bank_statements", SID, left, "replace",
                          {"sync_id": SID}, [], [])  # type: ignore[arg-type]
    commit.staged_files = finished
    commit.check_lease = False
    dest.commit_stream(commit)


def _commit(tmp: Path, records: list[dict], *, staged: bool) -> str:
    """Spool and commit `records` at memory_limit 16MB; the limit the connection ends with."""
    dest = DuckDBDestination(tmp / "wh.duckdb", memory_limit="16MB")
    try:
        _land_into(dest, tmp, records, staged=staged)
        return str(dest.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    finally:
        dest.close()


def _landed(path: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET memory_limit='1GB'")
        return con.execute("SELECT _record_id, length(_data) FROM raw_procountor.bank_statements "
                           "ORDER BY _record_id::INT").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("staged", [False, True], ids=["spool-only", "staged"])
def test_documents_larger_than_the_memory_limit_allows_still_land(
        tmp_path: Path, staged: bool, caplog: pytest.LogCaptureFixture) -> None:
    """Correctness: every statement lands once, its JSON whole; the retry is logged with what to
    change; the connection is back at the configured limit afterwards."""
    records = _statements()
    with caplog.at_level(logging.WARNING, logger="loader.destinations.duckdb"):
        limit = _commit(tmp_path, records, staged=staged)
    landed = _landed(tmp_path / "wh.duckdb")
    assert [r for r, _ in landed] == [str(r["id"]) for r in records]
    assert min(size for _, size in landed) > 1_000_000
    assert any("ran out of memory" in m and "destination.memory_limit" in m for m in caplog.messages)
    assert limit == "15.2 MiB"  # 16MB, as DuckDB reports it


def test_without_headroom_the_same_commit_fails_and_lands_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above needs the retry: with none allowed, the commit fails (a DestinationError,
    exit 5) and the table stays empty: nothing half-landed."""
    monkeypatch.setattr(duckdb_destination, "HEADROOM_DOUBLINGS", 0)
    with pytest.raises(DestinationError, match="Out of Memory"):
        _commit(tmp_path, _statements(), staged=False)
    assert _landed(tmp_path / "wh.duckdb") == []


def test_a_lookup_over_large_documents_gets_the_same_headroom(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Correctness: a linked sweep's lookup reads every live row's JSON (the statement that ran out
    of memory first in an incremental sync of 200 k documents); it answers, and with no headroom it
    fails as the destination's error (exit 5), not as an unexpected one."""
    dest = DuckDBDestination(tmp_path / "wh.duckdb", memory_limit="16MB")
    try:
        _land_into(dest, tmp_path, _statements(), staged=False)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="loader.destinations.duckdb"):
            found = dest.lookup_ids(1, "bank_statements", "version", ["v3", "v7"])
        assert sorted(found) == [("v3", "3"), ("v7", "7")]
        assert any("looking up bank_statements by version" in m for m in caplog.messages)
        monkeypatch.setattr(duckdb_destination, "HEADROOM_DOUBLINGS", 0)
        with pytest.raises(DestinationError, match="Out of Memory"):
            dest.lookup_ids(1, "bank_statements", "version", ["v3"])
    finally:
        dest.close()
