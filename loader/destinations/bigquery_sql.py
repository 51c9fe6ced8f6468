"""SQL text for the BigQuery destination: names, literals and the commit/forget scripts.

Why literals instead of query parameters in the multi-statement scripts: bqemulator (our offline
test double) does not bind query parameters inside scripts, and one code path for both is worth more
than parameters here. Every value that goes into a script passes through `string_literal`,
`int_literal` or `timestamp_literal`; identifiers pass through `check_identifier`. Record ids and
record data never go into script text (they travel through the staging table; `forget` matches on
hashes), so BigQuery's job history does not keep them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from loader.destinations.bigquery_schema import (
    DELETIONS_TABLE,
    FIELDS_TABLE,
    LANDING_COLUMN_NAMES,
    LEASES_TABLE,
    STATE_TABLE,
    SUPPRESSIONS_TABLE,
)

# The error a commit raises when the run no longer holds the company's lease.
LEASE_LOST_MARKER = "procountor-loader: run lease lost"

_STREAM_RE = re.compile(r"^[a-z][a-z0-9_]{0,127}$")
_DATASET_RE = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
_PROJECT_RE = re.compile(r"^[A-Za-z0-9.:-]{1,128}$")
_SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9_]")
_LABEL_VALUE_RE = re.compile(r"[^a-z0-9_-]")
# Characters a plain '...' literal carries verbatim on BigQuery and on the emulators.
_PLAIN_RE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")


def check_stream(stream: str) -> str:
    """Stream names become table names; they must not collide with `_loader_*` / `_stg_*`."""
    if not _STREAM_RE.match(stream):
        raise ValueError(f"invalid stream name {stream!r}: use lower-case letters, digits and _")
    return stream


def check_dataset(dataset: str) -> str:
    if not _DATASET_RE.match(dataset):
        raise ValueError(f"invalid BigQuery dataset name {dataset!r}")
    return dataset


def check_project(project: str) -> str:
    if not _PROJECT_RE.match(project):
        raise ValueError(f"invalid Google Cloud project id {project!r}")
    return project


def safe_name(text: str, max_len: int = 200) -> str:
    """A fragment usable in table names and job ids (letters, digits, underscore)."""
    return _SAFE_NAME_RE.sub("_", text)[:max_len]


def label_value(text: str) -> str:
    """BigQuery label values: lower-case letters, digits, `_` and `-`, at most 63 characters."""
    return _LABEL_VALUE_RE.sub("_", text.lower())[:63]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def string_literal(value: str | None) -> str:
    """A GoogleSQL string literal for any text, NULL for None.

    Printable text (plus tab, CR, LF) is written as a quoted literal with backslash escapes. Text with
    other control characters goes through base64, because bqemulator does not decode `\\u` escapes.
    """
    if value is None:
        return "NULL"
    if _PLAIN_RE.match(value):
        escaped = (
            value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        return f"'{escaped}'"
    encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return f"SAFE_CONVERT_BYTES_TO_STRING(FROM_BASE64('{encoded}'))"


def int_literal(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {type(value).__name__}")
    return str(value)


def timestamp_literal(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    return f"TIMESTAMP '{text}'"


def string_array_literal(values: Iterable[str]) -> str:
    items = ", ".join(string_literal(v) for v in values)
    return f"ARRAY<STRING>[{items}]"


@dataclass(frozen=True)
class Tables:
    """Fully qualified, backtick-quoted table references of one dataset."""

    project: str
    dataset: str

    def ref(self, table: str) -> str:
        return f"`{self.project}.{self.dataset}.{table}`"

    def table_id(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"


def commit_script(
    tables: Tables,
    *,
    stream: str,
    staging: str,
    company_id: int,
    sync_id: str,
    mode: str,
    now: datetime,
    state_json: str,
    seen_fields: list[str],
    check_lease: bool = False,
) -> str:
    """One transaction that lands a stream commit; its last statement returns the counts.

    `commit_src` below stands for the de-duplicated staging rows. Order matters: the counts are
    taken before any change (so "updated" and "unchanged" refer to
    the landing table as it was), rows are merged, deletions applied, then `_loader_fields` and the
    state row move in the same transaction as the data they describe.
    """
    landing = tables.ref(check_stream(stream))
    stg = tables.ref(staging)
    cid = int_literal(company_id)
    ts = timestamp_literal(now)
    sync = string_literal(sync_id)
    cols = ", ".join(LANDING_COLUMN_NAMES)

    if mode == "replace":
        # Full-refresh snapshot: the company's rows that are not in it leave the table.
        doomed = (
            f"T._company_id = {cid} AND T._record_id NOT IN (SELECT _record_id FROM commit_src)"
        )
        delete_stmt = f"DELETE FROM {landing} T WHERE {doomed};"
    elif mode == "merge":
        # Tombstones: ids the deletion sweep did not find. A row spooled in this same commit wins,
        # because being spooled proves the record still exists.
        doomed = (
            f"T._company_id = {cid} AND NOT T._is_deleted"
            f" AND T._record_id IN (SELECT _record_id FROM {stg}"
            f" WHERE _company_id = {cid} AND COALESCE(_tombstone, FALSE))"
            " AND T._record_id NOT IN (SELECT _record_id FROM commit_src)"
        )
        delete_stmt = (
            f"UPDATE {landing} T SET _is_deleted = TRUE, _deleted_at = {ts}, _loaded_at = {ts},"
            f" _sync_id = {sync} WHERE {doomed};"
        )
    else:
        raise ValueError(f"unknown write mode {mode!r}")

    fields_stmt = ""
    if seen_fields:
        fields_stmt = f"""
