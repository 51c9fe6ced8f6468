"""Initial sync against the sandbox at Procountor's limits: the share of the rate-limit ceiling, the
loader's peak RSS (whole process tree) and how flat it stays, documents/s, requests, where the time
goes, and a naive baseline (one request per document, sequential) measured in the same run on the
same sandbox. The ceiling is the fewest possible requests (a list page and a detail batch per 200
invoices and per 200 receipts) at the sandbox's rate.

    .venv/bin/python bench/initial_sync.py --documents 20000
    .venv/bin/python bench/initial_sync.py --documents 100000
    .venv/bin/python bench/initial_sync.py --documents 1000000
    .venv/bin/python bench/initial_sync.py --documents 20000,100000 --loader-rate 55   # production rate

The sandbox precomputes every invoice and receipt body before it listens (`--precompute-bodies`;
longer start-up, printed), so the sync measures the loader: the sandbox then spends ≈ 1–3 ms of CPU
a request instead of ≈ 10–19 ms. `--sandbox-on-demand` derives them as they are asked for, as before.

Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from _harness import (
    fewest_requests,
    mb,
    naive_baseline,
    probe_sandbox,
    run_loader,
    start_sandbox,
    totals,
    write_config,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", default="100000", help="invoices in the company; a comma list runs each")
    parser.add_argument("--rate", type=float, default=60.0, help="the sandbox's rate limit (requests/s)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--loader-rate", type=float, default=60.0,
                        help="extract.rate_limit of the loader (its production default is 55)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--streams", default="invoices,ledger_receipts")
    parser.add_argument("--naive-seconds", type=float, default=20.0,
                        help="time budget of the naive baseline (0 skips it and the probe)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="stop the loader after this many seconds (rates are then over the partial run)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--sandbox-on-demand", action="store_true",
                        help="let the sandbox derive bodies as they are asked for instead of before it listens "
                             "(then the sandbox's CPU competes with the loader's)")
    args = parser.parse_args()

    streams = [s.strip() for s in args.streams.split(",") if s.strip()]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-initial-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"rate limit {args.rate:g} req/s, latency {args.latency_ms:g} ms, loader rate {args.loader_rate:g} req/s, "
          f"{args.workers} workers, streams {','.join(streams)}, workdir {work}")
    for documents in (int(d) for d in args.documents.split(",")):
        run_one(documents, streams, args, work / f"d{documents}")


def run_one(documents: int, streams: list[str], args: argparse.Namespace, work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sb = start_sandbox(documents, rate=args.rate, latency_ms=args.latency_ms, db_dir=work / "sandbox-db",
                       precompute=not args.sandbox_on_demand)
    try:
        ready = "generated" if args.sandbox_on_demand else "generated, bodies precomputed"
        print(f"\n== {documents:,} documents: sandbox {ready} and listening in {sb.started_in:.1f} s, "
              f"RSS {mb(sb.rss_mb())}")
        counts = totals(sb, streams)
        fewest = fewest_requests(counts)
        ceiling_s = fewest / args.rate
        print(f"   ceiling: {fewest:,} requests at least ({', '.join(f'{k} {v:,}' for k, v in counts.items())}; "
              f"a list page and a detail batch per 200) = {ceiling_s:.1f} s at {args.rate:g} req/s")
        cfg = write_config(work / "procountor.yml", sb, work / "warehouse.duckdb", streams=streams,
                           rate_limit=args.loader_rate, workers=args.workers, spool_dir=work / "spool")
        run = run_loader(cfg, sb, time_limit=args.time_limit)
        partial = args.time_limit is not None and run.exit_code != 0
        invoices, records = run.records("invoices"), run.records()
        if partial:  # the JSON summary is not printed for a stopped run: count what reached the sandbox
            print(f"   loader stopped after {run.wall:.0f} s (time limit); rates below are over that window")
        elif run.exit_code != 0:
            print(f"   loader failed (exit {run.exit_code}): {run.stderr[-800:]}")
            return
        req_s = run.requests / run.wall
        per_stream = ", ".join(f"{s['stream']} {s['records']:,}" for s in run.summary.get("streams", []))
        print(f"   loader: wall {run.wall:.1f} s, {invoices:,} documents, {records:,} records ({per_stream})")
        if not partial:
            print(f"   documents/s {invoices / run.wall:.1f}   records/s {records / run.wall:.1f}")
            print(f"   SHARE OF THE CEILING {100 * ceiling_s / run.wall:.1f} % (ceiling {ceiling_s:.1f} s ÷ wall "
                  f"{run.wall:.1f} s)")
        print(f"   requests {run.requests:,} (fewest possible {fewest:,}); {req_s:.1f} req/s = "
              f"{100 * req_s / args.rate:.0f} % of {args.rate:g} req/s; retries {run.summary.get('retries', {})}")
        cpu = run.cpu_user + run.cpu_system
        print(f"   loader CPU {cpu:.1f} s ({100 * cpu / run.wall:.0f} % of one core); sandbox CPU "
              f"{run.sandbox_cpu:.1f} s ({100 * run.sandbox_cpu / run.wall:.0f} % of one core, "
              f"{1000 * run.sandbox_cpu / max(run.requests, 1):.1f} ms a request); load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"   LOADER PEAK RSS {mb(run.peak_rss_mb)} (whole process tree); RSS over the run (MB) "
              f"{run.rss_profile()}")
        retried = [ln.strip() for ln in run.stderr.splitlines() if "ran out of memory" in ln]
        print(f"   DuckDB memory headroom used {len(retried)} time(s)" + "".join(f"\n     {ln}" for ln in retried))
        for s in run.summary.get("streams", []):
            print(f"     {s['stream']:<18} {s['records']:>9,} records {s['requests']:>7,} requests "
                  f"{s['seconds']:>8.1f} s")
        if args.naive_seconds <= 0:
            return
        probe = probe_sandbox(sb)
        print("   sandbox service time per request (no latency, no limit, sequential): " +
              ", ".join(f"{k} {v:.0f} ms" for k, v in probe.items()))
        t0 = time.perf_counter()
        naive = naive_baseline(sb, args.naive_seconds)
        print(f"   NAIVE BASELINE ({time.perf_counter() - t0:.0f} s budget, one request per record, sequential): "
              f"{naive['records']:,} records, {naive['requests_per_s']:.1f} req/s, "
              f"{naive['records_per_s']:.1f} records/s; all {sum(counts.values()):,} records would take "
              f"{sum(counts.values()) / naive['records_per_s'] / 60:,.0f} min")
        if not partial and records:
            print(f"   ratio loader ÷ naive: {records / run.wall / naive['records_per_s']:.0f}× records/s; "
                  f"requests per record {run.requests / records:.3f} vs 1.0")
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
