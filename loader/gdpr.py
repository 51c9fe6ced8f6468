"""GDPR requests: forget a record (delete or anonymise) wherever it landed, and keep it forgotten.

A business partner or person also appears in invoices (the counterparty snapshot) and in ledger
receipts (name, partner code). Those documents are bookkeeping records the company must keep, so
they are anonymised — personal fields replaced — while amounts, dates and accounts stay, and the
books still balance.

Forgetting sticks: `forget` records a suppression entry, and every later extract applies it to the
records the API sends (`Suppressor`), before they reach the spool: a deleted record is not landed
again (full-table streams such as `persons` included), an anonymised one lands anonymised, and a
document of a forgotten partner lands with its personal fields replaced, even one created later.

The entry holds `suppression_key` = sha256 of "<company>/<stream>/<id>", never the id: the loader
only has to recognise ids it is sent again, which the hash allows. It is pseudonymisation, not
anonymisation: ids are small integers, so whoever can read the table and knows a company's id space
can test candidate ids. That is accepted (the id is a Procountor key, not a name, and the record it
pointed to is gone); it keeps the id out of plain sight, logs and job history.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from loader import exact_json
from loader.destinations.base import Destination
from loader.errors import ConfigError, DestinationError

REDACTED = "[forgotten]"
PERSON_STREAMS = ("business_partners", "persons")
# Personal fields of documents that reference a partner (by `partnerId`), by stream. A person's
# `id` equals its business partner's `partnerId` (reference 5.4), so both streams link the same way.
# Anonymising such a document itself replaces the same fields: dates, amounts and accounts are
# bookkeeping the company must keep (and the marts need). Other records are scrubbed whole
# but for the dates and enum codes their contract schema declares (`_coded_paths`).
LINKED_PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "invoices": ("counterParty", "billingAddress", "deliveryAddress", "notes", "additionalInformation"),
    "ledger_receipts": ("name", "partnerCode", "invoiceNotes"),
}
KEEP_KEYS = {"id", "partnerId", "type", "status", "version", "active"}

Record = dict[str, Any]


def suppression_key(company_id: int, stream: str, record_id: str) -> str:
    return hashlib.sha256(f"{company_id}/{stream}/{record_id}".encode()).hexdigest()


def _scrub(value: Any, path: str = "", keep: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, dict):
        return {k: (v if k in KEEP_KEYS else _scrub(v, f"{path}.{k}" if path else k, keep))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, path, keep) for v in value]
    if isinstance(value, str) and value and path not in keep:
        return REDACTED
    return value


@cache
def _coded_paths(stream: str) -> frozenset[str]:
    """What whole-record anonymisation keeps of a stream: the contract's dates and enum codes (a
    payment event's date and status are bookkeeping, and the marts cast them). A person's record
    keeps nothing: a date there can be a date of birth."""
    if stream in PERSON_STREAMS:
        return frozenset()
    from loader.streams.contract import coded_string_paths
    from loader.streams.registry import get_stream

    return coded_string_paths(get_stream(stream).record_schema)


def anonymise_data(data: Record, fields: tuple[str, ...] | None = None, stream: str | None = None) -> Record:
    """Replace personal text: the listed top-level `fields`, or (None) every string of the record
    except the dates and codes of `stream`'s contract schema."""
    if fields is None:
        return _scrub(data, "", _coded_paths(stream) if stream else frozenset())
    return {k: (_scrub(v) if k in fields and v is not None else v) for k, v in data.items()}


def anonymise_record(data_text: str, fields: tuple[str, ...] | None = None, stream: str | None = None) -> str:
    return exact_json.dumps(anonymise_data(exact_json.loads(data_text), fields, stream))


