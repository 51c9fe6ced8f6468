"""The `procountor-loader` command line.

Exit codes: 0 ok, 1 unexpected error, 2 configuration or usage error, 3 sign-in failed,
4 the API kept failing, 5 destination error, 6 schema drift (with --fail-on-drift),
7 another run holds the lease, 8 dbt failed, 9 partial run: the API user lacks rights to some
streams, 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

import click

from loader.allocator import limit_malloc_arenas
from loader.commands_auth import auth
from loader.commands_data import discover, drop_connection, forget, reset
from loader.commands_init import init
from loader.commands_mapping import report_mapping
from loader.commands_run import check, extract
from loader.commands_state import runs, state
from loader.commands_user import catalog, docs, mcp, report, sync
from loader.context import Ctx, LoaderGroup, setup_logging
from loader.demo import demo
from loader.sandbox.cli import sandbox


@click.group(cls=LoaderGroup)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="PROCOUNTOR_CONFIG",
              help="Config file (default: ./procountor.yml if present, else environment variables).")
@click.option("--duckdb", "duckdb_path", type=click.Path(dir_okay=False),
              help="Write to this DuckDB file (overrides the config's destination).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="procountor-loader")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, duckdb_path: str | None, verbose: int) -> None:
    """Load Finago Procountor accounting data into DuckDB or BigQuery."""
    limit_malloc_arenas()  # before any thread: flat memory over a long run (loader.allocator)
    setup_logging(verbose)
    ctx.obj = Ctx(config_path, duckdb_path, verbose)


for _command in (init, check, extract, sync, state, runs, discover, reset, forget, drop_connection, auth,
                 catalog, docs, report, mcp, report_mapping, demo, sandbox):
    main.add_command(_command)


if __name__ == "__main__":  # `python -m loader.cli`
    main()
