"""Spool files: records on local disk between the API and the warehouse, so memory stays flat."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loader import exact_json
from loader.projection import Trie, project_collect


class SpoolWriter:
    """Writes landing rows (SPOOL_KEYS) as NDJSON; projects each record to the selection first."""

    def __init__(self, path: Path, company_id: int, trie: Trie, primary_key: str,
                 cursor_field: str | None, key_fields: tuple[str, ...] = ()) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.company_id = company_id
        self.trie = trie
        self.primary_key = primary_key
        self.cursor_field = cursor_field
        self.key_fields = key_fields
        self.count = 0
        self.ids: set[str] = set()
        self.seen_fields: set[str] = set()  # paths the API sent that the selection dropped
        self.on_write: Callable[[int], None] | None = None

    def record_id(self, record: dict[str, Any], fallback: str | None = None) -> str:
        if self.key_fields:
            return ":".join(str(record.get(k)) for k in self.key_fields)
        if self.primary_key:
            value = record.get(self.primary_key)
            if value is None:
                raise ValueError(f"a record has no {self.primary_key!r}")
            return str(value)
        return fallback or "current"

    def write(self, record: dict[str, Any], record_id: str | None = None) -> str:
        rid = record_id or self.record_id(record)
        data = exact_json.dumps(project_collect(record, self.trie, "", self.seen_fields))
        cursor = record.get(self.cursor_field) if self.cursor_field else None
        row = {
            "_company_id": self.company_id,
            "_record_id": rid,
            "_data": data,
            "_record_hash": exact_json.record_hash(data),
            "_cursor_value": None if cursor is None else str(cursor),
            "_extracted_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
        self._fh.write(exact_json.dumps(row))
        self._fh.write("\n")
        self.count += 1
        self.ids.add(rid)
        if self.on_write is not None and self.count % 200 == 0:
            self.on_write(self.count)
        return rid

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
