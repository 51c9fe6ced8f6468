"""`procountor-loader extract` with `destination: bigquery`, end to end: sandbox → bqemulator.

The same CLI a user runs, configured the way docs/bigquery.md says (project, dataset, location,
api_endpoint for the emulator): initial load, an incremental run after changes (recreated receipt
included), and a re-run that must add no duplicates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.bigquery.bq_emulators import PROJECT, make_client
from tests.conftest import sandbox_env

STREAMS = ("accounts", "invoices", "ledger_receipts")


def landed_ids(client, dataset: str, stream: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = client.query(f"SELECT _record_id FROM `{PROJECT}.{dataset}.{stream}` WHERE NOT _is_deleted").result()
    return [r[0] for r in rows]


@pytest.mark.slow
def test_extract_lands_in_bigquery_incrementally_without_duplicates(cli, bqemulator, tmp_path: Path) -> None:
    dataset = f"raw_cli_{tmp_path.name[-8:].replace('-', '_')}"
    cfg = tmp_path / "procountor.yml"
    cfg.write_text(
        "destination:\n"
        f"  type: bigquery\n  project: {PROJECT}\n  schema: {dataset}\n  location: EU\n"
        f"  api_endpoint: {bqemulator.endpoint}\n  labels: {{team: finance}}\n"
        "streams:\n" + "".join(f"  {s}: {{}}\n" for s in STREAMS))
    client = make_client(bqemulator.endpoint)
    with SandboxServer(SandboxConfig(seed=4, documents=120)) as sb:
        env = sandbox_env(sb)
        result = cli("--config", str(cfg), "extract", env=env)
        assert result.exit_code == 0, result.output
        for stream in STREAMS:
            want = {str(k) for k, v in sb.truth.records(stream).items() if not v.get("isOffer")}
            assert set(landed_ids(client, dataset, stream)) == want, stream

        invoice = next(i for i, r in sorted(sb.truth.records("invoices").items())
                       if r.get("type") == "SALES_INVOICE" and r.get("status") != "INVALIDATED")
        old_receipt = str(sb.truth.records("invoices")[invoice]["ledgerReceiptId"])
        sb.advance_clock(3600)
        sb.recreate_receipt(invoice)
        sb.advance_clock(60)
        result = cli("--config", str(cfg), "extract", env=env)
        assert result.exit_code == 0, result.output
        result = cli("--config", str(cfg), "extract", env=env)  # a re-run changes nothing
        assert result.exit_code == 0, result.output

        for stream in STREAMS:
            ids = landed_ids(client, dataset, stream)
            assert len(ids) == len(set(ids)), f"duplicates in {stream}"
            want = {str(k) for k, v in sb.truth.records(stream).items() if not v.get("isOffer")}
            assert set(ids) == want, stream
        assert old_receipt not in landed_ids(client, dataset, "ledger_receipts")
        (row,) = client.query(f"SELECT COUNT(*) FROM `{PROJECT}.{dataset}.ledger_receipts` "
                              f"WHERE _record_id = '{old_receipt}' AND _is_deleted").result()
        assert row[0] == 1  # kept as a tombstone


@pytest.mark.slow
def test_a_forgotten_person_stays_out_of_bigquery(cli, bqemulator, tmp_path: Path) -> None:
    """GDPR that sticks on BigQuery: `forget` then a full-table re-extract of `persons` does not
    bring the record back (correctness: compared with the sandbox's register)."""
    dataset = f"raw_gdpr_{tmp_path.name[-8:].replace('-', '_')}"
    cfg = tmp_path / "procountor.yml"
    cfg.write_text(
        "destination:\n"
        f"  type: bigquery\n  project: {PROJECT}\n  schema: {dataset}\n  location: EU\n"
        f"  api_endpoint: {bqemulator.endpoint}\n"
        "streams:\n  persons: {}\n")
    client = make_client(bqemulator.endpoint)
    with SandboxServer(SandboxConfig(seed=4, documents=40)) as sb:
        env = sandbox_env(sb)
        assert cli("--config", str(cfg), "extract", env=env).exit_code == 0
        company = str(sb.truth.records("company").popitem()[0])
        person = sorted(landed_ids(client, dataset, "persons"))[0]
        run = cli("--config", str(cfg), "forget", "--stream", "persons", "--id", person, "--company", company)
        assert run.exit_code == 0, run.output
        run = cli("--config", str(cfg), "forget", "--stream", "persons", "--id", "", "--company", company)
        assert run.exit_code == 2, run.output
        sb.advance_clock(60)
        result = cli("--config", str(cfg), "extract", env=env)
        assert result.exit_code == 0, result.output
        ids = landed_ids(client, dataset, "persons")
        assert set(ids) == {str(k) for k in sb.truth.records("persons")} - {person}
