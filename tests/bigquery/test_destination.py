"""BigQueryDestination against bqemulator (real google-cloud-bigquery client, REST API)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bq_spool import write_spool
from google.cloud import bigquery

from loader.destinations.base import LANDING_COLUMNS, LeaseHeldError, RunRecord, StreamCommit
from loader.destinations.bigquery import BigQueryDestination
from loader.destinations.bigquery_schema import LANDING_SCHEMA
from loader.destinations.bigquery_sql import sha256_hex
from loader.errors import DestinationError
from loader.gdpr import suppression_key

COMPANY = 4242
OTHER = 777


def invoice(i: int, total: str = "100.00", version: str = "2026-01-01T10:00:00") -> dict[str, Any]:
    return {"id": i, "totalAmount": total, "version": version, "rows": [{"product": "X", "price": total}]}


def commit(spool: list[Path], *, sync_id: str, mode: str = "merge", company: int = COMPANY,
           state: dict[str, Any] | None = None, deleted: list[str] | None = None,
           fields: list[str] | None = None, stream: str = "invoices") -> StreamCommit:
    return StreamCommit(
        company_id=company, stream=stream, sync_id=sync_id, spool_files=spool, mode=mode,  # type: ignore[arg-type]
        state=state or {"cursor": sync_id}, deleted_ids=deleted or [], seen_fields=fields or [],
    )


def rows(dest: BigQueryDestination, stream: str = "invoices", company: int = COMPANY) -> dict[str, dict]:
    result = dest.client.query(
        f"SELECT * FROM {dest.tables.ref(stream)} WHERE _company_id = {company}"
    ).result()
    return {r["_record_id"]: dict(r.items()) for r in result}


def test_landing_schema_matches_contract() -> None:
    assert tuple(f.name for f in LANDING_SCHEMA) == LANDING_COLUMNS


def test_initial_load(destination: BigQueryDestination, spool_dir: Path) -> None:
    part1 = write_spool(spool_dir, "p1", COMPANY, [invoice(i) for i in range(1, 4)])
    part2 = write_spool(spool_dir, "p2", COMPANY, [invoice(i, "0.10") for i in range(4, 6)])
    result = destination.commit_stream(
        commit([part1, part2], sync_id="sync-1", fields=["id", "totalAmount"], state={"v": "2026-01-01"})
    )
    assert (result.inserted, result.updated, result.unchanged, result.deleted) == (5, 0, 0, 0)

    landed = rows(destination)
    assert sorted(landed, key=int) == ["1", "2", "3", "4", "5"]
    row = landed["4"]
    # Decimals survive as exact text inside the STRING _data column.
    assert json.loads(row["_data"])["totalAmount"] == "0.10"
    assert row["_sync_id"] == "sync-1" and row["_is_deleted"] is False and row["_deleted_at"] is None
    assert row["_cursor_value"] == "2026-01-01T10:00:00"
    assert row["_record_hash"] == sha256_hex(row["_data"])
    assert destination.get_state(COMPANY, "invoices") == {"v": "2026-01-01"}
    assert destination.known_fields(COMPANY, "invoices") == {"id", "totalAmount"}
    # The staging table is dropped once the transaction committed.
    tables = [t.table_id for t in destination.client.list_tables(destination.dataset)]
    assert not [t for t in tables if t.startswith("_stg_")]


def test_incremental_load_updates_only_changed_rows(destination: BigQueryDestination, spool_dir: Path) -> None:
    first = write_spool(spool_dir, "a", COMPANY, [invoice(i) for i in range(1, 4)])
    destination.commit_stream(commit([first], sync_id="sync-1", fields=["id"]))
    before = rows(destination)
    time.sleep(0.01)

    second = write_spool(
        spool_dir, "b", COMPANY, [invoice(1), invoice(2, "250.55", "2026-02-01T00:00:00"), invoice(9)]
    )
    result = destination.commit_stream(commit([second], sync_id="sync-2", fields=["id", "dueDate"]))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 1)

    after = rows(destination)
    assert set(after) == {"1", "2", "3", "9"}
    assert after["1"]["_loaded_at"] == before["1"]["_loaded_at"]  # unchanged hash: untouched
    assert after["1"]["_sync_id"] == "sync-1"
    assert after["2"]["_loaded_at"] > before["2"]["_loaded_at"]
    assert after["2"]["_sync_id"] == "sync-2"
    assert json.loads(after["2"]["_data"])["totalAmount"] == "250.55"
    assert after["3"]["_loaded_at"] == before["3"]["_loaded_at"]  # not in this spool: kept
    assert destination.known_fields(COMPANY, "invoices") == {"id", "dueDate"}
    assert destination.get_state(COMPANY, "invoices") == {"cursor": "sync-2"}


def test_rerunning_the_same_commit_adds_no_duplicates(
    destination: BigQueryDestination, spool_dir: Path
) -> None:
    part = write_spool(spool_dir, "p", COMPANY, [invoice(i) for i in range(1, 4)])
    the_commit = commit([part], sync_id="sync-1")
    destination.commit_stream(the_commit)
    again = destination.commit_stream(the_commit)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    count = next(iter(destination.client.query(
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT _record_id) AS d FROM {destination.tables.ref('invoices')}"
    ).result()))
    assert (count["n"], count["d"]) == (3, 3)


def test_duplicate_ids_within_a_spool_are_collapsed(destination: BigQueryDestination, spool_dir: Path) -> None:
    early = datetime(2026, 1, 1, tzinfo=UTC)
    a = write_spool(spool_dir, "a", COMPANY, [invoice(1, "1.00")], extracted_at=early)
    b = write_spool(spool_dir, "b", COMPANY, [invoice(1, "2.00")], extracted_at=early + timedelta(hours=1))
    result = destination.commit_stream(commit([a, b], sync_id="sync-1"))
    assert result.inserted == 1
    assert json.loads(rows(destination)["1"]["_data"])["totalAmount"] == "2.00"


def test_replace_mode_keeps_exactly_the_snapshot(destination: BigQueryDestination, spool_dir: Path) -> None:
    first = write_spool(spool_dir, "a", COMPANY, [invoice(i) for i in range(1, 5)])
    destination.commit_stream(commit([first], sync_id="sync-1", mode="replace", stream="accounts"))
    other = write_spool(spool_dir, "o", OTHER, [invoice(1)])
    destination.commit_stream(commit([other], sync_id="sync-o", mode="replace", stream="accounts",
                                     company=OTHER))
    before = rows(destination, "accounts")

    second = write_spool(spool_dir, "b", COMPANY, [invoice(2), invoice(3, "9.99"), invoice(7)])
    result = destination.commit_stream(commit([second], sync_id="sync-2", mode="replace", stream="accounts"))
    assert (result.inserted, result.updated, result.unchanged, result.deleted) == (1, 1, 1, 2)
    after = rows(destination, "accounts")
    assert set(after) == {"2", "3", "7"}
    assert after["2"]["_loaded_at"] == before["2"]["_loaded_at"]
    assert set(rows(destination, "accounts", OTHER)) == {"1"}  # other companies untouched


def test_tombstones(destination: BigQueryDestination, spool_dir: Path) -> None:
    first = write_spool(spool_dir, "a", COMPANY, [invoice(i) for i in range(1, 5)])
    destination.commit_stream(commit([first], sync_id="sync-1"))

    # Sweep: 2 and 3 vanished from the source; 4 is re-spooled in the same commit, so it stays live.
    second = write_spool(spool_dir, "b", COMPANY, [invoice(4)])
    result = destination.commit_stream(commit([second], sync_id="sync-2", deleted=["2", "3", "4", "99"]))
    assert result.deleted == 2
    landed = rows(destination)
    assert landed["2"]["_is_deleted"] and landed["3"]["_is_deleted"]
    assert landed["2"]["_deleted_at"] is not None and landed["2"]["_sync_id"] == "sync-2"
    assert not landed["1"]["_is_deleted"] and not landed["4"]["_is_deleted"]
    assert "99" not in landed
    assert sorted(destination.live_ids(COMPANY, "invoices"), key=int) == ["1", "4"]

    # Tombstoning again is a no-op; a record that comes back is revived.
    third = write_spool(spool_dir, "c", COMPANY, [invoice(3)])
    result = destination.commit_stream(commit([third], sync_id="sync-3", deleted=["2"]))
    assert (result.updated, result.deleted) == (1, 0)
    landed = rows(destination)
    assert landed["3"]["_is_deleted"] is False and landed["3"]["_deleted_at"] is None
    assert landed["2"]["_sync_id"] == "sync-2"


def test_state_round_trip(destination: BigQueryDestination, spool_dir: Path) -> None:
    assert destination.get_state(COMPANY, "invoices") is None
    state = {"cursor": "2026-01-31T23:59:59", "keyset": {"previousId": 12345}, "note": "it's \\ \"x\"\n€"}
    destination.commit_stream(commit([], sync_id="sync-1", state=state))
    destination.commit_stream(commit([], sync_id="sync-1", state={"c": 1}, stream="accounts"))
    destination.commit_stream(commit([], sync_id="sync-o", state={"c": 2}, company=OTHER))
    assert destination.get_state(COMPANY, "invoices") == state
    assert destination.list_states(COMPANY) == [(COMPANY, "accounts", {"c": 1}), (COMPANY, "invoices", state)]
    assert len(destination.list_states()) == 3
    destination.clear_state(COMPANY, "invoices")
    assert destination.get_state(COMPANY, "invoices") is None
    assert destination.get_state(COMPANY, "accounts") == {"c": 1}
    destination.clear_state(COMPANY)
    assert destination.list_states() == [(OTHER, "invoices", {"c": 2})]


def test_lease_refusal(destination: BigQueryDestination) -> None:
    destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=600)
    destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=600)  # renewing our own lease is fine
    with pytest.raises(LeaseHeldError, match="sync-a"):
        destination.acquire_lease(COMPANY, "sync-b", ttl_seconds=600)
    destination.acquire_lease(OTHER, "sync-b", ttl_seconds=600)  # leases are per company
    destination.release_lease(COMPANY, "sync-b")  # not the holder: nothing happens
    with pytest.raises(LeaseHeldError):
        destination.acquire_lease(COMPANY, "sync-b", ttl_seconds=600)
    destination.release_lease(COMPANY, "sync-a")
    destination.acquire_lease(COMPANY, "sync-b", ttl_seconds=600)


def test_expired_lease_can_be_taken(destination: BigQueryDestination) -> None:
    destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=0)
    destination.acquire_lease(COMPANY, "sync-b", ttl_seconds=600)
    with pytest.raises(LeaseHeldError):
        destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=600)


def _owner(pid: int, host: str | None = None) -> str:
    from loader import lease

    me = lease.current_owner()
    return json.dumps({"host": host or me.host, "boot_id": me.boot_id, "pid": pid,
                       "started": lease._process_start(pid) or "1"})


def test_a_dead_holders_lease_is_taken_at_once_and_its_run_marked_abandoned(
        destination: BigQueryDestination) -> None:
    """A lease of a process that no longer exists on this host frees at once (10-minute TTL);
    a live process (pid 1) or a run on another host keeps it, and the refusal names the holder."""
    started = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    destination.start_run(RunRecord("sync-dead", COMPANY, started, None, "running", {}))
    destination.acquire_lease(COMPANY, "sync-dead", ttl_seconds=600, owner=_owner(2**22 + 1))
    destination.acquire_lease(COMPANY, "sync-new", ttl_seconds=600, owner=_owner(2**22 + 2))
    assert [r.status for r in destination.list_runs(COMPANY) if r.sync_id == "sync-dead"] == ["abandoned"]
    destination.acquire_lease(OTHER, "sync-init", ttl_seconds=600, owner=_owner(1))
    with pytest.raises(LeaseHeldError, match=r"run sync-init \(host .*, pid 1\) holds it since"):
        destination.acquire_lease(OTHER, "sync-x", ttl_seconds=600, owner=_owner(2**22 + 3))
    destination.acquire_lease(OTHER + 1, "sync-remote", ttl_seconds=600, owner=_owner(99, host="elsewhere"))
    with pytest.raises(LeaseHeldError, match="sync-remote"):
        destination.acquire_lease(OTHER + 1, "sync-y", ttl_seconds=600)


def test_renewal_and_a_commit_under_a_lost_lease(destination: BigQueryDestination, spool_dir: Path) -> None:
    """The heartbeat's renewal answers whether the lease is still ours; a commit that checks the
    lease is refused (exit 7) and writes nothing once another run holds it."""
    from loader.errors import LeaseError

    destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=0)
    assert destination.renew_lease(COMPANY, "sync-a", ttl_seconds=600)
    assert not destination.renew_lease(COMPANY, "sync-b", ttl_seconds=600)
    spool = write_spool(spool_dir, "p1", COMPANY, [invoice(1)])
    ours = commit([spool], sync_id="sync-a")
    ours.check_lease = True
    assert destination.commit_stream(ours).inserted == 1
    destination.acquire_lease(COMPANY, "sync-a", ttl_seconds=0)  # expire it, then another run takes it
    destination.acquire_lease(COMPANY, "sync-b", ttl_seconds=600)
    late = commit([write_spool(spool_dir, "p2", COMPANY, [invoice(2)])], sync_id="sync-a")
    late.check_lease = True
    with pytest.raises(LeaseError, match=r"lost the run lease.*sync-b") as info:
        destination.commit_stream(late)
    assert info.value.exit_code == 7
    assert set(rows(destination)) == {"1"}
    assert destination.get_state(COMPANY, "invoices") == {"cursor": "sync-a"}


def test_runs(destination: BigQueryDestination) -> None:
    started = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    run = RunRecord("sync-1", COMPANY, started, None, "running", {})
    destination.start_run(run)
    destination.start_run(RunRecord("sync-2", COMPANY, started + timedelta(hours=1), None, "running", {}))
    destination.start_run(RunRecord("sync-x", OTHER, started, None, "running", {}))
    run.finished_at = started + timedelta(minutes=5)
    run.status = "failed"
    run.stats = {"invoices": {"inserted": 3}}
    run.error = "boom"
    destination.finish_run(run)
    runs = destination.list_runs(COMPANY)
    assert [r.sync_id for r in runs] == ["sync-2", "sync-1"]
    assert runs[1].status == "failed" and runs[1].stats == {"invoices": {"inserted": 3}}
    assert runs[1].finished_at == run.finished_at and runs[1].error == "boom"
    assert len(destination.list_runs(limit=1)) == 1
    assert len(destination.list_runs()) == 3


def test_forget_delete_and_anonymise(destination: BigQueryDestination, spool_dir: Path) -> None:
    part = write_spool(spool_dir, "a", COMPANY, [invoice(i) for i in range(1, 5)])
    destination.commit_stream(commit([part], sync_id="sync-1"))
    other = write_spool(spool_dir, "o", OTHER, [invoice(1)])
    destination.commit_stream(commit([other], sync_id="sync-o", company=OTHER))

    assert destination.forget(COMPANY, "invoices", ["1", "404"], "delete", reason="GDPR ticket 7") == 1
    anonymised = {"2": json.dumps({"id": 2, "customerName": "anonymised"})}
    assert destination.forget(COMPANY, "invoices", ["2"], "anonymise", anonymised_data=anonymised) == 1

    landed = rows(destination)
    assert set(landed) == {"2", "3", "4"}
    assert landed["2"]["_data"] == anonymised["2"]
    assert landed["2"]["_record_hash"] == sha256_hex(anonymised["2"])
    assert set(rows(destination, company=OTHER)) == {"1"}

    audit = [dict(r.items()) for r in destination.client.query(
        f"SELECT * FROM {destination.tables.ref('_loader_deletions')} ORDER BY action, record_id_sha256"
    ).result()]
    assert [(a["action"], a["record_id_sha256"]) for a in audit] == [
        ("anonymise", sha256_hex("2")),
        *sorted([("delete", sha256_hex("1")), ("delete", sha256_hex("404"))]),
    ]
    # The audit keeps hashes only: no id, no data.
    assert all(a["record_id_sha256"] != "1" and a["_company_id"] == COMPANY for a in audit)
    assert audit[1]["reason"] == "GDPR ticket 7"
    # Each forgotten id has one suppression entry, upserted: anonymising again then deleting keeps one.
    assert destination.forget(COMPANY, "invoices", ["2"], "delete") == 1
    assert destination.suppressions(COMPANY) == {
        suppression_key(COMPANY, "invoices", "1"): "delete",
        suppression_key(COMPANY, "invoices", "404"): "delete",
        suppression_key(COMPANY, "invoices", "2"): "delete",
    }
    assert destination.suppressions(OTHER) == {}
    # Linked anonymisation records no entry of its own.
    destination.forget(COMPANY, "invoices", ["3"], "anonymise", anonymised_data={"3": "{}"}, suppress=False)
    assert len(destination.suppressions(COMPANY)) == 3


def test_drop_connection(destination: BigQueryDestination, spool_dir: Path) -> None:
    for company in (COMPANY, OTHER):
        part = write_spool(spool_dir, f"i{company}", company, [invoice(i) for i in range(1, 4)])
        destination.commit_stream(commit([part], sync_id=f"s{company}", company=company, fields=["id"]))
        acc = write_spool(spool_dir, f"a{company}", company, [invoice(1)])
        destination.commit_stream(commit([acc], sync_id=f"s{company}", company=company, stream="accounts",
                                         mode="replace"))
        destination.start_run(RunRecord(f"s{company}", company, datetime.now(UTC), None, "running", {}))
        destination.acquire_lease(company, f"s{company}", 600)

    destination.forget(COMPANY, "invoices", ["3"], "delete")
    destination.forget(OTHER, "invoices", ["3"], "delete")
    assert destination.drop_connection(COMPANY) == 3
    # Erasures outlive the connection, so adding it again keeps forgotten records out.
    assert destination.suppressions(COMPANY) == {suppression_key(COMPANY, "invoices", "3"): "delete"}
    assert rows(destination) == {} and rows(destination, "accounts") == {}
    assert destination.list_states(COMPANY) == [] and destination.list_runs(COMPANY) == []
    assert destination.known_fields(COMPANY, "invoices") == set()
    destination.acquire_lease(COMPANY, "new-run", 600)  # the old lease went too
    # The other company is untouched (but for the invoice it forgot).
    assert len(rows(destination, company=OTHER)) == 2
    assert len(destination.list_states(OTHER)) == 2 and len(destination.list_runs(OTHER)) == 1
    destination.drop_connection(COMPANY, keep_erasures=False)
    assert destination.suppressions(COMPANY) == {}
    assert len(destination.suppressions(OTHER)) == 1
    with pytest.raises(LeaseHeldError):
        destination.acquire_lease(OTHER, "new-run", 600)


def test_failed_transaction_changes_nothing(destination: BigQueryDestination, spool_dir: Path) -> None:
    good = write_spool(spool_dir, "a", COMPANY, [invoice(1)])
    destination.commit_stream(commit([good], sync_id="sync-1"))
    # A spool row of another company makes the transaction raise after the counts were taken.
    bad = write_spool(spool_dir, "b", COMPANY, [invoice(1, "5.00")])
    foreign = write_spool(spool_dir, "c", OTHER, [invoice(2)])
    with pytest.raises(DestinationError, match="another company"):
        destination.commit_stream(commit([bad, foreign], sync_id="sync-2", state={"cursor": "moved"}))
    assert json.loads(rows(destination)["1"]["_data"])["totalAmount"] == "100.00"
    assert destination.get_state(COMPANY, "invoices") == {"cursor": "sync-1"}


def test_landing_table_layout(destination: BigQueryDestination, bq_client: bigquery.Client) -> None:
    destination.ensure_stream_table("invoices")
    table = bq_client.get_table(destination.tables.table_id("invoices"))
    assert [f.name for f in table.schema] == list(LANDING_COLUMNS)
    assert table.schema[2].field_type == "STRING"  # _data: text, so decimals survive
    assert table.time_partitioning is not None and table.time_partitioning.field == "_loaded_at"
    assert table.clustering_fields == ["_company_id", "_record_id"]


def test_ids_changed_since(destination: BigQueryDestination, spool_dir: Path) -> None:
    records = [invoice(1, version="2026-01-01T10:00:00"), invoice(2, version="2026-02-01T10:00:00"),
               invoice(3, version="2026-03-01T10:00:00")]
    destination.commit_stream(commit([write_spool(spool_dir, "a", COMPANY, records)], sync_id="s1",
                                     deleted=[]))
    destination.commit_stream(commit([], sync_id="s2", deleted=["3"]))
    assert sorted(destination.ids_changed_since(COMPANY, "invoices", "2026-02-01T10:00:00")) == ["2"]
    assert list(destination.ids_changed_since(COMPANY, "never_landed", "2026")) == []


def test_lookup_ids_and_get_records(destination: BigQueryDestination, spool_dir: Path) -> None:
    records = [{"id": 1, "invoiceId": 500}, {"id": 2, "invoiceId": 501}, {"id": 3, "invoiceId": 500}]
    destination.commit_stream(commit([write_spool(spool_dir, "a", COMPANY, records, cursor_key=None)],
                                     sync_id="s1", stream="payment_events"))
    assert sorted(destination.lookup_ids(COMPANY, "payment_events", "invoiceId", ["500", "999"])) == [
        ("500", "1"), ("500", "3")]
    got = destination.get_records(COMPANY, "payment_events", ["2", "404"])
    assert list(got) == ["2"] and json.loads(got["2"])["invoiceId"] == 501
    assert destination.lookup_ids(COMPANY, "never_landed", "invoiceId", ["1"]) == []
    assert destination.get_records(COMPANY, "never_landed", ["1"]) == {}
