"""Explicit BigQuery schemas of the landing, staging and control tables.

Every table is created from these lists (never autodetected), so a load job that does not match the
contract fails loudly instead of widening a column. `_data` is STRING, not JSON: BigQuery's JSON type
stores numbers as float64, which would round money and long ids.
"""

from __future__ import annotations

from google.cloud.bigquery import SchemaField

REQUIRED = "REQUIRED"
NULLABLE = "NULLABLE"

# The landing contract (docs/architecture.md). Columns the destination always writes are REQUIRED,
# so a MERGE that would land a row without them fails inside the transaction.
LANDING_SCHEMA: list[SchemaField] = [
    SchemaField("_company_id", "INT64", mode=REQUIRED, description="Procountor company id"),
    SchemaField("_record_id", "STRING", mode=REQUIRED, description="the record's primary key, as text"),
    SchemaField("_data", "STRING", mode=REQUIRED, description="the record's JSON text (exact numbers)"),
    SchemaField("_record_hash", "STRING", mode=REQUIRED, description="sha256 of _data"),
    SchemaField("_cursor_value", "STRING", mode=NULLABLE, description="replication key value, if any"),
    SchemaField("_extracted_at", "TIMESTAMP", mode=REQUIRED, description="when the record was fetched"),
    SchemaField("_loaded_at", "TIMESTAMP", mode=REQUIRED, description="when the row last changed here"),
    SchemaField("_sync_id", "STRING", mode=REQUIRED, description="the run that last changed the row"),
    SchemaField("_is_deleted", "BOOL", mode=REQUIRED, description="tombstone: gone from the source"),
    SchemaField("_deleted_at", "TIMESTAMP", mode=NULLABLE, description="when the tombstone was set"),
]

# Landing tables are partitioned by day of `_loaded_at` (dbt's incremental key, so incremental models
# and freshness checks prune partitions) and clustered by the MERGE key.
PARTITION_FIELD = "_loaded_at"
CLUSTERING_FIELDS: list[str] = ["_company_id", "_record_id"]

# Staging holds the spool rows of one commit plus its tombstone ids (`_tombstone = true`, only
# `_company_id` and `_record_id` set). Everything is NULLABLE here; the landing schema enforces the
# contract when the rows are merged.
STAGING_SCHEMA: list[SchemaField] = [
    SchemaField("_company_id", "INT64"),
    SchemaField("_record_id", "STRING"),
    SchemaField("_data", "STRING"),
    SchemaField("_record_hash", "STRING"),
    SchemaField("_cursor_value", "STRING"),
    SchemaField("_extracted_at", "TIMESTAMP"),
    SchemaField("_tombstone", "BOOL"),
]

STATE_TABLE = "_loader_state"
RUNS_TABLE = "_loader_runs"
DELETIONS_TABLE = "_loader_deletions"
SUPPRESSIONS_TABLE = "_loader_suppressions"
FIELDS_TABLE = "_loader_fields"
LEASES_TABLE = "_loader_leases"

# Column names follow the DuckDB destination (loader/destinations/duckdb.py) so that tooling and
# dbt sources read both alike; `_company_id` keeps the landing tables' spelling.
CONTROL_SCHEMAS: dict[str, list[SchemaField]] = {
    STATE_TABLE: [
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("stream", "STRING", mode=REQUIRED),
        SchemaField("state", "STRING", mode=REQUIRED, description="the stream's state as JSON text"),
        SchemaField("sync_id", "STRING", description="the run that wrote the state"),
        SchemaField("updated_at", "TIMESTAMP", mode=REQUIRED),
    ],
    RUNS_TABLE: [
        SchemaField("sync_id", "STRING", mode=REQUIRED),
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("started_at", "TIMESTAMP"),
        SchemaField("finished_at", "TIMESTAMP"),
        SchemaField("status", "STRING"),
        SchemaField("stats", "STRING", description="run statistics as JSON text"),
        SchemaField("error", "STRING"),
    ],
    DELETIONS_TABLE: [
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("stream", "STRING", mode=REQUIRED),
        SchemaField("record_id_sha256", "STRING", mode=REQUIRED, description="sha256 hex of the id"),
        SchemaField("action", "STRING", mode=REQUIRED, description="delete | anonymise"),
        SchemaField("reason", "STRING"),
        SchemaField("requested_at", "TIMESTAMP", mode=REQUIRED),
    ],
    SUPPRESSIONS_TABLE: [
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("stream", "STRING", mode=REQUIRED),
        SchemaField("suppression_key", "STRING", mode=REQUIRED,
                    description="sha256 hex of '<company>/<stream>/<id>' (loader.gdpr.suppression_key)"),
        SchemaField("action", "STRING", mode=REQUIRED, description="delete | anonymise"),
        SchemaField("requested_at", "TIMESTAMP", mode=REQUIRED),
    ],
    FIELDS_TABLE: [
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("stream", "STRING", mode=REQUIRED),
        SchemaField("field_path", "STRING", mode=REQUIRED),
        SchemaField("first_seen_at", "TIMESTAMP"),
        SchemaField("last_seen_at", "TIMESTAMP"),
    ],
    LEASES_TABLE: [
        SchemaField("_company_id", "INT64", mode=REQUIRED),
        SchemaField("sync_id", "STRING", mode=REQUIRED, description="the run holding the lease"),
        SchemaField("acquired_at", "TIMESTAMP"),
        SchemaField("expires_at", "TIMESTAMP", mode=REQUIRED),
        SchemaField("owner", "STRING", description="host, boot id and pid of the run (JSON)"),
    ],
}

LANDING_COLUMN_NAMES: tuple[str, ...] = tuple(f.name for f in LANDING_SCHEMA)
