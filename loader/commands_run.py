"""`extract` and `check`: the commands that talk to the Procountor API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from loader.config import ConnectionConfig
from loader.context import Ctx, echo, handle_errors, pass_ctx, progress_callback
from loader.errors import ConfigError, LoaderError


@click.command()
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
        echo(f"shard {index}/{count}: {len(conns)} connection(s), 1/{count} of each API client's rate budget")
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
        outcomes = run_companies(conns, extract_one, parallel=workers, echo=echo,
                                 missing_rights_exit=0 if cfg.extract.on_missing_rights == "skip" else 9)
    finally:
        dest.close()
    if len(outcomes) > 1:
        for line in summary_table(outcomes):
            echo(line)
    if as_json:
        click.echo(json.dumps([o.as_dict() for o in outcomes], indent=2, default=str))
    report_partial(outcomes, cfg.extract.on_missing_rights, echo)
    code = worst_exit([o.exit_code for o in outcomes])
    if code:
        sys.exit(code)


@click.command()
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
