"""The run: streams from the registry → spool files → one commit per stream.

Per stream: plan the window from the stored state, read it with the reader of its kind (lists,
objects, children, reports), project the records to the selected fields into a spool file, and
commit rows + tombstones + new state in one destination transaction. A stream the API user may
not read costs that stream (and its children), never the run.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from loader import lease, secrets
from loader.client.http import ApiClient
from loader.companies import SerializedDestination
from loader.config import Config, StreamSelection, catalog_paths, selection_trie
from loader.destinations.base import Destination, RunRecord, StreamCommit
from loader.engine import children, commit, lists, objects, reports
from loader.engine.context import TS_FORMAT, RunContext, RunSummary, StreamJob, StreamResult, log
from loader.errors import ApiError, InterruptedRun, MissingRightsError, SchemaDriftError, SpoolError
from loader.gdpr import Suppressor
from loader.interrupts import Terminated, sigterm_raises
from loader.spool import SpoolWriter
from loader.streams.registry import REGISTRY, StreamSpec, identity_stream

Reader = Callable[[RunContext, StreamJob], list[str]]
READERS: dict[str, Reader] = {
    "list": lists.read_list,
    "object": objects.read_object,
    "fanout": children.read_fanout,
    "currency_days": children.read_currency_days,
    "reports": reports.read_reports,
}
# Kinds whose full read does not list every row the table should hold: merged, never replaced.
MERGE_ONLY = {"currency_days", "reports"}


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
        self.dry_run = dry_run
        self.fail_on_drift = fail_on_drift
        self.echo = echo
        self.progress = progress
        self.tz = ZoneInfo(self.x.api_timezone)
        self.sync_id = uuid.uuid4().hex
        # The reading thread and the commit thread share it: one call at a time.
        shared = destination if isinstance(destination, SerializedDestination) else SerializedDestination(destination)
        self.rc = RunContext(client=client, dest=shared, x=self.x,  # type: ignore[arg-type]
                             sync_id=self.sync_id, dry_run=dry_run, force_sweep=force_sweep,
                             full_refresh=set(full_refresh), echo=echo)
        self.suppressions: dict[str, str] = {}
        # With --fail-on-drift nothing is committed until every stream was read without drift.
        self._deferred: list[tuple[StreamResult, StreamCommit]] = []
        self.committed: list[str] = []
        self._heartbeat: lease.Heartbeat | None = None
        self.unreadable: dict[str, str] = {}  # stream → why it could not be read (no rights)
        self._committer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._commit_failed = False

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> RunSummary:
        started = time.monotonic()
        rc = self.rc
        self._identify()
        rc.signpost = self._signpost()
        self.echo(f"company {rc.company_id} ({secrets.redact(self._company_name())}), "
                  f"sync {self.sync_id}, signpost {rc.signpost.strftime(TS_FORMAT)} (API local time)")
        run = RunRecord(self.sync_id, rc.company_id, datetime.now(UTC).replace(tzinfo=None), None, "running", {})
        results: list[StreamResult] = []
        if not self.dry_run:
            self.dest.setup()
            # Every landing table exists, even for streams not selected, so dbt always builds.
            for spec in REGISTRY:
                self.dest.ensure_stream_table(spec.name)
            self._heartbeat = commit.take_lease(rc)
            self.dest.start_run(run)
            self.suppressions = self.dest.suppressions(rc.company_id)  # GDPR: forgotten stays forgotten
        company_spool = Path(self.x.spool_dir) / str(rc.company_id)
        if not self.dry_run and company_spool.exists():
            # We hold the lease: any other spool of this company belongs to a run that died.
            for stale in company_spool.iterdir():
                shutil.rmtree(stale, ignore_errors=True)
        spool_root = company_spool / self.sync_id
        rc.spool_root = spool_root
        error: BaseException | None = None
        try:
            with sigterm_raises():
                self._run_streams(results)
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
                self.sync_id, rc.company_id, status, results,
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
                    self.dest.release_lease(rc.company_id, self.sync_id)
                except Exception:
                    log.exception("could not record the end of the run")
        return summary

    @property
    def company_id(self) -> int:
        return self.rc.company_id

    def _identify(self) -> None:
        """Read the identity stream's object: the company every landed row belongs to."""
        spec = identity_stream()
        ident = spec.identity
        assert ident is not None
        company = self.client.get(spec.path)
        if not isinstance(company, dict) or company.get(ident.id_field) is None:
            raise ApiError(f"GET {spec.path} answered without a company {ident.id_field}")
        self.rc.company = company
        try:
            self.rc.company_id = int(company[ident.id_field])
        except (TypeError, ValueError):
            raise ApiError(f"GET {spec.path} answered a company {ident.id_field} we cannot read: "
                           f"{company.get(ident.id_field)!r}") from None
        self.rc.company_currency = str(company.get(ident.currency_field) or ident.default_currency)

    def _company_name(self) -> str:
        ident = identity_stream().identity
        return str(self.rc.company.get(ident.name_field, "") if ident else "")

    def _run_streams(self, results: list[StreamResult]) -> None:
        pool = ThreadPoolExecutor(max_workers=self.x.workers, thread_name_prefix="detail")
        self.rc.pool = pool
        # Commits run one at a time on their own thread, in stream order, while the next stream
        # is read (the API waits for no warehouse); readers and commits share the destination
        # one call at a time.
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commit")
        try:
            for _name, sel in self.selection.items():
                if not _reads_alone(sel.spec) or any(f.done() and f.exception() for f in self._pending):
                    self._wait_commits()  # it reads what earlier streams commit, or one failed
                result = self._run_readable(sel)
                if result is not None:
                    results.append(result)
            self._wait_commits()
            drift = {r.stream: r.new_fields for r in results if r.new_fields}
            if drift and self.fail_on_drift:
                raise SchemaDriftError("new fields appeared in the API; nothing was written: " +
                                       "; ".join(f"{s}: {', '.join(f)}" for s, f in drift.items()))
            for result, stream_commit in self._deferred:
                self._commit(result, stream_commit)
        finally:
            # Queued detail batches are dropped at once; the few in flight end with their request.
            pool.shutdown(wait=True, cancel_futures=True)
            # A commit under way ends (committed or rolled back) before the run reports what it kept.
            self._committer.shutdown(wait=True, cancel_futures=True)

    def _wait_commits(self) -> None:
        """Wait for the commits under way; the first that failed fails the run."""
        pending, self._pending = self._pending, []
        for fut in pending:
            fut.result()

    def _stage_later(self, stream: str, path: Path, staged: list[Path]) -> None:
        """Hand a finished spool file to the destination on the commit thread (after the commits
        queued before it), so the stream's commit has only its last file left to parse."""
        rc = self.rc

        def work() -> None:
            if self._commit_failed:
                return
            try:
                if rc.dest.stage_spool(rc.company_id, stream, self.sync_id, path):
                    staged.append(path)
            except BaseException:
                self._commit_failed = True
                raise

        assert self._committer is not None
        self._pending.append(self._committer.submit(work))

    def _commit_later(self, result: StreamResult, stream_commit: StreamCommit, started: float,
                      staged: list[Path]) -> None:
        """Commit on the commit thread once the earlier streams' commits are done (one thread, in
        order); a failed commit fails the run at the next wait, and nothing after it commits."""
        def work() -> None:
            if self._commit_failed:
                return
            # Every staging of this stream ran before this (one thread, in order): split now.
            stream_commit.staged_files = list(staged)
            _return_free_memory()  # the read's buffers, before the warehouse takes its share
            stream_commit.spool_files = [p for p in stream_commit.spool_files if p not in staged]
            try:
                self._commit(result, stream_commit)
            except BaseException:
                self._commit_failed = True
                raise
            result.seconds = round(time.monotonic() - started, 3)
            self._echo_result(result)
            for path in (*stream_commit.staged_files, *stream_commit.spool_files):
                path.unlink(missing_ok=True)  # landed: free the disk while the run goes on

        self._pending.append(self._committer.submit(work))

    def _committed_note(self) -> str:
        return commit.committed_note(self.dry_run, self.committed)

    def _commit(self, result: StreamResult, stream_commit: StreamCommit) -> None:
        commit.commit(self.rc, self._heartbeat, result, stream_commit)
        self.committed.append(result.stream)

    def _signpost(self) -> datetime:
        server = self.client.server_time or datetime.now(UTC)
        local = server.astimezone(self.tz).replace(tzinfo=None, microsecond=0)
        return local - timedelta(seconds=self.x.signpost_skew_seconds)

    # -- one stream ------------------------------------------------------------------------------
    def _run_readable(self, sel: StreamSelection) -> StreamResult | None:
        """One stream, or None when the API user may not read it (or its parent): a missing right
        costs that stream, never the run. Nothing of it is committed, so its state stays put."""
        name, parent = sel.spec.name, sel.spec.parent
        if parent and parent in self.unreadable:
            self.unreadable[name] = f"its parent stream {parent} is unreadable"
        else:
            try:
                return self._run_stream(sel)
            except MissingRightsError as exc:
                self.unreadable[name] = f"no rights (HTTP 403) to {exc.method} {_endpoint(exc.path)}"
        self.echo(f"  {name:<24} not read: {self.unreadable[name]}")
        return None

    def _unreadable_text(self) -> str:
        if not self.unreadable:
            return ""
        return (f"{len(self.unreadable)} stream(s) not read for missing rights: "
                + "; ".join(f"{k} ({v})" for k, v in self.unreadable.items()))

    def _run_stream(self, sel: StreamSelection) -> StreamResult:
        spec, rc = sel.spec, self.rc
        t0 = time.monotonic()
        req0 = self.client.request_count
        if not self.dry_run:
            rc.dest.ensure_stream_table(spec.name)
        state = None if self.dry_run else rc.dest.get_state(rc.company_id, spec.name)
        full = spec.replication == "full_table" or state is None or spec.name in rc.full_refresh
        rc.full[spec.name] = full
        writer = SpoolWriter(rc.spool_path(spec.name), rc.company_id, selection_trie(spec, sel.fields),
                             spec.primary_key, spec.cursor_field, spec.key_fields,
                             Suppressor.for_stream(rc.company_id, spec.name, self.suppressions))
        if self.progress is not None:
            writer.on_write = lambda n, name=spec.name: self.progress(name, n)  # type: ignore[misc]
        staged: list[Path] = []
        if not self.dry_run and rc.dest.stages_spool:
            # Small files keep the destination's parse buffers small; with --fail-on-drift nothing
            # may reach the warehouse before every stream was read, so the files wait for the commit.
            writer.rotate_bytes = self.x.spool_file_bytes
            writer.on_rotate = ((lambda _path: None) if self.fail_on_drift else
                                lambda path, name=spec.name: self._stage_later(name, path, staged))  # type: ignore[misc]
        result = StreamResult(spec.name, "full" if full else "incremental")
        deleted: list[str] = []
        job = StreamJob(sel, state, full, writer, dict(state or {}), result)
        try:
            deleted = READERS[spec.kind](rc, job)
        finally:
            writer.close()
        rc.changed_ids[spec.name] = writer.ids
        result.records = writer.count
        if writer.suppressed:
            self.echo(f"  {spec.name}: {writer.suppressed} forgotten record(s) not landed again (GDPR forget)")
        # Dropped paths the catalog does not know are new API fields; catalogued ones are merely
        # not selected ("available").
        result.new_fields = sorted(f for f in writer.seen_fields if not _catalogued(spec, f))
        if result.new_fields:
            self.echo(f"  {spec.name}: new field(s) in the API, not loaded: {', '.join(result.new_fields)} "
                      "(add them to the stream's fields to load them)")
        result.requests = self.client.request_count - req0
        result.seconds = round(time.monotonic() - t0, 3)
        if not self.dry_run:
            job.new_state["sync_id"] = self.sync_id
            stream_commit = StreamCommit(
                company_id=rc.company_id, stream=spec.name, sync_id=self.sync_id,
                spool_files=list(writer.paths),
                # A replace deletes what the listing left out: only from a listing proven complete.
                mode="replace" if (full and spec.kind not in MERGE_ONLY and not result.tombstones_skipped) else "merge",
                state=job.new_state, deleted_ids=deleted, seen_fields=result.new_fields,
            )
            if self.fail_on_drift:
                self._deferred.append((result, stream_commit))
            else:
                self._commit_later(result, stream_commit, t0, staged)
                return result
        self._echo_result(result)
        return result

    def _echo_result(self, result: StreamResult) -> None:
        self.echo(f"  {result.stream:<24} {result.mode:<11} {result.records:>8} records  "
                  f"+{result.inserted} ~{result.updated} -{result.deleted}  "
                  f"{result.requests} requests  {result.seconds:.1f}s")


_CATALOG_CACHE: dict[str, frozenset[str]] = {}


def _catalogued(spec: StreamSpec, path: str) -> bool:
    if spec.name not in _CATALOG_CACHE:
        _CATALOG_CACHE[spec.name] = frozenset(catalog_paths(spec))
    return path in _CATALOG_CACHE[spec.name]


def _return_free_memory() -> None:
    """Hand memory the read has freed back to the OS (glibc keeps it in its per-thread arenas), so
    the commit's DuckDB memory comes on top of what is in use, not of a high-water mark."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to hand back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reads_alone(spec: StreamSpec) -> bool:
    """A stream whose read touches no other stream's landing table or state, so it may be read
    while earlier streams commit (a child reads its parent's rows; a report its calendar)."""
    return spec.kind in ("list", "object") and spec.parent is None


def _endpoint(path: str) -> str:
    """The endpoint of a request path, ids folded (`/invoices/1,2,3` → `/invoices/{id}`)."""
    return "/".join("{id}" if part[:1].isdigit() else part for part in path.split("?")[0].split("/"))
