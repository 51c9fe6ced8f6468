"""One simulated Procountor company: its registers, document index, overlays and change operations."""

from __future__ import annotations

import os
import random
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import derived, rights
from .body_store import BodyStore
from .clock import VirtualClock, fmt_ts
from .config import SandboxConfig
from .index_store import DocumentIndex
from .registries import FIRST_DAY, Registries, build_registries
from .timeline import HIDDEN_INVOICE_OFFSET, RECEIPT_TYPE_OF_INVOICE, generate_index

VALID_RECEIPT_STATUSES_EXCLUDED = ("INVALIDATED", "DELETED", "UNSAVED", "EMPTY")
FIGURES_CACHE_SIZE = 50_000  # invoices' lines and totals (a few KB each): bounded RSS
# The demo company (2000 documents from 2024-01-01 to 2026-11-30) has the opening balance, loan and fixed
# assets of a garden business of about 0.8 M€ revenue; a company of another size has them in proportion to
# its documents a day, so that its fixed costs match its sales at any scale.
DEMO_DOCUMENTS_PER_DAY = Decimal(2000) / Decimal(1065)


def size_scale(documents: int, now: datetime) -> Decimal:
    days = (now.date() - FIRST_DAY).days + 1
    return max(Decimal("0.01"), (Decimal(documents) / Decimal(max(days, 1)) / DEMO_DOCUMENTS_PER_DAY)
               .quantize(Decimal("0.01")))


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)


