"""Deterministic load job ids: a retried commit re-attaches to its load instead of loading twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bq_emulators import PROJECT, Emulator, make_client
from bq_fakes import JobIdClient
from bq_spool import write_spool
from google.cloud import bigquery

from loader.destinations.base import StreamCommit
from loader.destinations.bigquery import DEFAULT_MAXIMUM_BYTES_BILLED, BigQueryDestination
from loader.errors import DestinationError

COMPANY = 9


@pytest.fixture
def fake(bqemulator: Emulator) -> Iterator[JobIdClient]:
    client = make_client(bqemulator.endpoint)
    yield JobIdClient(client)
    client.close()


@pytest.fixture
def dest(fake: JobIdClient, dataset_name: str) -> BigQueryDestination:
    destination = BigQueryDestination(PROJECT, dataset_name, client=fake)  # type: ignore[arg-type]
    destination.setup()
    return destination


def the_commit(spool_dir: Path, sync_id: str = "run-1") -> StreamCommit:
    a = write_spool(spool_dir, "a", COMPANY, [{"id": i, "v": "1.0"} for i in range(1, 4)])
    b = write_spool(spool_dir, "b", COMPANY, [{"id": i, "v": "2.0"} for i in range(4, 6)])
    return StreamCommit(COMPANY, "invoices", sync_id, [a, b], "merge", {"cursor": "x"}, deleted_ids=["77"])


def landed(dest: BigQueryDestination) -> tuple[int, int]:
    row = next(iter(dest.client.query(
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT _record_id) AS d FROM {dest.tables.ref('invoices')}"
    ).result()))
    return row["n"], row["d"]


def staging_tables(dest: BigQueryDestination) -> list[str]:
    return [t.table_id for t in dest.client.list_tables(dest.dataset) if t.table_id.startswith("_stg_")]


def test_job_ids_are_deterministic(dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path) -> None:
    dest.commit_stream(the_commit(spool_dir))
    assert len(fake.load_requests) == 3  # two spool files + the tombstone ids
    assert all(j.startswith(f"procountor_{COMPANY}_invoices_run_1_") for j in fake.load_requests)
    assert [j.rsplit("_", 1)[1] for j in fake.load_requests] == ["0", "1", "2"]


def test_retry_after_failed_transaction_reattaches(
    dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = the_commit(spool_dir)
    real_merge = dest._merge
    calls = {"n": 0}

    def crash_once(commit: StreamCommit, staging: str):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise DestinationError("simulated crash after the loads, before the transaction")
        return real_merge(commit, staging)

    monkeypatch.setattr(dest, "_merge", crash_once)
    with pytest.raises(DestinationError, match="simulated"):
        dest.commit_stream(commit)
    assert fake.real_loads == 3 and len(staging_tables(dest)) == 1  # staging kept for the retry

    result = dest.commit_stream(commit)
    assert fake.real_loads == 3  # nothing loaded twice: the retry found its jobs via get_job
    assert fake.load_requests == fake.load_requests[:3]
    assert result.inserted == 5
    assert landed(dest) == (5, 5)
    assert staging_tables(dest) == []


def test_conflict_on_insert_reattaches(dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path) -> None:
    commit = the_commit(spool_dir)
    # First attempt: the first load job is created but the response is lost.
    first_id = None

    def remember(job_id: str) -> None:
        nonlocal first_id
        first_id = job_id

    original = fake.load_table_from_file

    def lose_first(file_obj, destination, *, job_id, **kwargs):  # type: ignore[no-untyped-def]
        if first_id is None:
            remember(job_id)
            fake.lose_response_once.add(job_id)
        return original(file_obj, destination, job_id=job_id, **kwargs)

    fake.load_table_from_file = lose_first  # type: ignore[method-assign]
    with pytest.raises(DestinationError, match="connection lost"):
        dest.commit_stream(commit)
    assert fake.real_loads == 1

    # Retry: get_job does not see the job yet, so the insert answers 409 and the destination
    # fetches the existing job instead of failing or loading again.
    assert first_id is not None
    fake.hidden_once.add(first_id)
    result = dest.commit_stream(commit)
    assert fake.load_requests.count(first_id) == 2  # the 409 path was taken
    assert fake.real_loads == 3
    assert result.inserted == 5 and landed(dest) == (5, 5)


def test_rerun_after_success_loads_under_a_new_attempt_id(
    dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path
) -> None:
    commit = the_commit(spool_dir)
    dest.commit_stream(commit)
    # The staging table is gone, so the old jobs' rows are too: the same ids cannot be reused.
    result = dest.commit_stream(commit)
    assert fake.real_loads == 6
    assert [j for j in fake.load_requests if j.endswith("_r1")] == [j + "_r1" for j in fake.load_requests[:3]]
    assert (result.inserted, result.unchanged) == (0, 5)
    assert landed(dest) == (5, 5)


def test_changed_spool_gets_new_job_ids(dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path) -> None:
    dest.commit_stream(the_commit(spool_dir))
    changed = the_commit(spool_dir)
    write_spool(spool_dir, "b", COMPANY, [{"id": 4, "v": "3.0"}])
    dest.commit_stream(changed)
    first, second = fake.load_requests[:3], fake.load_requests[3:]
    assert first[0] != second[0]  # the fingerprint covers every file of the commit
    assert not [j for j in second if j.endswith("_r1")]


def test_query_jobs_carry_labels_and_byte_cap(dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path) -> None:
    dest.commit_stream(the_commit(spool_dir))
    dest.get_state(COMPANY, "invoices")
    assert fake.query_configs
    for config in fake.query_configs:
        assert config.maximum_bytes_billed == DEFAULT_MAXIMUM_BYTES_BILLED
        assert config.labels["loader"] == "procountor"
    commit_configs = [c for c in fake.query_configs if c.labels.get("step") == "commit"]
    assert commit_configs and commit_configs[0].labels["sync_id"] == "run-1"
    assert commit_configs[0].labels["stream"] == "invoices"


def test_byte_cap_can_be_disabled(fake: JobIdClient, dataset_name: str) -> None:
    dest = BigQueryDestination(PROJECT, dataset_name, client=fake, maximum_bytes_billed=0)  # type: ignore[arg-type]
    dest.setup()
    dest.get_state(1, "x")
    assert fake.query_configs[-1].maximum_bytes_billed is None


def test_load_jobs_use_ndjson_with_explicit_schema(
    dest: BigQueryDestination, fake: JobIdClient, spool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bigquery.LoadJobConfig] = []
    original = fake._client.load_table_from_file

    def spy(file_obj, destination, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["job_config"])
        return original(file_obj, destination, **kwargs)

    monkeypatch.setattr(fake._client, "load_table_from_file", spy)
    dest.commit_stream(the_commit(spool_dir))
    assert seen
    for config in seen:
        assert config.source_format == "NEWLINE_DELIMITED_JSON"
        assert config.schema and not config.autodetect
        assert config.labels["loader"] == "procountor" and config.labels["sync_id"] == "run-1"