MERGE {tables.ref(FIELDS_TABLE)} T
USING (SELECT field_path FROM UNNEST({string_array_literal(sorted(set(seen_fields)))}) AS field_path) S
ON T._company_id = {cid} AND T.stream = {string_literal(stream)} AND T.field_path = S.field_path
WHEN MATCHED THEN UPDATE SET last_seen_at = {ts}
WHEN NOT MATCHED THEN INSERT (_company_id, stream, field_path, first_seen_at, last_seen_at)
  VALUES ({cid}, {string_literal(stream)}, S.field_path, {ts}, {ts});"""

    # The staging table may hold a row twice if a load was ever repeated; keep the newest copy.
    # (A subquery, not a TEMP table: bqemulator materialises TEMP tables as permanent ones.)
    src = f"""(
    SELECT _company_id, _record_id, _data, _record_hash, _cursor_value, _extracted_at
    FROM {stg}
    WHERE NOT COALESCE(_tombstone, FALSE)
    QUALIFY ROW_NUMBER() OVER (PARTITION BY _company_id, _record_id
                               ORDER BY _extracted_at DESC, _record_hash) = 1)"""
    doomed = doomed.replace("commit_src", src)
    delete_stmt = delete_stmt.replace("commit_src", src)
    current = f"(SELECT _record_id, _record_hash, _is_deleted FROM {landing} WHERE _company_id = {cid})"
    lease_stmt = ""
    if check_lease:
        # Inside the transaction: a run whose lease another run took over must not write.
        lease_stmt = f"""
SELECT ERROR('{LEASE_LOST_MARKER}') FROM (SELECT 1 AS one)
WHERE NOT EXISTS (SELECT 1 FROM {tables.ref(LEASES_TABLE)} WHERE _company_id = {cid} AND sync_id = {sync});
"""

    return f"""-- procountor-loader: commit {stream} for company {cid}
DECLARE v_inserted INT64 DEFAULT 0;
DECLARE v_updated INT64 DEFAULT 0;
DECLARE v_unchanged INT64 DEFAULT 0;
DECLARE v_deleted INT64 DEFAULT 0;

BEGIN TRANSACTION;

-- A spool belongs to exactly one company; anything else is a loader bug, so stop before writing.
SELECT ERROR('spool rows belong to another company') FROM {src} WHERE _company_id != {cid};
{lease_stmt}
SET v_inserted = (SELECT COUNTIF(T._record_id IS NULL) FROM {src} S
                  LEFT JOIN {current} T ON T._record_id = S._record_id);
SET v_updated = (SELECT COUNTIF(T._record_hash != S._record_hash OR T._is_deleted) FROM {src} S
                 JOIN {current} T ON T._record_id = S._record_id);
SET v_unchanged = (SELECT COUNTIF(T._record_hash = S._record_hash AND NOT T._is_deleted) FROM {src} S
                   JOIN {current} T ON T._record_id = S._record_id);
SET v_deleted = (SELECT COUNT(*) FROM {landing} T WHERE {doomed});

{delete_stmt}

-- Unchanged rows (same hash, not tombstoned) are left alone, so they keep their _loaded_at.
MERGE {landing} T
USING {src} S
ON T._company_id = S._company_id AND T._record_id = S._record_id
WHEN MATCHED AND (T._record_hash != S._record_hash OR T._is_deleted) THEN UPDATE SET
  _data = S._data, _record_hash = S._record_hash, _cursor_value = S._cursor_value,
  _extracted_at = S._extracted_at, _loaded_at = {ts}, _sync_id = {sync},
  _is_deleted = FALSE, _deleted_at = NULL
WHEN NOT MATCHED THEN INSERT ({cols})
  VALUES (S._company_id, S._record_id, S._data, S._record_hash, S._cursor_value, S._extracted_at,
          {ts}, {sync}, FALSE, NULL);
{fields_stmt}

