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
        self.generation = 0  # bumped on every write; invalidates cached counts

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
               limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
        """Rows of one page plus the total number of matching rows (cached per data generation)."""
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

    def close(self) -> None:
        with self.lock:
            self.conn.close()
        if os.path.exists(self.path):
            os.remove(self.path)
