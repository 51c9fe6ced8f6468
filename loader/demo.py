"""`procountor-loader demo`: the whole job on a fresh machine, no credentials needed.

Starts the sandbox as a real HTTP server on a free localhost port, extracts into DuckDB, runs
`dbt build`, and prints the monthly profit and loss and the month-end balance sheet's key lines of the
latest fiscal year.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import click
import duckdb

from loader.errors import ApiError

SANDBOX_CREDENTIALS = {
    "PROCOUNTOR_CLIENT_ID": "sandbox-client",
    "PROCOUNTOR_CLIENT_SECRET": "sandbox-secret",
    "PROCOUNTOR_API_KEY": "sandbox-api-key",
}


@contextmanager
def sandbox_process(seed: int = 42, documents: int = 2000, extra: list[str] | None = None,
                    startup_timeout: float = 60.0) -> Iterator[str]:
    """Run `procountor-loader sandbox serve --port 0` and yield its base URL."""
    cmd = [sys.executable, "-m", "loader.sandbox", "serve", "--port", "0", "--seed", str(seed),
           "--documents", str(documents), *(extra or [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + startup_timeout
        url = None
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                if proc.poll() is not None:
                    err = proc.stderr.read() if proc.stderr else ""
                    raise ApiError(f"the sandbox exited with code {proc.returncode}: {err[-2000:]}")
                continue
            if line.startswith("SANDBOX_URL="):
                url = line.strip().split("=", 1)[1]
                break
        if not url:
            raise ApiError("the sandbox did not start in time")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _schema_of(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The schema dbt built a mart in (it depends on the profile's schema), or None if it was not built."""
    row = con.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = ? ORDER BY 1 LIMIT 1",
                      [table]).fetchone()
    return str(row[0]) if row else None


def print_profit_and_loss(duckdb_path: str, echo=click.echo) -> None:  # type: ignore[no-untyped-def]
    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        schema = _schema_of(con, "rpt_profit_and_loss")
        if schema is None:
            echo("rpt_profit_and_loss was not built")
            return
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = 'rpt_profit_and_loss'", [schema]).fetchall()}
        fy = con.execute(f"""SELECT max(fiscal_year_id) FROM {schema}.rpt_profit_and_loss""").fetchone()[0] \
            if "fiscal_year_id" in cols else None
        line_col, order_col, amount_col, month_col = "line_name", "line_order", "amount_month", "period_start_date"
        if not {line_col, order_col, amount_col, month_col} <= cols:
            echo(f"rpt_profit_and_loss columns: {sorted(cols)}")
            return
        where = "WHERE company_id IS NOT NULL" if "company_id" in cols else "WHERE true"
        if fy is not None:
            where += f" AND fiscal_year_id = {int(fy)}"
        rows = con.execute(f"""
            SELECT {month_col}, {order_col}, {line_col}, sum({amount_col})
            FROM {schema}.rpt_profit_and_loss {where}
            GROUP BY ALL ORDER BY 2, 1""").fetchall()
    finally:
        con.close()
    active = [r[0] for r in rows if r[3]]
    months = sorted({r[0] for r in rows if not active or r[0] <= max(active)})
    lines: dict[tuple[object, str], dict[object, Decimal]] = {}
    for month, order, line, amount in rows:
        lines.setdefault((order, line), {})[month] = Decimal(amount or 0)
    echo("\nProfit and loss, latest fiscal year (EUR, credit-positive)")
    header = f"{'':<52}" + "".join(f"{m.strftime('%Y-%m'):>12}" for m in months)
    echo(header)
    for (_order, line), by_month in sorted(lines.items(), key=lambda kv: str(kv[0][0]).zfill(6)):
        echo(f"{str(line)[:51]:<52}" + "".join(f"{by_month.get(m, Decimal(0)):>12,.2f}" for m in months))


# The balance-sheet lines the demo prints: cash, receivables, equity and short-term liabilities.
BALANCE_LINES = (60, 50, 115, 150, 160)


def print_balance_sheet(duckdb_path: str, echo=click.echo) -> None:  # type: ignore[no-untyped-def]
    """Key balance-sheet lines at each month-end of the latest fiscal year (rpt_balance_sheet)."""
    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        schema = _schema_of(con, "rpt_balance_sheet")
        if schema is None:
            return
        marks = ", ".join("?" * len(BALANCE_LINES))
        rows = con.execute(f"""
            SELECT balance_date, line_order, line_name, sum(amount)
            FROM {schema}.rpt_balance_sheet
            WHERE NOT is_consolidated AND line_order IN ({marks})
              AND fiscal_year_id = (SELECT max(fiscal_year_id) FROM {schema}.rpt_balance_sheet)
              AND balance_date < (SELECT date_trunc('month', max(receipt_date)) + INTERVAL 1 MONTH
                                  FROM {schema}.fct_general_ledger)
            GROUP BY ALL ORDER BY 2, 1""", list(BALANCE_LINES)).fetchall()
    finally:
        con.close()
    months = sorted({r[0] for r in rows})
    if not months:
        return
    lines: dict[tuple[int, str], dict[object, Decimal]] = {}
    for month, order, line, amount in rows:
        lines.setdefault((order, line), {})[month] = Decimal(amount or 0)
    echo("\nBalance sheet at month-end, latest fiscal year (EUR)")
    echo(f"{'':<52}" + "".join(f"{m.strftime('%Y-%m'):>12}" for m in months))
    for (_order, line), by_month in sorted(lines.items(), key=lambda kv: BALANCE_LINES.index(kv[0][0])):
        echo(f"{str(line)[:51]:<52}" + "".join(f"{by_month.get(m, Decimal(0)):>12,.2f}" for m in months))


@click.command()
@click.option("--duckdb", "duckdb_path", default=None, help="DuckDB file to (re)create  [default: warehouse.duckdb]")
@click.option("--documents", default=2000, show_default=True, help="Size of the generated company.")
@click.option("--seed", default=42, show_default=True)
def demo(duckdb_path: str | None, documents: int, seed: int) -> None:
    """Sandbox → extract → dbt build on DuckDB → the monthly P&L and balance sheet."""
    from loader.context import Ctx, handle_errors

    group = click.get_current_context().find_object(Ctx)
    duckdb_path = duckdb_path or (group.duckdb_path if group else None) or "warehouse.duckdb"

    @handle_errors
    def _run() -> None:
        from loader.config import load_config
        from loader.connect import api_client, destination
        from loader.dbt_runner import run_dbt
        from loader.extract import Extractor

        if os.path.exists(duckdb_path):
            os.remove(duckdb_path)
        with sandbox_process(seed=seed, documents=documents) as url:
            click.echo(f"sandbox running at {url}", err=True)
            os.environ.update(SANDBOX_CREDENTIALS)
            os.environ["PROCOUNTOR_BASE_URL"] = url
            cfg = load_config(None)
            cfg.destination.type, cfg.destination.path = "duckdb", duckdb_path
            dest = destination(cfg)
            try:
                summary = Extractor(cfg, api_client(cfg, cfg.connections[0]), dest,
                                    echo=lambda m: click.echo(m, err=True)).run()
            finally:
                dest.close()
            click.echo(f"extracted {sum(s.records for s in summary.streams)} records with "
                       f"{summary.requests} requests in {summary.seconds:.1f}s", err=True)
        click.echo("running dbt build …", err=True)
        run_dbt(["build", "--quiet"], duckdb_path=duckdb_path)
        click.echo("dbt build: every model and test passed", err=True)
        print_profit_and_loss(duckdb_path)
        print_balance_sheet(duckdb_path)

    _run()
