"""Write spool files the way the loader engine does (SPOOL_KEYS, one JSON object per line)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loader.destinations.base import SPOOL_KEYS


def record_row(
    company_id: int, record: Mapping[str, Any], *, id_key: str = "id", cursor_key: str | None = "version",
    extracted_at: datetime | None = None,
) -> dict[str, Any]:
    # Exact numbers stay text inside _data (the engine projects records with Decimal-safe JSON).
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    extracted = (extracted_at or datetime.now(UTC)).astimezone(UTC)
    row = {
        "_company_id": company_id,
        "_record_id": str(record[id_key]),
        "_data": data,
        "_record_hash": hashlib.sha256(data.encode("utf-8")).hexdigest(),
        "_cursor_value": None if cursor_key is None or record.get(cursor_key) is None
        else str(record[cursor_key]),
        "_extracted_at": extracted.isoformat().replace("+00:00", "Z"),
    }
    assert tuple(row) == SPOOL_KEYS
    return row


def write_spool(
    directory: Path, name: str, company_id: int, records: Iterable[Mapping[str, Any]], **kwargs: Any
) -> Path:
    path = directory / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record_row(company_id, record, **kwargs), ensure_ascii=False) + "\n")
    return path
