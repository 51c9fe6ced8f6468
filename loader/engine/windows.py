"""Planning a read: which window to ask for, when a sweep is due, and how to split a listing.

Version windows start at a bookmark taken from the data (loader/bookmarks.py), never from a
clock, so the server's undocumented time zone cannot make a window miss changes; the run's
signpost (the server's clock) only dates the date-windowed streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loader import bookmarks
from loader.engine.context import TS_FORMAT, RunContext, StreamJob, log
from loader.paging import records_of
from loader.streams.registry import StreamSpec


@dataclass
class Window:
    """The listing parameters of one read, and whether it is a sweep (a full id listing)."""

    params: dict[str, Any] = field(default_factory=dict)
    start: datetime | None = None
    sweep: bool = False


def plan_window(rc: RunContext, job: StreamJob) -> Window:
    spec, state, result = job.spec, job.state, job.result
    window = Window()
    if spec.replication == "incremental" and spec.version_params:
        start = None if job.full else bookmarks.window_start(state, timedelta(minutes=rc.x.overlap_minutes))
        if start is not None:
            window.start = start
            window.sweep = spec.sweep != "none" and (spec.sweep == "full" or sweep_due(rc, state))
            if not window.sweep:
                # No versionEndDate: an end taken from a clock could fall before the start or
                # before the newest change when the server's zone is not the one we guessed.
                window.params[spec.version_params[0]] = bookmarks.fmt(start)
            result.window = f"{bookmarks.fmt(start)} .. (open)"
    elif spec.replication == "windowed" and spec.date_params:
        begin = date.fromisoformat(rc.x.start_date)
        if not job.full and state and state.get("cursor"):
            begin = max(begin, date.fromisoformat(state["cursor"]) - timedelta(days=rc.x.window_lookback_days))
        end = rc.signpost.date()
        window.params[spec.date_params[0]] = begin.isoformat()
        window.params[spec.date_params[1]] = end.isoformat()
        result.window = f"{begin} .. {end}"
        job.new_state["cursor"] = end.isoformat()
    return window


def variants(job: StreamJob) -> list[dict[str, str]]:
    """The parameter sets that together list every row, with the ones the user opted in to."""
    out = list(job.spec.variants)
    for option, params in job.spec.optional_variants.items():
        if job.sel.options.get(option):
            out.append(params)
    return out


def sweep_due(rc: RunContext, state: dict[str, Any] | None) -> bool:
    if rc.force_sweep:
        return True
    last = (state or {}).get("last_sweep_at")
    if not last:
        return True
    age = datetime.now(UTC).replace(tzinfo=None) - datetime.strptime(last, TS_FORMAT)
    return age >= timedelta(hours=rc.x.sweep_every_hours)


def set_bookmark(rc: RunContext, job: StreamJob, newest: str | None, listing_seconds: float) -> None:
    """The next window's start from the newest stamp seen (see loader/bookmarks.py)."""
    stream, state, new_state, result = job.spec.name, job.state, job.new_state, job.result
    mark = bookmarks.next_bookmark(state, newest, listing_seconds)
    if mark is not None:
        new_state["cursor"], new_state["cursor_source"] = mark, bookmarks.SOURCE
        rc.bookmarks[stream] = mark
    offset = bookmarks.observed_offset_minutes(newest, rc.client.server_time)
    if offset is None:
        return
    result.version_offset_minutes = offset
    new_state["version_offset_minutes"] = offset
    most = max(offset, int((state or {}).get("version_offset_max_minutes", offset)))
    new_state["version_offset_max_minutes"] = most
    log.info("%s: newest version %s is %+d min from the server's clock in UTC: stamps look like %s",
             stream, newest, offset, bookmarks.describe_offset(offset))
    rc.echo(f"  {stream}: newest version {newest} is {offset:+d} min from the server's UTC clock "
            f"(stamps look like {bookmarks.describe_offset(offset)})")


def child_bookmark(rc: RunContext, parent: str, new_state: dict[str, Any]) -> None:
    """Children are re-read for parents changed since the parent's bookmark of this run."""
    mark = rc.bookmarks.get(parent)
    if mark is None and not rc.dry_run:
        parent_state = rc.dest.get_state(rc.company_id, parent) or {}
        if parent_state.get("cursor_source") == bookmarks.SOURCE:
            mark = parent_state.get("cursor")
    if mark is not None:
        new_state["cursor"], new_state["cursor_source"] = mark, bookmarks.SOURCE


def partitions(rc: RunContext, spec: StreamSpec, query: dict[str, Any]) -> tuple[list[dict[str, str]], int | None]:
    """Date ranges that split a large full listing into parts of similar size.

    Two one-record probes give the oldest and newest date and the total count. Returns the
    parts and the count they must add up to (None when the listing is read whole)."""
    if (spec.partition is None or rc.dry_run or rc.x.workers < 2
            or any(k in query for k in (spec.version_params or ()))):
        return [{}], None
    start_param, end_param, order_param, field_name = spec.partition
    probes = []
    for direction in ("ASC", "DESC"):
        body = rc.client.get(spec.path, {**query, order_param: direction, "size": 1, "page": 0})
        probes.append(body if isinstance(body, dict) else {})
    meta = probes[0].get("meta") or {}
    first = (records_of(spec, probes[0]) or [{}])[0].get(field_name)
    last = (records_of(spec, probes[1]) or [{}])[0].get(field_name)
    total = meta.get("totalCount")
    if total is None or not first or not last:
        return [{}], None
    total = int(total)
    parts = min(rc.x.workers, total // (spec.page_size * 4))
    if parts < 2:
        return [{}], None
    lo, hi = date.fromisoformat(str(first)[:10]), date.fromisoformat(str(last)[:10])
    if hi <= lo:
        return [{}], None
    span = (hi - lo).days + 1
    bounds = [lo + timedelta(days=span * i // parts) for i in range(parts)] + [hi + timedelta(days=1)]
    ranges = [{start_param: bounds[i].isoformat(), end_param: (bounds[i + 1] - timedelta(days=1)).isoformat()}
              for i in range(parts) if bounds[i + 1] > bounds[i]]
    return ranges, total
