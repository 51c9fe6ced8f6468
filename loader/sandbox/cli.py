"""``procountor-loader sandbox serve`` / ``python -m loader.sandbox serve``."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click

from .config import DEFAULT_CLOCK_START, FAULT_KINDS, LEDGER_ACCOUNT_VALUES, REPORT_LAYOUTS, FaultRule, SandboxConfig
from .server import SandboxServer


def _parse_denied(values: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    denied: dict[int, tuple[str, ...]] = {}
    for value in values:
        company, sep, entries = value.partition(":")
        index = int(company) if sep and company.isdigit() else 0
        if not (sep and company.isdigit()):
            entries = value
        denied[index] = denied.get(index, ()) + tuple(e for e in entries.split(",") if e.strip())
    return denied


def _parse_rule(text: str) -> FaultRule:
    """``PATH_GLOB=FAULT[@NTH[xREPEAT]]``, e.g. ``/api/invoices/*=503@3`` (3rd matching request)."""
    try:
        path, rest = text.rsplit("=", 1)
        fault, _, when = rest.partition("@")
        nth, _, repeat = when.partition("x")
        return FaultRule(path=path, fault=fault, nth=int(nth or 1), repeat=int(repeat or 1))
    except ValueError:
        raise click.BadParameter(f"fault rule {text!r}: expected PATH_GLOB=FAULT[@NTH[xREPEAT]]") from None


@click.group(name="sandbox")
def sandbox() -> None:
    """Local Procountor API simulator (see docs/sandbox.md)."""


def _choices(text: str, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise click.BadParameter(f"{', '.join(bad) or 'nothing'} (choose from {', '.join(allowed)})",
                                 param_hint=option)
    return values


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, show_default=True, help="0 picks a free port.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--documents", default=500, show_default=True, type=int, help="Invoices per company (scale).")
@click.option("--companies", default=1, show_default=True, type=int)
@click.option("--client-id", default="sandbox-client", show_default=True)
@click.option("--client-secret", default="sandbox-secret", show_default=True)
@click.option("--api-key", default="sandbox-api-key", show_default=True,
              help="Company 1's key; company N gets KEY-N.")
@click.option("--redirect-uri", default=None, help="Registered redirect URI (default: accept any http(s) URI).")
@click.option("--rate-limit", default=60.0, show_default=True, type=float, help="Requests/s per client; 0 = off.")
@click.option("--rate-burst", default=None, type=float, help="Token-bucket size (default = rate).")
@click.option("--no-retry-after", is_flag=True, help="Do not send Retry-After with 429.")
@click.option("--latency-ms", default=0.0, show_default=True, type=float)
@click.option("--token-lifetime", default=3600, show_default=True, type=int, help="Access-token lifetime (s).")
@click.option("--token-max-uses", default=0, show_default=True, type=int,
              help="An access token also expires after this many API requests (0 = no limit).")
@click.option("--fault-rate", default=0.0, show_default=True, type=float, help="Probability of a random fault.")
@click.option("--fault-kinds", default=",".join(FAULT_KINDS), show_default=True)
@click.option("--fault-seed", default=None, type=int)
@click.option("--fault", "fault_rules", multiple=True, help="Scripted fault PATH_GLOB=FAULT[@NTH[xREPEAT]].")
@click.option("--timeout-fault-seconds", default=15.0, show_default=True, type=float)
@click.option("--invoiceable-api-disabled", is_flag=True,
              help="Company setting 'Allow the usage of invoiceable API clients' is off: tokens are refused.")
@click.option("--clock-start", default=DEFAULT_CLOCK_START, show_default=True, help="Naive Helsinki time.")
@click.option("--clock-running", is_flag=True, help="Let the virtual clock follow real time.")
@click.option("--version-zone", type=click.Choice(["Europe/Helsinki", "UTC"]), default=None,
              help="Zone of version/created stamps and their filters [default: $SANDBOX_VERSION_ZONE or "
                   "Europe/Helsinki].")
@click.option("--page-size-cap", default=0, show_default=True, type=int,
              help="Serve at most N rows a page whatever size asked (meta still claims the size asked); 0 = off.")
@click.option("--omit-total-count", is_flag=True, help="Leave meta.totalCount out of paged answers.")
@click.option("--drop-listing-rows", "listing_drop_every", default=0, show_default=True, type=int,
              help="Paged listings leave out records whose id is a multiple of N (totalCount still counts them).")
@click.option("--db-dir", default=None, help="Directory for the SQLite document index (default: temp dir).")
@click.option("--precompute-bodies", is_flag=True,
              help="Derive every invoice and ledger receipt body before listening (for benchmarks).")
@click.option("--precompute-processes", default=0, show_default=True, type=int,
              help="Processes that precompute the bodies; 0 = one per CPU.")
@click.option("--deny-rights", "deny_rights", multiple=True,
              help="[COMPANY_INDEX:]ENTRY[,ENTRY…]: the API user may not read these endpoints (/payments) "
                   "or right groups (payments, bank, invoices, ledger, registers, reports); repeatable.")
@click.option("--report-layout", default="statutory", show_default=True,
              help="/reports/accounting layout per company, comma-separated (statutory, accounts, english).")
@click.option("--ledger-account-values", default="movement", show_default=True,
              help="/reports/ledgeraccounts values per company, comma-separated (movement, closing, mixed).")
def serve(**options: Any) -> None:
    """Start the simulator and print SANDBOX_URL=... when it listens."""
    config = SandboxConfig(
        seed=options["seed"], documents=options["documents"], companies=options["companies"], host=options["host"],
        port=options["port"], client_id=options["client_id"], client_secret=options["client_secret"],
        api_key=options["api_key"], redirect_uri=options["redirect_uri"], token_lifetime=options["token_lifetime"],
        token_max_uses=options["token_max_uses"],
        invoiceable_api_disabled=options["invoiceable_api_disabled"], rate_limit=options["rate_limit"],
        rate_burst=options["rate_burst"], retry_after=not options["no_retry_after"],
        latency_ms=options["latency_ms"], fault_rate=options["fault_rate"],
        fault_kinds=tuple(k.strip() for k in options["fault_kinds"].split(",") if k.strip()),
        fault_seed=options["fault_seed"], fault_rules=[_parse_rule(r) for r in options["fault_rules"]],
        timeout_fault_seconds=options["timeout_fault_seconds"], clock_start=options["clock_start"],
        clock_running=options["clock_running"], db_dir=options["db_dir"],
        precompute_bodies=options["precompute_bodies"],
        precompute_processes=options["precompute_processes"] or os.cpu_count() or 1,
        denied_rights=_parse_denied(options["deny_rights"]),
        page_size_cap=options["page_size_cap"], omit_total_count=options["omit_total_count"],
        listing_drop_every=options["listing_drop_every"],
        **({"version_zone": options["version_zone"]} if options["version_zone"] else {}),
        report_layouts=_choices(options["report_layout"], REPORT_LAYOUTS, "--report-layout"),
        ledger_account_values=_choices(options["ledger_account_values"], LEDGER_ACCOUNT_VALUES,
                                       "--ledger-account-values"),
    )
    server = SandboxServer(config).start()
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"SANDBOX_URL={server.base_url}")
    sys.stdout.flush()
    click.echo(f"control: {server.control_url}  companies: {server.company_ids}", err=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
