"""User-facing commands around the warehouse: catalog, docs, report, sync and the MCP server.

Heavy imports (matplotlib, mcp, dbt) stay inside the commands so `procountor-loader --help` is fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from loader.context import Ctx, handle_errors, pass_ctx
from loader.errors import ConfigError


def _warehouse_path(ctx: Ctx, explicit: str | None, must_exist: bool = True) -> str:
    """--duckdb on the command, else the group's --duckdb, else the config's DuckDB destination."""
    path = explicit or ctx.duckdb_path
    if not path:
        cfg = ctx.config
        if cfg.destination.type != "duckdb":
            raise ConfigError("this needs a DuckDB warehouse: pass --duckdb PATH")
        path = cfg.destination.path
    if must_exist and not Path(path).exists():
        raise ConfigError(f"no DuckDB warehouse at {path}; run `procountor-loader sync` or `demo` first")
    return path


@click.command()
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--duckdb", "duckdb_path", type=click.Path(dir_okay=False),
              help="A built warehouse to read column types from (recommended).")
@pass_ctx
@handle_errors
def catalog(ctx: Ctx, fmt: str, output: str | None, duckdb_path: str | None) -> None:
    """Every landing table, staging model and mart with columns, types, descriptions, replication."""
    from loader.catalog import build_catalog, render_json, render_markdown

    path = duckdb_path or ctx.duckdb_path
    if path and not Path(path).exists():
        raise ConfigError(f"no DuckDB warehouse at {path}")
    cat = build_catalog(path)
    text = render_json(cat) if fmt == "json" else render_markdown(cat)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.command()
@click.option("--duckdb", "duckdb_path", type=click.Path(dir_okay=False), help="The DuckDB warehouse to document.")
@click.option("--serve", is_flag=True, help="Serve the docs site after generating it (dbt docs serve).")
@click.option("--port", default=8080, show_default=True)
@click.option("--target", help="dbt target (default: duckdb).")
@pass_ctx
@handle_errors
def docs(ctx: Ctx, duckdb_path: str | None, serve: bool, port: int, target: str | None) -> None:
    """Generate the dbt docs site (offline, DuckDB) into target/, and optionally serve it."""
    from loader.dbt_runner import project_dir, run_dbt

    path = _warehouse_path(ctx, duckdb_path, must_exist=False)
    args = ["docs", "generate"]
    if not Path(path).exists():
        # dbt-duckdb would create an empty file; document the project without warehouse types instead
        click.echo(f"no warehouse at {path}: generating the docs without column types", err=True)
        args.append("--empty-catalog")
    run_dbt(args, duckdb_path=path, target=target)
    site = os.environ.get("DBT_TARGET_PATH") or project_dir() / "target"
    click.echo(f"docs generated in {site} (index.html, manifest.json, catalog.json)", err=True)
    if serve:
        click.echo(f"serving on http://localhost:{port} (Ctrl-C to stop)", err=True)
        run_dbt(["docs", "serve", "--port", str(port), "--no-browser"], duckdb_path=path, target=target)


@click.command()
@click.option("--duckdb", "duckdb_path", type=click.Path(dir_okay=False), help="The DuckDB warehouse with the marts.")
@click.option("--output", "output_dir", default="report", show_default=True, type=click.Path(file_okay=False),
              help="Directory for report.html and the PNG charts.")
@click.option("--company", "company_id", type=int, help="Company id (default: the first company in the marts).")
@click.option("--no-png", is_flag=True, help="Only the HTML report.")
@pass_ctx
@handle_errors
def report(ctx: Ctx, duckdb_path: str | None, output_dir: str, company_id: int | None, no_png: bool) -> None:
    """Render a self-contained HTML finance report (and PNG charts) from the marts."""
    from loader.report.build import build_report

    path = _warehouse_path(ctx, duckdb_path)
    written = build_report(path, Path(output_dir), company_id=company_id, png=not no_png)
    for file in written:
        click.echo(str(file))


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (same as the global --config).")
@click.option("--target", help="dbt target: duckdb, bigquery, bigquery_service_account, ... "
                               "(default: PROCOUNTOR_DBT_TARGET or the destination's type).")
@click.option("--connection", help="Only this connection.")
@click.option("--full-refresh", "dbt_full_refresh", is_flag=True, help="Rebuild incremental dbt models.")
@click.option("--all-tests", is_flag=True,
              help="Also run the dbt unit tests and the staging and source data tests (what CI runs).")
@pass_ctx
@handle_errors
def sync(ctx: Ctx, config_path: str | None, target: str | None, connection: str | None,
         dbt_full_refresh: bool, all_tests: bool) -> None:
    """Extract, then dbt build: one job, one exit code (extract's code on failure, 8 if dbt fails)."""
    from loader.sync import run_sync

    if config_path:
        ctx.config_path, ctx._config = config_path, None
    result = run_sync(ctx.config, target=target, connection=connection,
                      echo=lambda m: click.echo(m, err=True),
                      dbt_args=("--full-refresh",) if dbt_full_refresh else (), all_tests=all_tests)
    click.echo(f"sync ok: {result.records} records, dbt target {result.dbt_target}", err=True)


@click.command()
@click.option("--duckdb", "duckdb_path", type=click.Path(dir_okay=False), help="Serve this DuckDB warehouse.")
@click.option("--bigquery-project", help="Serve BigQuery: the GCP project to run queries in.")
@click.option("--bigquery-dataset", "bigquery_datasets", multiple=True,
              help="BigQuery dataset(s) to expose (repeatable; default: <PROCOUNTOR_BQ_DATASET>_finance).")
@click.option("--max-rows", default=500, show_default=True, help="Row cap per query answer.")
@pass_ctx
@handle_errors
def mcp(ctx: Ctx, duckdb_path: str | None, bigquery_project: str | None, bigquery_datasets: tuple[str, ...],
        max_rows: int) -> None:
    """A read-only MCP server (stdio) over the marts: documented tables and SELECT-only SQL."""
    from loader.mcp.server import serve
    from loader.mcp.warehouse import BigQueryWarehouse, DuckDBWarehouse, Warehouse

    warehouse: Warehouse
    if bigquery_project or bigquery_datasets:
        warehouse = BigQueryWarehouse.from_options(bigquery_project, bigquery_datasets, ctx)
    elif duckdb_path or ctx.duckdb_path or ctx.config.destination.type == "duckdb":
        warehouse = DuckDBWarehouse(_warehouse_path(ctx, duckdb_path))
    else:
        warehouse = BigQueryWarehouse.from_options(None, (), ctx)
    # stdout is the protocol channel: everything else goes to stderr
    click.echo(f"procountor MCP server on stdio: {warehouse.describe()}", err=True)
    sys.stdout.flush()
    serve(warehouse, max_rows=max_rows)