MERGE {tables.ref(STATE_TABLE)} T
USING (SELECT {cid} AS _company_id, {string_literal(stream)} AS stream) S
ON T._company_id = S._company_id AND T.stream = S.stream
WHEN MATCHED THEN UPDATE SET state = {string_literal(state_json)}, sync_id = {sync}, updated_at = {ts}
WHEN NOT MATCHED THEN INSERT (_company_id, stream, state, sync_id, updated_at)
  VALUES (S._company_id, S.stream, {string_literal(state_json)}, {sync}, {ts});

COMMIT TRANSACTION;

SELECT v_inserted AS inserted, v_updated AS updated, v_unchanged AS unchanged, v_deleted AS deleted;
"""


def forget_script(
    tables: Tables,
    *,
    stream: str,
    company_id: int,
    id_hashes: list[str],
    how: str,
    anonymised: dict[str, str] | None,
    reason: str | None,
    now: datetime,
    suppression_keys: Iterable[str] = (),
) -> str:
    """Delete or anonymise rows matched by sha256 of their id, and audit each id by its hash.
    `suppression_keys` (loader.gdpr.suppression_key of each id) are upserted with `how`.

    Matching on `TO_HEX(SHA256(_record_id))` keeps the ids themselves out of the query text (and so
    out of BigQuery's job history). `anonymised` maps id hash -> replacement `_data`.
    """
    landing = tables.ref(check_stream(stream))
    cid = int_literal(company_id)
    ts = timestamp_literal(now)
    hashes = string_array_literal(id_hashes)
    match = f"T._company_id = {cid} AND TO_HEX(SHA256(T._record_id)) IN UNNEST({hashes})"
    if how == "delete":
        change = f"DELETE FROM {landing} T WHERE {match};"
    elif how == "anonymise":
        if not anonymised:
            raise ValueError("anonymise needs anonymised_data for the ids")
        structs = ", ".join(
            f"STRUCT({string_literal(h)} AS id_hash, {string_literal(data)} AS data,"
            f" {string_literal(sha256_hex(data))} AS data_hash)"
            for h, data in sorted(anonymised.items())
        )
        # _loaded_at moves so incremental dbt models pick the anonymised version up.
        change = (
            f"UPDATE {landing} T SET _data = S.data, _record_hash = S.data_hash, _loaded_at = {ts}"
            f" FROM UNNEST([{structs}]) S"
            f" WHERE T._company_id = {cid} AND TO_HEX(SHA256(T._record_id)) = S.id_hash;"
        )
    else:
        raise ValueError(f"unknown forget mode {how!r}")
    audit_rows = ",\n  ".join(
        f"({cid}, {string_literal(stream)}, {string_literal(h)}, {string_literal(how)},"
        f" {string_literal(reason)}, {ts})"
        for h in id_hashes
    )
    suppress = ""
    if keys_list := sorted(suppression_keys):
        keys = string_array_literal(keys_list)
        suppress = f"""MERGE {tables.ref(SUPPRESSIONS_TABLE)} T
USING (SELECT k FROM UNNEST({keys}) AS k) S
ON T.suppression_key = S.k
WHEN MATCHED THEN UPDATE SET action = {string_literal(how)}, requested_at = {ts}
WHEN NOT MATCHED THEN INSERT (_company_id, stream, suppression_key, action, requested_at)
  VALUES ({cid}, {string_literal(stream)}, S.k, {string_literal(how)}, {ts});"""
    return f"""-- procountor-loader: forget in {stream} for company {cid}
DECLARE v_n INT64 DEFAULT 0;
BEGIN TRANSACTION;
SET v_n = (SELECT COUNT(*) FROM {landing} T WHERE {match});
{change}
INSERT INTO {tables.ref(DELETIONS_TABLE)} (_company_id, stream, record_id_sha256, action, reason,
  requested_at)
VALUES
  {audit_rows};
{suppress}
COMMIT TRANSACTION;
SELECT v_n AS n;
"""


def drop_connection_script(
    tables: Tables, *, company_id: int, landing_tables: list[str], control_tables: list[str]
) -> str:
    """Delete a company's rows from every landing and control table in one transaction."""
    cid = int_literal(company_id)
    if landing_tables:
        counted = " + ".join(
            f"(SELECT COUNT(*) FROM {tables.ref(t)} WHERE _company_id = {cid})" for t in landing_tables
        )
    else:
        counted = "0"
    deletes = "\n".join(
        f"DELETE FROM {tables.ref(t)} WHERE _company_id = {cid};" for t in landing_tables
    )
    control = "\n".join(
        f"DELETE FROM {tables.ref(t)} WHERE _company_id = {cid};" for t in control_tables
    )
    return f"""-- procountor-loader: drop connection {cid}
DECLARE v_n INT64 DEFAULT 0;
BEGIN TRANSACTION;
SET v_n = (SELECT {counted});
{deletes}
{control}
COMMIT TRANSACTION;
SELECT v_n AS n;
"""
