"""Children of a parent stream: fan-out reads and per-(currency, day) lookups.

A child is re-read for the parent records this run wrote, plus every parent the warehouse holds
that changed since the child last committed (a run that died between the parent's commit and the
child's leaves those parents to the next run). Its bookmark follows the parent's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from loader import bookmarks, exact_json
from loader.engine.context import RunContext, StreamJob, id_sort, skip_tombstones
from loader.engine.windows import child_bookmark
from loader.paging import Listing, iter_pages
from loader.streams.registry import StreamSpec


def parent_ids(rc: RunContext, job: StreamJob) -> list[str]:
    """The parent records whose children must be read again."""
    parent, state = job.spec.parent or "", job.state
    ids = set(rc.changed_ids.get(parent, set()))
    if not rc.dry_run:
        if job.full or not state or not state.get("cursor"):
            ids.update(rc.dest.live_ids(rc.company_id, parent))
        else:
            since = bookmarks.window_start(state, timedelta(minutes=rc.x.overlap_minutes))
            if since is not None:
                ids.update(rc.dest.ids_changed_since(rc.company_id, parent, bookmarks.fmt(since)))
    return sorted(ids, key=id_sort)


def read_fanout(rc: RunContext, job: StreamJob) -> list[str]:
    """Children listed per batch of parent ids (`fanout_param` as a query parameter), or per
    parent when the path names it; deletions only for parents whose re-read was complete."""
    spec, writer = job.spec, job.writer
    ids = parent_ids(rc, job)
    size = 1 if spec.per_parent else spec.detail_batch
    batches = [ids[i: i + size] for i in range(0, len(ids), size)]

    unproven: list[str] = []  # parents whose children's listing was not proven complete
    gaps: list[str] = []

    def fetch(batch: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        report = Listing()
        target, params = _request(spec, batch)
        for page in iter_pages(rc.client, target, params, report):
            out.extend(page)
        if not report.complete:
            unproven.extend(batch)
            gaps.append(report.reason)
        return out

    for records in rc.map(fetch, batches):
        for record in records:
            writer.write(record)
    if not unproven:
        # An unproven re-read keeps the bookmark, so the next run reads those parents again.
        child_bookmark(rc, spec.parent or "", job.new_state)
    deleted: list[str] = []
    if not job.full and ids and not rc.dry_run:
        proven = sorted(set(ids) - set(unproven), key=id_sort)
        stale = rc.dest.lookup_ids(rc.company_id, spec.name, spec.fanout_param or "", proven)
        deleted = sorted({rid for _v, rid in stale} - writer.ids)
    if gaps:
        skip_tombstones(rc, job.result, [f"{len(unproven)} parent(s): {g}" for g in gaps[:3]])
    return deleted


def _request(spec: StreamSpec, batch: list[str]) -> tuple[StreamSpec, dict[str, Any]]:
    """The spec to page (its path naming the parent, for a per-parent read) and the parameters."""
    if spec.per_parent:
        return replace(spec, path=spec.parent_path(batch[0])), {}
    return spec, {spec.fanout_param: ",".join(batch)}


def read_currency_days(rc: RunContext, job: StreamJob) -> list[str]:
    """One lookup per foreign (currency, day) pair the changed parents use (see `CurrencyDayLookup`)."""
    spec = job.spec
    look = spec.lookup
    assert look is not None, f"{spec.name}: kind currency_days needs a lookup"
    pairs = currency_days(rc, spec, parent_ids(rc, job))

    def fetch(pair: tuple[str, str]) -> list[dict[str, Any]]:
        currency, day = pair
        body = rc.client.get(spec.path, {
            look.base_param: rc.company_currency, look.currency_param: currency, look.day_param: day,
            **look.params}, allow_404=True)
        if not isinstance(body, dict):
            return []
        body.setdefault(look.stamp_day, day)
        body.setdefault(look.stamp_currency, currency)
        return [body]

    for records in rc.map(fetch, sorted(pairs)):
        for record in records:
            job.writer.write(record)
    child_bookmark(rc, spec.parent or "", job.new_state)
    return []


def currency_days(rc: RunContext, spec: StreamSpec, ids: list[str]) -> set[tuple[str, str]]:
    """Foreign currencies and days of the given parent records (this run's spool first)."""
    look, parent = spec.lookup, spec.parent or ""
    assert look is not None
    pairs: set[tuple[str, str]] = set()

    def note(data: dict[str, Any]) -> None:
        currency: Any = data
        for key in look.currency_path:
            currency = (currency or {}).get(key)
        day = data.get(look.day_field)
        if currency and day and currency != rc.company_currency:
            pairs.add((str(currency), str(day)))

    wanted = set(ids)
    spool = rc.spool_path(parent)
    if spool.exists():
        with open(spool, encoding="utf-8") as fh:
            for line in fh:
                row = exact_json.loads(line)
                wanted.discard(row["_record_id"])
                note(exact_json.loads(row["_data"]))
    if wanted and not rc.dry_run:
        ordered = sorted(wanted, key=id_sort)
        for i in range(0, len(ordered), 5000):
            for text in rc.dest.get_records(rc.company_id, parent, ordered[i: i + 5000]).values():
                note(exact_json.loads(text))
    return pairs
