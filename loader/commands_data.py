"""discover, reset, forget and drop-connection."""

from __future__ import annotations

import json

import click

from loader.config import automatic_fields, catalog_paths
from loader.context import Ctx, handle_errors, pass_ctx
from loader.errors import ConfigError
from loader.streams.contract import field_catalog
from loader.streams.registry import REGISTRY, get_stream


def _replication(spec) -> str:  # type: ignore[no-untyped-def]
    if spec.replication == "incremental" and spec.version_params:
        return f"incremental ({spec.cursor_field} window)"
    if spec.replication == "windowed":
        return "windowed (date, trailing re-read)"
    if spec.kind == "fanout":
        return f"incremental (re-read for changed {spec.parent})"
    return spec.replication.replace("_", " ")


@click.command()
@click.option("--stream", "only", multiple=True, help="Only these streams.")
@click.option("--company", "company_id", type=int, help="Report new fields seen for this company.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def discover(ctx: Ctx, only: tuple[str, ...], company_id: int | None, as_json: bool) -> None:
    """List streams and their fields: selected, available, and new (seen in the API, not in the catalog)."""
    from loader.connect import destination

    cfg = ctx.config
    seen: dict[str, set[str]] = {}
    try:
        dest = destination(cfg)
        dest.setup()
        companies = [company_id] if company_id else sorted({c for c, _s, _st in dest.list_states()})
        for spec in REGISTRY:
            acc: set[str] = set()
            for cid in companies:
                acc |= dest.known_fields(cid, spec.name)
            seen[spec.name] = acc
        dest.close()
    except Exception:
        seen = {}
    out = []
    for spec in REGISTRY:
        if only and spec.name not in only:
            continue
        sel = cfg.streams.get(spec.name)
        selected = set(sel.fields) if sel else set()
        auto = set(automatic_fields(spec))
        catalog = {f.path: f for f in field_catalog(spec.record_schema)}
        new = sorted(p for p in seen.get(spec.name, set()) if p not in catalog)
        fields = [{"path": p, "type": f.type, "status": "automatic" if p in auto else
                   "selected" if p in selected else "available", "description": f.description}
                  for p, f in catalog.items()]
        fields += [{"path": p, "type": "?", "status": "new" + (" (selected)" if p in selected else ""),
                    "description": "seen in the API, not in the catalog"} for p in new]
        out.append({"stream": spec.name, "selected": sel is not None, "replication": _replication(spec),
                    "primary_key": spec.primary_key or ",".join(spec.key_fields) or "(single record)",
                    "endpoint": spec.path, "description": spec.description, "fields": fields})
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    for s in out:
        mark = "[x]" if s["selected"] else "[ ]"
        click.echo(f"{mark} {s['stream']:<24} {s['replication']:<36} key {s['primary_key']}")
        if only:
            for f in s["fields"]:
                click.echo(f"      {f['status']:<10} {f['path']:<50} {f['type']}")
        else:
            counts: dict[str, int] = {}
            for f in s["fields"]:
                counts[f["status"].split(" ")[0]] = counts.get(f["status"].split(" ")[0], 0) + 1
            click.echo("      " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))


@click.command()
@click.argument("stream")
@click.option("--company", "company_id", type=int, help="Only this company (default: all in the warehouse).")
@pass_ctx
@handle_errors
def reset(ctx: Ctx, stream: str, company_id: int | None) -> None:
    """Full refresh on request: the next extract reads STREAM completely and replaces its table."""
    from loader.connect import destination

    try:
        get_stream(stream)
    except KeyError:
        raise ConfigError(f"unknown stream {stream!r}") from None
    dest = destination(ctx.config)
    try:
        dest.setup()
        companies = [company_id] if company_id else sorted({c for c, s, _ in dest.list_states() if s == stream})
        for cid in companies:
            dest.clear_state(cid, stream)
        click.echo(f"{stream}: state cleared for {len(companies)} company(ies); the next extract replaces it")
    finally:
        dest.close()


@click.command()
@click.option("--stream", required=True, help="Stream the record belongs to (e.g. persons, business_partners).")
@click.option("--id", "record_id", required=True, help="The record's id.")
@click.option("--company", "company_id", type=int, required=True)
@click.option("--anonymise", is_flag=True, help="Replace personal values instead of deleting the record.")
@click.option("--reason", help="Free text stored in the audit log (no personal data, please).")
@pass_ctx
@handle_errors
def forget(ctx: Ctx, stream: str, record_id: str, company_id: int, anonymise: bool, reason: str | None) -> None:
    """GDPR: delete or anonymise one record wherever it landed, and log that it was done."""
    from loader.connect import destination
    from loader.gdpr import forget as do_forget

    try:
        get_stream(stream)
    except KeyError:
        raise ConfigError(f"unknown stream {stream!r}") from None
    if not record_id.strip():
        raise ConfigError(f"forget: empty --id for stream {stream} of company {company_id}; nothing was forgotten")
    dest = destination(ctx.config)
    try:
        dest.setup()
        dest.ensure_stream_table(stream)
        touched = do_forget(dest, company_id, stream, record_id, "anonymise" if anonymise else "delete", reason)
    finally:
        dest.close()
    if not touched.get(stream):
        click.echo(f"{stream}: this record was forgotten before; its suppression entry stands")
    for s, n in touched.items():
        if n:
            click.echo(f"{s}: {n} row(s) {'anonymised' if anonymise or s != stream else 'deleted'}")
    click.echo("logged in _loader_deletions and _loader_suppressions (hashes of the id, no personal data): "
               "later extracts keep the record out (or anonymised). Run `dbt build` so the marts drop it "
               "too; on BigQuery also see the README on time travel.")


@click.command("drop-connection")
@click.option("--company", "company_id", type=int, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--forget-erasures", is_flag=True,
              help="Also remove the company's GDPR erasure log and suppression entries (a re-added "
                   "connection would then land forgotten records again).")
@pass_ctx
@handle_errors
def drop_connection(ctx: Ctx, company_id: int, yes: bool, forget_erasures: bool) -> None:
    """Delete every row, state and run of one company (connection) from the warehouse.

    GDPR erasures (hashed ids) are kept by default, so adding the connection again later still
    keeps forgotten records out."""
    from loader.connect import destination

    if not yes:
        click.confirm(f"Delete all data of company {company_id}?", abort=True)
    dest = destination(ctx.config)
    try:
        dest.setup()
        n = dest.drop_connection(company_id, keep_erasures=not forget_erasures)
    finally:
        dest.close()
    kept = ("erasure log and suppressions removed too" if forget_erasures else
            "GDPR erasures kept (hashed ids; --forget-erasures removes them)")
    click.echo(f"company {company_id}: {n} landed row(s) deleted, state and run history removed; {kept}")


__all__ = ["catalog_paths", "discover", "drop_connection", "forget", "reset"]
