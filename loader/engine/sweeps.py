"""Sweeps: finding records the API no longer has.

A full sweep lists every id (loader/engine/lists.py compares it with the live ids). A linked sweep
covers records re-created under a new id: an older record sharing the re-read record's
`link_field` (a receipt's invoice) that the API no longer serves is gone.
"""

from __future__ import annotations

from loader import exact_json
from loader.engine.context import RunContext
from loader.engine.listing import fetch_details
from loader.spool import SpoolWriter
from loader.streams.registry import StreamSpec


def linked_sweep(rc: RunContext, spec: StreamSpec, writer: SpoolWriter) -> list[str]:
    """Older records of the same `link_field` value as this run's records, no longer served."""
    link = spec.link_field or ""
    values = spooled_values(writer, link)
    if not values:
        return []
    candidates = sorted({rid for _v, rid in rc.dest.lookup_ids(rc.company_id, spec.name, link, values)}
                        - writer.ids)
    gone: list[str] = []
    for i in range(0, len(candidates), spec.detail_batch):
        batch = candidates[i: i + spec.detail_batch]
        found = {writer.record_id(r) for r in fetch_details(rc.client, spec, batch)}
        gone += [rid for rid in batch if rid not in found]
    return gone


def spooled_values(writer: SpoolWriter, key: str) -> set[str]:
    """The distinct values of one top-level field in what the stream spooled this run."""
    values: set[str] = set()
    writer.close()
    for path in writer.paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                data = exact_json.loads(exact_json.loads(line)["_data"])
                value = data.get(key)
                if value is not None:
                    values.add(str(value))
    return values
