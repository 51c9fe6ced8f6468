"""Compact SQLite index of a company's invoices and ledger receipts.

Only the columns the API filters, sorts or pages on are stored (a few dozen bytes per document); the
full bodies are derived on demand from (seed, id, revision) in ``documents.py``. That keeps a
1 M-document company at a few hundred MB of disk and a small RSS, and every list request is an indexed
SQL query instead of a Python scan.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

INVOICE_COLUMNS = (
    "id", "type", "status", "date", "due", "created", "version", "partner_id", "is_offer", "number",
    "original_number", "channel", "currency", "receipt_id", "pay_date", "pay_receipt_id", "paid", "rev",
    "credit_of",
)
RECEIPT_COLUMNS = (
    "id", "type", "status", "date", "created", "version", "invoice_id", "kind", "period", "number",
    "invoice_number", "name", "partner_id", "rev", "gone",
)

_SCHEMA = """
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, date TEXT NOT NULL, due TEXT NOT NULL,
    created TEXT NOT NULL, version TEXT NOT NULL, partner_id INTEGER, is_offer INTEGER NOT NULL,
    number INTEGER, original_number TEXT, channel TEXT, currency TEXT NOT NULL, receipt_id INTEGER,
    pay_date TEXT, pay_receipt_id INTEGER, paid INTEGER NOT NULL, rev INTEGER NOT NULL, credit_of INTEGER
);
CREATE TABLE receipts (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, date TEXT NOT NULL,
    created TEXT NOT NULL, version TEXT NOT NULL, invoice_id INTEGER, kind TEXT NOT NULL, period TEXT,
    number INTEGER, invoice_number INTEGER, name TEXT, partner_id INTEGER, rev INTEGER NOT NULL,
    gone INTEGER NOT NULL
);
"""
_INDEXES = """
CREATE INDEX inv_version ON invoices(version, id);
CREATE INDEX inv_created ON invoices(created, id);
CREATE INDEX inv_date ON invoices(date, id);
CREATE INDEX inv_offer ON invoices(is_offer, id);
CREATE INDEX rec_version ON receipts(version, id);
CREATE INDEX rec_created ON receipts(created, id);
CREATE INDEX rec_date ON receipts(date, id);
CREATE INDEX rec_invoice ON receipts(invoice_id);
CREATE INDEX rec_gone ON receipts(gone, id);
"""
IDS_CACHE_ENTRIES = 8_000_000  # ids kept in cached id lists (8 bytes each: 64 MB at most)


class DocumentIndex:
    """One SQLite database per company. All access goes through ``lock`` (one connection, many threads)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if os.path.exists(path):
            os.remove(path)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-32000")  # 32 MB page cache: bounded RSS at any scale
        self.conn.execute("PRAGMA temp_store=FILE")
        self.conn.executescript(_SCHEMA)
        self.lock = threading.RLock()
        self._count_cache: dict[tuple[Any, ...], int] = {}
        self.generation = 0  # bumped on every write; invalidates cached counts and id lists
        self._ids_cache: OrderedDict[tuple[Any, ...], array[int]] = OrderedDict()
        self._ids_size = 0
        self._ids_generation = 0

    def reopen_in_child(self) -> None:
        """A connection of this process's own, after a fork: the parent's may not be used here, nor
        closed (it stays referenced; the child leaves with os._exit)."""
        self._inherited = self.conn
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA cache_size=-32000")

    def create_indexes(self) -> None:
        with self.lock:
            self.conn.executescript(_INDEXES)
            self.conn.execute("ANALYZE")

    def insert_many(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        columns = INVOICE_COLUMNS if table == "invoices" else RECEIPT_COLUMNS
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        with self.lock:
            self.conn.execute("BEGIN")
            self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
            self.generation += 1

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.lock:
            self.conn.execute(sql, params)
            self.generation += 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def search(self, table: str, where: list[str], params: list[Any], order: list[tuple[str, str]],
               limit: int, offset: int, keyset: tuple[str, int] | None = None) -> tuple[list[sqlite3.Row], int]:
        """Rows of one page plus the total number of matching rows.

        ``keyset`` is ``(">" or "<", id)`` (previousId). Lists ordered by id alone -- the common case,
        and every keyset page -- are answered from a cached, sorted id list of the filter without the
        keyset (built once per data generation): the count and the page are a bisect and a slice, and
        the page's rows one primary-key lookup, so a page costs the same at any size and position.
        SQLite cannot do that itself: ``COUNT(*)`` is linear in the matches, and a date-range filter
        with ``ORDER BY id`` reads and sorts the whole range for every page."""
        if len(order) == 1 and order[0][0] == "id" and limit <= 1000:
            return self._search_by_ids(table, where, params, order[0][1] == "ASC", limit, offset, keyset)
        if keyset is not None:
            where = [*where, f"id {keyset[0]} ?"]
            params = [*params, keyset[1]]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order_sql = ", ".join(f"{column} {direction}" for column, direction in order)
        with self.lock:
            key = (table, clause, tuple(params), self.generation)
            total = self._count_cache.get(key)
            if total is None:
                total = self.conn.execute(f"SELECT COUNT(*) FROM {table}{clause}", params).fetchone()[0]
                if len(self._count_cache) > 4096:
                    self._count_cache.clear()
                self._count_cache[key] = total
            rows = self.conn.execute(
                f"SELECT * FROM {table}{clause} ORDER BY {order_sql} LIMIT ? OFFSET ?", [*params, limit, offset]
            ).fetchall()
        return rows, total

    def matching_ids(self, table: str, where: list[str], params: list[Any]) -> array[int]:
        """Ascending ids matching the filter, cached per data generation (bounded, least recently used)."""
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        key = (table, clause, tuple(params))
        with self.lock:
            if self._ids_generation != self.generation:
                self._ids_cache.clear()
                self._ids_size = 0
                self._ids_generation = self.generation
            ids = self._ids_cache.get(key)
            if ids is not None:
                self._ids_cache.move_to_end(key)
                return ids
            ids = array("q", (r[0] for r in self.conn.execute(f"SELECT id FROM {table}{clause} ORDER BY id",
                                                               params)))
            self._ids_cache[key] = ids
            self._ids_size += len(ids)
            while self._ids_size > IDS_CACHE_ENTRIES and len(self._ids_cache) > 1:
                _, dropped = self._ids_cache.popitem(last=False)
                self._ids_size -= len(dropped)
            return ids

    def _search_by_ids(self, table: str, where: list[str], params: list[Any], ascending: bool, limit: int,
                       offset: int, keyset: tuple[str, int] | None) -> tuple[list[sqlite3.Row], int]:
        with self.lock:
            ids = self.matching_ids(table, where, params)
            lo, hi = 0, len(ids)
            if keyset is not None:
                if keyset[0] == ">":
                    lo = bisect_right(ids, keyset[1])
                else:
                    hi = bisect_left(ids, keyset[1])
            total = max(0, hi - lo)
            if ascending:
                chosen = ids[lo + offset:min(hi, lo + offset + limit)] if offset < total else []
            else:
                top = hi - offset
                chosen = ids[max(lo, top - limit):top][::-1] if offset < total else []
            if not len(chosen):
                return [], total
            wanted = list(chosen)
            marks = ",".join("?" * len(wanted))
            found = {r["id"]: r for r in self.conn.execute(f"SELECT * FROM {table} WHERE id IN ({marks})", wanted)}
        return [found[i] for i in wanted], total

    def close(self) -> None:
        with self.lock:
            self.conn.close()
        if os.path.exists(self.path):
            os.remove(self.path)
