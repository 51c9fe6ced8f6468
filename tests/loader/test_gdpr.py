"""GDPR that sticks (issue 15, point 7), on DuckDB against the sandbox.

A forgotten record stays out (or anonymised) on every later run — incremental, full refresh,
full-table streams — and after the connection is dropped and added again. Bad requests are refused
and write nothing; a failing linked anonymisation fails the command. These are correctness checks:
the assertions read the warehouse and compare with the sandbox's own records, not with anything
the loader computed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from loader.gdpr import REDACTED
from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env
from tests.loader.test_sync_against_sandbox import extract, landed


@pytest.fixture
def sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=11, documents=120, companies=1)) as sb:
        yield sb


def _sql(db: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _forget(cli, db: Path, stream: str, rid: str, company: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("--duckdb", str(db), "forget", "--stream", stream, "--id", rid, "--company", company, *extra)


def _erasure_rows(db: Path) -> tuple[int, int]:
    (audit,) = _sql(db, "SELECT count(*) FROM raw_procountor._loader_deletions")[0]
    (supp,) = _sql(db, "SELECT count(*) FROM raw_procountor._loader_suppressions")[0]
    return audit, supp


def test_a_forgotten_person_stays_out_of_the_full_table_stream(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "persons")["company_id"])
    person = sorted(landed(db, "persons"))[0]
    run = _forget(cli, db, "persons", person, company)
    assert run.exit_code == 0, run.output
    assert person not in landed(db, "persons")
    sandbox.advance_clock(60)
    summary_run = cli("--duckdb", str(db), "extract", "--stream", "persons", env=sandbox_env(sandbox))
    assert summary_run.exit_code == 0, summary_run.output
    assert "1 forgotten record(s) not landed again" in summary_run.output
    extract(cli, sandbox, db, "--stream", "persons", "--full-refresh", "all")
    persons = landed(db, "persons")
    assert person not in persons
    # The rest of the register is still there: suppression is by id, not a blanket filter.
    assert set(persons) == {str(i) for i in sandbox.truth.records("persons")} - {person}
    # The entry is a hash of company/stream/id, never the id.
    keys = _sql(db, "SELECT stream, suppression_key, action FROM raw_procountor._loader_suppressions")
    assert keys == [("persons", hashlib.sha256(f"{company}/persons/{person}".encode()).hexdigest(), "delete")]


def test_an_anonymised_invoice_stays_anonymised_when_it_changes(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "invoices")["company_id"])
    invoices = landed(db, "invoices")
    invoice = next(rid for rid, r in invoices.items()
                   if r.get("status") != "INVALIDATED" and (r.get("counterParty") or {}).get("counterPartyAddress"))
    name = invoices[invoice]["counterParty"]["counterPartyAddress"]["name"]
    run = _forget(cli, db, "invoices", invoice, company, "--anonymise")
    assert run.exit_code == 0, run.output
    sandbox.advance_clock(3600)
    sandbox.edit_invoice(int(invoice))
    sandbox.advance_clock(60)
    assert sandbox.truth.records("invoices")[int(invoice)]["counterParty"]["counterPartyAddress"]["name"] == name
    for args in ((), ("--full-refresh", "invoices")):
        extract(cli, sandbox, db, "--stream", "invoices", *args)
        row = landed(db, "invoices")[invoice]
        assert row["counterParty"]["counterPartyAddress"]["name"] == REDACTED, args
        assert name not in str(row)
        # Amounts and the link to the partner survive: the books still add up.
        truth = sandbox.truth.records("invoices")[int(invoice)]
        assert row["invoiceSumInfo"] == truth["invoiceSumInfo"] and row["date"] == truth["date"]


def test_a_forgotten_partner_is_kept_out_and_their_invoices_anonymised_on_later_runs(
        cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "business_partners", "--stream", "invoices")["company_id"])
    invoices = landed(db, "invoices")
    partner = next(str(r["partnerId"]) for r in invoices.values()
                   if r.get("partnerId") and (r.get("counterParty") or {}).get("counterPartyAddress")
                   and r.get("status") != "INVALIDATED" and str(r["partnerId"]) in landed(db, "business_partners"))
    theirs = sorted(rid for rid, r in invoices.items() if str(r.get("partnerId")) == partner)
    run = _forget(cli, db, "business_partners", partner, company)
    assert run.exit_code == 0, run.output
    sandbox.advance_clock(3600)
    sandbox.edit_invoice(int(theirs[0]))
    sandbox.advance_clock(60)
    for args in ((), ("--full-refresh", "all")):
        extract(cli, sandbox, db, "--stream", "business_partners", "--stream", "invoices", *args)
        assert partner not in landed(db, "business_partners"), args
        rows = landed(db, "invoices")
        for rid in theirs:
            address = rows[rid]["counterParty"].get("counterPartyAddress") or {}
            assert address.get("name") in (None, REDACTED), (args, rid)
        # Other partners' invoices are untouched.
        others = [r for r in rows.values() if str(r.get("partnerId")) != partner and r.get("counterParty")]
        assert any((r["counterParty"].get("counterPartyAddress") or {}).get("name") not in (None, REDACTED)
                   for r in others)


@pytest.mark.parametrize("bad_id", ["", "   ", "999999999"])
def test_an_empty_or_unknown_id_is_refused_and_writes_nothing(cli, sandbox, tmp_path: Path, bad_id: str) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "invoices")["company_id"])
    before = landed(db, "invoices")
    run = _forget(cli, db, "invoices", bad_id, company)
    assert run.exit_code == 2, run.output
    assert "invoices" in run.output and company in run.output and "nothing was forgotten" in run.output
    if bad_id.strip():
        assert repr(bad_id) in run.output
    assert _erasure_rows(db) == (0, 0)
    assert landed(db, "invoices") == before


def test_a_record_of_another_company_is_unknown(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = int(extract(cli, sandbox, db, "--stream", "invoices")["company_id"])
    invoice = sorted(landed(db, "invoices"))[0]
    run = _forget(cli, db, "invoices", invoice, str(company + 1))
    assert run.exit_code == 2, run.output
    assert _erasure_rows(db) == (0, 0)
    assert invoice in landed(db, "invoices")


def test_a_failing_linked_anonymisation_fails_the_command_and_writes_nothing(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "business_partners", "--stream", "invoices")["company_id"])
    partner = sorted(landed(db, "business_partners"))[0]
    # A landing row whose `_data` is not JSON (a damaged table): the partner's documents cannot be read.
    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO raw_procountor.invoices SELECT _company_id, '0', 'not json', _record_hash, "
                    "_cursor_value, _extracted_at, _loaded_at, _sync_id, false, NULL "
                    "FROM raw_procountor.invoices LIMIT 1")
    finally:
        con.close()
    run = _forget(cli, db, "business_partners", partner, company)
    assert run.exit_code == 5, run.output
    assert "cannot anonymise the invoices linked to the record" in run.output
    assert partner in landed(db, "business_partners")
    assert _erasure_rows(db) == (0, 0)


def test_dropping_a_connection_keeps_its_erasures_unless_asked(cli, sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "persons")["company_id"])
    person = sorted(landed(db, "persons"))[0]
    assert _forget(cli, db, "persons", person, company).exit_code == 0
    run = cli("--duckdb", str(db), "drop-connection", "--company", company, "--yes")
    assert run.exit_code == 0, run.output
    assert landed(db, "persons") == {} and _erasure_rows(db) == (1, 1)
    extract(cli, sandbox, db, "--stream", "persons")  # the connection added again
    assert person not in landed(db, "persons") and landed(db, "persons")
    run = cli("--duckdb", str(db), "drop-connection", "--company", company, "--yes", "--forget-erasures")
    assert run.exit_code == 0, run.output
    assert _erasure_rows(db) == (0, 0)
    extract(cli, sandbox, db, "--stream", "persons")
    assert person in landed(db, "persons")


def test_anonymising_a_record_without_declared_personal_fields_keeps_its_dates_and_codes(
        cli, sandbox, tmp_path: Path) -> None:
    """A payment event has no list of personal fields: anonymising it replaces its free text (the
    payer's name, the bank account) but keeps what the contract types as dates and enum codes, so
    the staging model can still cast it (a scrubbed date used to fail `dbt build`). Correctness
    against the contract's types and the sandbox's record."""
    db = tmp_path / "w.duckdb"
    company = str(extract(cli, sandbox, db, "--stream", "invoices", "--stream", "payment_events")["company_id"])
    events = landed(db, "payment_events")
    event = next(rid for rid, r in events.items() if r.get("paymentDate") and r.get("status"))
    before = events[event]
    run = _forget(cli, db, "payment_events", event, company, "--anonymise")
    assert run.exit_code == 0, run.output
    after = landed(db, "payment_events")[event]
    assert after["paymentDate"] == before["paymentDate"] and after["status"] == before["status"]
    free_text = [k for k, v in before.items() if isinstance(v, str) and k not in
                 ("paymentDate", "status", "currency", "paidCurrency", "type")]
    assert free_text and all(after[k] == REDACTED for k in free_text), (before, after)
    assert _sql(db, f"""SELECT try_cast(json_extract_string(_data, '$.paymentDate') AS DATE) IS NOT NULL
                        FROM raw_procountor.payment_events WHERE _record_id = '{event}'""") == [(True,)]
