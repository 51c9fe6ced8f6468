"""Spool files: records on local disk between the API and the warehouse, so memory stays flat."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loader import exact_json
from loader.errors import ApiError, SpoolError
from loader.idset import IdSet
from loader.projection import Trie, project_collect


class SpoolWriter:
    """Writes landing rows (SPOOL_KEYS) as NDJSON; projects each record to the selection first."""

    def __init__(self, path: Path, company_id: int, trie: Trie, primary_key: str,
                 cursor_field: str | None, key_fields: tuple[str, ...] = (),
                 suppress: Callable[[str, dict[str, Any]], dict[str, Any] | None] | None = None) -> None:
        self.path = path  # the file being written
        self.paths: list[Path] = [path]  # every file of this stream, in order
        # Called with each finished file when the writer moves on to the next one (after
        # `rotate_bytes` of rows), so the destination can parse it while the API is still read.
        self.on_rotate: Callable[[Path], None] | None = None
        self.rotate_bytes = 8_000_000
        self._bytes_in_file = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise self._error(exc) from None
        self.company_id = company_id
        self.trie = trie
        self.primary_key = primary_key
        self.cursor_field = cursor_field
        self.key_fields = key_fields
        self.count = 0
        self.ids = IdSet()  # every id written (or forgotten): compact at a million records
        self.seen_fields: set[str] = set()  # paths the API sent that the selection dropped
        # GDPR suppression (loader.gdpr.Suppressor): None drops the record, else it lands as returned.
        self.suppress = suppress
        self.suppressed = 0  # records the source still has that a `forget` keeps out
        self.on_write: Callable[[int], None] | None = None

    def _error(self, exc: OSError) -> SpoolError:
        return SpoolError(f"cannot write the spool file {self.path} ({exc.strerror or exc}); free space there "
                          "or point extract.spool_dir at a larger disk. Nothing of this stream was committed.")

    def record_id(self, record: dict[str, Any], fallback: str | None = None) -> str:
        if not isinstance(record, dict):
            raise ApiError(f"the API answered a record that is not a JSON object: {str(record)[:80]!r}")
        if self.key_fields:
            return ":".join(str(record.get(k)) for k in self.key_fields)
        if self.primary_key:
            value = record.get(self.primary_key)
            if value is None or isinstance(value, dict | list) or value == "":
                raise ApiError(f"the API answered a record without its {self.primary_key!r}; "
                               "cannot land it without its original id")
            return str(value)
        return fallback or "current"

    def encode(self, record: dict[str, Any], record_id: str | None = None) -> tuple[str, str, set[str]]:
        """(record id, NDJSON line, dropped paths). Pure, so worker threads can do it in parallel
        with the thread that appends to the file."""
        rid = record_id or self.record_id(record)
        if self.suppress is not None:
            kept = self.suppress(rid, record)
            if kept is None:
                return rid, "", set()
            record = kept
        dropped: set[str] = set()
        data = exact_json.dumps_wire(project_collect(record, self.trie, "", dropped))
        cursor = record.get(self.cursor_field) if self.cursor_field else None
        row = {
            "_company_id": self.company_id,
            "_record_id": rid,
            "_data": data,
            "_record_hash": exact_json.record_hash(data),
            "_cursor_value": None if cursor is None else str(cursor),
            "_extracted_at": datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds"),
        }
        return rid, exact_json.dumps_wire(row) + "\n", dropped

    def append(self, encoded: tuple[str, str, set[str]]) -> str:
        rid, line, dropped = encoded
        if not line:  # forgotten: the id still counts as seen in the source (sweeps), nothing lands
            self.ids.add(rid)
            self.suppressed += 1
            return rid
        try:
            self._fh.write(line)
        except OSError as exc:
            raise self._error(exc) from None
        if dropped:
            self.seen_fields |= dropped
        self.count += 1
        self.ids.add(rid)
        if self.on_write is not None and self.count % 200 == 0:
            self.on_write(self.count)
        self._bytes_in_file += len(line)
        if self.on_rotate is not None and self._bytes_in_file >= self.rotate_bytes:
            self._rotate()
        return rid

    def _rotate(self) -> None:
        finished = self.path
        self._close_file()
        self.path = finished.with_name(f"{finished.name.split('.')[0]}.{len(self.paths)}.jsonl")
        try:
            self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise self._error(exc) from None
        self.paths.append(self.path)
        self._bytes_in_file = 0
        assert self.on_rotate is not None
        self.on_rotate(finished)

    def write(self, record: dict[str, Any], record_id: str | None = None) -> str:
        return self.append(self.encode(record, record_id))

    def close(self) -> None:
        self._close_file()

    def _close_file(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError as exc:
                raise self._error(exc) from None
            finally:
                with contextlib.suppress(OSError):
                    self._fh.close()
