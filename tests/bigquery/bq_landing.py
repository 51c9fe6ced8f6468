"""Copy a DuckDB landing (raw_procountor) into a BigQuery emulator, for the dbt parity tests.

`land_with_destination` replays the rows through BigQueryDestination (load jobs + MERGE), the way
the loader lands them; tombstoned rows arrive as a second commit with `deleted_ids`. crucible has no
NDJSON load jobs, so `land_with_sql` writes the same rows with DDL + INSERT instead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from google.cloud import bigquery

from loader.destinations.base import LANDING_COLUMNS, SPOOL_KEYS, StreamCommit
from loader.destinations.bigquery import BigQueryDestination
from loader.destinations.bigquery_schema import LANDING_SCHEMA
from loader.destinations.bigquery_sql import string_literal, timestamp_literal

Row = dict[str, Any]


def read_duckdb_landing(path: Path, schema: str = "raw_procountor") -> dict[str, list[Row]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1", [schema]).fetchall()]
        out: dict[str, list[Row]] = {}
        for table in tables:
            cur = con.execute(f"SELECT {', '.join(LANDING_COLUMNS)} FROM {schema}.{table}")
            out[table] = [dict(zip(LANDING_COLUMNS, r, strict=True)) for r in cur.fetchall()]
        return out
    finally:
        con.close()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def land_with_destination(dest: BigQueryDestination, landing: dict[str, list[Row]], spool_dir: Path) -> None:
    dest.setup()
    for stream, rows in landing.items():
        dest.ensure_stream_table(stream)
        by_company: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            by_company[int(row["_company_id"])].append(row)
        for company, company_rows in by_company.items():
            spool = spool_dir / f"{stream}-{company}.jsonl"
            with spool.open("w", encoding="utf-8") as out:
                for row in company_rows:
                    record = {k: row[k] for k in SPOOL_KEYS}
                    record["_extracted_at"] = _utc(row["_extracted_at"]).isoformat()  # type: ignore[union-attr]
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            dest.commit_stream(StreamCommit(company, stream, "parity-1", [spool], "merge", {"fixture": True}))
            gone = [r["_record_id"] for r in company_rows if r["_is_deleted"]]
            if gone:
                dest.commit_stream(
                    StreamCommit(company, stream, "parity-2", [], "merge", {"fixture": True}, deleted_ids=gone)
                )


def _literal(value: Any, field_type: str) -> str:
    if value is None:
        return "NULL"
    if field_type == "INT64":
        return str(int(value))
    if field_type == "BOOL":
        return "TRUE" if value else "FALSE"
    if field_type == "TIMESTAMP":
        return timestamp_literal(_utc(value))  # type: ignore[arg-type]
    return string_literal(str(value))


def land_with_sql(client: bigquery.Client, dataset: str, landing: dict[str, list[Row]], batch: int = 200) -> None:
    ds = bigquery.Dataset(f"{client.project}.{dataset}")
    ds.location = "US"
    client.create_dataset(ds, exists_ok=True)
    columns = ", ".join(f"{f.name} {f.field_type}" for f in LANDING_SCHEMA)
    types = [f.field_type for f in LANDING_SCHEMA]
    for stream, rows in landing.items():
        table = f"`{client.project}.{dataset}.{stream}`"
        client.query(f"CREATE TABLE IF NOT EXISTS {table} ({columns})").result()
        for i in range(0, len(rows), batch):
            values = ",\n".join(
                "(" + ", ".join(_literal(r[c], t) for c, t in zip(LANDING_COLUMNS, types, strict=True)) + ")"
                for r in rows[i: i + batch]
            )
            client.query(f"INSERT INTO {table} ({', '.join(LANDING_COLUMNS)}) VALUES\n{values}").result()
