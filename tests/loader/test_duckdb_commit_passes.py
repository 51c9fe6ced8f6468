"""The DuckDB commit in passes: when many rows are unchanged (a full refresh of a large table) the
insert runs over slices of the ids so that its hash join of kept rows stays within memory_limit.
The result must be the very rows one pass gives, and what the landing contract says."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from loader import exact_json
from loader.destinations.base import StreamCommit
from loader.destinations.duckdb import DuckDBDestination
from tests.loader.spooling import write_spool

SID1, SID2 = "a" * 32, "b" * 32


def _commit(dest: DuckDBDestination, sid: str, records: list[dict], tmp: Path, *, staged: bool,
            mode: str = "replace", deleted: list[str] | None = None):  # type: ignore[no-untyped-def]
    to_stage, left = write_spool(tmp / sid / "invoices.jsonl", records, staged=staged)
    for path in to_stage:
        dest.stage_spool(1, "invoices", sid, path)
    commit = StreamCommit(1, "invoices", sid, left, mode, {"sync_id": sid}, deleted or [], [])  # type: ignore[arg-type]
    commit.staged_files = to_stage
    commit.check_lease = False
    return dest.commit_stream(commit)


def _rows(path: Path) -> list[tuple]:
    """The landed rows, `_loaded_at` as the number of the commit that set it (1 or 2)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("""
            SELECT _record_id, _data, _record_hash, _cursor_value, _sync_id, _is_deleted,
                   dense_rank() OVER (ORDER BY _loaded_at) AS commit_no
            FROM raw_procountor.invoices ORDER BY _record_id""").fetchall()
    finally:
        con.close()


def _land(tmp: Path, rows_per_pass: int, *, staged: bool, mode: str) -> tuple[list[tuple], list]:  # type: ignore[type-arg]
    first = [{"id": i, "version": f"v{i}", "total": f"{i}.10"} for i in range(1, 61)]
    # The second run: 1-40 unchanged, 41-50 changed, 51-60 gone, 61-70 new.
    second = ([dict(r) for r in first[:40]]
              + [{**r, "total": f"{r['id']}.20", "version": f"w{r['id']}"} for r in first[40:50]]
              + [{"id": i, "version": f"v{i}", "total": f"{i}.10"} for i in range(61, 71)])
    dest = DuckDBDestination(tmp / "wh.duckdb")
    dest._kept_rows_per_pass = rows_per_pass
    dest.setup()
    dest.ensure_stream_table("invoices")
    try:
        results = [_commit(dest, SID1, first, tmp, staged=staged, mode=mode),
                   _commit(dest, SID2, second, tmp, staged=staged, mode=mode)]
    finally:
        dest.close()
    return _rows(tmp / "wh.duckdb"), results


@pytest.mark.parametrize("staged", [False, True], ids=["spool-only", "staged"])
@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_a_commit_in_passes_lands_what_one_pass_lands(tmp_path: Path, staged: bool, mode: str) -> None:
    """Consistency (passes vs one pass) and correctness against the landing contract: unchanged
    rows keep the run that first loaded them, changed and new rows carry this run, a replace drops
    what the source no longer lists, every id once, `_data` byte for byte what was spooled."""
    one, results_one = _land(tmp_path / "one", 10_000, staged=staged, mode=mode)
    many, results_many = _land(tmp_path / "many", 7, staged=staged, mode=mode)  # 40 kept → 6 passes
    assert many == one
    assert results_many == results_one
    second = results_one[1]
    assert (second.unchanged, second.updated, second.inserted) == (40, 10, 10)
    by_id = {int(r[0]): r for r in many}
    assert len(by_id) == len(many)  # no duplicates
    expected_ids = set(range(1, 51)) | set(range(61, 71))
    assert set(by_id) == (expected_ids if mode == "replace" else expected_ids | set(range(51, 61)))
    assert second.deleted == (10 if mode == "replace" else 0)
    for rid, (_id, data, digest, _cursor, sync, deleted, commit_no) in by_id.items():
        assert not deleted
        kept = rid <= 40 or 51 <= rid <= 60
        assert (sync, commit_no) == ((SID1, 1) if kept else (SID2, 2))
        assert digest == exact_json.record_hash(data)
        total = exact_json.loads(data)["total"]
        assert str(total) == (f"{rid}.20" if 41 <= rid <= 50 else f"{rid}.10")  # exact, as text