class Company:
    def __init__(self, config: SandboxConfig, company_index: int, clock: VirtualClock, db_dir: str) -> None:
        self.config = config
        self.index_no = company_index
        self.clock = clock
        self.documents = config.documents
        self.seed_key = (config.seed * 7919 + company_index * 104729 + 17) & 0xFFFFFFFF
        self.api_key = config.api_key_for(company_index)
        self.invoiceable_api_enabled = not config.invoiceable_api_disabled
        self.denied_rights = rights.expand(config.denied_rights.get(company_index, ()))
        now = clock.now()
        self.scale = size_scale(config.documents, now)
        self.payroll_cache: dict[str, Any] = {}
        self.books_as_generated: derived.BooksAsGenerated | None = None  # computed by the ledger
        rng = random.Random(self.seed_key)
        self.regs: Registries = build_registries(rng, company_index, config.documents, now)
        self.id: int = self.regs.company["id"]
        self.index = DocumentIndex(os.path.join(db_dir, f"company-{self.id}.sqlite"))
        self.bodies = BodyStore(os.path.join(db_dir, f"company-{self.id}-bodies.sqlite"))
        self.counters = generate_index(self.index, self.regs, rng, config.documents, now)
        if clock.version_zone != "Europe/Helsinki":
            self._restamp()
        self.lock = self.index.lock
        self.figures_cache = _Lru(FIGURES_CACHE_SIZE)
        self.catalogs: dict[str, list[Any]] = {}
        self.running_totals: dict[tuple[int, str], Any] = {}  # ledger.balance_before, per generation
        self.extra_fields: dict[str, dict[str, Any]] = {}
        self.deleted_products: set[int] = set()

    def _restamp(self) -> None:
        """The generator writes Helsinki wall time; a server stamping another zone wrote these."""
        conv = self.clock.restamp
        with self.index.lock:
            conn = self.index.conn
            conn.execute("BEGIN")
            for table in ("invoices", "receipts"):
                rows = conn.execute(f"SELECT id, created, version FROM {table}").fetchall()
                conn.executemany(f"UPDATE {table} SET created = ?, version = ? WHERE id = ?",
                                 [(conv(r["created"]) if r["created"] else None,
                                   conv(r["version"]) if r["version"] else None, r["id"]) for r in rows])
            conn.execute("COMMIT")
            self.index.generation += 1
        for registry in (self.regs.partners.values(), self.regs.products.values(), self.regs.bank_accounts):
            for item in registry:
                if item.get("version"):
                    item["version"] = conv(item["version"])
        for year in self.regs.fiscal_years:
            for holder in (year, *(year.get("trackingPeriods") or [])):
                if holder.get("modified"):
                    holder["modified"] = conv(holder["modified"])

    # ------------------------------------------------------------------ lookups

    def invoice_row(self, invoice_id: int) -> Any:
        return self.index.one("SELECT * FROM invoices WHERE id = ?", (invoice_id,))

    def invoice_rows(self, ids: list[int]) -> list[Any]:
        marks = ",".join("?" * len(ids))
        return self.index.query(f"SELECT * FROM invoices WHERE id IN ({marks}) ORDER BY id", ids)

    def receipt_rows(self, ids: list[int]) -> list[Any]:
        marks = ",".join("?" * len(ids))
        return self.index.query(f"SELECT * FROM receipts WHERE gone = 0 AND id IN ({marks}) ORDER BY id", ids)

    def with_extra(self, stream: str, body: dict[str, Any]) -> dict[str, Any]:
        """The record with the fields added through the control interface. A dotted name adds a
        field inside nested objects, arrays transparent: `events.event.newField` is in every child event
        (the events inside events) and nowhere else."""
        for name, value in (self.extra_fields.get(stream) or {}).items():
            body = _with_field(body, name.split("."), value)
        return body

    def partner_list(self) -> list[dict[str, Any]]:
        return [self.with_extra("business_partners", dict(p)) for p in self.regs.partners.values()]

    # ------------------------------------------------------------------ change operations

    def _changed(self) -> None:
        """A change outside the index: cached answers (bodies.py, id lists, ledger totals) are
        kept per index generation, so move it on, after the change."""
        self.index.generation += 1

    def _settle_vat_before_changes(self) -> None:
        """The VAT settlements and payrolls are booked from the books as generated, whenever they are first
        read: fix those before a change, so a change after generation never moves them."""
        derived.books(self)

    def _touch_receipts_of(self, invoice_id: int, version: str, status: str | None = None) -> None:
        if status is None:
            self.index.execute("UPDATE receipts SET version = ? WHERE invoice_id = ? AND gone = 0",
                               (version, invoice_id))
        else:
            self.index.execute("UPDATE receipts SET version = ?, status = ? WHERE invoice_id = ? AND gone = 0",
                               (version, status, invoice_id))

    def _reopened_if_closed(self, day: str | None, version: str) -> None:
        """Procountor refuses changes in a closed period; an accountant reopens it, makes the change
        and closes it again. What clients can see of that is the period's (and its year's) newer
        `modified` time — loaders rely on it to know that a closed period's figures moved."""
        if not day:
            return
        for year in self.regs.fiscal_years:
            for period in year.get("trackingPeriods") or []:
                if period["startDate"] <= day <= period["endDate"] and period["status"] == "CLOSED":
                    period["modified"] = version
                    year["modified"] = version
                    self.index.generation += 1

    def edit_invoice(self, invoice_id: int, change_amounts: bool = True) -> dict[str, Any]:
        """A user edits the invoice: new version; rows and amounts change unless ``change_amounts`` is off."""
        with self.lock:
            self._settle_vat_before_changes()
            row = self._require_invoice(invoice_id)
            version = self.clock.tick()
            self._reopened_if_closed(row["date"], version)
            rev = row["rev"] + (1 if change_amounts and row["credit_of"] is None else 0)
            self.index.execute("UPDATE invoices SET version = ?, rev = ? WHERE id = ?", (version, rev, invoice_id))
            self._touch_receipts_of(invoice_id, version)
            return {"invoiceId": invoice_id, "version": version, "ledgerReceiptId": row["receipt_id"]}

    def recreate_receipt(self, invoice_id: int) -> dict[str, Any]:
        """Procountor recreates an invoice's ledger receipt under a new id; the old id disappears."""
        with self.lock:
            self._settle_vat_before_changes()
            row = self._require_invoice(invoice_id)
            old = self.index.one("SELECT * FROM receipts WHERE id = ?", (row["receipt_id"],))
            version = self.clock.tick()
            self._reopened_if_closed(row["date"], version)
            new_id = self.counters["next_receipt_id"]
            self.counters["next_receipt_id"] += 1
            self.index.execute("UPDATE receipts SET gone = 1 WHERE id = ?", (old["id"],))
            values = dict(old)
            values.update(id=new_id, created=version, version=version, gone=0)
            columns = list(values)
            marks = ", ".join("?" * len(columns))
            self.index.execute(f"INSERT INTO receipts ({', '.join(columns)}) VALUES ({marks})",
                               [values[c] for c in columns])
            self.index.execute("UPDATE invoices SET receipt_id = ?, version = ? WHERE id = ?",
                               (new_id, version, invoice_id))
            self._touch_receipts_of(invoice_id, version)
            return {"invoiceId": invoice_id, "oldLedgerReceiptId": old["id"], "ledgerReceiptId": new_id,
                    "version": version}

    def invalidate_invoice(self, invoice_id: int) -> dict[str, Any]:
        with self.lock:
            self._settle_vat_before_changes()
            row = self._require_invoice(invoice_id)
            version = self.clock.tick()
            self._reopened_if_closed(row["date"], version)
            self.index.execute("UPDATE invoices SET status = 'INVALIDATED', version = ? WHERE id = ?",
                               (version, invoice_id))
            self._touch_receipts_of(invoice_id, version, "INVALIDATED")
            return {"invoiceId": invoice_id, "status": "INVALIDATED", "version": version}

    def set_invoice_status(self, invoice_id: int, status: str) -> dict[str, Any]:
        with self.lock:
            self._settle_vat_before_changes()
            row = self._require_invoice(invoice_id)
            version = self.clock.tick()
            self._reopened_if_closed(row["date"], version)
            self.index.execute("UPDATE invoices SET status = ?, version = ? WHERE id = ?",
                               (status, version, invoice_id))
            self._touch_receipts_of(invoice_id, version, status)
            return {"invoiceId": invoice_id, "status": status, "version": version}

    def deactivate_partner(self, partner_id: int, active: bool = False) -> dict[str, Any]:
        with self.lock:
            partner = self.regs.partners.get(partner_id)
            if partner is None:
                raise KeyError(f"business partner {partner_id} not found")
            partner["registryInfo"]["active"] = active
            partner["version"] = self.clock.tick()
            if partner_id in self.regs.persons:
                self.regs.persons[partner_id]["registryInfo"]["active"] = active
            self._changed()
            return {"id": partner_id, "active": active, "version": partner["version"]}

    def delete_product(self, product_id: int) -> dict[str, Any]:
        with self.lock:
            if self.regs.products.pop(product_id, None) is None:
                raise KeyError(f"product {product_id} not found")
            self.deleted_products.add(product_id)
            self.clock.tick()
            self._changed()
            return {"id": product_id, "deleted": True}

    def rename_account(self, code: str, name: str) -> dict[str, Any]:
        with self.lock:
            for account in self.regs.accounts:
                if account["ledgerAccountCode"] == code:
                    account["name"] = name
                    self.clock.tick()
                    self._changed()
                    return dict(account)
            raise KeyError(f"account {code} not found")

    def add_field(self, stream: str, name: str, value: Any) -> dict[str, Any]:
        with self.lock:
            self.extra_fields.setdefault(stream, {})[name] = value
            self._changed()
            return {"stream": stream, "fields": dict(self.extra_fields[stream])}

    def add_documents(self, count: int, kind: str = "mixed") -> dict[str, Any]:
        """New invoices (and their receipts) created now, unpaid."""
        with self.lock:
            self._settle_vat_before_changes()
            rng = random.Random(self.seed_key ^ self.counters["next_invoice_id"])
            created_ids = []
            for n in range(count):
                now_str = self.clock.tick()
                today = self.clock.now_str()[:10]  # the Helsinki calendar day, whatever zone stamps use
                is_sales = kind == "sales" or (kind == "mixed" and n % 3 != 2)
                itype = "SALES_INVOICE" if is_sales else "PURCHASE_INVOICE"
                partner_id = rng.choice(self.regs.customers if is_sales else self.regs.suppliers)
                partner = self.regs.partners[partner_id]
                iid = self.counters["next_invoice_id"]
                rid = self.counters["next_receipt_id"]
                self.counters["next_invoice_id"] += 1
                self.counters["next_receipt_id"] += 1
                number = self.counters[f"number:{itype}"]
                self.counters[f"number:{itype}"] += 1
                rnum = self.counters["next_receipt_number"]
                self.counters["next_receipt_number"] += 1
                status = "SENT" if is_sales else "RECEIVED"
                due = (datetime.fromisoformat(today) + timedelta(days=14)).date().isoformat()
                channel = (partner["invoicingInfo"].get("invoiceChannel") or "EMAIL") if is_sales \
                    else "ELECTRONIC_INVOICE"
                self.index.insert_many("invoices", [(iid, itype, status, today, due, now_str, now_str, partner_id, 0,
                                                     number, None, channel, "EUR", rid, None, None, 0, 0, None)])
                self.index.insert_many("receipts", [(rid, RECEIPT_TYPE_OF_INVOICE[itype], status, today, now_str,
                                                     now_str, iid, "INV", None, rnum, number, partner["name"],
                                                     partner_id, 0, 0)])
                created_ids.append(iid)
            return {"invoiceIds": created_ids}

    def _require_invoice(self, invoice_id: int) -> Any:
        row = self.invoice_row(invoice_id)
        if row is None:
            raise KeyError(f"invoice {invoice_id} not found")
        return row

    def journal_rows(self) -> list[Any]:
        return self.index.query("SELECT * FROM receipts WHERE type = 'JOURNAL' AND gone = 0 ORDER BY id")

    @staticmethod
    def hidden_invoice_id(receipt_id: int) -> int:
        return HIDDEN_INVOICE_OFFSET + receipt_id

    def now_str(self) -> str:
        return fmt_ts(self.clock.now())

    def close(self) -> None:
        self.index.close()
        self.bodies.close()


def _with_field(node: Any, parts: list[str], value: Any) -> Any:
    """A copy of `node` with the field set (the registries' own dicts are never changed)."""
    if isinstance(node, list):
        return [_with_field(item, parts, value) for item in node]
    if not isinstance(node, dict):
        return node
    head, rest = parts[0], parts[1:]
    if not rest:
        return {**node, head: value}
    if head not in node or node[head] is None:
        return node
    return {**node, head: _with_field(node[head], rest, value)}
