"""The destination interface every warehouse implements (DuckDB, BigQuery).

A destination owns the landing tables (see docs/architecture.md, "Landing contract"), the control
tables (`_loader_state`, `_loader_runs`, `_loader_deletions`, `_loader_suppressions`, `_loader_fields`)
and the lease that keeps two runs of one connection apart. The one rule that makes a crash harmless: a stream's rows
and its new state are committed in the same transaction (`commit_stream`).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

LANDING_COLUMNS: tuple[str, ...] = (
    "_company_id",
    "_record_id",
    "_data",
    "_record_hash",
    "_cursor_value",
    "_extracted_at",
    "_loaded_at",
    "_sync_id",
    "_is_deleted",
    "_deleted_at",
)

# A spool file holds one JSON object per line with these keys; the destination adds
# `_loaded_at`, `_sync_id`, `_is_deleted` (false) and `_deleted_at` (null) when it commits.
SPOOL_KEYS: tuple[str, ...] = (
    "_company_id",
    "_record_id",
    "_data",
    "_record_hash",
    "_cursor_value",
    "_extracted_at",
)

WriteMode = Literal["merge", "replace"]


@dataclass
class StreamCommit:
    """Everything one stream of one run commits at once.

    mode "merge": upsert the spooled rows on (_company_id, _record_id); a row whose hash did not
    change keeps its `_loaded_at`. mode "replace": after the commit the company's rows in the table
    are exactly the spooled ones (full-refresh streams: the table always matches the source).
    `deleted_ids` become tombstones (`_is_deleted = true`, `_deleted_at = now`) in merge mode.
    `state` replaces the stream's state row; `seen_fields` updates `_loader_fields`.
    """

    company_id: int
    stream: str
    sync_id: str
    spool_files: list[Path]
    mode: WriteMode
    state: dict[str, Any]
    deleted_ids: list[str] = field(default_factory=list)
    seen_fields: list[str] = field(default_factory=list)
    # The extractor commits under the company's run lease: the commit then fails (LeaseError, no
    # change) when the lease is no longer held by `sync_id` (another run took it over).
    check_lease: bool = False
    # Spool files already handed to `stage_spool` while the stream was read (not in spool_files):
    # the commit lands them together with spool_files, in the same transaction.
    staged_files: list[Path] = field(default_factory=list)


@dataclass
class CommitResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class RunRecord:
    sync_id: str
    company_id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any]
    error: str | None = None


class LeaseHeldError(RuntimeError):
    """Another run of the same connection holds the lease."""


class Destination(abc.ABC):
    """A landing warehouse. Implementations must be safe to call from one thread at a time."""

    name: str

    @abc.abstractmethod
    def setup(self) -> None:
        """Create the schema/dataset and control tables if missing (idempotent)."""

    @abc.abstractmethod
    def ensure_stream_table(self, stream: str) -> None:
        """Create the landing table of a stream if missing (idempotent)."""

    @abc.abstractmethod
    def commit_stream(self, commit: StreamCommit) -> CommitResult:
        """Atomically land the spooled rows, tombstones, field list and the stream's new state."""

    # True when stage_spool does something: the extractor then cuts spool files at
    # extract.spool_file_bytes (a destination that loads each file as a job wants few large ones).
    stages_spool: bool = False

    def stage_spool(self, company_id: int, stream: str, sync_id: str, path: Path) -> bool:
        """Prepare a finished spool file of a stream still being read for its later commit (parse it
        into private scratch space: nothing visible changes, a crash leaves nothing behind), so that
        the commit at the end of the read has less to do. False when the destination does not stage;
        the file then simply goes to commit_stream."""
        return False

    @abc.abstractmethod
    def get_state(self, company_id: int, stream: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def list_states(self, company_id: int | None = None) -> list[tuple[int, str, dict[str, Any]]]: ...

    @abc.abstractmethod
    def clear_state(self, company_id: int, stream: str | None = None) -> None: ...

    @abc.abstractmethod
    def live_ids(self, company_id: int, stream: str) -> Iterator[str]:
        """Ids of the stream's rows that are not tombstoned (for the deletion sweep)."""

    @abc.abstractmethod
    def ids_changed_since(self, company_id: int, stream: str, cursor: str) -> Iterator[str]:
        """Ids of live rows whose `_cursor_value` is at or after `cursor` (same text format)."""

    @abc.abstractmethod
    def lookup_ids(self, company_id: int, stream: str, field: str, values: Iterable[str]) -> list[tuple[str, str]]:
        """(value, record id) of live rows whose top-level JSON `field` (as text) is in `values`.

        Used to find rows made stale by a change elsewhere: the old ledger receipt of an invoice
        whose receipt was recreated, the payment events of a re-read invoice."""

    @abc.abstractmethod
    def get_records(self, company_id: int, stream: str, record_ids: Iterable[str]) -> dict[str, str]:
        """`_data` text of the given ids (deleted or not), for GDPR anonymisation."""

    @abc.abstractmethod
    def known_fields(self, company_id: int, stream: str) -> set[str]:
        """Field paths seen in earlier runs (to report new fields)."""

    @abc.abstractmethod
    def acquire_lease(self, company_id: int, sync_id: str, ttl_seconds: int, owner: str = "") -> None:
        """Take the connection's run lease or raise LeaseHeldError naming the run that holds it.

        A lease held by another run is free when its owner is provably dead, or cannot be judged
        and the lease expired (`loader.lease.lease_is_free`, from the `owner` text it was taken
        with); the taken-over run's record is marked "abandoned". `owner` is
        `loader.lease.Owner.text()`."""

    @abc.abstractmethod
    def renew_lease(self, company_id: int, sync_id: str, ttl_seconds: int) -> bool:
        """Push our lease's expiry forward; False when it is no longer ours. Called from the
        heartbeat thread, so it must not share a connection with the run's own calls."""

    @abc.abstractmethod
    def release_lease(self, company_id: int, sync_id: str) -> None: ...

    @abc.abstractmethod
    def start_run(self, run: RunRecord) -> None: ...

    @abc.abstractmethod
    def finish_run(self, run: RunRecord) -> None: ...

    @abc.abstractmethod
    def list_runs(self, company_id: int | None = None, limit: int = 20) -> list[RunRecord]: ...

    @abc.abstractmethod
    def forget(
        self, company_id: int, stream: str, record_ids: Iterable[str], how: Literal["delete", "anonymise"],
        anonymised_data: dict[str, str] | None = None, reason: str | None = None, *, suppress: bool = True,
    ) -> int:
        """GDPR: delete (or replace `_data` with `anonymised_data[id]`) and write an audit row
        holding a hash of the id, never the id or the data. With `suppress`, also record (in the same
        transaction) the suppression entry `gdpr.suppression_key` → `how` that later extracts apply.
        Returns the number of rows touched."""

    @abc.abstractmethod
    def suppressions(self, company_id: int) -> dict[str, str]:
        """The company's suppression entries: suppression key -> "delete" | "anonymise"."""

    @abc.abstractmethod
    def drop_connection(self, company_id: int, *, keep_erasures: bool = True) -> int:
        """Delete every row, state, field list, lease and run of a company. Returns rows deleted.
        The erasure audit rows and suppression entries stay unless `keep_erasures` is false, so a
        connection added again later still honours every erasure (DECISIONLOG)."""

    @abc.abstractmethod
    def close(self) -> None: ...
