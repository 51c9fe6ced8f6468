"""The `procountor-loader` command line.

Exit codes: 0 ok, 1 unexpected error, 2 configuration or usage error, 3 sign-in failed,
4 the API kept failing, 5 destination error, 6 schema drift (with --fail-on-drift),
7 another run holds the lease, 8 dbt failed, 9 partial run: the API user lacks rights to some
streams, 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from loader import secrets
from loader.config import Config, ConnectionConfig, load_config
from loader.errors import ConfigError, LoaderError

log = logging.getLogger("loader")


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(secrets.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn loader errors into one clear line on stderr and a documented exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LoaderError as exc:
            click.echo(f"error ({exc.kind}): {secrets.redact(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; streams committed before the interruption stay committed, "
                       "the others are as they were", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:
            click.echo(f"unexpected error: {type(exc).__name__}: {secrets.redact(str(exc))}", err=True)
            if logging.getLogger().level <= logging.DEBUG:
                raise
            sys.exit(1)

    return wrapper


class Ctx:
    def __init__(self, config_path: str | None, duckdb_path: str | None, verbose: int) -> None:
        self.config_path = config_path
        self.duckdb_path = duckdb_path
        self.verbose = verbose
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = load_config(self.config_path)
            if self.duckdb_path:
                cfg.destination.type = "duckdb"
                cfg.destination.path = self.duckdb_path
            self._config = cfg
        return self._config


pass_ctx = click.make_pass_decorator(Ctx)


def _lifted_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        obj = ctx.find_object(Ctx)
        if obj is not None:
            obj.config_path, obj._config = value, None


def _lifted_duckdb(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        obj = ctx.find_object(Ctx)
        if obj is not None:
            obj.duckdb_path, obj._config = value, None


def _lifted_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    obj = ctx.find_object(Ctx)
    if value and obj is not None:
        obj.verbose += value
        _setup_logging(obj.verbose)


def _shared_options() -> list[click.Option]:
    """The group's options again, for after the subcommand: people type `runs --duckdb x.duckdb`."""
    return [
        click.Option(["--config"], type=click.Path(dir_okay=False), expose_value=False,
                     callback=_lifted_config, help="Config file (same as before the subcommand)."),
        click.Option(["--duckdb"], type=click.Path(dir_okay=False), expose_value=False,
                     callback=_lifted_duckdb, help="DuckDB file (same as before the subcommand)."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_lifted_verbose,
                     help="More log output (same as before the subcommand)."),
    ]


def attach_shared_options(cmd: click.Command) -> None:
    """Give `cmd` (and its subcommands) the group's options, unless it declares the same flag itself
    (then its own option wins: catalog/report/docs/mcp/demo read `--duckdb`, sync reads `--config`)."""
    if getattr(cmd, "_shared_options_attached", False):
        return
    taken = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    for option in _shared_options():
        if not taken.intersection(option.opts):
            cmd.params.append(option)
    cmd._shared_options_attached = True  # type: ignore[attr-defined]
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            attach_shared_options(sub)


