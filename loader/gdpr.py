"""GDPR requests: forget a record (delete or anonymise) wherever it landed.

A business partner or person also appears in invoices (the counterparty snapshot) and in ledger
receipts (name, partner code). Those documents are bookkeeping records the company must keep, so
they are anonymised — personal fields replaced — while amounts, dates and accounts stay, and the
books still balance.
"""

from __future__ import annotations

from typing import Any

from loader import exact_json
from loader.destinations.base import Destination

REDACTED = "[forgotten]"
PERSON_STREAMS = {"business_partners", "persons"}
# Personal fields of documents that reference a partner, by stream.
LINKED_PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "invoices": ("counterParty", "billingAddress", "deliveryAddress", "notes", "additionalInformation"),
    "ledger_receipts": ("name", "partnerCode", "invoiceNotes"),
}
KEEP_KEYS = {"id", "partnerId", "type", "status", "version", "active"}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v if k in KEEP_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str) and value:
        return REDACTED
    return value


def anonymise_record(data_text: str, fields: tuple[str, ...] | None = None) -> str:
    data = exact_json.loads(data_text)
    if fields is None:
        data = _scrub(data)
    else:
        for key in fields:
            if key in data and data[key] is not None:
                data[key] = _scrub(data[key])
    return exact_json.dumps(data)


def forget(dest: Destination, company_id: int, stream: str, record_id: str, how: str,
           reason: str | None, linked: bool = True) -> dict[str, int]:
    """Returns rows touched per stream."""
    touched: dict[str, int] = {}
    if how == "anonymise":
        current = dest.get_records(company_id, stream, [record_id])
        data = {rid: anonymise_record(text) for rid, text in current.items()}
        touched[stream] = dest.forget(company_id, stream, [record_id], "anonymise", data, reason)
    else:
        touched[stream] = dest.forget(company_id, stream, [record_id], "delete", None, reason)
    if linked and stream in PERSON_STREAMS:
        for doc_stream, fields in LINKED_PERSONAL_FIELDS.items():
            try:
                hits = dest.lookup_ids(company_id, doc_stream, "partnerId", [record_id])
            except Exception:
                continue
            ids = [rid for _v, rid in hits]
            if not ids:
                continue
            current = dest.get_records(company_id, doc_stream, ids)
            data = {rid: anonymise_record(text, fields) for rid, text in current.items()}
            touched[doc_stream] = dest.forget(company_id, doc_stream, ids, "anonymise", data,
                                              f"linked to {stream} (GDPR)")
    return touched
