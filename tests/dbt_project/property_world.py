"""A random Procountor "source" for the incremental property test, and the loader operations on it.

`World` holds what Procountor would answer (stream -> company -> record id -> record), seeded from the
hand-made landing fixture (fixture.py). Each random step changes the source and lands the change the
way the loader does: through the real destination (`DuckDBDestination.commit_stream` with spooled
NDJSON rows, merge or replace mode, tombstones from the id sweep), the real `gdpr.forget`, the
destination's `clear_state` (`reset`) and `drop_connection`. A "late" commit is stamped before the last
dbt build started (BigQuery's loader stamps `_loaded_at` in Python before its commit becomes visible).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

import loader.destinations.duckdb as duckdb_destination
from loader import exact_json, gdpr
from loader.destinations.base import StreamCommit
from loader.destinations.duckdb import DuckDBDestination

Record = dict[str, Any]
STAMP = "%Y-%m-%dT%H:%M:%S"


def read_fixture(path: Path) -> dict[str, dict[int, dict[str, Record]]]:
    """The live records of a landing fixture file: stream -> company -> id -> record."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw_procountor'").fetchall()]
        out: dict[str, dict[int, dict[str, Record]]] = {}
        for table in tables:
            out[table] = {}
            for company, rid, data in con.execute(f"select _company_id, _record_id, _data from raw_procountor.{table} "
                                                  "where not _is_deleted").fetchall():
                out[table].setdefault(company, {})[rid] = exact_json.loads(data)
        return out
    finally:
        con.close()


