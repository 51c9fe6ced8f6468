"""`dbt build` on DuckDB at scale: a full build, then an incremental build after 1 % of the
invoices changed (goal: at least 5× faster).

    .venv/bin/python bench/dbt_build.py --documents 200000      # ≈ 1 M general-ledger lines

How the landing data is made: the real path, as fast as this machine allows — the sandbox's
generator behind its API with no rate limit and no latency, read by `procountor-loader extract`
(every default stream, so every model and test has its inputs). Not the 60 req/s path: that is
bench/initial_sync.py's job. The 1 % change is made through the sandbox's control interface and
landed by an incremental extract before the incremental build.

Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
from _harness import REPO, mb, run_loader, start_sandbox

from loader.dbt_runner import dbt_executable, profiles_dir


def dbt_build(db: Path, target: Path, *extra: str) -> tuple[float, int, str]:
    env = {**os.environ, "PROCOUNTOR_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DO_NOT_TRACK": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run([dbt_executable(), "build", "--project-dir", str(REPO), "--profiles-dir",
                           str(profiles_dir()), "--target-path", str(target), "--log-path", str(target / "logs"),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True)
    summary = [ln for ln in proc.stdout.splitlines() if "Done. PASS=" in ln]
    failed = [ln.strip() for ln in proc.stdout.splitlines() if " FAIL " in ln or " ERROR " in ln]
    text = summary[-1].strip() if summary else proc.stdout[-1500:]
    return time.perf_counter() - t0, proc.returncode, "\n  ".join([text, *failed])


def slowest(target: Path, n: int = 12) -> str:
    """The n slowest nodes of the last build (target/run_results.json) and the time spent in tests."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith(("test.", "unit_test.")))
    top = sorted(results, key=lambda r: -r["execution_time"])[:n]
    lines = [f"    {r['execution_time']:6.2f} s  {r['unique_id'].split('.', 2)[-1]}" for r in top]
    return f"  node time in tests {tests:.1f} s; slowest nodes:\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=1.0, help="percent of invoices edited before the rebuild")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep-warehouses", action="store_true",
                        help="copy the warehouse as landed (landed.duckdb) and after the 1 %% edit (changed.duckdb)")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    sb = start_sandbox(args.documents, rate=0, latency_ms=0, db_dir=work / "sandbox-db")
    try:
        cfg = work / "procountor.yml"
        cfg.write_text(
            "connections:\n"
            f"  - {{name: bench, base_url: '{sb.base_url}', auth: api_key, client_id: sandbox-client, "
            "client_secret: sandbox-secret, api_key: sandbox-api-key}\n"
            f"destination: {{type: duckdb, path: '{db}', schema: raw_procountor}}\n"
            f"extract: {{rate_limit: 10000, workers: 4, spool_dir: '{work / 'spool'}', timeout_seconds: 600}}\n")
        print(f"{args.documents:,} documents: sandbox ready in {sb.started_in:.0f} s")
        load = run_loader(cfg, sb)
        assert load.exit_code == 0, load.stderr[-2000:]
        print(f"landing data: {load.records():,} records in {load.wall:.0f} s ({load.requests:,} requests, "
              f"loader peak RSS {mb(load.peak_rss_mb)})")

        if args.keep_warehouses:
            shutil.copyfile(db, work / "landed.duckdb")
        target = work / "target"
        full_s, code, summary = dbt_build(db, target, "--full-refresh")
        con = duckdb.connect(str(db), read_only=True)
        gl_lines = con.execute("SELECT count(*) FROM main_finance.fct_general_ledger").fetchone()[0]
        ids = [int(r[0]) for r in con.execute("SELECT _record_id FROM raw_procountor.invoices").fetchall()]
        con.close()
        print(f"dbt build --full-refresh: {full_s:.1f} s (exit {code}) {summary}; fct_general_ledger {gl_lines:,} rows")
        print(slowest(target))

        chosen = random.Random(7).sample(ids, int(len(ids) * args.changed / 100))
        for invoice in chosen:
            sb.control("POST", f"/companies/0/invoices/{invoice}/edit", {})
        sb.control("POST", "/clock/advance", {"seconds": 120})
        inc = run_loader(cfg, sb)
        assert inc.exit_code == 0, inc.stderr[-2000:]
        print(f"incremental extract after {len(chosen):,} invoice edits: {inc.records():,} records, "
              f"{inc.requests:,} requests, {inc.wall:.0f} s")
        if args.keep_warehouses:
            shutil.copyfile(db, work / "changed.duckdb")
        inc_s, code, summary = dbt_build(db, target)
        print(f"dbt build (incremental): {inc_s:.1f} s (exit {code}) {summary}")
        print(slowest(target))
        print(f"speed-up full ÷ incremental: {full_s / inc_s:.1f}× (goal ≥ 5×)")
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
