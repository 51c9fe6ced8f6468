"""The extraction engine: streams from the registry → spool files → one commit per stream.

Per stream: work out the window from the stored state, list the records (every visibility
variant), fetch details in batches of 200 on a bounded worker pool, project them to the selected
fields into a spool file, sweep for vanished ids (only after a listing proven complete), and
commit rows + tombstones + new state in one destination transaction. Version windows start at a
bookmark taken from the data (loader/bookmarks.py), never from a clock, so the server's undocumented
time zone cannot make a window miss changes; the run's signpost (the server's clock) only dates
the date-windowed streams.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from loader import bookmarks, lease, secrets
from loader.client.http import ApiClient
from loader.config import Config, StreamSelection, selection_trie
from loader.destinations.base import Destination, LeaseHeldError, RunRecord, StreamCommit
from loader.errors import ApiError, InterruptedRun, LeaseError, MissingRightsError, SchemaDriftError, SpoolError
from loader.gdpr import Suppressor
from loader.interrupts import Terminated, sigterm_raises
from loader.paging import Listing, detail_records, iter_pages
from loader.spool import SpoolWriter
from loader.streams.registry import REGISTRY, StreamSpec

log = logging.getLogger(__name__)
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass
class StreamResult:
    stream: str
    mode: str
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    requests: int = 0
    seconds: float = 0.0
    new_fields: list[str] = field(default_factory=list)
    window: str = ""
    # Why deletions were not inferred this run ("" when they were, or when none were looked for).
    tombstones_skipped: str = ""
    # The newest `version` seen minus the server's clock in UTC (+120/+180: Helsinki stamps, 0: UTC).
    version_offset_minutes: int | None = None


@dataclass
class RunSummary:
    sync_id: str
    company_id: int
    status: str
    streams: list[StreamResult]
    requests: int
    seconds: float
    retries: dict[str, int]
    error: str | None = None
    # streams the API user may not read: [{"stream", "reason"}] (a partial run)
    unreadable: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Context:
    """What streams of one run pass to each other (parents before children)."""

    changed_ids: dict[str, set[str]] = field(default_factory=dict)
    full: dict[str, bool] = field(default_factory=dict)
    currency_days: set[tuple[str, str]] = field(default_factory=set)
    bookmarks: dict[str, str] = field(default_factory=dict)  # this run's new bookmark per stream
    company_currency: str = "EUR"


def _ordered(selected: Iterable[str]) -> list[str]:
    order = [s.name for s in REGISTRY]
    return sorted(selected, key=order.index)


class Extractor:
    def __init__(
        self,
        config: Config,
        client: ApiClient,
        destination: Destination,
        *,
        streams: Iterable[str] | None = None,
        full_refresh: Iterable[str] = (),
        dry_run: bool = False,
        fail_on_drift: bool = False,
        force_sweep: bool = False,
        echo: Callable[[str], None] = lambda _m: None,
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.cfg = config
        self.x = config.extract
        self.client = client
        self.dest = destination
        names = list(streams) if streams else list(config.streams)
        self.selection: dict[str, StreamSelection] = {n: config.streams[n] for n in _ordered(names)}
        self.full_refresh = set(full_refresh)
        self.dry_run = dry_run
        self.fail_on_drift = fail_on_drift
        self.force_sweep = force_sweep
        self.echo = echo
        self.progress = progress
        self.tz = ZoneInfo(self.x.api_timezone)
        self.sync_id = uuid.uuid4().hex
        self.ctx = _Context()
        self.suppressions: dict[str, str] = {}
        # With --fail-on-drift nothing is committed until every stream was read without drift.
        self._deferred: list[tuple[StreamResult, StreamCommit]] = []
        self.committed: list[str] = []
        self._heartbeat: lease.Heartbeat | None = None
        self.unreadable: dict[str, str] = {}  # stream → why it could not be read (no rights)

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> RunSummary:
        started = time.monotonic()
        company = self.client.get("/company")
        if not isinstance(company, dict) or company.get("id") is None:
            raise ApiError("GET /company answered without a company id")
        self.company = company
        try:
            self.company_id = int(company["id"])
        except (TypeError, ValueError):
            raise ApiError(f"GET /company answered a company id we cannot read: {company.get('id')!r}") from None
        self.ctx.company_currency = str(company.get("companyCurrency") or "EUR")
        self.signpost = self._signpost()
        self.echo(f"company {self.company_id} ({secrets.redact(str(company.get('name', '')))}), "
                  f"sync {self.sync_id}, signpost {self.signpost.strftime(TS_FORMAT)} (API local time)")
        run = RunRecord(self.sync_id, self.company_id, datetime.now(UTC).replace(tzinfo=None), None, "running", {})
        results: list[StreamResult] = []
        if not self.dry_run:
            self.dest.setup()
            # Every landing table exists, even for streams not selected, so dbt always builds.
            for spec in REGISTRY:
                self.dest.ensure_stream_table(spec.name)
            self._heartbeat = self._take_lease()
            self.dest.start_run(run)
            self.suppressions = self.dest.suppressions(self.company_id)  # GDPR: forgotten stays forgotten
        company_spool = Path(self.x.spool_dir) / str(self.company_id)
        if not self.dry_run and company_spool.exists():
            # We hold the lease: any other spool of this company belongs to a run that died.
            for stale in company_spool.iterdir():
                shutil.rmtree(stale, ignore_errors=True)
        spool_root = company_spool / self.sync_id
        self.spool_root = spool_root
        error: BaseException | None = None
        try:
            with sigterm_raises():
                self._run_streams(results, spool_root)
        except (KeyboardInterrupt, Terminated) as exc:
            signame = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C (SIGINT)"
            error = InterruptedRun(f"interrupted by {signame}; {self._committed_note()}",
                                   143 if isinstance(exc, Terminated) else 130)
            raise error from None
        except SpoolError as exc:
            error = SpoolError(f"{exc} {self._committed_note()}")
            raise error from None
        except BaseException as exc:
            error = exc
            raise
        finally:
            shutil.rmtree(spool_root, ignore_errors=True)
            status = "failed" if error else "partial" if self.unreadable else "succeeded"
            message = secrets.redact(str(error)) if error else self._unreadable_text() or None
            summary = RunSummary(
                self.sync_id, self.company_id, status, results,
                self.client.request_count, round(time.monotonic() - started, 3), dict(self.client.retry_counts),
                message, [{"stream": k, "reason": v} for k, v in self.unreadable.items()],
            )
            if self._heartbeat is not None:
                self._heartbeat.stop()
            if not self.dry_run:
                run.finished_at = datetime.now(UTC).replace(tzinfo=None)
                run.status = summary.status
                run.error = summary.error
                run.stats = {"streams": [asdict(r) for r in results], "requests": summary.requests,
                             "seconds": summary.seconds, "retries": summary.retries,
                             "unreadable": summary.unreadable}
                try:
                    self.dest.finish_run(run)
                    self.dest.release_lease(self.company_id, self.sync_id)
                except Exception:
                    log.exception("could not record the end of the run")
        return summary

    def _run_streams(self, results: list[StreamResult], spool_root: Path) -> None:
        pool = ThreadPoolExecutor(max_workers=self.x.workers, thread_name_prefix="detail")
        self.pool = pool
        try:
            for _name, sel in self.selection.items():
                result = self._run_readable(sel, spool_root)
                if result is not None:
                    results.append(result)
            drift = {r.stream: r.new_fields for r in results if r.new_fields}
            if drift and self.fail_on_drift:
                raise SchemaDriftError("new fields appeared in the API; nothing was written: " +
                                       "; ".join(f"{s}: {', '.join(f)}" for s, f in drift.items()))
            for result, commit in self._deferred:
                self._commit(result, commit)
        finally:
            # Queued detail batches are dropped at once; the few in flight end with their request.
            pool.shutdown(wait=True, cancel_futures=True)

    def _committed_note(self) -> str:
        """What an interrupted or failed run leaves behind, in words (each stream commits alone)."""
        if self.dry_run:
            return "nothing was written (dry run)."
        if not self.committed:
            return "no stream of this run was committed; the warehouse is as it was before the run."
        return (f"committed before the stop and kept: {', '.join(self.committed)}; "
                "the other streams are as they were and the next run reads them.")

    def _take_lease(self) -> lease.Heartbeat:
        """The company's run lease, kept alive by a heartbeat for as long as this run lives."""
        ttl = self.x.lease_ttl_seconds
        lease.register_live(self.sync_id)
        try:
            self.dest.acquire_lease(self.company_id, self.sync_id, ttl, lease.current_owner().text())
        except LeaseHeldError as exc:
            lease.unregister_live(self.sync_id)
            raise LeaseError(f"another run of this connection is in progress: {exc}") from None
        except BaseException:
            lease.unregister_live(self.sync_id)
            raise
        cid, sid = self.company_id, self.sync_id
        return lease.Heartbeat(sid, ttl, lambda: self.dest.renew_lease(cid, sid, ttl)).start()

    def _signpost(self) -> datetime:
        server = self.client.server_time or datetime.now(UTC)
        local = server.astimezone(self.tz).replace(tzinfo=None, microsecond=0)
        return local - timedelta(seconds=self.x.signpost_skew_seconds)

    # -- one stream ------------------------------------------------------------------------------
    def _run_readable(self, sel: StreamSelection, spool_root: Path) -> StreamResult | None:
        """One stream, or None when the API user may not read it (or its parent): a missing right
        costs that stream, never the run. Nothing of it is committed, so its state stays put."""
        name, parent = sel.spec.name, sel.spec.parent
        if parent and parent in self.unreadable:
            self.unreadable[name] = f"its parent stream {parent} is unreadable"
        else:
            try:
                return self._run_stream(sel, spool_root)
            except MissingRightsError as exc:
                self.unreadable[name] = f"no rights (HTTP 403) to {exc.method} {_endpoint(exc.path)}"
        self.echo(f"  {name:<24} not read: {self.unreadable[name]}")
        return None

    def _unreadable_text(self) -> str:
        if not self.unreadable:
            return ""
        return (f"{len(self.unreadable)} stream(s) not read for missing rights: "
                + "; ".join(f"{k} ({v})" for k, v in self.unreadable.items()))

    def _run_stream(self, sel: StreamSelection, spool_root: Path) -> StreamResult:
        spec = sel.spec
        t0 = time.monotonic()
        req0 = self.client.request_count
        if not self.dry_run:
            self.dest.ensure_stream_table(spec.name)
        state = None if self.dry_run else self.dest.get_state(self.company_id, spec.name)
        full = spec.replication == "full_table" or state is None or spec.name in self.full_refresh
        self.ctx.full[spec.name] = full
        writer = SpoolWriter(spool_root / f"{spec.name}.jsonl", self.company_id, selection_trie(spec, sel.fields),
                             spec.primary_key, spec.cursor_field, spec.key_fields,
                             Suppressor.for_stream(self.company_id, spec.name, self.suppressions))
        if self.progress is not None:
            writer.on_write = lambda n, name=spec.name: self.progress(name, n)  # type: ignore[misc]
        result = StreamResult(spec.name, "full" if full else "incremental")
        deleted: list[str] = []
        new_state: dict[str, Any] = dict(state or {})
        try:
            handler = {
                "list": self._list_stream,
                "object": self._object_stream,
                "fanout": self._fanout_stream,
                "reports": self._reports_stream,
                "exchange_rates": self._exchange_rate_stream,
            }[spec.kind]
            deleted = handler(sel, state, full, writer, new_state, result)
        finally:
            writer.close()
        self.ctx.changed_ids[spec.name] = writer.ids
        result.records = writer.count
        if writer.suppressed:
            self.echo(f"  {spec.name}: {writer.suppressed} forgotten record(s) not landed again (GDPR forget)")
        # Dropped paths the catalog does not know are new API fields; catalogued ones are merely
        # not selected ("available").
        result.new_fields = sorted(f for f in writer.seen_fields if not _catalogued(spec, f))
        if result.new_fields:
            self.echo(f"  {spec.name}: new field(s) in the API, not loaded: {', '.join(result.new_fields)} "
                      "(add them to the stream's fields to load them)")
        if not self.dry_run:
            new_state["sync_id"] = self.sync_id
            commit = StreamCommit(
                company_id=self.company_id, stream=spec.name, sync_id=self.sync_id,
                spool_files=[writer.path],
                # A replace deletes what the listing left out: only from a listing proven complete.
                mode="replace" if (full and spec.kind not in ("exchange_rates", "reports")
                                   and not result.tombstones_skipped) else "merge",
                state=new_state, deleted_ids=deleted, seen_fields=result.new_fields,
            )
            if self.fail_on_drift:
                self._deferred.append((result, commit))
            else:
                self._commit(result, commit)
        result.requests = self.client.request_count - req0
        result.seconds = round(time.monotonic() - t0, 3)
        self.echo(f"  {spec.name:<24} {result.mode:<11} {result.records:>8} records  "
                  f"+{result.inserted} ~{result.updated} -{result.deleted}  "
                  f"{result.requests} requests  {result.seconds:.1f}s")
        return result

    def _commit(self, result: StreamResult, commit: StreamCommit) -> None:
        if self._heartbeat is not None and self._heartbeat.lost:
            raise LeaseError(f"this run lost the run lease of company {self.company_id} to another run; "
                             f"stream {commit.stream} was not committed")
        # The destination checks again, inside the commit's transaction.
        commit.check_lease = True
        cr = self.dest.commit_stream(commit)
        self.committed.append(result.stream)
        result.inserted, result.updated, result.unchanged, result.deleted = (
            cr.inserted, cr.updated, cr.unchanged, cr.deleted)

    # -- list endpoints --------------------------------------------------------------------------
    def _variants(self, sel: StreamSelection) -> list[dict[str, str]]:
        variants = list(sel.spec.variants)
        for option, params in sel.spec.optional_variants.items():
            if sel.options.get(option):
                variants.append(params)
        return variants

    def _list_stream(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool,
                     writer: SpoolWriter, new_state: dict[str, Any], result: StreamResult) -> list[str]:
        spec = sel.spec
        params: dict[str, Any] = {}
        window_start: datetime | None = None
        sweep = False
        if spec.replication == "incremental" and spec.version_params:
            start = None if full else bookmarks.window_start(state, timedelta(minutes=self.x.overlap_minutes))
            if start is not None:
                window_start = start
                sweep = spec.sweep != "none" and (spec.sweep == "full" or self._sweep_due(state))
                if not sweep:
                    # No versionEndDate: an end taken from a clock could fall before the start or
                    # before the newest change when the server's zone is not the one we guessed.
                    params[spec.version_params[0]] = bookmarks.fmt(window_start)
                result.window = f"{bookmarks.fmt(window_start)} .. (open)"
        elif spec.replication == "windowed" and spec.date_params:
            start = date.fromisoformat(self.x.start_date)
            if not full and state and state.get("cursor"):
                start = max(start, date.fromisoformat(state["cursor"]) - timedelta(days=self.x.window_lookback_days))
            end = self.signpost.date()
            params[spec.date_params[0]] = start.isoformat()
            params[spec.date_params[1]] = end.isoformat()
            result.window = f"{start} .. {end}"
            new_state["cursor"] = end.isoformat()

        live: set[str] | None = None
        if sweep and not self.dry_run:
            live = set(self.dest.live_ids(self.company_id, spec.name))
        skip_before = window_start.strftime(TS_FORMAT) if (sweep and window_start is not None) else None
        listed: set[str] = set()
        reports: list[Listing] = []
        listing_started = time.monotonic()
        for variant in self._variants(sel):
            query = {**params, **variant}
            parts, expected = self._partitions(spec, query)
            before = len(listed)
            found = self._read_listing(spec, [{**query, **p} for p in parts], writer, listed, live, skip_before)
            if expected is not None and len(listed) - before < expected:
                # Something fell outside the date parts (no date, or moved while we read): read the
                # whole listing once more; ids already read are skipped. Its report is the proof.
                found = self._read_listing(spec, [query], writer, listed, live, skip_before)
            reports += found
            if self.dry_run:
                break

        if spec.replication == "incremental" and spec.version_params:
            newest = max((r.newest for r in reports if r.newest), default=None)
            self._bookmark(spec.name, state, new_state, result, newest, time.monotonic() - listing_started)
        deleted: list[str] = []
        gaps = [r.reason for r in reports if not r.complete]
        if gaps and (live is not None or full) and not self.dry_run:
            self._skip_tombstones(result, gaps)
        elif live is not None:
            deleted = sorted(live - listed)
        if (live is not None or full) and spec.sweep != "none" and not gaps:
            # A full listing is a sweep too: the table now holds exactly what the API lists.
            new_state["last_sweep_at"] = datetime.now(UTC).strftime(TS_FORMAT)
        if spec.sweep == "linked" and not full and not self.dry_run:
            deleted = sorted(set(deleted) | set(self._linked_sweep(spec, writer)))
        return deleted

    def _bookmark(self, stream: str, state: dict[str, Any] | None, new_state: dict[str, Any],
                  result: StreamResult, newest: str | None, listing_seconds: float) -> None:
        """The next window's start from the newest stamp seen (see loader/bookmarks.py)."""
        mark = bookmarks.next_bookmark(state, newest, listing_seconds)
        if mark is not None:
            new_state["cursor"], new_state["cursor_source"] = mark, bookmarks.SOURCE
            self.ctx.bookmarks[stream] = mark
        offset = bookmarks.observed_offset_minutes(newest, self.client.server_time)
        if offset is None:
            return
        result.version_offset_minutes = offset
        new_state["version_offset_minutes"] = offset
        most = max(offset, int((state or {}).get("version_offset_max_minutes", offset)))
        new_state["version_offset_max_minutes"] = most
        log.info("%s: newest version %s is %+d min from the server's clock in UTC: stamps look like %s",
                 stream, newest, offset, bookmarks.describe_offset(offset))
        self.echo(f"  {stream}: newest version {newest} is {offset:+d} min from the server's UTC clock "
                  f"(stamps look like {bookmarks.describe_offset(offset)})")

    def _child_bookmark(self, parent: str, state: dict[str, Any] | None, new_state: dict[str, Any]) -> None:
        """Children are re-read for parents changed since the parent's bookmark of this run."""
        mark = self.ctx.bookmarks.get(parent)
        if mark is None and not self.dry_run:
            parent_state = self.dest.get_state(self.company_id, parent) or {}
            if parent_state.get("cursor_source") == bookmarks.SOURCE:
                mark = parent_state.get("cursor")
        if mark is not None:
            new_state["cursor"], new_state["cursor_source"] = mark, bookmarks.SOURCE

    def _skip_tombstones(self, result: StreamResult, reasons: list[str]) -> None:
        """An incomplete listing proves nothing about absence: keep every row, say why."""
        why = "; ".join(sorted(set(reasons)))
        result.tombstones_skipped = why
        log.warning("%s: deletions not inferred this run, the listing was not proven complete: %s",
                    result.stream, why)
        self.echo(f"  {result.stream}: no deletions inferred this run (listing not proven complete: {why})")

    def _partitions(self, spec: StreamSpec, query: dict[str, Any]) -> tuple[list[dict[str, str]], int | None]:
        """Date ranges that split a large full listing into parts of similar size.

        Two one-record probes give the oldest and newest date and the total count. Returns the
        parts and the count they must add up to (None when the listing is read whole)."""
        if (spec.partition is None or self.dry_run or self.x.workers < 2
                or any(k in query for k in (spec.version_params or ()))):
            return [{}], None
        start_param, end_param, order_param, field_name = spec.partition
        probes = []
        for direction in ("ASC", "DESC"):
            body = self.client.get(spec.path, {**query, order_param: direction, "size": 1, "page": 0})
            probes.append(body if isinstance(body, dict) else {})
        meta = probes[0].get("meta") or {}
        first = (probes[0].get("results") or [{}])[0].get(field_name)
        last = (probes[1].get("results") or [{}])[0].get(field_name)
        total = meta.get("totalCount")
        if total is None or not first or not last:
            return [{}], None
        total = int(total)
        parts = min(self.x.workers, total // (spec.page_size * 4))
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

    def _read_listing(self, spec: StreamSpec, queries: list[dict[str, Any]], writer: SpoolWriter,
                      listed: set[str], live: set[str] | None, skip_before: str | None) -> list[Listing]:
        """Read listings (one per query, side by side) and their details into the spool.

        Listing threads page through their query and hand id batches over a bounded queue; this
        thread alone submits detail batches (at most 2 × workers in flight), writes their records
        and the listing rows to the spool. Nothing waits without a timeout on something only
        another thread frees: on any error (a full disk, Ctrl-C, SIGTERM, an API failure) `stop`
        is set, queued work is cancelled, and the listing threads leave at their next page or
        hand-off. Returns each listing's report (complete or why not)."""
        cap = self.x.workers * 2
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
            for page in iter_pages(self.client, spec, query, report):
                if stop.is_set():
                    report.incomplete("the run stopped")
                    return report
                rows = []
                for record in page:
                    rid = writer.record_id(record)
                    version = record.get(spec.cursor_field) if spec.cursor_field else None
                    if version:
                        report.saw_version(str(version))
                    with lock:
                        if rid in listed:
                            continue
                        listed.add(rid)
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
                if self.dry_run:
                    break
            while pending:
                if not hand_over(("ids", pending[: spec.detail_batch])):
                    return report
                del pending[: spec.detail_batch]
            return report

        def detail_task(batch: list[str]) -> list[tuple[str, str, set[str]]]:
            return [writer.encode(r) for r in self._details(spec, batch)]

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
                        fut = self.pool.submit(detail_task, payload)
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

    def _details(self, spec: StreamSpec, ids: list[str]) -> list[dict[str, Any]]:
        path = spec.detail_path.format(ids=",".join(ids))  # type: ignore[union-attr]
        return detail_records(self.client.get(path, allow_404=True))

    def _sweep_due(self, state: dict[str, Any] | None) -> bool:
        if self.force_sweep:
            return True
        last = (state or {}).get("last_sweep_at")
        if not last:
            return True
        age = datetime.now(UTC).replace(tzinfo=None) - datetime.strptime(last, TS_FORMAT)
        return age >= timedelta(hours=self.x.sweep_every_hours)

    def _linked_sweep(self, spec: StreamSpec, writer: SpoolWriter) -> list[str]:
        """Ledger receipts recreated under a new id: the old receipt of the same invoice is gone."""
        invoice_ids = self._spooled_values(writer, "invoiceId")
        if not invoice_ids:
            return []
        candidates = sorted({rid for _v, rid in self.dest.lookup_ids(self.company_id, spec.name, "invoiceId",
                                                                      invoice_ids)} - writer.ids)
        gone: list[str] = []
        for i in range(0, len(candidates), spec.detail_batch):
            batch = candidates[i: i + spec.detail_batch]
            found = {writer.record_id(r) for r in self._details(spec, batch)}
            gone += [rid for rid in batch if rid not in found]
        return gone

    @staticmethod
    def _spooled_values(writer: SpoolWriter, key: str) -> set[str]:
        from loader import exact_json

        values: set[str] = set()
        writer.close()
        with open(writer.path, encoding="utf-8") as fh:
            for line in fh:
                data = exact_json.loads(exact_json.loads(line)["_data"])
                value = data.get(key)
                if value is not None:
                    values.add(str(value))
        return values

    # -- single objects --------------------------------------------------------------------------
    def _object_stream(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool,
                       writer: SpoolWriter, new_state: dict[str, Any], result: StreamResult) -> list[str]:
        spec = sel.spec
        body = self.company if spec.path == "/company" else self.client.get(spec.path)
        if isinstance(body, dict):
            writer.write(body, None if spec.primary_key else "current")
        return []

    # -- children of invoices ----------------------------------------------------------------------
    def _parent_ids(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool) -> list[str]:
        """The parent records whose children must be read again.

        This run's parent records, plus every parent the warehouse holds that changed since this
        stream last committed: if a run died after the parent's commit but before ours, those
        parents are still picked up."""
        parent = sel.spec.parent or ""
        ids = set(self.ctx.changed_ids.get(parent, set()))
        if not self.dry_run:
            if full or not state or not state.get("cursor"):
                ids.update(self.dest.live_ids(self.company_id, parent))
            else:
                since = bookmarks.window_start(state, timedelta(minutes=self.x.overlap_minutes))
                if since is not None:
                    ids.update(self.dest.ids_changed_since(self.company_id, parent, bookmarks.fmt(since)))
        return sorted(ids, key=_id_sort)

    def _fanout_stream(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool,
                       writer: SpoolWriter, new_state: dict[str, Any], result: StreamResult) -> list[str]:
        spec = sel.spec
        parent_ids = self._parent_ids(sel, state, full)
        batches = [parent_ids[i: i + spec.detail_batch] for i in range(0, len(parent_ids), spec.detail_batch)]

        unproven: list[str] = []  # parents whose children's listing was not proven complete
        gaps: list[str] = []

        def fetch(batch: list[str]) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            report = Listing()
            for page in iter_pages(self.client, spec, {spec.fanout_param: ",".join(batch)}, report):
                out.extend(page)
            if not report.complete:
                unproven.extend(batch)
                gaps.append(report.reason)
            return out

        for records in self._map(fetch, batches):
            for record in records:
                writer.write(record)
        if not unproven:
            # An unproven re-read keeps the bookmark, so the next run reads those parents again.
            self._child_bookmark(spec.parent or "", state, new_state)
        deleted: list[str] = []
        if not full and parent_ids and not self.dry_run:
            proven = sorted(set(parent_ids) - set(unproven), key=_id_sort)
            stale = self.dest.lookup_ids(self.company_id, spec.name, spec.fanout_param or "", proven)
            deleted = sorted({rid for _v, rid in stale} - writer.ids)
        if gaps:
            self._skip_tombstones(result, [f"{len(unproven)} parent(s): {g}" for g in gaps[:3]])
        return deleted

    def _exchange_rate_stream(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool,
                              writer: SpoolWriter, new_state: dict[str, Any], result: StreamResult) -> list[str]:
        spec = sel.spec
        pairs = self._currency_days(self._parent_ids(sel, state, full))

        def fetch(pair: tuple[str, str]) -> list[dict[str, Any]]:
            currency, day = pair
            body = self.client.get(spec.path, {
                "baseCurrency": self.ctx.company_currency, "currency": currency, "day": day,
                "rateType": "PROCOUNTOR_ACCOUNTING_EXCHANGE_RATE"}, allow_404=True)
            if not isinstance(body, dict):
                return []
            body.setdefault("queryDay", day)
            body.setdefault("currency", currency)
            return [body]

        for records in self._map(fetch, sorted(pairs)):
            for record in records:
                writer.write(record)
        self._child_bookmark(spec.parent or "", state, new_state)
        return []

    def _currency_days(self, invoice_ids: list[str]) -> set[tuple[str, str]]:
        """Foreign currencies and invoice days of the given invoices (this run's spool first)."""
        from loader import exact_json

        pairs: set[tuple[str, str]] = set()

        def note(data: dict[str, Any]) -> None:
            currency = (data.get("paymentInfo") or {}).get("currency")
            day = data.get("date")
            if currency and day and currency != self.ctx.company_currency:
                pairs.add((str(currency), str(day)))

        wanted = set(invoice_ids)
        spool = self.spool_root / "invoices.jsonl"
        if spool.exists():
            with open(spool, encoding="utf-8") as fh:
                for line in fh:
                    row = exact_json.loads(line)
                    wanted.discard(row["_record_id"])
                    note(exact_json.loads(row["_data"]))
        if wanted and not self.dry_run:
            ordered = sorted(wanted, key=_id_sort)
            for i in range(0, len(ordered), 5000):
                for text in self.dest.get_records(self.company_id, "invoices", ordered[i: i + 5000]).values():
                    note(exact_json.loads(text))
        return pairs

    # -- Procountor's own reports, for reconciliation ----------------------------------------------
    def _reports_stream(self, sel: StreamSelection, state: dict[str, Any] | None, full: bool,
                        writer: SpoolWriter, new_state: dict[str, Any], result: StreamResult) -> list[str]:
        """The stream's declared reports at every month-end of every fiscal year up to today.

        A report whose period lies in CLOSED tracking periods cannot change any more (Procountor
        refuses postings there), so once landed it is not asked for again -- unless a period it
        depends on was reopened since (its `modified` moved). A cumulative report (a balance sheet)
        depends on every period up to its end date: reopening March moves April's balance sheet
        although April itself stays closed and untouched."""
        spec = sel.spec
        body = self.client.get("/fiscalyears")
        years = (body or {}).get("fiscalYears") or []
        today = self.signpost.date()
        have = set() if (full and state is None) or self.dry_run else \
            set(self.dest.live_ids(self.company_id, spec.name))
        if spec.name in self.full_refresh:
            have = set()
        # A closed period is settled only as long as nobody reopened it: remember each closed
        # period's `modified` and ask again when it differs.
        settled_before: dict[str, str] = dict((state or {}).get("closed_periods") or {})
        settled_now: dict[str, str] = {}
        period_ends: list[str] = []
        for fy in years:
            for p in fy.get("trackingPeriods") or []:
                if p.get("endDate"):
                    period_ends.append(str(p["endDate"]))
                    if p.get("status") == "CLOSED":
                        settled_now[str(p["endDate"])] = str(p.get("modified") or "")
        unsettled = [e for e in period_ends
                     if not (e in settled_now and settled_before.get(e) == settled_now[e])]
        first_unsettled = min(unsettled, default="9999-12-31")
        requests: list[dict[str, str]] = []
        for fy in years:
            start, end = fy.get("startDate"), fy.get("endDate")
            if not start or not end or date.fromisoformat(start) > today:
                continue
            fy_start, fy_end = date.fromisoformat(start), date.fromisoformat(end)
            month = fy_start.replace(day=1)
            while month <= min(fy_end, _month_end(today)):
                m_start, m_end = max(month, fy_start), min(_month_end(month), fy_end)
                end_text = m_end.isoformat()
                own_settled = end_text in settled_now and settled_before.get(end_text) == settled_now[end_text]
                for report in spec.reports:
                    r_start = m_start if report.start == "month" else fy_start
                    req = {**report.params, "startDate": r_start.isoformat(), "endDate": end_text}
                    settled = end_text < first_unsettled if report.cumulative else own_settled
                    if not (settled and _report_key(spec, req) in have):
                        requests.append(req)
                month = _month_end(month) + timedelta(days=1)
        new_state["closed_periods"] = settled_now
        if self.dry_run:
            requests = requests[:2]

        def fetch(req: dict[str, str]) -> list[dict[str, Any]]:
            answer = self.client.post(spec.path, req)
            return [{**req, **(answer if isinstance(answer, dict) else {})}]

        for records in self._map(fetch, requests):
            for record in records:
                writer.write(record)
        return []

    # -- helpers ---------------------------------------------------------------------------------
    def _map(self, fn: Callable[[Any], list[dict[str, Any]]], items: list[Any]) -> Iterator[list[dict[str, Any]]]:
        """Run `fn` over items on the worker pool, at most 2 × workers in flight (flat memory)."""
        futures: set[Future[list[dict[str, Any]]]] = set()
        try:
            for item in items:
                futures.add(self.pool.submit(fn, item))
                if len(futures) >= self.x.workers * 2:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        yield fut.result()
            while futures:
                done, futures = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def _report_key(spec: StreamSpec, request: dict[str, str]) -> str:
    """The landed record id of a report request (the stream's `key_fields` joined by ':')."""
    return ":".join(request[f] for f in spec.key_fields)


def _catalogued(spec: StreamSpec, path: str) -> bool:
    from loader.config import catalog_paths

    return path in _catalog_set(spec.name, tuple(catalog_paths(spec)))


_CATALOG_CACHE: dict[str, frozenset[str]] = {}


def _catalog_set(name: str, paths: tuple[str, ...]) -> frozenset[str]:
    if name not in _CATALOG_CACHE:
        _CATALOG_CACHE[name] = frozenset(paths)
    return _CATALOG_CACHE[name]


def _month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def _endpoint(path: str) -> str:
    """The endpoint of a request path, ids folded (`/invoices/1,2,3` → `/invoices/{id}`)."""
    return "/".join("{id}" if part[:1].isdigit() else part for part in path.split("?")[0].split("/"))


def _id_sort(value: str) -> tuple[int, str]:
    return (0, f"{int(value):020d}") if value.isdigit() else (1, value)
