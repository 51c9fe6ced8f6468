"""An accounting firm's companies under one API client: initial and incremental sync of many small
sandbox companies side by side, sharing Procountor's 60 requests/s per API client.

    nice .venv/bin/python bench/many_companies.py --companies 300 --documents 20

The sandbox enforces the client's limit (--rate, default 60/s, 50 ms latency per request); the loader
runs `extract` with one shared budget (--loader-rate, default 55/s). Printed per sync: wall time,
requests (counted by the sandbox), the share of the shared ceiling used (requests / (wall × rate)),
429 answers, loader CPU and peak RSS. Then `dbt build` and a check that the statements'
consolidated rows cover every company. Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import yaml
from _harness import LoaderRun, mb, run_loader, start_sandbox

STREAMS = "all default streams"


def write_config(path: Path, base_url: str, db: Path, companies: int, rate: float, parallel: int) -> Path:
    conns = [{"name": f"company{i:03d}", "base_url": base_url, "auth": "api_key", "client_id": "sandbox-client",
              "client_secret": "sandbox-secret",
              "api_key": "sandbox-api-key" if i == 0 else f"sandbox-api-key-{i + 1}"} for i in range(companies)]
    cfg = {"connections": conns,
           "destination": {"type": "duckdb", "path": str(db)},
           "extract": {"rate_limit": rate, "parallel_companies": parallel, "spool_dir": str(path.parent / "spool"),
                       "timeout_seconds": 120.0}}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def report(label: str, run: LoaderRun, rate: float, companies: int) -> None:
    outcomes = run.outcomes
    ok = sum(1 for o in outcomes if o["outcome"] == "ok")
    throttled = sum(o.get("retries", {}).get("HTTP 429", 0) for o in outcomes)
    records = sum(s["records"] for o in outcomes for s in o.get("streams", []))
    print(f"{label}: {ok}/{companies} companies ok, {records:,} records, {run.requests:,} requests in "
          f"{run.wall:.1f} s = {run.requests / run.wall:.1f} req/s, {run.requests / (run.wall * rate):.0%} of the "
          f"{rate:g} req/s ceiling, {throttled} × 429, loader CPU {run.cpu_user + run.cpu_system:.1f} s "
          f"({(run.cpu_user + run.cpu_system) / run.wall:.0%} of one core), peak RSS {mb(run.peak_rss_mb)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--documents", type=int, default=20, help="invoices per company")
    parser.add_argument("--rate", type=float, default=60.0, help="the sandbox's limit per API client")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--loader-rate", type=float, default=55.0)
    parser.add_argument("--parallel", type=int, default=8, help="companies side by side")
    parser.add_argument("--changed-companies", type=int, default=30, help="companies with one edited invoice")
    parser.add_argument("--no-dbt", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-companies-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    t0 = time.perf_counter()
    sb = start_sandbox(args.documents, rate=args.rate, latency_ms=args.latency_ms, companies=args.companies,
                       db_dir=work / "sandbox-db")
    print(f"{args.companies} companies × {args.documents} invoices, sandbox up in {time.perf_counter() - t0:.1f} s; "
          f"limit {args.rate:g} req/s per API client, latency {args.latency_ms:g} ms; loader budget "
          f"{args.loader_rate:g} req/s, {args.parallel} companies side by side, {STREAMS}")
    try:
        cfg = write_config(work / "procountor.yml", sb.base_url, db, args.companies, args.loader_rate, args.parallel)
        initial = run_loader(cfg, sb)
        report("initial sync", initial, args.rate, args.companies)
        rng = random.Random(7)
        con = duckdb.connect(str(db), read_only=True)
        by_company = con.execute("SELECT _company_id, min(_record_id) FROM raw_procountor.invoices "
                                 "GROUP BY 1 ORDER BY 1").fetchall()
        con.close()
        chosen = rng.sample(range(len(by_company)), min(args.changed_companies, len(by_company)))
        for index in chosen:
            company_id, invoice_id = by_company[index]
            sb.control("POST", f"/companies/{company_id}/invoices/{invoice_id}/edit", {})
        sb.control("POST", "/clock/advance", {"seconds": 120})
        incremental = run_loader(cfg, sb)
        report(f"incremental sync ({len(chosen)} companies with an edited invoice)", incremental, args.rate,
               args.companies)
    finally:
        sb.stop()
    if args.no_dbt:
        return
    from loader.dbt_runner import run_dbt

    t1 = time.perf_counter()
    run_dbt(["build", "--quiet"], duckdb_path=str(db))
    print(f"dbt build: {time.perf_counter() - t1:.1f} s")
    con = duckdb.connect(str(db), read_only=True)
    landed = con.execute("SELECT count(DISTINCT _company_id) FROM raw_procountor.ledger_receipts").fetchone()[0]
    covered = con.execute("SELECT count(DISTINCT company_id) FROM main_finance.rpt_profit_and_loss "
                          "WHERE NOT is_consolidated").fetchone()[0]
    mismatched = con.execute("""
        WITH per_company AS (
            SELECT period_start_date, line_order, sum(amount_month) AS amount
            FROM main_finance.rpt_profit_and_loss WHERE NOT is_consolidated GROUP BY 1, 2),
        consolidated AS (
            SELECT period_start_date, line_order, sum(amount_month) AS amount
            FROM main_finance.rpt_profit_and_loss WHERE is_consolidated GROUP BY 1, 2)
        SELECT count(*) FROM per_company FULL JOIN consolidated USING (period_start_date, line_order)
        WHERE coalesce(per_company.amount, 0) <> coalesce(consolidated.amount, 0)""").fetchone()[0]
    con.close()
    print(f"marts: {landed} companies landed, {covered} in rpt_profit_and_loss; consolidated rows differing "
          f"from the sum of the companies (month × line): {mismatched}")


if __name__ == "__main__":
    main()
