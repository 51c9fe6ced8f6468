"""`state show|clear` and `runs`: what the warehouse remembers of earlier runs."""

from __future__ import annotations

import json

import click

from loader.context import Ctx, handle_errors, pass_ctx


@click.group()
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


@click.command()
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
