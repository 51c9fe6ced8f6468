"""Spool files written the way the engine writes them, for tests that commit to a destination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loader.spool import SpoolWriter


def write_spool(path: Path, records: list[dict[str, Any]], *, staged: bool) -> tuple[list[Path], list[Path]]:
    """Write `records` to spool files; (files to stage, files left for the commit). `staged`: one
    file a record, each finished file handed over for staging as the engine does while it reads."""
    writer = SpoolWriter(path, 1, None, "id", "version")
    finished: list[Path] = []
    if staged:
        writer.rotate_bytes = 1
        writer.on_rotate = finished.append
    for record in records:
        writer.write(record)
    writer.close()
    return finished, [p for p in writer.paths if p not in finished]