class World:
    """The source, the landing file it is loaded into, and the random steps between them."""

    def __init__(self, seed_records: dict[str, dict[int, dict[str, Record]]], warehouse: Path, spool: Path,
                 rng: random.Random) -> None:
        self.source = copy.deepcopy(seed_records)
        self.streams = sorted(seed_records)
        self.companies = sorted({c for per in seed_records.values() for c in per})
        self.warehouse, self.spool, self.rng = warehouse, spool, rng
        self.pending_deletes: dict[tuple[int, str], set[str]] = {}
        self.dropped: set[int] = set()
        self.next_id = 900000
        self.sync = 0
        self.last_build_started: datetime | None = None
        self.late_offset = 0
        self.log: list[str] = []
        self.dest: DuckDBDestination | None = None

    # -- the destination -------------------------------------------------------------------------
    @contextmanager
    def destination(self) -> Iterator[DuckDBDestination]:
        dest = DuckDBDestination(self.warehouse)
        self.dest = dest
        try:
            dest.setup()
            for stream in self.streams:
                dest.ensure_stream_table(stream)
            yield dest
        finally:
            self.dest = None
            dest.close()

    def _write_spool(self, company: int, stream: str, records: list[tuple[str, Record]]) -> Path:
        self.sync += 1
        path = self.spool / f"{self.sync}-{company}-{stream}.jsonl"
        extracted = datetime(2026, 3, 20, 6, 0, 0).strftime(STAMP)
        with open(path, "w", encoding="utf-8") as fh:
            for rid, record in records:
                text = exact_json.dumps(record)
                fh.write(exact_json.dumps({
                    "_company_id": company, "_record_id": rid, "_data": text,
                    "_record_hash": exact_json.record_hash(text), "_cursor_value": record.get("version"),
                    "_extracted_at": extracted}) + "\n")
        return path

    def commit(self, company: int, stream: str, ids: set[str], mode: str = "merge") -> None:
        """Land `ids` of the stream (all of it in replace mode) as the loader's extract would."""
        if company in self.dropped:
            return
        assert self.dest is not None
        current = self.source[stream].get(company, {})
        if mode == "replace":
            rows = sorted(current.items())
            deleted: list[str] = []
            self.pending_deletes.pop((company, stream), None)
        else:
            rows = sorted((rid, current[rid]) for rid in ids if rid in current)
            pending = self.pending_deletes.get((company, stream), set())
            # the id sweep finds vanished ids on some runs only (it runs every N runs)
            deleted = sorted(pending) if pending and self.rng.random() < 0.6 else []
            pending.difference_update(deleted)
        late = self.rng.random() < 0.15 and self.last_build_started is not None
        with self._clock(late):
            self.dest.commit_stream(StreamCommit(
                company_id=company, stream=stream, sync_id=f"prop-{self.sync}",
                spool_files=[self._write_spool(company, stream, rows)], mode=mode,  # type: ignore[arg-type]
                state={"sync_id": f"prop-{self.sync}"}, deleted_ids=deleted))
        self.log.append(f"commit {stream}/{company} {mode} {len(rows)} rows, {len(deleted)} tombstones"
                        + (" (late)" if late else ""))

    @contextmanager
    def _clock(self, late: bool) -> Iterator[None]:
        """A late commit: stamped just before the last dbt build started, visible only after it."""
        if not late:
            yield
            return
        assert self.last_build_started is not None
        self.late_offset += 1
        stamp = self.last_build_started - timedelta(microseconds=self.late_offset)
        real: Callable[[], datetime] = duckdb_destination._now
        duckdb_destination._now = lambda: stamp
        try:
            yield
        finally:
            duckdb_destination._now = real

    # -- helpers -------------------------------------------------------------------------------
    def _records(self, stream: str, company: int) -> dict[str, Record]:
        return self.source[stream].setdefault(company, {})

    def _pick(self, stream: str, company: int, where: Callable[[Record], bool] = lambda r: True) -> str | None:
        ids = sorted(rid for rid, r in self._records(stream, company).items() if where(r))
        return self.rng.choice(ids) if ids else None

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _cents(self, low: int = 100, high: int = 500000) -> Decimal:
        return Decimal(self.rng.randint(low, high)) / 100

    def _touch(self, record: Record) -> None:
        moment = datetime(2026, 3, 21) + timedelta(seconds=self.sync + self.rng.randint(0, 999))
        record["version"] = moment.strftime(STAMP)

    def _source_delete(self, company: int, stream: str, rid: str) -> None:
        """The record vanishes from Procountor; the loader sees it by an id sweep or a replace."""
        self._records(stream, company).pop(rid, None)
        self.pending_deletes.setdefault((company, stream), set()).add(rid)

    # -- source changes ------------------------------------------------------------------------
    def edit_receipt(self, c: int) -> list[tuple[str, str]]:
        rid = self._pick("ledger_receipts", c, lambda r: len(r.get("transactions") or []) >= 2)
        if rid is None:
            return []
        receipt = self._records("ledger_receipts", c)[rid]
        lines = receipt["transactions"]
        a, b = self.rng.sample(range(len(lines)), 2)
        delta = self._cents(1, 20000)
        lines[a]["accountingValue"] = Decimal(str(lines[a]["accountingValue"])) + delta
        lines[b]["accountingValue"] = Decimal(str(lines[b]["accountingValue"])) - delta
        if self.rng.random() < 0.3:
            receipt["receiptDate"] = f"2025-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if self.rng.random() < 0.3 and lines[a].get("dimensionItemValues") is not None:
            dims = self._records("dimensions", c)
            if dims:
                dim_id = self.rng.choice(sorted(dims))
                items = dims[dim_id].get("items") or [{"id": 1}]
                lines[a]["dimensionItemValues"] = [{"dimensionId": int(dim_id), "itemId": self.rng.choice(items)["id"],
                                                    "value": lines[a]["accountingValue"]}]
        self._touch(receipt)
        return [("ledger_receipts", rid)]

    def recreate_receipt(self, c: int) -> list[tuple[str, str]]:
        """Editing an invoice in Procountor recreates its ledger receipt under a new id."""
        rid = self._pick("ledger_receipts", c, lambda r: r.get("invoiceId") is not None)
        if rid is None:
            return []
        receipt = copy.deepcopy(self._records("ledger_receipts", c)[rid])
        new = self._new_id()
        receipt["id"] = new
        self._touch(receipt)
        self._source_delete(c, "ledger_receipts", rid)
        self._records("ledger_receipts", c)[str(new)] = receipt
        changed = [("ledger_receipts", str(new))]
        inv = self._records("invoices", c).get(str(receipt["invoiceId"]))
        if inv is not None:
            inv["ledgerReceiptId"] = new
            self._touch(inv)
            changed.append(("invoices", str(receipt["invoiceId"])))
        return changed

    def invalidate_receipt(self, c: int) -> list[tuple[str, str]]:
        rid = self._pick("ledger_receipts", c)
        if rid is None:
            return []
        receipt = self._records("ledger_receipts", c)[rid]
        receipt["status"] = self.rng.choice(["INVALIDATED", "APPROVED"])
        self._touch(receipt)
        return [("ledger_receipts", rid)]

    def hard_delete(self, c: int) -> list[tuple[str, str]]:
        stream = self.rng.choice(["ledger_receipts", "invoices", "payment_events", "business_partners",
                                  "bank_statements", "dimensions"])
        rid = self._pick(stream, c)
        if rid is not None:
            self._source_delete(c, stream, rid)
        return [(stream, "")]

    def new_documents(self, c: int) -> list[tuple[str, str]]:
        """A new sales invoice with its ledger receipt and, sometimes, a payment."""
        inv_id = self._pick("invoices", c)
        rec_id = self._pick("ledger_receipts", c, lambda r: r.get("invoiceId") is not None)
        if inv_id is None or rec_id is None:
            return []
        inv = copy.deepcopy(self._records("invoices", c)[inv_id])
        rec = copy.deepcopy(self._records("ledger_receipts", c)[rec_id])
        new_inv, new_rec = self._new_id(), self._new_id()
        inv.update(id=new_inv, invoiceNumber=new_inv % 100000, ledgerReceiptId=new_rec, originalInvoiceNumber="")
        inv["date"] = f"2025-{self.rng.randint(7, 12):02d}-{self.rng.randint(1, 28):02d}"
        rec.update(id=new_rec, invoiceId=new_inv, receiptDate=inv["date"])
        for line in rec["transactions"]:
            line["id"] = self._new_id()
        self._touch(inv)
        self._touch(rec)
        self._records("invoices", c)[str(new_inv)] = inv
        self._records("ledger_receipts", c)[str(new_rec)] = rec
        changed = [("invoices", str(new_inv)), ("ledger_receipts", str(new_rec))]
        if self.rng.random() < 0.5:
            changed += self.payment(c, new_inv)
        return changed

    def credit_note(self, c: int) -> list[tuple[str, str]]:
        """A credit note naming an original by its invoice number."""
        orig = self._pick("invoices", c, lambda r: not r.get("originalInvoiceNumber"))
        if orig is None:
            return []
        original = self._records("invoices", c)[orig]
        note = copy.deepcopy(original)
        new = self._new_id()
        note.update(id=new, invoiceNumber=new % 100000, originalInvoiceNumber=str(original["invoiceNumber"]),
                    ledgerReceiptId=None)
        for info in note.get("invoiceSumInfo") or []:
            for key in ("excludingVatTotal", "vatSumTotal", "invoiceSumTotal"):
                info[key] = -Decimal(str(info[key]))
        for row in note.get("invoiceRows") or []:
            row["quantity"] = -Decimal(str(row["quantity"]))
        self._touch(note)
        self._records("invoices", c)[str(new)] = note
        return [("invoices", str(new))]

    def change_original(self, c: int) -> list[tuple[str, str]]:
        """The original of a credit note changes: its number moves, or another invoice takes it."""
        inv_id = self._pick("invoices", c)
        if inv_id is None:
            return []
        inv = self._records("invoices", c)[inv_id]
        numbers = sorted({str(r["invoiceNumber"]) for r in self._records("invoices", c).values()})
        if self.rng.random() < 0.5 and numbers:
            inv["invoiceNumber"] = int(self.rng.choice(numbers))
        else:
            inv["invoiceNumber"] = self.rng.randint(1, 999)
        self._touch(inv)
        return [("invoices", inv_id)]

    def edit_invoice(self, c: int) -> list[tuple[str, str]]:
        inv_id = self._pick("invoices", c)
        if inv_id is None:
            return []
        inv = self._records("invoices", c)[inv_id]
        rows = inv.get("invoiceRows") or []
        choice = self.rng.random()
        if rows and choice < 0.4:
            rows[self.rng.randrange(len(rows))]["quantity"] = Decimal(self.rng.randint(1, 90))
        elif len(rows) > 1 and choice < 0.6:
            rows.pop()
        elif rows:
            rows.append({**rows[0], "id": self._new_id(), "unitPrice": self._cents(100, 9000)})
        if self.rng.random() < 0.3:
            inv["status"] = self.rng.choice(["SENT", "PAID", "INVALIDATED"])
        self._touch(inv)
        return [("invoices", inv_id)]

    def payment(self, c: int, invoice_id: int | None = None) -> list[tuple[str, str]]:
        events = self._records("payment_events", c)
        if invoice_id is None and events and self.rng.random() < 0.4:
            rid = self.rng.choice(sorted(events))
            events[rid]["amount"] = self._cents()
            self._touch(events[rid])
            return [("payment_events", rid)]
        if invoice_id is None:
            pick = self._pick("invoices", c)
            if pick is None:
                return []
            invoice_id = int(pick)
        new = self._new_id()
        events[str(new)] = {"id": new, "invoiceId": invoice_id, "type": "BANKSTATEMENT", "paymentDate": "2025-10-02",
                            "status": "PAID", "amount": self._cents(), "currency": "EUR",
                            "version": "2026-03-21T10:00:00"}
        return [("payment_events", str(new))]

    def partner_rename(self, c: int) -> list[tuple[str, str]]:
        rid = self._pick("business_partners", c)
        if rid is None:
            return []
        partner = self._records("business_partners", c)[rid]
        partner["name"] = f"{partner['name'].split(' #')[0]} #{self.rng.randint(1, 99)}"
        self._touch(partner)
        return [("business_partners", rid)]

    def account_rename(self, c: int) -> list[tuple[str, str]]:
        rid = self._pick("accounts", c)
        if rid is None:
            return []
        self._records("accounts", c)[rid]["name"] = f"Tili {self.rng.randint(1, 999)}"
        return [("accounts", rid)]

    def fiscal_year_edit(self, c: int) -> list[tuple[str, str]]:
        """Move the boundary between the two fiscal years (periods regenerated)."""
        years = self._records("fiscal_years", c)
        if len(years) < 2:
            return []
        first, second = (years[k] for k in sorted(years, key=lambda k: years[k]["startDate"])[:2])
        end_month = self.rng.choice([(2024, 12), (2025, 3), (2025, 6)])
        nxt = (end_month[0] + (end_month[1] == 12), end_month[1] % 12 + 1)
        last = (datetime(nxt[0], nxt[1], 1) - timedelta(days=1)).day
        first["endDate"] = f"{end_month[0]}-{end_month[1]:02d}-{last:02d}"
        second["startDate"] = f"{nxt[0]}-{nxt[1]:02d}-01"
        for year in (first, second):
            year["trackingPeriods"] = _periods(year["startDate"], year["endDate"], int(year["id"]) * 100)
            year["modified"] = "2026-03-21T10:00:00"
        return [("fiscal_years", str(first["id"])), ("fiscal_years", str(second["id"]))]

    def dimension_change(self, c: int) -> list[tuple[str, str]]:
        dims = self._records("dimensions", c)
        if dims and self.rng.random() < 0.5:
            rid = self.rng.choice(sorted(dims))
            dims[rid]["items"] = [*(dims[rid].get("items") or []),
                                  {"id": self._new_id(), "codeName": "X", "description": "Uusi"}]
            return [("dimensions", rid)]
        new = self._new_id()
        dims[str(new)] = {"id": new, "name": f"Ulottuvuus {new}",
                          "items": [{"id": 1, "codeName": "A", "description": "A"}]}
        return [("dimensions", str(new))]

    def bank_statement_edit(self, c: int) -> list[tuple[str, str]]:
        rid = self._pick("bank_statements", c)
        if rid is None:
            return []
        statement = self._records("bank_statements", c)[rid]
        events = statement.get("events") or []
        if events and self.rng.random() < 0.5:
            events.pop()
        else:
            events.append({"id": self._new_id(), "payDate": "2024-04-03", "valueDate": "2024-04-03",
                           "sum": self._cents(), "name": "Asiakas", "allocated": False})
        statement["events"] = events
        return [("bank_statements", rid)]

    # -- loader operations ---------------------------------------------------------------------
    def reset(self, c: int) -> None:
        """`procountor-loader reset STREAM` then the next extract: the stream is replaced."""
        stream = self.rng.choice(["ledger_receipts", "invoices", "payment_events", "bank_statements",
                                  "business_partners", "dimensions", "fiscal_years"])
        assert self.dest is not None
        self.dest.clear_state(c, stream)
        self.commit(c, stream, set(), mode="replace")

    def forget(self, c: int) -> None:
        """GDPR `forget`: delete or anonymise one record (and anonymise documents naming a partner)."""
        stream = self.rng.choice(["business_partners", "ledger_receipts", "invoices", "payment_events"])
        landed = [r[0] for r in duckdb_connection(self.dest).execute(
            f"select _record_id from raw_procountor.{stream} where _company_id = ? order by 1", [c]).fetchall()]
        if not landed or c in self.dropped:
            return
        rid = self.rng.choice(landed)
        # anonymising is defined for people and the documents naming them (loader/gdpr.py); elsewhere
        # it would scrub dates too, which no build survives (reported, not this test's subject)
        how = self.rng.choice(["delete", "anonymise"]) if stream != "payment_events" else "delete"
        assert self.dest is not None
        gdpr.forget(self.dest, c, stream, rid, how, "property test")
        self.log.append(f"forget {stream}/{c}/{rid} {how}")

    def drop_connection(self, c: int) -> None:
        assert self.dest is not None
        self.dest.drop_connection(c)
        self.dropped.add(c)
        self.log.append(f"drop-connection {c}")

    def reconnect(self, c: int) -> None:
        """The dropped company is connected again: its first extract lands every stream."""
        self.dropped.discard(c)
        for stream in self.streams:
            self.commit(c, stream, set(), mode="replace")

    # -- one random step -----------------------------------------------------------------------
    CHANGES = ("edit_receipt", "recreate_receipt", "invalidate_receipt", "hard_delete", "new_documents",
               "credit_note", "change_original", "edit_invoice", "payment", "partner_rename", "account_rename",
               "fiscal_year_edit", "dimension_change", "bank_statement_edit")

    def step(self) -> None:
        c = self.rng.choice(self.companies)
        if c in self.dropped and self.rng.random() < 0.5:
            self.reconnect(c)
            return
        roll = self.rng.random()
        if roll < 0.06:
            self.reset(c)
        elif roll < 0.11:
            self.forget(c)
        elif roll < 0.13:
            self.drop_connection(c)
        else:
            name = self.rng.choice(self.CHANGES)
            changed = getattr(self, name)(c)
            self.log.append(f"{name} {c}: {changed}")
            by_stream: dict[str, set[str]] = {}
            for stream, rid in changed:
                by_stream.setdefault(stream, set()).add(rid)
            for stream, ids in sorted(by_stream.items()):
                mode = "replace" if self.rng.random() < 0.1 else "merge"
                self.commit(c, stream, ids - {""}, mode=mode)


def duckdb_connection(dest: DuckDBDestination | None) -> duckdb.DuckDBPyConnection:
    assert dest is not None
    return dest.con


def _periods(start: str, end: str, first_id: int) -> list[Record]:
    out = []
    y, m = int(start[:4]), int(start[5:7])
    pid = first_id
    while f"{y:04d}-{m:02d}-01" <= end:
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        last = (datetime(ny, nm, 1) - timedelta(days=1)).day
        out.append({"id": pid, "startDate": f"{y:04d}-{m:02d}-01", "endDate": f"{y:04d}-{m:02d}-{last:02d}",
                    "status": "OPEN", "modified": "2026-03-21T10:00:00"})
        pid += 1
        y, m = ny, nm
    return out
