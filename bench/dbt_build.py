"""dbt on DuckDB at scale, as `procountor-loader sync` runs it: a full build, then an incremental
build after 1 % of the invoices changed. Goal (issue 11): the incremental build takes at most one
sixth of the full build (full ÷ incremental ≥ 6×).

    .venv/bin/python bench/dbt_build.py --documents 200000      # ≈ 1.4 M general-ledger lines
    .venv/bin/python bench/dbt_build.py --documents 20000 --keep-warehouses --workdir /tmp/bench-dbt
    .venv/bin/python bench/dbt_build.py --replay /tmp/bench-dbt   # the same builds again, no sandbox

Both timed builds are `dbt build --selector sync` (selectors.yml), what `sync` runs: every model and
the mart, seed and reconciliation tests, without the dbt unit tests and the staging and source tests.
The project is parsed once first (`dbt parse`, timed apart), as a scheduled `sync` finds the parse
of its previous run in target/. Then the floor: the same build with no new landing row, and dbt's
start-up alone (what no incremental build can go below). Then, unless --no-ci-build, a plain
`dbt build` (every unit and data test, as CI runs it) on the same warehouse shows what the left-out
tests cost. For each build it
prints the wall time, the dbt process's CPU time (user + system: steadier than wall time on a shared
machine), the load average when it started, the node-seconds per kind of node and the slowest nodes.

How the landing data is made: the real path, as fast as this machine allows — the sandbox's
generator behind its API with no rate limit and no latency, read by `procountor-loader extract`
(every default stream, so every model and test has its inputs). Not the 60 req/s path: that is
bench/initial_sync.py's job. The 1 % change is made through the sandbox's control interface and
landed by an incremental extract before the incremental build. `--keep-warehouses` keeps the
warehouse as landed (landed.duckdb) and after the edit (changed.duckdb, landing tables only matter);
`--replay DIR` rebuilds from those two files: a full build on a copy of landed.duckdb, then its
landing tables replaced by changed.duckdb's and the incremental build.

Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from _harness import REPO, mb, run_loader, start_sandbox

from loader.dbt_runner import dbt_executable, profiles_dir
from loader.sync import SYNC_SELECTOR

GOAL = 6.0


@dataclass
class Build:
    wall: float
    cpu: float
    load: float
    code: int
    summary: str


def dbt(db: Path, target: Path, command: str, *extra: str) -> Build:
    env = {**os.environ, "PROCOUNTOR_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DO_NOT_TRACK": "1"}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([dbt_executable(), command, "--project-dir", str(REPO), "--profiles-dir",
                           str(profiles_dir()), "--target-path", str(target), "--log-path", str(target / "logs"),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    summary = [ln for ln in proc.stdout.splitlines() if "Done. PASS=" in ln]
    failed = [ln.strip() for ln in proc.stdout.splitlines() if " FAIL " in ln or " ERROR " in ln]
    text = summary[-1].strip() if summary else proc.stdout[-1500:]
    return Build(wall, cpu, load, proc.returncode, "\n  ".join([text, *failed]))


def report(name: str, build: Build, target: Path, n: int = 12) -> None:
    """One build's figures, from its run_results.json: execution vs. start-up, node-seconds per kind."""
    run = json.loads((target / "run_results.json").read_text())
    results = run["results"]
    kinds: dict[str, list[float]] = defaultdict(list)
    for r in results:
        kind = r["unique_id"].split(".", 1)[0]
        if kind == "model":
            kind = "staging model" if ".stg_procountor__" in r["unique_id"] or ".base_" in r["unique_id"] else "model"
        kinds[kind].append(r["execution_time"])
    print(f"{name}: {build.wall:.1f} s wall, {build.cpu:.1f} s CPU, load {build.load:.1f} at start (exit "
          f"{build.code}) {build.summary}")
    print(f"  executing nodes {run['elapsed_time']:.1f} s; start-up, parse and exit "
          f"{build.wall - run['elapsed_time']:.1f} s; {len(results)} nodes: "
          + ", ".join(f"{len(v)} {k}s {sum(v):.1f} s" for k, v in sorted(kinds.items())))
    top = sorted(results, key=lambda r: -r["execution_time"])[:n]
    print("  slowest nodes:\n" + "\n".join(
        f"    {r['execution_time']:6.2f} s  {r['unique_id'].split('.', 2)[-1]}" for r in top))


def floor(db: Path, target: Path, full: Build) -> None:
    """What no incremental build can go below: the same build with no new landing row (every node
    still runs: views are re-created, tests re-run, incremental models find nothing to merge), and
    dbt's start-up alone (imports, the partial parse, the adapter; a selection that matches nothing)."""
    same = dbt(db, target, "build", "--selector", SYNC_SELECTOR)
    report(f"no-change build (dbt build --selector {SYNC_SELECTOR}, no new landing row)", same, target, n=5)
    start = dbt(db, target, "build", "--select", "tag:bench_matches_nothing")
    print(f"dbt start-up alone (a selection that matches nothing): {start.wall:.1f} s wall, {start.cpu:.1f} s CPU")
    print(f"floor: full ÷ no-change build {full.wall / same.wall:.1f}× (the best any incremental build "
          f"could do); one sixth of the full build is {full.wall / GOAL:.1f} s, dbt's start-up alone "
          f"{start.wall:.1f} s")


