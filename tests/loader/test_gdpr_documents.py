"""Anonymising a document itself (`forget --stream invoices --anonymise`) keeps what the books need.

The incremental property test met this: scrubbing every string of an invoice turned its dates into
"[forgotten]" and `dbt build` failed on the cast. Correctness of the rule, on a real DuckDB destination.
"""

from __future__ import annotations

from pathlib import Path

from loader import exact_json, gdpr
from loader.destinations.base import StreamCommit
from loader.destinations.duckdb import DuckDBDestination


def test_anonymising_an_invoice_replaces_personal_fields_and_keeps_dates_and_amounts(tmp_path: Path) -> None:
    invoice = {"id": 7, "date": "2025-03-01", "status": "SENT", "partnerId": 5,
               "counterParty": {"counterPartyAddress": {"name": "Matti Meikäläinen"}, "identifier": "010101-123A"},
               "invoiceSumInfo": [{"currency": "EUR", "invoiceSumTotal": 12.40}]}
    text = exact_json.dumps(invoice)
    spool = tmp_path / "invoices.jsonl"
    spool.write_text(exact_json.dumps({"_company_id": 1, "_record_id": "7", "_data": text,
                                       "_record_hash": exact_json.record_hash(text), "_cursor_value": None,
                                       "_extracted_at": "2026-03-20T06:00:00"}) + "\n")
    dest = DuckDBDestination(tmp_path / "w.duckdb")
    try:
        dest.setup()
        dest.ensure_stream_table("invoices")
        dest.commit_stream(StreamCommit(1, "invoices", "s1", [spool], "merge", {}))
        assert gdpr.forget(dest, 1, "invoices", "7", "anonymise", "test") == {"invoices": 1}
        after = exact_json.loads(dest.get_records(1, "invoices", ["7"])["7"])
    finally:
        dest.close()
    assert after["counterParty"] == {"counterPartyAddress": {"name": gdpr.REDACTED}, "identifier": gdpr.REDACTED}
    assert (after["date"], after["status"], after["partnerId"]) == ("2025-03-01", "SENT", 5)
    assert str(after["invoiceSumInfo"][0]["invoiceSumTotal"]) == "12.4"
