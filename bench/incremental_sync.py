"""Incremental sync: requests made and wall time with 0 % and 1 % of the documents changed, after an
initial sync of the same company, against the sandbox at Procountor's limits.

    .venv/bin/python bench/incremental_sync.py --documents 100000

Changes go through the sandbox's control interface (not rate-limited): edits of 1 % of the
invoices (new version; their ledger receipts get the new version too). The clock is then moved
past the loader's signpost skew. A naive full re-read (one request per record) is estimated from
the naive baseline's records/s measured in the same run.

Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

import duckdb
from _harness import mb, naive_baseline, run_loader, start_sandbox, write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--loader-rate", type=float, default=55.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--streams", default="invoices,ledger_receipts")
    parser.add_argument("--changed", default="0,1", help="percentages of invoices changed, one run each")
    parser.add_argument("--naive-seconds", type=float, default=20.0)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    streams = [s.strip() for s in args.streams.split(",") if s.strip()]
    sb = start_sandbox(args.documents, rate=args.rate, latency_ms=args.latency_ms, db_dir=work / "sandbox-db")
    try:
        cfg = write_config(work / "procountor.yml", sb, work / "warehouse.duckdb", streams=streams,
                           rate_limit=args.loader_rate, workers=args.workers, spool_dir=work / "spool")
        print(f"{args.documents:,} documents, rate limit {args.rate:g} req/s, latency {args.latency_ms:g} ms, "
              f"streams {','.join(streams)}")
        initial = run_loader(cfg, sb)
        assert initial.exit_code == 0, initial.stderr[-2000:]
        print(f"initial sync: {initial.records():,} records, {initial.requests:,} requests, {initial.wall:.1f} s, "
              f"peak RSS {mb(initial.peak_rss_mb)}")
        con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
        rows = con.execute("SELECT _record_id FROM raw_procountor.invoices").fetchall()
        invoice_ids = sorted(int(r[0]) for r in rows)
        con.close()
        rng = random.Random(7)
        for pct in (float(p) for p in args.changed.split(",")):
            chosen = rng.sample(invoice_ids, int(len(invoice_ids) * pct / 100))
            for invoice in chosen:
                sb.control("POST", f"/companies/0/invoices/{invoice}/edit", {})
            sb.control("POST", "/clock/advance", {"seconds": 120})
            run = run_loader(cfg, sb)
            assert run.exit_code == 0, run.stderr[-2000:]
            per_stream = ", ".join(f"{s['stream']} {s['records']:,} records/{s['requests']} req"
                                   for s in run.summary["streams"])
            print(f"incremental, {pct:g} % changed ({len(chosen):,} invoices edited): {run.requests:,} requests, "
                  f"wall {run.wall:.1f} s, peak RSS {mb(run.peak_rss_mb)} ({per_stream})")
        naive = naive_baseline(sb, args.naive_seconds)
        estimate = initial.records() / naive["records_per_s"]
        print(f"naive baseline: {naive['records_per_s']:.1f} records/s → a naive full re-read of "
              f"{initial.records():,} records would make {initial.records():,} requests and take "
              f"~{estimate / 60:.0f} min")
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