def replace_landing(db: Path, changed: Path) -> None:
    """Give `db` the landing tables (raw_procountor.*) of `changed`."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{changed}' as changed (read_only)")
        for (table,) in con.execute("select table_name from information_schema.tables "
                                    "where table_catalog = 'changed' and table_schema = 'raw_procountor'").fetchall():
            con.execute(f"create or replace table raw_procountor.{table} as "
                        f"select * from changed.raw_procountor.{table}")
        con.execute("detach changed")
        con.execute("checkpoint")
    finally:
        con.close()


class Sandboxed:
    """Landing data through the sandbox and the loader (the real path)."""

    def __init__(self, args: argparse.Namespace, work: Path, db: Path) -> None:
        self.args, self.work, self.db = args, work, db
        self.sb = start_sandbox(args.documents, rate=0, latency_ms=0, db_dir=work / "sandbox-db")
        self.cfg = work / "procountor.yml"
        self.cfg.write_text(
            "connections:\n"
            f"  - {{name: bench, base_url: '{self.sb.base_url}', auth: api_key, client_id: sandbox-client, "
            "client_secret: sandbox-secret, api_key: sandbox-api-key}\n"
            f"destination: {{type: duckdb, path: '{db}', schema: raw_procountor}}\n"
            f"extract: {{rate_limit: 10000, workers: 4, spool_dir: '{work / 'spool'}', timeout_seconds: 600}}\n")
        print(f"{args.documents:,} documents: sandbox ready in {self.sb.started_in:.0f} s")

    def land(self) -> None:
        load = run_loader(self.cfg, self.sb)
        assert load.exit_code == 0, load.stderr[-2000:]
        print(f"landing data: {load.records():,} records in {load.wall:.0f} s ({load.requests:,} requests, "
              f"loader peak RSS {mb(load.peak_rss_mb)})")
        if self.args.keep_warehouses:
            shutil.copyfile(self.db, self.work / "landed.duckdb")

    def change(self) -> None:
        con = duckdb.connect(str(self.db), read_only=True)
        ids = [int(r[0]) for r in con.execute("SELECT _record_id FROM raw_procountor.invoices").fetchall()]
        con.close()
        chosen = random.Random(7).sample(ids, int(len(ids) * self.args.changed / 100))
        for invoice in chosen:
            self.sb.control("POST", f"/companies/0/invoices/{invoice}/edit", {})
        self.sb.control("POST", "/clock/advance", {"seconds": 120})
        inc = run_loader(self.cfg, self.sb)
        assert inc.exit_code == 0, inc.stderr[-2000:]
        print(f"incremental extract after {len(chosen):,} invoice edits: {inc.records():,} records, "
              f"{inc.requests:,} requests, {inc.wall:.0f} s")
        if self.args.keep_warehouses:
            shutil.copyfile(self.db, self.work / "changed.duckdb")

    def stop(self) -> None:
        self.sb.stop()


class Replayed:
    """Landing data from the warehouses a --keep-warehouses run left in `source`."""

    def __init__(self, source: Path, db: Path) -> None:
        self.source, self.db = source, db
        print(f"replaying {source / 'landed.duckdb'} and {source / 'changed.duckdb'}")

    def land(self) -> None:
        shutil.copyfile(self.source / "landed.duckdb", self.db)

    def change(self) -> None:
        replace_landing(self.db, self.source / "changed.duckdb")

    def stop(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=1.0, help="percent of invoices edited before the rebuild")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep-warehouses", action="store_true",
                        help="copy the warehouse as landed (landed.duckdb) and after the 1 %% edit (changed.duckdb)")
    parser.add_argument("--replay", type=Path, default=None,
                        help="build from DIR/landed.duckdb and DIR/changed.duckdb instead of the sandbox")
    parser.add_argument("--no-ci-build", action="store_true", help="skip the final `dbt build` with every test")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    if args.replay and args.replay.resolve() == work.resolve():
        work = work / "replay"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    source = Replayed(args.replay, db) if args.replay else Sandboxed(args, work, db)
    try:
        source.land()
        target = work / "target"
        parse = dbt(db, target, "parse")
        print(f"dbt parse (once, as a scheduled sync finds its last parse in target/): {parse.wall:.1f} s wall, "
              f"{parse.cpu:.1f} s CPU (exit {parse.code})")
        sync = ("--selector", SYNC_SELECTOR)
        full = dbt(db, target, "build", *sync, "--full-refresh")
        report(f"full build (dbt build --selector {SYNC_SELECTOR} --full-refresh)", full, target)
        con = duckdb.connect(str(db), read_only=True)
        gl_lines = con.execute("SELECT count(*) FROM main_finance.fct_general_ledger").fetchone()[0]
        con.close()
        print(f"  fct_general_ledger {gl_lines:,} rows")

        source.change()
        inc = dbt(db, target, "build", *sync)
        report(f"incremental build (dbt build --selector {SYNC_SELECTOR})", inc, target)
        print(f"speed-up full ÷ incremental: {full.wall / inc.wall:.1f}× wall, {full.cpu / inc.cpu:.1f}× CPU "
              f"(goal ≥ {GOAL:.0f}×: incremental ≤ one sixth of the full build)")
        floor(db, target, full)
        if not args.no_ci_build:
            ci = dbt(db, target, "build")
            report("then every unit and data test too, as CI runs it (dbt build, nothing changed)", ci, target)
    finally:
        source.stop()


if __name__ == "__main__":
    main()
