"""BigQuery landing destination.

How a stream commit lands (see docs/bigquery.md and loader-anchors §3):

1. The spool files (NDJSON, `SPOOL_KEYS`) and the commit's tombstone ids are loaded with load jobs
   (free, unlike streaming inserts, and the rows are immediately mutable) into a staging table
   `_stg_<company>_<stream>_<sync>_<fingerprint>` that expires after a day.
2. One multi-statement transaction MERGEs staging into the landing table, applies tombstones or
   replace semantics, upserts `_loader_fields` and MERGEs the state row.
3. The staging table is dropped.

Retries are harmless: load job ids are deterministic (sync id, stream, company, a fingerprint of the
spool content, part number), so a retry finds the load it already started (409 Conflict or
`get_job`) and re-attaches instead of loading twice; the staging table name carries the same
fingerprint, so it only ever holds those exact files; the MERGE de-duplicates staging anyway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import google.auth.exceptions
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from loader import exact_json
from loader.destinations.base import (
    CommitResult,
    Destination,
    LeaseHeldError,
    RunRecord,
    StreamCommit,
)
from loader.destinations.bigquery_schema import (
    CLUSTERING_FIELDS,
    CONTROL_SCHEMAS,
    DELETIONS_TABLE,
    FIELDS_TABLE,
    LANDING_COLUMN_NAMES,
    LANDING_SCHEMA,
    LEASES_TABLE,
    PARTITION_FIELD,
    RUNS_TABLE,
    STAGING_SCHEMA,
    STATE_TABLE,
    SUPPRESSIONS_TABLE,
)
from loader.destinations.bigquery_sql import (
    LEASE_LOST_MARKER,
    Tables,
    check_dataset,
    check_project,
    check_stream,
    commit_script,
    drop_connection_script,
    forget_script,
    label_value,
    safe_name,
    sha256_hex,
)
from loader.errors import ConfigError, DestinationError, LeaseError
from loader.lease import describe_holder, lease_is_free

log = logging.getLogger(__name__)

BIGQUERY_SCOPES = ("https://www.googleapis.com/auth/bigquery",)
DEFAULT_MAXIMUM_BYTES_BILLED = 10 * 1024**3  # 10 GiB per query job: a guard rail, not a budget
STAGING_PREFIX = "_stg_"
_FAILED = object()


DEFAULT_LOCATION = "EU"
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class BigQueryConfigError(ConfigError):
    """The destination cannot be configured (bad names, unreadable credentials, wrong location)."""


@contextlib.contextmanager
def _bigquery_errors(what: str) -> Iterator[None]:
    """Turn client-library errors into the loader's DestinationError (exit code 5).

    google-cloud errors carry the request URL and BigQuery's message, never credentials; auth
    errors are reduced to their class name because token endpoints may echo request details.
    """
    try:
        yield
    except google.auth.exceptions.DefaultCredentialsError:
        raise BigQueryConfigError(
            "no Google credentials found: run `gcloud auth application-default login`, set "
            "GOOGLE_APPLICATION_CREDENTIALS or destination.credentials_file"
        ) from None
    except google.auth.exceptions.GoogleAuthError as exc:
        raise DestinationError(f"BigQuery {what}: authentication failed ({type(exc).__name__})") from None
    except gexc.GoogleAPICallError as exc:
        raise DestinationError(f"BigQuery {what} failed: {exc.message}") from None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load_credentials(credentials_file: str | os.PathLike[str]) -> Any:
    """Service-account credentials from a key file. Errors name the file, never its content."""
    from google.oauth2 import service_account

    try:
        return service_account.Credentials.from_service_account_file(
            str(credentials_file), scopes=list(BIGQUERY_SCOPES)
        )
    except FileNotFoundError:
        raise BigQueryConfigError(f"service-account key file not found: {credentials_file}") from None
    except (ValueError, KeyError, json.JSONDecodeError):
        # `from None`: the parser's exception may quote part of the key file.
        raise BigQueryConfigError(
            f"service-account key file is not a valid key: {credentials_file}"
        ) from None


@dataclass(frozen=True)
class _Part:
    path: Path
    job_id: str


class BigQueryDestination(Destination):
    """Landing tables, control tables and run lease in one BigQuery dataset."""

    name = "bigquery"

    def __init__(
        self,
        project: str,
        dataset: str = "raw_procountor",
        location: str | None = DEFAULT_LOCATION,
        *,
        credentials_file: str | os.PathLike[str] | None = None,
        api_endpoint: str | None = None,
        labels: Mapping[str, str] | None = None,
        maximum_bytes_billed: int | None = DEFAULT_MAXIMUM_BYTES_BILLED,
        staging_expiration: dt.timedelta = dt.timedelta(days=1),
        job_timeout_seconds: float = 1800.0,
        client: bigquery.Client | None = None,
    ) -> None:
        """Connect to BigQuery (nothing is created until `setup`).

        Credentials: `credentials_file` (service-account key file) if given, else application-default
        credentials. With `api_endpoint` (an emulator) and no key file, anonymous credentials are
        used. `client` replaces all of that (tests, or a caller that builds its own client).
        `location` None means EU. `maximum_bytes_billed` None means the 10 GiB default, 0 no cap.
        """
        try:
            self.project = check_project(project)
            self.dataset = check_dataset(dataset)
        except ValueError as exc:
            raise BigQueryConfigError(str(exc)) from None
        self.location = location or DEFAULT_LOCATION
        self.api_endpoint = api_endpoint
        if maximum_bytes_billed is None:
            maximum_bytes_billed = DEFAULT_MAXIMUM_BYTES_BILLED
        self.maximum_bytes_billed = maximum_bytes_billed or None
        self.staging_expiration = staging_expiration
        self.job_timeout_seconds = job_timeout_seconds
        self._labels = {label_value(k): label_value(v) for k, v in (labels or {}).items()}
        self._labels["loader"] = "procountor"
        self.tables = Tables(self.project, self.dataset)
        self._ensured: set[str] = set()
        if client is None:
            with _bigquery_errors("client set-up"):
                client = self._make_client(credentials_file)
        self._client = client

    def _make_client(self, credentials_file: str | os.PathLike[str] | None) -> bigquery.Client:
        credentials = None
        if credentials_file is not None:
            credentials = load_credentials(credentials_file)
        elif self.api_endpoint:
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()
        client_options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
        return bigquery.Client(
            project=self.project,
            credentials=credentials,
            location=self.location,
            client_options=client_options,
        )

    @property
    def client(self) -> bigquery.Client:
        return self._client

    # ------------------------------------------------------------------ jobs

    def _job_labels(self, **extra: str | None) -> dict[str, str]:
        labels = dict(self._labels)
        labels.update({k: label_value(v) for k, v in extra.items() if v})
        return labels

    def _query(
        self,
        sql: str,
        params: Iterable[bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter] = (),
        **labels: str | None,
    ) -> list[bigquery.Row]:
        config = bigquery.QueryJobConfig(
            query_parameters=list(params),
            labels=self._job_labels(**labels),
            use_legacy_sql=False,
        )
        if self.maximum_bytes_billed is not None:
            config.maximum_bytes_billed = self.maximum_bytes_billed
        with _bigquery_errors(f"query ({labels.get('step') or 'read'})"):
            job = self._client.query(sql, job_config=config, location=self.location)
            return list(job.result(timeout=self.job_timeout_seconds))

    # ----------------------------------------------------------------- setup

    def setup(self) -> None:
        with _bigquery_errors("set-up"):
            self._setup()

    def _setup(self) -> None:
        dataset = bigquery.Dataset(f"{self.project}.{self.dataset}")
        dataset.location = self.location
        dataset.labels = dict(self._labels)
        dataset = self._client.create_dataset(dataset, exists_ok=True)
        if dataset.location and dataset.location.lower() != self.location.lower():
            raise BigQueryConfigError(
                f"dataset {self.dataset} is in {dataset.location}, not {self.location}; "
                "BigQuery cannot move a dataset, so configure its location or use another dataset"
            )
        for table, schema in CONTROL_SCHEMAS.items():
            self._create_table(table, schema)
        self._add_missing_columns(LEASES_TABLE)

    def _add_missing_columns(self, table: str) -> None:
        """Datasets made by an older loader lack newer nullable control columns: add them."""
        existing = self._client.get_table(self.tables.table_id(table))
        have = {f.name for f in existing.schema}
        missing = [f for f in CONTROL_SCHEMAS[table] if f.name not in have and f.mode != "REQUIRED"]
        if missing:
            existing.schema = [*existing.schema, *missing]
            self._client.update_table(existing, ["schema"])

    def _create_table(self, table: str, schema: list[bigquery.SchemaField], **options: Any) -> None:
        if table in self._ensured:
            return
        obj = bigquery.Table(self.tables.table_id(table), schema=schema)
        obj.labels = dict(self._labels)
        for key, value in options.items():
            setattr(obj, key, value)
        self._client.create_table(obj, exists_ok=True)
        self._ensured.add(table)

    def ensure_stream_table(self, stream: str) -> None:
        check_stream(stream)
        with _bigquery_errors(f"creating table {stream}"):
            self._ensure_stream_table(stream)

    def _ensure_stream_table(self, stream: str) -> None:
        self._create_table(
            stream,
            LANDING_SCHEMA,
            time_partitioning=bigquery.TimePartitioning(
                type_=bigquery.TimePartitioningType.DAY, field=PARTITION_FIELD
            ),
            clustering_fields=list(CLUSTERING_FIELDS),
            description=f"Procountor {stream}: one row per (_company_id, _record_id), landed by "
            "procountor-loader",
        )

    # ---------------------------------------------------------------- commit

    def commit_stream(self, commit: StreamCommit) -> CommitResult:
        stream = check_stream(commit.stream)
        self.ensure_stream_table(stream)
        with _bigquery_errors(f"commit of stream {stream}"):
            staging = self._stage(commit)
        result = self._merge(commit, staging)
        log.info(
            "bigquery commit %s company=%s sync=%s: %s", stream, commit.company_id, commit.sync_id, result
        )
        return result

    def _stage(self, commit: StreamCommit) -> str:
        """Load the commit's spool files and tombstones into its staging table; return its name."""
        stream = commit.stream
        with tempfile.TemporaryDirectory(prefix="procountor-bq-") as tmp:
            files = [Path(p) for p in commit.spool_files if Path(p).exists() and Path(p).stat().st_size > 0]
            if commit.mode == "merge" and commit.deleted_ids:
                files.append(self._write_tombstones(Path(tmp), commit))
            fingerprint = self._fingerprint(files)
            base = safe_name(f"{commit.company_id}_{stream}_{commit.sync_id}")
            staging = f"{STAGING_PREFIX}{base}_{fingerprint}"
            parts = [
                _Part(path, f"procountor_{base}_{fingerprint}_{n}") for n, path in enumerate(files)
            ]
            staging_is_new = self._create_staging(staging)
            for part in parts:
                self._load_part(part, staging, staging_is_new, commit)
        return staging

    def _merge(self, commit: StreamCommit, staging: str) -> CommitResult:
        stream = commit.stream
        now = _utcnow()
        sql = commit_script(
            self.tables,
            stream=stream,
            staging=staging,
            company_id=commit.company_id,
            sync_id=commit.sync_id,
            mode=commit.mode,
            now=now,
            state_json=exact_json.dumps(commit.state),
            seen_fields=list(commit.seen_fields),
            check_lease=commit.check_lease,
        )
        try:
            rows = self._query(sql, sync_id=commit.sync_id, stream=stream, step="commit")
        except DestinationError as exc:
            if LEASE_LOST_MARKER not in str(exc):
                raise
            holder = self._lease_holder(commit.company_id)
            raise LeaseError(
                f"this run lost the run lease of company {commit.company_id} "
                f"({describe_holder(*holder[:4]) if holder else 'nobody holds it'}); stream {stream} was not committed"
            ) from None
        # Only after the transaction committed: a failed commit keeps staging for the retry.
        with _bigquery_errors(f"dropping staging table {staging}"):
            self._client.delete_table(self.tables.table_id(staging), not_found_ok=True)
        counts = rows[0] if rows else None
        return CommitResult(
            inserted=int(counts["inserted"] or 0) if counts else 0,
            updated=int(counts["updated"] or 0) if counts else 0,
            unchanged=int(counts["unchanged"] or 0) if counts else 0,
            deleted=int(counts["deleted"] or 0) if counts else 0,
        )

    @staticmethod
    def _write_tombstones(tmp: Path, commit: StreamCommit) -> Path:
        # Tombstone ids ride in the staging table (not the query text): a sweep can find many ids,
        # and ids are data that should not sit in BigQuery's job history.
        path = tmp / "tombstones.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for record_id in sorted(set(commit.deleted_ids)):
                row = {"_company_id": commit.company_id, "_record_id": str(record_id), "_tombstone": True}
                out.write(json.dumps(row, separators=(",", ":")) + "\n")
        return path

    @staticmethod
    def _fingerprint(files: list[Path]) -> str:
        digest = hashlib.sha256()
        for path in files:
            with path.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(chunk)
            digest.update(b"\x00--part--\x00")
        return digest.hexdigest()[:16]

    def _create_staging(self, staging: str) -> bool:
        """Create the staging table; True if it is new (so no earlier load's rows are in it)."""
        table = bigquery.Table(self.tables.table_id(staging), schema=STAGING_SCHEMA)
        table.expires = _utcnow() + self.staging_expiration
        table.labels = dict(self._labels)
        try:
            self._client.create_table(table)
            return True
        except gexc.Conflict:
            return False

    def _get_job(self, job_id: str) -> Any:
        try:
            return self._client.get_job(job_id, location=self.location)
        except gexc.NotFound:
            return None

    def _load_part(self, part: _Part, staging: str, staging_is_new: bool, commit: StreamCommit) -> None:
        """Load one file into staging exactly once, re-attaching to an earlier attempt's job.

        A job id that already exists is reused when its rows are in this staging table: it
        succeeded (or is still running) and the table was not just re-created. Otherwise (failed,
        or its rows went with a dropped/expired staging table) the next `_rN` id is used.
        """
        for attempt in range(100):
            job_id = part.job_id if attempt == 0 else f"{part.job_id}_r{attempt}"
            job = self._get_job(job_id)
            if job is None:
                job = self._start_load(part.path, staging, job_id, commit)
            elif staging_is_new or (job.state == "DONE" and job.error_result):
                continue
            else:
                log.info("re-attaching to load job %s", job_id)
            if self._wait(job) is _FAILED:
                continue
            return
        raise RuntimeError(f"could not load {part.path.name} after 100 attempts")

    def _start_load(self, path: Path, staging: str, job_id: str, commit: StreamCommit) -> Any:
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            schema=STAGING_SCHEMA,
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
            ignore_unknown_values=False,
            labels=self._job_labels(sync_id=commit.sync_id, stream=commit.stream, step="load"),
        )
        try:
            with path.open("rb") as fh:
                return self._client.load_table_from_file(
                    fh,
                    self.tables.table_id(staging),
                    job_id=job_id,
                    job_config=config,
                    location=self.location,
                    rewind=True,
                )
        except gexc.Conflict:
            # The job was created by an earlier attempt whose response we never saw.
            log.info("load job %s already exists; re-attaching", job_id)
            return self._client.get_job(job_id, location=self.location)

    def _wait(self, job: Any) -> Any:
        try:
            job.result(timeout=self.job_timeout_seconds)
        except gexc.GoogleAPICallError:
            if job.done() and job.error_result:
                # A failed job's id can never be reused; a bad file fails again under the next id,
                # so only retry errors that are not about the data.
                reason = (job.error_result or {}).get("reason", "")
                if reason in {"invalid", "invalidQuery", "notFound"}:
                    raise
                log.warning("load job %s failed (%s); retrying under a new id", job.job_id, reason)
                return _FAILED
            raise
        return job

    # ------------------------------------------------------------------ state

    def get_state(self, company_id: int, stream: str) -> dict[str, Any] | None:
        rows = self._query(
            f"SELECT state FROM {self.tables.ref(STATE_TABLE)} WHERE _company_id = @c AND stream = @s",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id),
             bigquery.ScalarQueryParameter("s", "STRING", stream)],
        )
        return exact_json.loads(rows[0]["state"]) if rows else None

    def list_states(self, company_id: int | None = None) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self._query(
            f"SELECT _company_id, stream, state FROM {self.tables.ref(STATE_TABLE)}"
            " WHERE @c IS NULL OR _company_id = @c ORDER BY _company_id, stream",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id)],
        )
        return [(int(r["_company_id"]), r["stream"], exact_json.loads(r["state"])) for r in rows]

    def clear_state(self, company_id: int, stream: str | None = None) -> None:
        self._query(
            f"DELETE FROM {self.tables.ref(STATE_TABLE)}"
            " WHERE _company_id = @c AND (@s IS NULL OR stream = @s)",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id),
             bigquery.ScalarQueryParameter("s", "STRING", stream)],
        )

    def live_ids(self, company_id: int, stream: str) -> Iterator[str]:
        table = self.tables.ref(check_stream(stream))
        try:
            rows = self._query(
                f"SELECT _record_id FROM {table} WHERE _company_id = @c AND NOT _is_deleted"
                " ORDER BY _record_id",
                [bigquery.ScalarQueryParameter("c", "INT64", company_id)],
                stream=stream,
            )
        except DestinationError:
            if not self._table_exists(stream):
                return iter(())
            raise
        return (r["_record_id"] for r in rows)

    def ids_changed_since(self, company_id: int, stream: str, cursor: str) -> Iterator[str]:
        """Ids of live rows whose `_cursor_value` (text, same format as `cursor`) is at or after it."""
        table = self.tables.ref(check_stream(stream))
        try:
            rows = self._query(
                f"SELECT _record_id FROM {table} WHERE _company_id = @c AND NOT _is_deleted"
                " AND _cursor_value >= @cursor ORDER BY _record_id",
                [bigquery.ScalarQueryParameter("c", "INT64", company_id),
                 bigquery.ScalarQueryParameter("cursor", "STRING", cursor)],
                stream=stream,
            )
        except DestinationError:
            if not self._table_exists(stream):
                return iter(())
            raise
        return (r["_record_id"] for r in rows)

    def lookup_ids(
        self, company_id: int, stream: str, field: str, values: Iterable[str]
    ) -> list[tuple[str, str]]:
        if not _FIELD_RE.match(field):
            raise BigQueryConfigError(f"invalid field name {field!r}")
        wanted = sorted({str(v) for v in values})
        if not wanted:
            return []
        table = self.tables.ref(check_stream(stream))
        try:
            rows = self._query(
                f"SELECT JSON_VALUE(_data, '$.{field}') AS v, _record_id FROM {table}"
                f" WHERE _company_id = @c AND NOT _is_deleted AND JSON_VALUE(_data, '$.{field}') IN UNNEST(@v)",
                [bigquery.ScalarQueryParameter("c", "INT64", company_id),
                 bigquery.ArrayQueryParameter("v", "STRING", wanted)],
                stream=stream,
            )
        except DestinationError:
            if not self._table_exists(stream):
                return []
            raise
        return [(r["v"], r["_record_id"]) for r in rows]

    def get_records(self, company_id: int, stream: str, record_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted({str(i) for i in record_ids})
        if not ids:
            return {}
        table = self.tables.ref(check_stream(stream))
        # Matched by hash, like forget: GDPR look-ups should not leave ids in the job history.
        try:
            rows = self._query(
                f"SELECT _record_id, _data FROM {table}"
                " WHERE _company_id = @c AND TO_HEX(SHA256(_record_id)) IN UNNEST(@h)",
                [bigquery.ScalarQueryParameter("c", "INT64", company_id),
                 bigquery.ArrayQueryParameter("h", "STRING", [sha256_hex(i) for i in ids])],
                stream=stream,
            )
        except DestinationError:
            if not self._table_exists(stream):
                return {}
            raise
        return {r["_record_id"]: r["_data"] for r in rows}

    def _table_exists(self, table: str) -> bool:
        try:
            self._client.get_table(self.tables.table_id(table))
            return True
        except gexc.NotFound:
            return False

    def known_fields(self, company_id: int, stream: str) -> set[str]:
        rows = self._query(
            f"SELECT field_path FROM {self.tables.ref(FIELDS_TABLE)} WHERE _company_id = @c AND stream = @s",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id),
             bigquery.ScalarQueryParameter("s", "STRING", stream)],
        )
        return {r["field_path"] for r in rows}

    # ------------------------------------------------------------------ lease

    def _lease_holder(self, company_id: int) -> tuple[Any, ...] | None:
        rows = self._query(
            f"SELECT sync_id, owner, acquired_at, expires_at, expires_at > CURRENT_TIMESTAMP() AS live"
            f" FROM {self.tables.ref(LEASES_TABLE)} WHERE _company_id = @c",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id)],
        )
        if not rows:
            return None
        r = rows[0]
        return (r["sync_id"], r["owner"], r["acquired_at"], r["expires_at"], r["live"])

    def acquire_lease(self, company_id: int, sync_id: str, ttl_seconds: int, owner: str = "") -> None:
        """Take or renew the company's lease in one MERGE, then read back who holds it.

        The MERGE only overwrites a lease that is ours, expired (server clock, so hosts with skewed
        clocks agree) or held by the run we just found dead (`@dead`: a compare-and-swap on the
        holder we looked at). BigQuery serialises concurrent DML on a table, so of two racing runs
        one MERGE sees the other's fresh row and changes nothing; the read-back tells it so.
        """
        held = self._lease_holder(company_id)
        dead = ""
        if held and held[0] != sync_id:
            if not lease_is_free(held[0], held[1], expired=not held[4]):
                raise LeaseHeldError(f"the run lease of company {company_id} is taken: {describe_holder(*held[:4])}")
            dead = held[0]
        params = [
            bigquery.ScalarQueryParameter("c", "INT64", company_id),
            bigquery.ScalarQueryParameter("h", "STRING", sync_id),
            bigquery.ScalarQueryParameter("ttl", "INT64", int(ttl_seconds)),
            bigquery.ScalarQueryParameter("o", "STRING", owner),
            bigquery.ScalarQueryParameter("dead", "STRING", dead),
        ]
        leases = self.tables.ref(LEASES_TABLE)
        self._query(
            f"""MERGE {leases} T
USING (SELECT @c AS _company_id) S
ON T._company_id = S._company_id
WHEN MATCHED AND (T.sync_id = @h OR T.expires_at <= CURRENT_TIMESTAMP() OR T.sync_id = @dead) THEN UPDATE SET
  sync_id = @h, owner = @o, acquired_at = IF(T.sync_id = @h, T.acquired_at, CURRENT_TIMESTAMP()),
  expires_at = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @ttl SECOND)
WHEN NOT MATCHED THEN INSERT (_company_id, sync_id, acquired_at, expires_at, owner)
  VALUES (@c, @h, CURRENT_TIMESTAMP(), TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @ttl SECOND), @o)""",
            params,
            sync_id=sync_id,
            step="lease",
        )
        now = self._lease_holder(company_id)
        if now is None or now[0] != sync_id:
            raise LeaseHeldError(
                f"the run lease of company {company_id} is taken: {describe_holder(*now[:4])}" if now
                else f"company {company_id}: could not take the run lease"
            )
        if dead:
            self._query(
                f"UPDATE {self.tables.ref(RUNS_TABLE)} SET status = 'abandoned', finished_at = CURRENT_TIMESTAMP(),"
                " error = @e WHERE sync_id = @dead AND status = 'running'",
                [bigquery.ScalarQueryParameter("dead", "STRING", dead),
                 bigquery.ScalarQueryParameter(
                     "e", "STRING", f"the run stopped without finishing (killed or crashed); run {sync_id} "
                     "took over its lease")],
                sync_id=sync_id,
                step="lease",
            )

    def renew_lease(self, company_id: int, sync_id: str, ttl_seconds: int) -> bool:
        config = bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter("c", "INT64", company_id),
                bigquery.ScalarQueryParameter("h", "STRING", sync_id),
                bigquery.ScalarQueryParameter("ttl", "INT64", int(ttl_seconds)),
            ],
            labels=self._job_labels(sync_id=sync_id, step="lease"),
            use_legacy_sql=False,
        )
        with _bigquery_errors("lease renewal"):
            job = self._client.query(
                f"UPDATE {self.tables.ref(LEASES_TABLE)} SET"
                " expires_at = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @ttl SECOND)"
                " WHERE _company_id = @c AND sync_id = @h",
                job_config=config,
                location=self.location,
            )
            job.result(timeout=self.job_timeout_seconds)
        if job.num_dml_affected_rows is not None:
            return bool(job.num_dml_affected_rows)
        holder = self._lease_holder(company_id)  # a server that does not count DML rows
        return holder is not None and holder[0] == sync_id

    def release_lease(self, company_id: int, sync_id: str) -> None:
        self._query(
            f"DELETE FROM {self.tables.ref(LEASES_TABLE)} WHERE _company_id = @c AND sync_id = @h",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id),
             bigquery.ScalarQueryParameter("h", "STRING", sync_id)],
            sync_id=sync_id,
            step="lease",
        )

    # ------------------------------------------------------------------- runs

    def start_run(self, run: RunRecord) -> None:
        self._query(
            f"INSERT INTO {self.tables.ref(RUNS_TABLE)}"
            " (sync_id, _company_id, started_at, finished_at, status, stats, error)"
            " VALUES (@id, @c, @start, @finish, @status, @stats, @error)",
            self._run_params(run),
            sync_id=run.sync_id,
            step="run",
        )

    def finish_run(self, run: RunRecord) -> None:
        self._query(
            f"UPDATE {self.tables.ref(RUNS_TABLE)} SET finished_at = @finish, status = @status,"
            " stats = @stats, error = @error WHERE sync_id = @id AND _company_id = @c",
            self._run_params(run),
            sync_id=run.sync_id,
            step="run",
        )

    @staticmethod
    def _run_params(run: RunRecord) -> list[bigquery.ScalarQueryParameter]:
        return [
            bigquery.ScalarQueryParameter("id", "STRING", run.sync_id),
            bigquery.ScalarQueryParameter("c", "INT64", run.company_id),
            bigquery.ScalarQueryParameter("start", "TIMESTAMP", run.started_at),
            bigquery.ScalarQueryParameter("finish", "TIMESTAMP", run.finished_at),
            bigquery.ScalarQueryParameter("status", "STRING", run.status),
            bigquery.ScalarQueryParameter("stats", "STRING", exact_json.dumps(run.stats or {})),
            bigquery.ScalarQueryParameter("error", "STRING", run.error),
        ]

    def list_runs(self, company_id: int | None = None, limit: int = 20) -> list[RunRecord]:
        rows = self._query(
            "SELECT sync_id, _company_id, started_at, finished_at, status, stats, error"
            f" FROM {self.tables.ref(RUNS_TABLE)} WHERE @c IS NULL OR _company_id = @c"
            " ORDER BY started_at DESC LIMIT @n",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id),
             bigquery.ScalarQueryParameter("n", "INT64", int(limit))],
        )
        return [
            RunRecord(
                sync_id=r["sync_id"],
                company_id=int(r["_company_id"]),
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                status=r["status"],
                stats=exact_json.loads(r["stats"]) if r["stats"] else {},
                error=r["error"],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------- GDPR

    def forget(
        self, company_id: int, stream: str, record_ids: Iterable[str], how: Literal["delete", "anonymise"],
        anonymised_data: dict[str, str] | None = None, reason: str | None = None, *, suppress: bool = True,
    ) -> int:
        from loader.gdpr import suppression_key

        ids = sorted({str(i) for i in record_ids})
        if not ids:
            return 0
        check_stream(stream)
        self.ensure_stream_table(stream)
        anonymised = None
        if how == "anonymise":
            missing = [i for i in ids if i not in (anonymised_data or {})]
            if missing:
                raise DestinationError(f"no anonymised data given for {len(missing)} of the records")
            anonymised = {sha256_hex(i): (anonymised_data or {})[i] for i in ids}
        sql = forget_script(
            self.tables,
            stream=stream,
            company_id=company_id,
            id_hashes=[sha256_hex(i) for i in ids],
            how=how,
            anonymised=anonymised,
            reason=reason,
            now=_utcnow(),
            suppression_keys=[suppression_key(company_id, stream, i) for i in ids] if suppress else [],
        )
        rows = self._query(sql, stream=stream, step="forget")
        # Leftover staging tables of this stream may still hold the records.
        with _bigquery_errors("dropping staging tables"):
            self._drop_staging(prefix=safe_name(f"{STAGING_PREFIX}{company_id}_{stream}_"))
        return int(rows[0]["n"]) if rows else 0

    def suppressions(self, company_id: int) -> dict[str, str]:
        rows = self._query(
            f"SELECT suppression_key, action FROM {self.tables.ref(SUPPRESSIONS_TABLE)} WHERE _company_id = @c",
            [bigquery.ScalarQueryParameter("c", "INT64", company_id)], step="suppressions")
        return {r["suppression_key"]: r["action"] for r in rows}

    def drop_connection(self, company_id: int, *, keep_erasures: bool = True) -> int:
        with _bigquery_errors("listing tables"):
            landing = self._landing_tables()
        erasures = [] if keep_erasures else [DELETIONS_TABLE, SUPPRESSIONS_TABLE]
        sql = drop_connection_script(
            self.tables,
            company_id=company_id,
            landing_tables=landing,
            control_tables=[STATE_TABLE, FIELDS_TABLE, LEASES_TABLE, RUNS_TABLE, *erasures],
        )
        rows = self._query(sql, step="drop_connection")
        with _bigquery_errors("dropping staging tables"):
            self._drop_staging(prefix=f"{STAGING_PREFIX}{company_id}_")
        return int(rows[0]["n"]) if rows else 0

    def _landing_tables(self) -> list[str]:
        """Tables of the dataset that carry the landing contract (not control or staging)."""
        names = []
        for item in self._client.list_tables(f"{self.project}.{self.dataset}"):
            if item.table_id.startswith("_"):
                continue
            table = self._client.get_table(item.reference)
            if {f.name for f in table.schema} >= set(LANDING_COLUMN_NAMES):
                names.append(item.table_id)
        return sorted(names)

    def _drop_staging(self, prefix: str) -> None:
        for item in self._client.list_tables(f"{self.project}.{self.dataset}"):
            if item.table_id.startswith(prefix):
                self._client.delete_table(item.reference, not_found_ok=True)

    def close(self) -> None:
        self._client.close()
