"""What every part of the engine shares during one run, and what one stream's read works on.

`RunContext` is the run (the API client, the destination, the settings, the company, the worker
pool, and what parents hand their children); `StreamJob` is one stream's read in progress. The
readers (lists, children, reports, objects) take both and return the ids they found deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from loader.client.http import ApiClient
from loader.config import ExtractConfig, StreamSelection
from loader.destinations.base import Destination
from loader.idset import IdSet
from loader.spool import SpoolWriter
from loader.streams.registry import StreamSpec

log = logging.getLogger("loader.extract")
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
class RunContext:
    """One run's shared state. Parents run before their children and leave them, per stream,
    the ids they wrote (`changed_ids`), whether they were read in full, and their new bookmark."""

    client: ApiClient
    dest: Destination
    x: ExtractConfig
    sync_id: str
    dry_run: bool = False
    force_sweep: bool = False
    full_refresh: set[str] = field(default_factory=set)
    echo: Callable[[str], None] = lambda _m: None
    company_id: int = 0
    company: dict[str, Any] = field(default_factory=dict)
    company_currency: str = "EUR"
    signpost: datetime = datetime.min
    spool_root: Path = Path()
    pool: ThreadPoolExecutor | None = None
    changed_ids: dict[str, IdSet | set[str]] = field(default_factory=dict)
    full: dict[str, bool] = field(default_factory=dict)
    bookmarks: dict[str, str] = field(default_factory=dict)  # this run's new bookmark per stream

    def spool_path(self, stream: str) -> Path:
        return self.spool_root / f"{stream}.jsonl"

    def map(self, fn: Callable[[Any], list[dict[str, Any]]], items: list[Any]) -> Iterator[list[dict[str, Any]]]:
        """Run `fn` over items on the worker pool, at most 2 × workers in flight (flat memory)."""
        assert self.pool is not None
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


@dataclass
class StreamJob:
    """One stream's read: its selection, stored state, whether it is read in full, the spool it
    writes, the state it will commit and the result it reports."""

    sel: StreamSelection
    state: dict[str, Any] | None
    full: bool
    writer: SpoolWriter
    new_state: dict[str, Any]
    result: StreamResult

    @property
    def spec(self) -> StreamSpec:
        return self.sel.spec


def skip_tombstones(rc: RunContext, result: StreamResult, reasons: list[str]) -> None:
    """An incomplete listing proves nothing about absence: keep every row, say why."""
    why = "; ".join(sorted(set(reasons)))
    result.tombstones_skipped = why
    log.warning("%s: deletions not inferred this run, the listing was not proven complete: %s",
                result.stream, why)
    rc.echo(f"  {result.stream}: no deletions inferred this run (listing not proven complete: {why})")


def id_sort(value: str) -> tuple[int, str]:
    return (0, f"{int(value):020d}") if value.isdigit() else (1, value)
