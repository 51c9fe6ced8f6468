"""Listing and detail batches: read listings side by side and their details into the spool.

Listing threads page through their query (loader/paging.py) and hand id batches over a bounded
queue; the calling thread alone submits detail batches to the run's worker pool, writes their
records and the listing rows to the spool. Each listing reports whether it was read to a proven
end (`Listing`): deletions are only inferred from complete listings.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from loader.client.http import ApiClient
from loader.engine.context import RunContext
from loader.idset import IdSet
from loader.paging import Listing, detail_records, iter_pages
from loader.spool import SpoolWriter
from loader.streams.registry import StreamSpec


def fetch_details(client: ApiClient, spec: StreamSpec, ids: list[str]) -> list[dict[str, Any]]:
    """One batch detail request (`detail_path` with the ids joined by commas)."""
    path = spec.detail_path.format(ids=",".join(ids))  # type: ignore[union-attr]
    return detail_records(client.get(path, allow_404=True))


def read_listing(rc: RunContext, spec: StreamSpec, queries: list[dict[str, Any]], writer: SpoolWriter,
                 listed: IdSet, live: set[str] | None, skip_before: str | None) -> list[Listing]:
    """Read listings (one per query, side by side) and their details into the spool.

    Listing threads page through their query and hand id batches over a bounded queue; this
    thread alone submits detail batches (at most 2 × workers in flight), writes their records
    and the listing rows to the spool. Nothing waits without a timeout on something only
    another thread frees: on any error (a full disk, Ctrl-C, SIGTERM, an API failure) `stop`
    is set, queued work is cancelled, and the listing threads leave at their next page or
    hand-off. Returns each listing's report (complete or why not)."""
    cap = rc.x.workers * 2
    pool = rc.pool
    assert pool is not None
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=cap)
    wake = threading.Event()
    stop = threading.Event()
    lock = threading.Lock()

    def hand_over(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
            except queue.Full:
                continue
            wake.set()
            return True
        return False

    def list_task(query: dict[str, Any]) -> Listing:
        report = Listing()
        pending: list[str] = []
        for page in iter_pages(rc.client, spec, query, report, ids_only=bool(spec.detail_path)):
            if stop.is_set():
                report.incomplete("the run stopped")
                return report
            rows = []
            rids = [writer.record_id(record) for record in page]
            with lock:
                fresh = listed.add_new(rids)
            for record, rid, new in zip(page, rids, fresh, strict=True):
                version = record.get(spec.cursor_field) if spec.cursor_field else None
                if version:
                    report.saw_version(str(version))
                if not new:
                    continue
                if not spec.detail_path:
                    rows.append(writer.encode(record, rid))
                    continue
                if skip_before and live is not None and rid in live and version and str(version) < skip_before:
                    continue  # unchanged since the last run: no detail needed
                pending.append(rid)
                if len(pending) >= spec.detail_batch:
                    if not hand_over(("ids", pending[: spec.detail_batch])):
                        return report
                    del pending[: spec.detail_batch]
            if rows and not hand_over(("rows", rows)):
                return report
            if rc.dry_run:
                break
        while pending:
            if not hand_over(("ids", pending[: spec.detail_batch])):
                return report
            del pending[: spec.detail_batch]
        return report

    def detail_task(batch: list[str]) -> list[tuple[str, str, set[str]]]:
        return [writer.encode(r) for r in fetch_details(rc.client, spec, batch)]

    listing = ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="list")
    lists: set[Future[Listing]] = set()
    details: set[Future[list[tuple[str, str, set[str]]]]] = set()
    reports: list[Listing] = []
    try:
        for query in queries:
            fut = listing.submit(list_task, query)
            fut.add_done_callback(lambda _f: wake.set())
            lists.add(fut)
        while lists or details or not handoff.empty():
            # Clear before looking, so whatever finishes while we look wakes the next round.
            wake.clear()
            while len(details) < cap:
                try:
                    kind, payload = handoff.get_nowait()
                except queue.Empty:
                    break
                if kind == "rows":
                    for encoded in payload:
                        writer.append(encoded)
                else:
                    fut = pool.submit(detail_task, payload)
                    fut.add_done_callback(lambda _f: wake.set())
                    details.add(fut)
            for fut in [f for f in details if f.done()]:
                details.discard(fut)
                for encoded in fut.result():
                    writer.append(encoded)
            for fut in [f for f in lists if f.done()]:
                lists.discard(fut)
                reports.append(fut.result())
            if lists or details or not handoff.empty():
                wake.wait(1.0)
    except BaseException:
        stop.set()
        for fut in details:
            fut.cancel()
        raise
    finally:
        listing.shutdown(wait=False, cancel_futures=True)
    return reports
