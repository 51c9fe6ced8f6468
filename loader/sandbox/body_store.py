"""Where the sandbox keeps its encoded bodies: ``(kind, id) -> (generation, bytes)`` in a SQLite file.

Apart from ``bodies`` (which derives what it stores from the documents) so that ``company``, which
owns a store, does not import the document builders, which refer back to ``Company``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence

INVOICE_BASIC, INVOICE_DETAIL, RECEIPT_DETAIL = 0, 1, 2
_KINDS = 4  # the stored key is id * _KINDS + kind: one integer primary key, no second index


class BodyStore:
    """``(kind, id) -> (generation, bytes)`` in a SQLite file; one connection, many threads."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._remove()
        self._connect()
        self.conn.execute("PRAGMA journal_mode=WAL")  # several precomputing processes write at once
        self.conn.execute("CREATE TABLE bodies (key INTEGER PRIMARY KEY, generation INTEGER NOT NULL, "
                          "body BLOB NOT NULL)")

    def _connect(self) -> None:
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=600)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-16000")  # 16 MB; the OS page cache holds the rest

    def reopen_in_child(self) -> None:
        """A connection of this process's own, after a fork: the parent's may not be used here, nor
        closed (it stays referenced; the child leaves with os._exit)."""
        self._inherited = self.conn
        self._connect()

    def checkpoint(self) -> None:
        with self.lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)

    def get(self, kind: int, ids: Sequence[int], generation: int) -> dict[int, bytes]:
        """The stored bodies of these ids that were derived in ``generation``."""
        if not ids:
            return {}
        keys = [i * _KINDS + kind for i in ids]
        out: dict[int, bytes] = {}
        with self.lock:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                part = keys[start:start + 500]
                rows = self.conn.execute(f"SELECT key, body FROM bodies WHERE generation = ? AND key IN "
                                         f"({','.join('?' * len(part))})", [generation, *part]).fetchall()
                for key, body in rows:
                    out[key // _KINDS] = body
        return out

    def put(self, kind: int, items: Iterable[tuple[int, bytes]], generation: int) -> None:
        rows = [(i * _KINDS + kind, generation, body) for i, body in items]
        if not rows:
            return
        with self.lock:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR REPLACE INTO bodies (key, generation, body) VALUES (?, ?, ?)", rows)
            self.conn.execute("COMMIT")

    def count(self, generation: int) -> int:
        with self.lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM bodies WHERE generation = ?",
                                         (generation,)).fetchone()[0])

    def close(self) -> None:
        with self.lock:
            self.conn.close()
        self._remove()
