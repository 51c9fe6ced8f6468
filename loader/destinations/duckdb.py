"""The DuckDB destination: an embedded file, no account needed (the default)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb

from loader import exact_json
from loader.destinations.base import CommitResult, Destination, LeaseHeldError, RunRecord, StreamCommit
from loader.errors import ConfigError, DestinationError, LeaseError
from loader.lease import describe_holder, lease_is_free

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# How far a statement that ran out of memory may raise memory_limit (each retry doubles it): the
# limit keeps a usual sync small, yet one company's largest document (a bank statement of a few
# thousand events) must not fail its commit.
HEADROOM_DOUBLINGS = 4

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_size(value: str) -> str:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*[KMGT]i?B", value.strip(), re.IGNORECASE):
        raise ConfigError(f"destination.memory_limit {value!r} is not a size like 1GB or 512MB")
    return value.strip()


def _bytes(size: str) -> int:
    """A memory_limit (already checked by _check_size) in bytes: KB/MB/… are powers of 1000, KiB/… of 1024."""
    number, unit, binary = re.fullmatch(r"([0-9.]+)\s*([KMGT])(i?)B", size.strip(), re.IGNORECASE).groups()  # type: ignore[union-attr]
    return int(float(number) * (1024 if binary else 1000) ** ("KMGT".index(unit.upper()) + 1))


def check_identifier(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise ConfigError(f"invalid {what} name {name!r}: use letters, digits and underscores "
                          "(not starting with a digit), at most 63 characters")
    return name


class DuckDBDestination(Destination):
    name = "duckdb"
    stages_spool = True

    def __init__(self, path: str | Path, schema: str = "raw_procountor", memory_limit: str = "64MB") -> None:
        self.path = Path(path)
        self.schema = check_identifier(schema, "schema")
        self._heartbeat_con: duckdb.DuckDBPyConnection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                # DuckDB allows one writing process: another run (or a dbt build) has the file open.
                # The lock dies with its process, so this never outlives a killed run.
                pid = re.search(r"PID (\d+)", str(exc))
                holder = f"process {pid.group(1)} on this host" if pid else "another process"
                raise LeaseError(f"{holder} has {self.path} open (another run of this connection, or "
                                 "dbt); try again when it has finished") from None
            raise DestinationError(f"cannot open the DuckDB file {self.path}: {exc}") from None
        except (duckdb.Error, OSError) as exc:
            raise DestinationError(f"cannot open the DuckDB file {self.path}: {exc}") from None
        self.con.execute("SET TimeZone='UTC'")
        # A stream's whole spool is merged in one transaction; cap DuckDB's memory and let it spill
        # to disk beside the database, so a large initial sync does not need a large machine.
        self.memory_limit = _check_size(memory_limit)
        self.con.execute(f"SET memory_limit='{self.memory_limit}'")
        # A kept row costs about 100 bytes in the commit's hash join: a quarter of the limit a pass.
        self._kept_rows_per_pass = max(10_000, _bytes(memory_limit) // 400)
        self.con.execute("SET temp_directory=?", [str(self.path) + ".tmp"])
        self.con.execute("SET preserve_insertion_order=false")

    # -- set-up --------------------------------------------------------------------------------
    def setup(self) -> None:
        s = self.schema
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_state (
                _company_id BIGINT NOT NULL, stream VARCHAR NOT NULL, state VARCHAR NOT NULL,
                sync_id VARCHAR, updated_at TIMESTAMP NOT NULL, PRIMARY KEY (_company_id, stream))""")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_runs (
                sync_id VARCHAR PRIMARY KEY, _company_id BIGINT, started_at TIMESTAMP,
                finished_at TIMESTAMP, status VARCHAR, stats VARCHAR, error VARCHAR)""")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_deletions (
                _company_id BIGINT, stream VARCHAR, record_id_sha256 VARCHAR, action VARCHAR,
                reason VARCHAR, requested_at TIMESTAMP)""")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_suppressions (
                _company_id BIGINT NOT NULL, stream VARCHAR NOT NULL, suppression_key VARCHAR NOT NULL,
                action VARCHAR NOT NULL, requested_at TIMESTAMP NOT NULL, PRIMARY KEY (suppression_key))""")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_fields (
                _company_id BIGINT NOT NULL, stream VARCHAR NOT NULL, field_path VARCHAR NOT NULL,
                first_seen_at TIMESTAMP, last_seen_at TIMESTAMP,
                PRIMARY KEY (_company_id, stream, field_path))""")
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {s}._loader_leases (
                _company_id BIGINT PRIMARY KEY, sync_id VARCHAR, expires_at TIMESTAMP)""")
        # Who holds the lease (host, boot, pid) and since when: a killed run's lease is taken over
        # at once, and a refusal names the holder.
        self.con.execute(f"ALTER TABLE {s}._loader_leases ADD COLUMN IF NOT EXISTS owner VARCHAR")
        self.con.execute(f"ALTER TABLE {s}._loader_leases ADD COLUMN IF NOT EXISTS acquired_at TIMESTAMP")

    def ensure_stream_table(self, stream: str) -> None:
        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        self.con.execute(f"""
            CREATE TABLE IF NOT EXISTS {table} (
                _company_id BIGINT NOT NULL,
                _record_id VARCHAR NOT NULL,
                _data VARCHAR NOT NULL,
                _record_hash VARCHAR NOT NULL,
                _cursor_value VARCHAR,
                _extracted_at TIMESTAMP NOT NULL,
                _loaded_at TIMESTAMP NOT NULL,
                _sync_id VARCHAR NOT NULL,
                _is_deleted BOOLEAN NOT NULL DEFAULT false,
                _deleted_at TIMESTAMP)""")
        # No PRIMARY KEY: DuckDB keeps such an index wholly in memory; one row per
        # (_company_id, _record_id) is guaranteed by commit_stream (one writer, under the lease).

    # -- the commit ----------------------------------------------------------------------------
    @staticmethod
    def _staging_table(company_id: int, stream: str, sync_id: str) -> str:
        return f"_staged_{check_identifier(stream, 'stream')}_{company_id}_{re.sub(r'[^0-9a-f]', '', sync_id)[:16]}"

    def _read_spool(self, into: str, files: list[str]) -> None:
        self.con.execute(
            f"INSERT INTO {into} SELECT _company_id, _record_id, _data, _record_hash, _cursor_value, "
            "_extracted_at::TIMESTAMP FROM read_json(?, format='newline_delimited', columns={"
            "'_company_id': 'BIGINT', '_record_id': 'VARCHAR', '_data': 'VARCHAR', "
            "'_record_hash': 'VARCHAR', '_cursor_value': 'VARCHAR', '_extracted_at': 'VARCHAR'})",
            [files],
        )

    def _create_incoming(self, name: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (_company_id BIGINT, _record_id VARCHAR, "
                         "_data VARCHAR, _record_hash VARCHAR, _cursor_value VARCHAR, _extracted_at TIMESTAMP)")

    def stage_spool(self, company_id: int, stream: str, sync_id: str, path: Path) -> bool:
        """Parse a finished spool file into a TEMP table of this connection (memory up to
        memory_limit, then the temp directory): the JSON is read while the API is still being read,
        and the commit at the end only adds the last file. A temp table is private to this
        connection and gone with it, so a killed run leaves nothing behind."""
        staged = self._staging_table(company_id, stream, sync_id)
        try:
            (exists,) = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                                         [staged]).fetchone()
            if not exists:
                self._create_incoming(staged)
            if Path(path).stat().st_size > 0:
                self._with_headroom(f"staging stream {stream}", lambda: self._read_spool(staged, [str(path)]))
        except duckdb.Error as exc:
            raise DestinationError(f"DuckDB could not stage the spool of stream {stream}: {exc}") from None
        return True

    def _with_headroom(self, what: str, step: Any) -> Any:
        """Run `step`; when DuckDB runs out of memory, roll back, double memory_limit (at most
        HEADROOM_DOUBLINGS times) and run it again, then go back to the configured limit. Every
        step it wraps can run again after a failure: a failed statement changed nothing, and a
        failed transaction is rolled back."""
        limit = _bytes(self.memory_limit)
        try:
            for doubling in range(HEADROOM_DOUBLINGS + 1):
                try:
                    return step()
                except duckdb.OutOfMemoryException:
                    self._rollback()
                    if doubling == HEADROOM_DOUBLINGS:
                        raise
                    limit *= 2
                    log.warning("DuckDB ran out of memory %s at memory_limit %s; trying again with %d MB "
                                "(set destination.memory_limit higher to avoid the retry)",
                                what, self.memory_limit, limit // 1_000_000)
                    self.con.execute(f"SET memory_limit='{limit // 1_000_000}MB'")
        finally:
            if limit != _bytes(self.memory_limit):
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"SET memory_limit='{self.memory_limit}'")
        raise AssertionError("unreachable")  # pragma: no cover

    def commit_stream(self, commit: StreamCommit) -> CommitResult:
        table = f"{self.schema}.{check_identifier(commit.stream, 'stream')}"
        now = _now()
        files = [str(p) for p in commit.spool_files if Path(p).exists() and Path(p).stat().st_size > 0]
        con = self.con
        result = CommitResult()
        # Rows staged while the stream was read (stage_spool) are the start of _incoming.
        staged = self._staging_table(commit.company_id, commit.stream, commit.sync_id)
        incoming = staged if commit.staged_files else "_incoming"
        cid = commit.company_id
        prepared = False

        def prepare() -> None:
            nonlocal prepared
            # Scratch first, outside the transaction: temp tables private to this connection (gone
            # with it, nothing visible changes), and committed ones DuckDB may spill to disk, whereas
            # rows a transaction creates stay in memory until it ends. This run holds the lease and
            # is the file's only writer, so the table cannot change before the transaction begins.
            if not prepared:  # the spool is read, and the staged table renamed, once
                if not commit.staged_files:
                    self._create_incoming(incoming)
                if files:
                    self._read_spool(incoming, files)
                if incoming != "_incoming":
                    con.execute("DROP TABLE IF EXISTS _incoming")
                    con.execute(f"ALTER TABLE {incoming} RENAME TO _incoming")
                prepared = True
            if files or commit.staged_files:
                # A record listed twice in one run (a page boundary moved under us) lands once: the
                # last extracted copy wins. The engine already skips ids it has read, so this is a
                # guard; the window (memory-hungry on a large spool) runs only when needed. A grouping,
                # not count(DISTINCT): that one cannot spill (out of memory at 1.9 M receipts and 64MB).
                (dupes,) = con.execute("SELECT count(*) FROM (SELECT _record_id FROM _incoming "
                                       "GROUP BY _record_id HAVING count(*) > 1)").fetchone()
                if dupes:
                    con.execute("""
                        CREATE OR REPLACE TEMP TABLE _incoming AS
                        SELECT * FROM _incoming
                        QUALIFY row_number() OVER (PARTITION BY _company_id, _record_id
                                                   ORDER BY _extracted_at DESC) = 1""")
            # Upsert as delete + insert: hash joins spill to disk, whereas INSERT … ON CONFLICT needs
            # the primary-key index of the whole table in memory. Unchanged rows keep when and by
            # which run they were loaded; only those small columns are set aside (never the JSON,
            # which is copied once, from _incoming into the table).
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _kept AS
                SELECT t._record_id, t._loaded_at, t._sync_id
                FROM _incoming i
                JOIN (SELECT _record_id, _record_hash, _loaded_at, _sync_id, _is_deleted
                      FROM {table} WHERE _company_id = ?) t USING (_record_id)
                WHERE t._record_hash = i._record_hash AND NOT t._is_deleted""", [cid])

        def apply() -> None:
            con.execute("BEGIN TRANSACTION")
            result.deleted = 0
            if commit.check_lease:
                self._check_lease_is_ours(commit)
            (total, existed) = con.execute(f"""
                SELECT count(*), count(t._record_id) FROM _incoming i
                LEFT JOIN (SELECT _record_id FROM {table} WHERE _company_id = ?) t USING (_record_id)""",
                [cid]).fetchone()
            (same,) = con.execute("SELECT count(*) FROM _kept").fetchone()
            result.unchanged, result.updated, result.inserted = same, existed - same, total - existed
            if commit.mode == "replace":
                (result.deleted,) = con.execute(f"""
                    SELECT count(*) FROM {table} t WHERE _company_id = ?
                    AND NOT EXISTS (SELECT 1 FROM _incoming i WHERE i._record_id = t._record_id)""",
                    [cid]).fetchone()
                con.execute(f"DELETE FROM {table} WHERE _company_id = ?", [cid])
            else:
                con.execute(f"""DELETE FROM {table} t WHERE _company_id = ?
                                AND EXISTS (SELECT 1 FROM _incoming i WHERE i._record_id = t._record_id)""", [cid])
            # The insert joins the kept rows in memory: with many (a full refresh of a large table)
            # that hash table would outgrow memory_limit, and a join whose other side carries the
            # JSON does not spill well (out of memory at 1 M unchanged invoices with 96MB). So it
            # runs in passes, each over one slice of the ids, in the same transaction.
            passes = max(1, -(-same // self._kept_rows_per_pass))
            for part in range(passes):
                slice_of = "" if passes == 1 else f"WHERE hash(_record_id) % {passes} = {part}"
                con.execute(f"""
                    INSERT INTO {table} (_company_id, _record_id, _data, _record_hash, _cursor_value, _extracted_at,
                                         _loaded_at, _sync_id, _is_deleted, _deleted_at)
                    SELECT i._company_id, i._record_id, i._data, i._record_hash, i._cursor_value, i._extracted_at,
                           coalesce(k._loaded_at, ?::TIMESTAMP), coalesce(k._sync_id, ?), false, NULL::TIMESTAMP
                    FROM (SELECT * FROM _incoming {slice_of}) i
                    LEFT JOIN (SELECT * FROM _kept {slice_of}) k USING (_record_id)""", [now, commit.sync_id])
            con.execute("DROP TABLE _kept")
            con.execute("DROP TABLE _incoming")
            if commit.deleted_ids:
                con.execute("CREATE OR REPLACE TEMP TABLE _gone (_record_id VARCHAR)")
                con.executemany("INSERT INTO _gone VALUES (?)", [[i] for i in commit.deleted_ids])
                (n,) = con.execute(f"""
                    SELECT count(*) FROM {table} WHERE _company_id = ? AND NOT _is_deleted
                    AND _record_id IN (SELECT _record_id FROM _gone)""", [cid]).fetchone()
                result.deleted += n
                con.execute(f"""
                    UPDATE {table} SET _is_deleted = true, _deleted_at = ?, _loaded_at = ?, _sync_id = ?
                    WHERE _company_id = ? AND NOT _is_deleted
                    AND _record_id IN (SELECT _record_id FROM _gone)""", [now, now, commit.sync_id, cid])
            if commit.seen_fields:
                con.executemany(
                    f"""INSERT INTO {self.schema}._loader_fields VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (_company_id, stream, field_path) DO UPDATE SET
                        last_seen_at = excluded.last_seen_at""",
                    [[cid, commit.stream, f, now, now] for f in sorted(set(commit.seen_fields))],
                )
            con.execute(
                f"""INSERT INTO {self.schema}._loader_state VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (_company_id, stream) DO UPDATE SET state = excluded.state,
                    sync_id = excluded.sync_id, updated_at = excluded.updated_at""",
                [cid, commit.stream, exact_json.dumps(commit.state), commit.sync_id, now],
            )
            con.execute("COMMIT")

        try:
            self._with_headroom(f"committing stream {commit.stream}", prepare)
            self._with_headroom(f"committing stream {commit.stream}", apply)
        except duckdb.Error as exc:
            self._rollback()
            raise DestinationError(f"DuckDB commit of stream {commit.stream} failed: {exc}") from None
        except BaseException:
            self._rollback()
            raise
        return result

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK")

    # -- state ---------------------------------------------------------------------------------
    def get_state(self, company_id: int, stream: str) -> dict[str, Any] | None:
        row = self.con.execute(f"SELECT state FROM {self.schema}._loader_state WHERE _company_id = ? "
                               "AND stream = ?", [company_id, stream]).fetchone()
        return exact_json.loads(row[0]) if row else None

    def list_states(self, company_id: int | None = None) -> list[tuple[int, str, dict[str, Any]]]:
        sql = f"SELECT _company_id, stream, state FROM {self.schema}._loader_state"
        params: list[Any] = []
        if company_id is not None:
            sql += " WHERE _company_id = ?"
            params.append(company_id)
        rows = self.con.execute(sql + " ORDER BY 1, 2", params).fetchall()
        return [(c, s, exact_json.loads(st)) for c, s, st in rows]

    def clear_state(self, company_id: int, stream: str | None = None) -> None:
        if stream is None:
            self.con.execute(f"DELETE FROM {self.schema}._loader_state WHERE _company_id = ?", [company_id])
        else:
            self.con.execute(f"DELETE FROM {self.schema}._loader_state WHERE _company_id = ? AND stream = ?",
                             [company_id, stream])

    def live_ids(self, company_id: int, stream: str) -> Iterator[str]:
        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        cur = self.con.execute(f"SELECT _record_id FROM {table} WHERE _company_id = ? AND NOT _is_deleted "
                               "ORDER BY _record_id", [company_id])
        while batch := cur.fetchmany(10_000):
            for (rid,) in batch:
                yield rid

    def ids_changed_since(self, company_id: int, stream: str, cursor: str) -> Iterator[str]:
        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        cur = self.con.execute(f"SELECT _record_id FROM {table} WHERE _company_id = ? AND NOT _is_deleted "
                               "AND _cursor_value >= ?", [company_id, cursor])
        while batch := cur.fetchmany(10_000):
            for (rid,) in batch:
                yield rid

    def lookup_ids(self, company_id: int, stream: str, field: str, values: Iterable[str]) -> list[tuple[str, str]]:
        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        check_identifier(field, "field")
        wanted = sorted(set(values))
        if not wanted:
            return []
        # Reads every live row's JSON: the statement that outgrows memory_limit first on a large table.
        rows = self._read(f"looking up {stream} by {field}", f"""
            SELECT json_extract_string(_data, '$.{field}') AS v, _record_id FROM {table}
            WHERE _company_id = ? AND NOT _is_deleted
            AND json_extract_string(_data, '$.{field}') IN (SELECT unnest(?::VARCHAR[]))""",
            [company_id, wanted])
        return [(v, r) for v, r in rows]

    def get_records(self, company_id: int, stream: str, record_ids: Iterable[str]) -> dict[str, str]:
        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        ids = sorted(set(record_ids))
        if not ids:
            return {}
        rows = self._read(f"reading {stream} records", f"SELECT _record_id, _data FROM {table} WHERE _company_id = ? "
                          "AND _record_id IN (SELECT unnest(?::VARCHAR[]))", [company_id, ids])
        return dict(rows)

    def _read(self, what: str, sql: str, params: list[Any]) -> list[Any]:
        """All rows of a read, with headroom (`_with_headroom`); a failure is the destination's."""
        try:
            return self._with_headroom(what, lambda: self.con.execute(sql, params).fetchall())  # type: ignore[no-any-return]
        except duckdb.Error as exc:
            raise DestinationError(f"DuckDB failed {what}: {exc}") from None

    def known_fields(self, company_id: int, stream: str) -> set[str]:
        rows = self.con.execute(f"SELECT field_path FROM {self.schema}._loader_fields WHERE _company_id = ? "
                                "AND stream = ?", [company_id, stream]).fetchall()
        return {r[0] for r in rows}

    # -- lease and runs ------------------------------------------------------------------------
    def _lease_row(self, con: duckdb.DuckDBPyConnection, company_id: int) -> tuple[Any, ...] | None:
        return con.execute(f"SELECT sync_id, owner, acquired_at, expires_at FROM {self.schema}._loader_leases "
                           "WHERE _company_id = ?", [company_id]).fetchone()

    def _check_lease_is_ours(self, commit: StreamCommit) -> None:
        row = self._lease_row(self.con, commit.company_id)
        if row is None or row[0] != commit.sync_id:
            holder = describe_holder(*row) if row else "nobody holds it"
            raise LeaseError(f"this run lost the run lease of company {commit.company_id} ({holder}); "
                             f"stream {commit.stream} was not committed")

    def acquire_lease(self, company_id: int, sync_id: str, ttl_seconds: int, owner: str = "") -> None:
        now = _now()
        s = self.schema
        self.con.execute("BEGIN TRANSACTION")
        try:
            row = self._lease_row(self.con, company_id)
            if row and row[0] != sync_id:
                if not lease_is_free(row[0], row[1], expired=row[3] <= now):
                    raise LeaseHeldError(f"the run lease of company {company_id} is taken: {describe_holder(*row)}")
                self.con.execute(
                    f"UPDATE {s}._loader_runs SET status = 'abandoned', finished_at = ?, error = ? "
                    "WHERE sync_id = ? AND status = 'running'",
                    [now, f"the run stopped without finishing (killed or crashed); run {sync_id} took over "
                          "its lease", row[0]])
            since = row[2] if row and row[0] == sync_id and row[2] else now
            self.con.execute(
                f"""INSERT INTO {s}._loader_leases (_company_id, sync_id, expires_at, owner, acquired_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (_company_id) DO UPDATE SET sync_id = excluded.sync_id,
                    expires_at = excluded.expires_at, owner = excluded.owner, acquired_at = excluded.acquired_at""",
                [company_id, sync_id, now + timedelta(seconds=ttl_seconds), owner, since])
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        # The heartbeat renews from its own thread, on its own connection to the same database.
        if self._heartbeat_con is None:
            self._heartbeat_con = self.con.cursor()

    def renew_lease(self, company_id: int, sync_id: str, ttl_seconds: int) -> bool:
        con = self._heartbeat_con or self.con
        rows = con.execute(f"UPDATE {self.schema}._loader_leases SET expires_at = ? "
                           "WHERE _company_id = ? AND sync_id = ? RETURNING sync_id",
                           [_now() + timedelta(seconds=ttl_seconds), company_id, sync_id]).fetchall()
        return bool(rows)

    def release_lease(self, company_id: int, sync_id: str) -> None:
        self.con.execute(f"DELETE FROM {self.schema}._loader_leases WHERE _company_id = ? AND sync_id = ?",
                         [company_id, sync_id])

    def start_run(self, run: RunRecord) -> None:
        self.con.execute(f"INSERT INTO {self.schema}._loader_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [run.sync_id, run.company_id, run.started_at, run.finished_at, run.status,
                          exact_json.dumps(run.stats), run.error])

    def finish_run(self, run: RunRecord) -> None:
        self.con.execute(f"""UPDATE {self.schema}._loader_runs SET finished_at = ?, status = ?, stats = ?,
                             error = ? WHERE sync_id = ?""",
                         [run.finished_at, run.status, exact_json.dumps(run.stats), run.error, run.sync_id])

    def list_runs(self, company_id: int | None = None, limit: int = 20) -> list[RunRecord]:
        sql = (f"SELECT sync_id, _company_id, started_at, finished_at, status, stats, error "
               f"FROM {self.schema}._loader_runs")
        params: list[Any] = []
        if company_id is not None:
            sql += " WHERE _company_id = ?"
            params.append(company_id)
        rows = self.con.execute(sql + " ORDER BY started_at DESC LIMIT ?", [*params, limit]).fetchall()
        return [RunRecord(r[0], r[1], r[2], r[3], r[4], exact_json.loads(r[5] or "{}"), r[6]) for r in rows]

    # -- GDPR ----------------------------------------------------------------------------------
    def forget(self, company_id: int, stream: str, record_ids: Iterable[str],
               how: Literal["delete", "anonymise"], anonymised_data: dict[str, str] | None = None,
               reason: str | None = None, *, suppress: bool = True) -> int:
        from loader.gdpr import suppression_key

        table = f"{self.schema}.{check_identifier(stream, 'stream')}"
        ids = sorted(set(record_ids))
        now = _now()
        touched = 0
        self.con.execute("BEGIN TRANSACTION")
        try:
            for rid in ids:
                if how == "delete":
                    (n,) = self.con.execute(f"SELECT count(*) FROM {table} WHERE _company_id = ? "
                                            "AND _record_id = ?", [company_id, rid]).fetchone()
                    self.con.execute(f"DELETE FROM {table} WHERE _company_id = ? AND _record_id = ?",
                                     [company_id, rid])
                else:
                    data = (anonymised_data or {}).get(rid)
                    if data is None:
                        raise DestinationError(f"no anonymised data given for record {rid}")
                    (n,) = self.con.execute(f"SELECT count(*) FROM {table} WHERE _company_id = ? "
                                            "AND _record_id = ?", [company_id, rid]).fetchone()
                    self.con.execute(f"UPDATE {table} SET _data = ?, _record_hash = ?, _loaded_at = ? "
                                     "WHERE _company_id = ? AND _record_id = ?",
                                     [data, exact_json.record_hash(data), now, company_id, rid])
                touched += n
                self.con.execute(f"INSERT INTO {self.schema}._loader_deletions VALUES (?, ?, ?, ?, ?, ?)",
                                 [company_id, stream, hashlib.sha256(rid.encode()).hexdigest(), how, reason, now])
                if suppress:
                    self.con.execute(
                        f"""INSERT INTO {self.schema}._loader_suppressions VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (suppression_key) DO UPDATE SET action = excluded.action,
                            requested_at = excluded.requested_at""",
                        [company_id, stream, suppression_key(company_id, stream, rid), how, now])
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return touched

    def suppressions(self, company_id: int) -> dict[str, str]:
        rows = self.con.execute(f"SELECT suppression_key, action FROM {self.schema}._loader_suppressions "
                                "WHERE _company_id = ?", [company_id]).fetchall()
        return dict(rows)

    def drop_connection(self, company_id: int, *, keep_erasures: bool = True) -> int:
        s = self.schema
        kept = {"_loader_deletions", "_loader_suppressions"} if keep_erasures else set()
        tables = [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [s]).fetchall()
            if r[0] not in kept]
        deleted = 0
        self.con.execute("BEGIN TRANSACTION")
        try:
            for t in tables:
                (n,) = self.con.execute(f"SELECT count(*) FROM {s}.{t} WHERE _company_id = ?",
                                        [company_id]).fetchone()
                self.con.execute(f"DELETE FROM {s}.{t} WHERE _company_id = ?", [company_id])
                if not t.startswith("_loader"):
                    deleted += n
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return deleted

    def table_counts(self, company_id: int | None = None) -> dict[str, int]:
        out = {}
        for (t,) in self.con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                                     "AND table_name NOT LIKE '\\_loader%' ESCAPE '\\' ORDER BY 1",
                                     [self.schema]).fetchall():
            sql = f"SELECT count(*) FROM {self.schema}.{t} WHERE NOT _is_deleted"
            params = []
            if company_id is not None:
                sql += " AND _company_id = ?"
                params.append(company_id)
            out[t] = self.con.execute(sql, params).fetchone()[0]
        return out

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            if self._heartbeat_con is not None:
                self._heartbeat_con.close()
            self.con.close()
