"""Kind "list": one listing per visibility variant (in date parts when large), details in batches,
then the bookmark, and deletions inferred only from listings proven complete."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from loader.engine import sweeps, windows
from loader.engine.context import TS_FORMAT, RunContext, StreamJob, skip_tombstones
from loader.engine.listing import read_listing
from loader.idset import IdSet
from loader.paging import Listing


def read_list(rc: RunContext, job: StreamJob) -> list[str]:
    spec, writer, full = job.spec, job.writer, job.full
    window = windows.plan_window(rc, job)
    live: set[str] | None = None
    if window.sweep and not rc.dry_run:
        live = set(rc.dest.live_ids(rc.company_id, spec.name))
    skip_before = window.start.strftime(TS_FORMAT) if (window.sweep and window.start is not None) else None
    listed = IdSet()
    reports: list[Listing] = []
    listing_started = time.monotonic()
    for variant in windows.variants(job):
        query = {**window.params, **variant}
        parts, expected = windows.partitions(rc, spec, query)
        before = len(listed)
        found = read_listing(rc, spec, [{**query, **p} for p in parts], writer, listed, live, skip_before)
        if expected is not None and len(listed) - before < expected:
            # Something fell outside the date parts (no date, or moved while we read): read the
            # whole listing once more; ids already read are skipped. Its report is the proof.
            found = read_listing(rc, spec, [query], writer, listed, live, skip_before)
        reports += found
        if rc.dry_run:
            break

    if spec.replication == "incremental" and spec.version_params:
        newest = max((r.newest for r in reports if r.newest), default=None)
        windows.set_bookmark(rc, job, newest, time.monotonic() - listing_started)
    deleted: list[str] = []
    gaps = [r.reason for r in reports if not r.complete]
    if gaps and (live is not None or full) and not rc.dry_run:
        skip_tombstones(rc, job.result, gaps)
    elif live is not None:
        deleted = sorted(live - listed)
    if (live is not None or full) and spec.sweep != "none" and not gaps:
        # A full listing is a sweep too: the table now holds exactly what the API lists.
        job.new_state["last_sweep_at"] = datetime.now(UTC).strftime(TS_FORMAT)
    if spec.sweep == "linked" and not full and not rc.dry_run:
        deleted = sorted(set(deleted) | set(sweeps.linked_sweep(rc, spec, writer)))
    return deleted
