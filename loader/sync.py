"""`procountor-loader sync`: extract, then `dbt build`, as one job with one exit code.

dbt builds the selector `sync` (selectors.yml): every seed, model and mart data test, but not the
dbt unit tests nor the data tests of the staging models and landing sources. Those check our SQL
and the loader's landing contract, not the day's data, and CI runs them on every change
(`make test`); `--all-tests` runs them here too.

Made for schedulers (cron, Cloud Run jobs): an extract failure exits with the extract's own code
(2 config, 3 sign-in, 4 API, 5 destination, 6 drift, 7 lease), and dbt is then not run, so the
marts never mix a half-finished load; a dbt failure exits 8. A partial extract (streams the API
user may not read) still runs dbt, then exits 9 (0 with extract.on_missing_rights: skip). With
several companies, dbt runs when at least one of them landed (a failed company keeps its last good
load in the marts) and the exit code is the worst company's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from loader.config import Config
from loader.errors import ConfigError, LoaderError

# what a production run builds (selectors.yml)
SYNC_SELECTOR = "sync"
_SELECTION_FLAGS = frozenset({"--select", "-s", "--models", "-m", "--exclude", "--selector"})
# dbt targets of profiles.yml.example per destination type
DEFAULT_TARGETS = {"duckdb": "duckdb", "bigquery": "bigquery"}


@dataclass
class SyncResult:
    records: int
    requests: int
    dbt_target: str


def dbt_target_for(cfg: Config, target: str | None) -> str:
    """--target, else PROCOUNTOR_DBT_TARGET, else the target matching the landing destination."""
    chosen = target or os.environ.get("PROCOUNTOR_DBT_TARGET") or DEFAULT_TARGETS.get(cfg.destination.type)
    if not chosen:
        raise ConfigError(f"no dbt target for destination type {cfg.destination.type!r}; pass --target")
    if cfg.destination.type == "duckdb" and not chosen.startswith("duckdb"):
        raise ConfigError(f"the destination is DuckDB but the dbt target is {chosen!r}")
    if cfg.destination.type == "bigquery" and not chosen.startswith("bigquery") and chosen != "bq_emulator":
        raise ConfigError(f"the destination is BigQuery but the dbt target is {chosen!r}")
    return chosen


def dbt_environment(cfg: Config) -> dict[str, str]:
    """Point the example profile at the same warehouse the loader just wrote to."""
    env: dict[str, str] = {}
    if cfg.destination.type == "bigquery":
        if cfg.destination.project:
            env.setdefault("PROCOUNTOR_BQ_PROJECT", cfg.destination.project)
        if cfg.destination.location:
            env.setdefault("PROCOUNTOR_BQ_LOCATION", cfg.destination.location)
        if cfg.destination.credentials_file:
            env.setdefault("GOOGLE_APPLICATION_CREDENTIALS", cfg.destination.credentials_file)
    # values the user set explicitly win over the config
    return {k: v for k, v in env.items() if k not in os.environ}


def run_sync(cfg: Config, *, target: str | None = None, connection: str | None = None,
             echo: Callable[[str], None] = print, dbt_args: tuple[str, ...] = (),
             all_tests: bool = False) -> SyncResult:
    """Raise the extract's LoaderError, or DbtError (exit 8) when dbt fails."""
    import json

    from loader.companies import (
        SerializedDestination,
        client_key,
        report_partial,
        run_companies,
        shared_limiters,
        summary_table,
        worst_exit,
    )
    from loader.connect import api_client, destination, pick_connection, rate_limit
    from loader.dbt_runner import run_dbt
    from loader.extract import Extractor

    dbt_target = dbt_target_for(cfg, target)  # fail on a wrong target before extracting anything
    conns = pick_connection(cfg, connection)
    limiters = shared_limiters(cfg, conns, rate=lambda conn: rate_limit(cfg, conn))
    dest = destination(cfg)
    shared = SerializedDestination(dest) if len(conns) > 1 else dest

    def extract_one(conn, say):  # type: ignore[no-untyped-def]
        say(f"sync: extracting connection {conn.name}")
        return Extractor(cfg, api_client(cfg, conn, limiters[client_key(conn)]), shared, echo=say).run()  # type: ignore[arg-type]

    try:
        outcomes = run_companies(conns, extract_one, parallel=cfg.extract.parallel_companies, echo=echo,
                                 report_errors=len(conns) > 1,
                                 missing_rights_exit=0 if cfg.extract.on_missing_rights == "skip" else 9)
    finally:
        dest.close()
    if len(outcomes) > 1:
        for line in summary_table(outcomes):
            echo(line)
    failed = [o for o in outcomes if o.outcome not in ("ok", "partial")]
    worst = worst_exit([o.exit_code for o in outcomes])
    if failed and len(failed) == len(outcomes):
        raise _failed(worst, failed)  # nothing new landed: dbt is not run
    records = sum(o.records for o in outcomes)
    requests = sum(o.requests for o in outcomes)
    # dbt lets --selector win over --select/--exclude; a caller's own selection must replace ours.
    own_selection = any(a in _SELECTION_FLAGS for a in dbt_args)
    args = ["build"] if all_tests or own_selection else ["build", "--selector", SYNC_SELECTOR]
    echo(f"sync: extracted {records} records with {requests} requests; running dbt {' '.join(args)} "
         f"--target {dbt_target}")
    if cfg.destination.schema != "raw_procountor":
        args += ["--vars", json.dumps({"procountor_raw_schema": cfg.destination.schema})]
    args += list(dbt_args)
    duckdb_path = cfg.destination.path if cfg.destination.type == "duckdb" else None
    run_dbt(args, duckdb_path=duckdb_path, target=dbt_target, env=dbt_environment(cfg))
    echo("sync: dbt build succeeded")
    # What landed is consistent, so dbt ran; a stream the API user may not read still makes
    # the job partial (exit 9) unless the config skips such streams.
    if not failed:
        from loader.check import report_unreadable

        report_unreadable([f"{o.connection}/{u['stream']} ({u['reason']})"
                           for o in outcomes for u in o.summary.get("unreadable") or []],
                          cfg.extract.on_missing_rights)
        return SyncResult(records, requests, dbt_target)
    # the others' data is in the marts; the failed companies keep their last good load
    report_partial(outcomes, cfg.extract.on_missing_rights, echo)
    raise _failed(worst, [o for o in outcomes if o.exit_code])
    return SyncResult(records, requests, dbt_target)


def _failed(code: int, failed: list) -> LoaderError:  # type: ignore[type-arg]
    """One error carrying the worst company's exit code and naming every failed company."""
    worst = next(o for o in failed if o.exit_code == code)
    names = ", ".join(o.connection for o in failed)
    error = LoaderError(worst.error if len(failed) == 1 else f"{len(failed)} companies failed ({names}); "
                        f"worst: {worst.connection}: {worst.error}")
    error.exit_code, error.kind = code, worst.outcome
    return error