class LoaderGroup(click.Group):
    """Accepts --config, --duckdb and -v before or after the subcommand."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None:
            attach_shared_options(cmd)
        return cmd


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
    _setup_logging(verbose)
    ctx.obj = Ctx(config_path, duckdb_path, verbose)


def _echo(msg: str) -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)  # clear a progress line
    click.echo(secrets.redact(msg), err=True)


def _progress(stream: str, records: int) -> None:
    """A live counter on a terminal; nothing in logs and pipes (they get one line per stream)."""
    click.echo(f"\r\033[K  {stream:<24} {records:>10,} records …", nl=False, err=True)


def progress_callback() -> Callable[[str, int], None] | None:
    return _progress if sys.stderr.isatty() else None


@main.command()
@click.option("--stream", "streams", multiple=True, help="Only these streams (repeatable).")
@click.option("--connection", help="Only this connection (default: all configured).")
@click.option("--full-refresh", "full_refresh", multiple=True,
              help="Read these streams completely again (repeatable; 'all' for every stream).")
@click.option("--dry-run", is_flag=True, help="Read one page per stream and report; write nothing.")
@click.option("--fail-on-drift", is_flag=True, help="Exit 6 when new fields appear in the API.")
@click.option("--sweep", "force_sweep", is_flag=True, help="Run the deletion sweep now.")
@click.option("--shard", help="Only shard I/N of the connections (I from 0), with 1/N of the rate budget "
                              "(default: CLOUD_RUN_TASK_INDEX/CLOUD_RUN_TASK_COUNT when set).")
@click.option("--parallel", type=click.IntRange(min=1),
              help="Companies extracted side by side (default: extract.parallel_companies).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@pass_ctx
@handle_errors
def extract(ctx: Ctx, streams: tuple[str, ...], connection: str | None, full_refresh: tuple[str, ...],
            dry_run: bool, fail_on_drift: bool, force_sweep: bool, shard: str | None, parallel: int | None,
            as_json: bool) -> None:
    """Read the selected streams and land them (incrementally where the API allows).

    With several connections, companies run side by side under one rate budget per API client; one
    company's failure does not stop the others, and the exit code is the worst company's.
    """
    from loader.client.http import version_note
    from loader.companies import (
        SerializedDestination,
        assign,
        client_key,
        parse_shard,
        report_partial,
        run_companies,
        shard_from_env,
        shared_limiters,
        summary_table,
        worst_exit,
    )
    from loader.connect import api_client, destination, pick_connection, rate_limit
    from loader.extract import Extractor

    cfg = ctx.config
    unknown = [s for s in streams if s not in cfg.streams]
    if unknown:
        raise ConfigError(f"stream(s) {unknown} are not selected in the config (selected: {sorted(cfg.streams)})")
    refresh = set(cfg.streams) if "all" in full_refresh else set(full_refresh)
    bad = refresh - set(cfg.streams)
    if bad:
        raise ConfigError(f"--full-refresh: unknown or unselected stream(s) {sorted(bad)}")
    index, count = parse_shard(shard) if shard else (shard_from_env() or (0, 1))
    conns = assign(pick_connection(cfg, connection), index, count)
    if count > 1:
        _echo(f"shard {index}/{count}: {len(conns)} connection(s), 1/{count} of each API client's rate budget")
    limiters = shared_limiters(cfg, conns, count, rate=lambda conn: rate_limit(cfg, conn))
    workers = parallel or cfg.extract.parallel_companies
    dest = destination(cfg)
    shared = SerializedDestination(dest) if workers > 1 and len(conns) > 1 else dest
    progress = progress_callback() if len(conns) <= 1 or workers <= 1 else None

    def extract_one(conn: ConnectionConfig, say: Callable[[str], None]) -> Any:
        client = api_client(cfg, conn, limiters[client_key(conn)])
        say(f"connection {conn.name}: {conn.base_url} ({version_note(conn.base_url)}, "
            f"{client.limiter.rate:g} requests/s" + (" shared by this API client's companies" if len(conns) > 1
                                                    else "") + ")")
        extractor = Extractor(cfg, client, shared,  # type: ignore[arg-type]
                              streams=streams or None, full_refresh=refresh, dry_run=dry_run,
                              fail_on_drift=fail_on_drift, force_sweep=force_sweep, echo=say, progress=progress)
        return extractor.run()

    try:
        outcomes = run_companies(conns, extract_one, parallel=workers, echo=_echo,
                                 missing_rights_exit=0 if cfg.extract.on_missing_rights == "skip" else 9)
    finally:
        dest.close()
    if len(outcomes) > 1:
        for line in summary_table(outcomes):
            _echo(line)
    if as_json:
        click.echo(json.dumps([o.as_dict() for o in outcomes], indent=2, default=str))
    report_partial(outcomes, cfg.extract.on_missing_rights, _echo)
    code = worst_exit([o.exit_code for o in outcomes])
    if code:
        sys.exit(code)


@main.command()
@click.option("--connection", help="Only this connection.")
@pass_ctx
@handle_errors
def check(ctx: Ctx, connection: str | None) -> None:
    """Sign in, then probe every selected stream with one cheap request and print what it can read.

    Exit 0 when every stream is readable, 9 when the API user lacks rights to some (0 with
    extract.on_missing_rights: skip), 4 when some are not available or the API keeps failing."""
    from datetime import date

    from loader import check as probing
    from loader.client.http import version_note
    from loader.connect import api_client, pick_connection
    from loader.errors import ApiError, MissingRightsError

    cfg = ctx.config
    worst: LoaderError | None = None
    for conn in pick_connection(cfg, connection):
        client = api_client(cfg, conn)
        company = client.get("/company")
        click.echo(f"{conn.name}: signed in to company {company.get('id')} "
                   f"({company.get('name')}) at {conn.base_url} ({version_note(conn.base_url)})")
        probes = probing.probe_streams(client, cfg.streams.values(), date.today(),
                                       str(company.get("companyCurrency") or "EUR"))
        for line in probing.table(probes):
            click.echo(line)
        denied = [p.stream for p in probes if p.outcome == probing.NO_RIGHTS]
        broken = [p.stream for p in probes if p.outcome in (probing.NOT_AVAILABLE, probing.FAILING)]
        if denied and cfg.extract.on_missing_rights != "skip":
            worst = MissingRightsError(f"{conn.name}: the API user may not read {len(denied)} selected "
                                       f"stream(s): {', '.join(denied)} (see the table above)")
        elif broken and worst is None:
            worst = ApiError(f"{conn.name}: {len(broken)} selected stream(s) cannot be read: {', '.join(broken)}")
        else:
            readable = len(probes) - len(denied)
            click.echo(f"  ok: {readable} of {len(probes)} selected streams readable"
                       + (f"; {len(denied)} skipped for missing rights (on_missing_rights: skip)" if denied else ""))
    if worst is not None:
        raise worst


@main.group()
def state() -> None:
    """Show or clear the stored sync state."""


@state.command("show")
@click.option("--company", "company_id", type=int)
@pass_ctx
@handle_errors
def state_show(ctx: Ctx, company_id: int | None) -> None:
    from loader.connect import destination

    dest = destination(ctx.config)
    try:
        dest.setup()
        for cid, stream, st in dest.list_states(company_id):
            click.echo(f"{cid}\t{stream}\t{json.dumps(st, default=str)}")
    finally:
        dest.close()


@state.command("clear")
@click.option("--company", "company_id", type=int, required=True)
@click.option("--stream")
@pass_ctx
@handle_errors
def state_clear(ctx: Ctx, company_id: int, stream: str | None) -> None:
    """Forget the state so the next extract reads everything again (data is kept)."""
    from loader.connect import destination

    dest = destination(ctx.config)
    try:
        dest.setup()
        dest.clear_state(company_id, stream)
        click.echo(f"cleared state of company {company_id}" + (f" stream {stream}" if stream else ""))
    finally:
        dest.close()


@main.command()
@click.option("--company", "company_id", type=int)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def runs(ctx: Ctx, company_id: int | None, limit: int, as_json: bool) -> None:
    """Run history with per-stream counts."""
    from loader.connect import destination

    dest = destination(ctx.config)
    try:
        dest.setup()
        records = dest.list_runs(company_id, limit)
    finally:
        dest.close()
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in records], default=str, indent=2))
        return
    for r in records:
        click.echo(f"{r.started_at}  {r.sync_id}  company {r.company_id}  {r.status}  "
                   f"{r.stats.get('requests', '?')} requests  {r.stats.get('seconds', '?')}s")
        for s in r.stats.get("streams", []):
            click.echo(f"    {s['stream']:<24} {s['mode']:<11} {s['records']:>8} records  "
                       f"+{s['inserted']} ~{s['updated']} -{s['deleted']}")
            if s.get("tombstones_skipped"):
                click.echo(f"    {'':<24} no deletions inferred: {s['tombstones_skipped']}")
        for u in r.stats.get("unreadable") or []:
            click.echo(f"    {u['stream']:<24} not read: {u['reason']}")
        if r.error and r.status != "partial":
            click.echo(f"    error: {r.error}")


def _register_subcommands() -> None:
    from loader.commands import register

    register(main)


if __name__ == "__main__":  # `python -m loader.cli`: run the importable module, subcommands and all
    from loader.cli import main as _main

    _main()
else:
    _register_subcommands()
