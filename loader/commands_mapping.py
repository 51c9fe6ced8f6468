"""`procountor-loader report-mapping draft`: propose mapping rows for a company's report layout."""

from __future__ import annotations

from pathlib import Path

import click

from loader.context import Ctx, handle_errors, pass_ctx


@click.group(name="report-mapping")
def report_mapping() -> None:
    """Map a company's own /reports/accounting layout to our statement lines (the reconciliation seed)."""


@report_mapping.command()
@click.option("--company", "company_id", type=int, help="Only this company (default: every company in the warehouse).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Seed CSV to merge into (default: the dbt project's seeds/procountor_report_row_mapping.csv).")
@pass_ctx
@handle_errors
def draft(ctx: Ctx, company_id: int | None, output: Path | None) -> None:
    """Draft seed rows for the report rows the last `dbt build` warned were unmapped.

    Each row gets the one line of ours with the same figures in every month, or stays empty with a
    note. Review the rows (a line_name, or `ignore`), then run `dbt build` again."""
    from loader.dbt_runner import project_dir
    from loader.errors import ConfigError
    from loader.report_mapping import SEED_NAME, draft_rows, write_seed

    warehouse = ctx.duckdb_path or (ctx.config.destination.path if ctx.config.destination.type == "duckdb" else None)
    if not warehouse:
        raise ConfigError("report-mapping draft reads a DuckDB warehouse: pass --duckdb FILE")
    if not Path(warehouse).exists():
        raise ConfigError(f"no warehouse at {warehouse}: run an extract and `dbt build` first")
    drafts = draft_rows(str(warehouse), company_id)
    target = output or project_dir() / "seeds" / SEED_NAME
    written = write_seed(target, drafts)
    mapped = sum(1 for d in drafts if d.maps_to)
    click.echo(f"{len(drafts)} unmapped row name(s): {mapped} drafted from matching figures, "
               f"{len(drafts) - mapped} left empty; {written} row(s) written to {target}")
    for d in drafts:
        click.echo(f"  {d.company_id} {d.report_type} {d.row_name!r} -> {d.maps_to or '(empty)'}  # {d.note}")
    if drafts:
        click.echo("Review them (maps_to = one of our line names, or ignore), then run `dbt build` again.")
