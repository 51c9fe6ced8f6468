"""The warehouses the MCP server can read: a DuckDB file or BigQuery datasets.

Each backend is the second guard behind sql_guard: DuckDB is opened read_only with external access
off (no files, no extensions, no ATTACH) for every query; BigQuery dry-runs a query first and runs
it only if BigQuery itself says the statement is a SELECT.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from loader.catalog import Catalog, build_catalog
from loader.errors import ConfigError
from loader.mcp.sql_guard import check_select

QUERY_TIMEOUT_SECONDS = 30.0


@dataclass
class TableInfo:
    name: str  # as a query should write it
    layer: str
    description: str
    columns: list[dict[str, str]] = field(default_factory=list)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "row_count": len(self.rows), "truncated": self.truncated}


def _plain(value: Any) -> Any:
    """JSON-safe values; decimals as text so amounts stay exact."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


class Warehouse(Protocol):
    dialect: str

    def describe(self) -> str: ...

    def tables(self) -> list[TableInfo]: ...

    def query(self, sql: str, max_rows: int) -> QueryResult: ...


def _documented_tables(catalog: Catalog, layers: tuple[str, ...], qualify: dict[str, str]) -> list[TableInfo]:
    out = []
    for rel in catalog.relations:
        if rel.layer in layers and rel.name in qualify:
            cols = [{"name": c.name, "type": c.type, "description": c.description} for c in rel.columns]
            out.append(TableInfo(qualify[rel.name], rel.layer, rel.description, cols))
    return out


class DuckDBWarehouse:
    dialect = "duckdb"

    def __init__(self, path: str) -> None:
        if not os.path.exists(path):
            raise ConfigError(f"no DuckDB warehouse at {path}")
        self.path = path
        self._tables: tuple[float, list[TableInfo]] | None = None

    def describe(self) -> str:
        return f"DuckDB {self.path} (read-only)"

    def _connect(self):  # type: ignore[no-untyped-def]
        import duckdb

        # A fresh read-only connection per request: no lock is held between requests, so a
        # scheduled sync can still write the file while the server runs.
        con = duckdb.connect(self.path, read_only=True, config={"enable_external_access": False})
        con.execute("SET lock_configuration = true")
        return con

    def tables(self) -> list[TableInfo]:
        # Reading every column type takes a second or two (views are bound); reuse it until the
        # file changes, e.g. after the next sync.
        mtime = os.path.getmtime(self.path)
        if self._tables is None or self._tables[0] != mtime:
            con = self._connect()
            try:
                found = con.execute("SELECT table_name, table_schema FROM information_schema.tables").fetchall()
            finally:
                con.close()
            qualify = {name: f"{schema}.{name}" for name, schema in sorted(found, key=lambda r: r[1], reverse=True)}
            self._tables = (mtime, _documented_tables(build_catalog(self.path), ("mart", "seed"), qualify))
        return self._tables[1]

    def query(self, sql: str, max_rows: int) -> QueryResult:
        statement = check_select(sql, self.dialect)
        con = self._connect()
        # DuckDB has no statement timeout; interrupt a runaway query from a timer thread.
        timer = threading.Timer(QUERY_TIMEOUT_SECONDS, con.interrupt)
        timer.start()
        try:
            cur = con.execute(statement)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(max_rows + 1)
        finally:
            timer.cancel()
            con.close()
        return QueryResult(columns, [[_plain(v) for v in r] for r in rows[:max_rows]], len(rows) > max_rows)


class BigQueryWarehouse:
    dialect = "bigquery"

    def __init__(self, project: str, datasets: list[str], maximum_bytes_billed: int | None = None) -> None:
        from google.cloud import bigquery

        self.client = bigquery.Client(project=project)
        self.project = project
        self.datasets = datasets
        self.maximum_bytes_billed = maximum_bytes_billed or 10 * 1024**3

    @classmethod
    def from_options(cls, project: str | None, datasets: tuple[str, ...], ctx: Any) -> BigQueryWarehouse:
        dest = ctx.config.destination if ctx is not None else None
        project = project or os.environ.get("PROCOUNTOR_BQ_PROJECT") or (dest.project if dest else None)
        if not project:
            raise ConfigError("BigQuery needs a project: --bigquery-project or PROCOUNTOR_BQ_PROJECT")
        if not datasets:
            # dbt's default schema naming: <profile dataset>_finance for the marts
            datasets = (f"{os.environ.get('PROCOUNTOR_BQ_DATASET', 'procountor')}_finance",)
        return cls(project, list(datasets), dest.maximum_bytes_billed if dest else None)

    def describe(self) -> str:
        return f"BigQuery {self.project}: {', '.join(self.datasets)} (SELECT only)"

    def tables(self) -> list[TableInfo]:
        documented = {r.name: r for r in build_catalog().relations}
        out = []
        for dataset in self.datasets:
            for item in self.client.list_tables(f"{self.project}.{dataset}"):
                table = self.client.get_table(item.reference)
                doc = documented.get(table.table_id)
                cols = [{"name": f.name, "type": f.field_type,
                         "description": f.description or next((c.description for c in (doc.columns if doc else [])
                                                                if c.name == f.name), "")}
                        for f in table.schema]
                out.append(TableInfo(f"`{self.project}.{dataset}.{table.table_id}`", doc.layer if doc else "table",
                                     table.description or (doc.description if doc else ""), cols))
        return out

    def query(self, sql: str, max_rows: int) -> QueryResult:
        from google.cloud import bigquery

        statement = check_select(sql, self.dialect)
        dry = self.client.query(statement, job_config=bigquery.QueryJobConfig(dry_run=True, use_query_cache=False))
        if dry.statement_type != "SELECT":
            raise ValueError(f"BigQuery reports a {dry.statement_type} statement: only SELECT is allowed")
        job = self.client.query(statement, job_config=bigquery.QueryJobConfig(
            maximum_bytes_billed=self.maximum_bytes_billed))
        result = job.result(max_results=max_rows + 1, timeout=QUERY_TIMEOUT_SECONDS * 4)
        columns = [f.name for f in result.schema]
        rows = [[_plain(v) for v in row.values()] for row in result]
        return QueryResult(columns, rows[:max_rows], len(rows) > max_rows)