class Suppressor:
    """Applies a company's suppression entries to one stream's incoming records."""

    def __init__(self, company_id: int, stream: str, entries: dict[str, str]) -> None:
        self.company_id = company_id
        self.stream = stream
        self.entries = entries  # suppression key -> "delete" | "anonymise"
        self.linked_fields = LINKED_PERSONAL_FIELDS.get(stream)

    @classmethod
    def for_stream(cls, company_id: int, stream: str, entries: dict[str, str]) -> Suppressor | None:
        """None when nothing can apply, so the common case costs nothing per record."""
        return cls(company_id, stream, entries) if entries else None

    def __call__(self, record_id: str, record: Record) -> Record | None:
        action = self.entries.get(suppression_key(self.company_id, self.stream, record_id))
        if action == "delete":
            return None
        if action == "anonymise":
            return anonymise_data(record, self.linked_fields, self.stream)
        if self.linked_fields is not None:
            partner = record.get("partnerId")
            if partner is not None and any(
                    suppression_key(self.company_id, s, str(partner)) in self.entries for s in PERSON_STREAMS):
                return anonymise_data(record, self.linked_fields)
        return record




def _linked_updates(dest: Destination, company_id: int, partner_id: str) -> dict[str, dict[str, str]]:
    """Anonymised `_data` of every landed document of the partner, by stream. Read before anything
    is written, so a failure here leaves the warehouse as it was."""
    out: dict[str, dict[str, str]] = {}
    for doc_stream, fields in LINKED_PERSONAL_FIELDS.items():
        try:
            dest.ensure_stream_table(doc_stream)
            ids = [rid for _v, rid in dest.lookup_ids(company_id, doc_stream, "partnerId", [partner_id])]
            current = dest.get_records(company_id, doc_stream, ids) if ids else {}
            out[doc_stream] = {rid: anonymise_record(text, fields) for rid, text in current.items()}
        except Exception as exc:  # any failure to read or parse a linked document stops the request
            raise DestinationError(
                f"cannot anonymise the {doc_stream} linked to the record ({type(exc).__name__}: "
                f"{str(exc)[:200]}); nothing was forgotten. Fix the {doc_stream} table (or reset it) and run "
                "forget again") from None
    return out


def forget(dest: Destination, company_id: int, stream: str, record_id: str, how: str,
           reason: str | None, linked: bool = True) -> dict[str, int]:
    """Returns rows touched per stream. Refuses (ConfigError, nothing written) an empty id and an id
    the warehouse does not hold for that stream and company, unless it was already forgotten: then
    only the linked anonymisation is done again (a retry after a failure) and nothing is logged."""
    record_id = record_id.strip()
    if not record_id:
        raise ConfigError(f"forget: empty --id for stream {stream} of company {company_id}; nothing was forgotten")
    current = dest.get_records(company_id, stream, [record_id])
    already = dest.suppressions(company_id).get(suppression_key(company_id, stream, record_id))
    if record_id not in current and already is None:
        raise ConfigError(
            f"forget: no record with id {record_id!r} in stream {stream} of company {company_id}; "
            "nothing was forgotten (check the id, the stream and the company; `forget` only handles "
            "records that landed)")
    updates = _linked_updates(dest, company_id, record_id) if linked and stream in PERSON_STREAMS else {}
    touched: dict[str, int] = {}
    if record_id in current:
        if how == "anonymise":
            data = {record_id: anonymise_record(current[record_id], LINKED_PERSONAL_FIELDS.get(stream), stream)}
            touched[stream] = dest.forget(company_id, stream, [record_id], "anonymise", data, reason)
        else:
            touched[stream] = dest.forget(company_id, stream, [record_id], "delete", None, reason)
    else:
        touched[stream] = 0  # forgotten before; its suppression entry stands
    for doc_stream, data in updates.items():
        if not data:
            continue
        try:
            touched[doc_stream] = dest.forget(company_id, doc_stream, list(data), "anonymise", data,
                                              f"linked to {stream} (GDPR)", suppress=False)
        except Exception as exc:
            raise DestinationError(
                f"the {stream} record was forgotten, but anonymising its {doc_stream} failed "
                f"({type(exc).__name__}: {str(exc)[:200]}); run the same forget command again to finish "
                "(later extracts already land those documents anonymised)") from None
    return touched
