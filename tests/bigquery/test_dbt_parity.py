"""dbt on the BigQuery emulators gives the same report figures as dbt on DuckDB.

The landing fixture of the dbt suite (tests/dbt_project/fixture.py) is built into DuckDB and
`dbt build` runs there; the same landing rows are then put into each emulator (through
BigQueryDestination on bqemulator, through DDL + INSERT on crucible, which has no NDJSON loads),
`dbt build --target bq_emulator` runs twice (the second run takes the incremental MERGE path) and
every `rpt_*` mart is compared row by row with DuckDB's. The compiled BigQuery SQL of the
bqemulator run is also put through two syntax gates (sqlglot, sqlfluff).

Slow (several minutes on 2 cores): marked `slow`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from bq_emulators import PROJECT, REPO, Emulator, make_client
from bq_landing import land_with_destination, land_with_sql, read_duckdb_landing
from google.cloud import bigquery
from sqlglot.errors import ErrorLevel

from loader.destinations.base import RunRecord
from loader.destinations.bigquery import BigQueryDestination

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
# Known failures on crucible: node unique_id -> why. The test fails if one starts passing (drop it
# here then) or if anything else fails.
# Project models known to fail on crucible (none since fct_invoices stopped reading its own table on
# its first build); a model listed here that passes fails the test, so the list cannot go stale.
CRUCIBLE_KNOWN_FAILURES: dict[str, str] = {}
# Failures whose message shows a crucible gap, not a project bug: message fragment -> what lacks.
CRUCIBLE_GAP_MESSAGES = {
    "Not supported by Crucible: DELETE statement": "no DELETE (the incremental delete_changed_rows "
    "pre-hook on the second build of every incremental model)",
    "Not supported by Crucible: BIGNUMERIC": "no BIGNUMERIC (DuckDB caps decimals at 38 digits; the "
    "exact money product macro casts to BIGNUMERIC, so fct_invoice_lines and what follows is skipped)",
}
# bqemulator maps NUMERIC to DuckDB's bare DECIMAL, i.e. DECIMAL(18,3) (BigQuery: 38 digits, 9
# decimals): exact-money arithmetic that scales by 10^8 overflows there (test_emulator_gaps.py).
BQEMULATOR_GAP_MESSAGES = {
    "to DECIMAL(18,3)": "NUMERIC is DECIMAL(18,3) in bqemulator",
}
# bqemulator unit-test failures that are emulator gaps, by node id. The test fails if one passes.
BQEMULATOR_KNOWN_UNIT_FAILURES = {
    "unit_test.procountor.rpt_vat_summary.vat_summary_omavero_fields_and_partial_deduction": (
        "fct_general_ledger's amounts include a VAT-deduction share (NUMERIC * NUMERIC / 100), which "
        "bqemulator types FLOAT64 (test_emulator_gaps.py); the unit test's fixture takes that type, and the "
        "sales sign flip of a zero VAT gives -0.0 where 0 is expected. On BigQuery it is NUMERIC."
    ),
}
# crucible unit-test failures that are emulator gaps, by node id (their messages are generic diffs).
CRUCIBLE_KNOWN_UNIT_FAILURES = {
    "unit_test.procountor.fct_invoice_lines.invoice_line_money_is_exact_at_half_cents": (
        "crucible's DIV is not integer division and drops the parentheses of its arguments "
        "(test_emulator_gaps.py), so half-cent rounding gives 1.25 instead of 1.26"
    ),
}
# A unit test needs its model's relation; on crucible some models are skipped after a gap.
CRUCIBLE_UNIT_GAP_MESSAGES = {
    **CRUCIBLE_GAP_MESSAGES,
    "because the relation doesn't exist": "the model was not built on crucible (an upstream gap)",
}
# Unit tests are run apart from the builds: a unit test that trips over an emulator gap would
# otherwise skip its model and everything downstream, and the reports would not be compared.
BUILD = ["build", "--exclude-resource-type", "unit_test"]
UNIT_TESTS = ["test", "--select", "test_type:unit"]

# Surrogate row ids are text built from typed values (procountor.key): CAST(NUMERIC AS STRING) is
# '24' on BigQuery, '24.000000' on DuckDB and '24.000' on bqemulator, so ids differ across
# warehouses by design. The figures are compared; the ids only have to be unique (dbt tests that).
SURROGATE_SUFFIXES = ("_row_id", "_key")


def _load_fixture_module() -> Any:
    spec = importlib.util.spec_from_file_location("procountor_dbt_fixture", REPO / "tests/dbt_project/fixture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dbt(args: list[str], *, target: str, project: Path, profiles: Path, work: Path, name: str,
         env: dict[str, str], messages: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """Run dbt; return its exit code and {unique_id: status} from run_results.json.

    `messages`, if given, receives {unique_id: message} of the results.

    The target is always explicit, so a developer's PROCOUNTOR_DBT_TARGET or default DuckDB file
    is never touched.
    """
    target_path = work / f"target_{name}"
    cmd = [str(BIN / "dbt"), *args, "--target", target, "--project-dir", str(project),
           "--profiles-dir", str(profiles), "--target-path", str(target_path),
           "--log-path", str(work / f"logs_{name}")]
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1",
                "PROCOUNTOR_DUCKDB_PATH": str(work / "unused.duckdb"), **env}
    with (work / f"{name}.log").open("a") as log:
        proc = subprocess.run(cmd, cwd=project, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                              timeout=900, check=False)
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    if messages is not None:
        messages.update({r["unique_id"]: r.get("message") or "" for r in results})
    return proc.returncode, {r["unique_id"]: r["status"] for r in results}


def _failed(statuses: dict[str, str]) -> set[str]:
    return {uid for uid, status in statuses.items() if status in {"error", "fail", "runtime error"}}


def _unexplained(statuses: dict[str, str], messages: dict[str, str], gap_messages: dict[str, str],
                 known: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """Failed nodes that neither hit a known emulator gap nor are a known project failure."""
    return {
        uid: messages.get(uid, "")[:300]
        for uid in sorted(_failed(statuses) - known)
        if not any(fragment in messages.get(uid, "") for fragment in gap_messages)
    }


def _norm(value: Any) -> Any:
    if isinstance(value, float | Decimal):
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            # bqemulator types DATE_TRUNC(COALESCE(date, date), MONTH) as DATETIME
            # (test_emulator_gaps.py); BigQuery and DuckDB return a DATE.
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(columns: list[str], records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(r[c]) for c in columns) for r in records), key=repr)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt-parity")


@pytest.fixture(scope="module")
def profiles(work: Path) -> Path:
    # The committed example profile, so its bq_emulator target is what gets tested.
    directory = work / "profiles"
    directory.mkdir()
    shutil.copyfile(REPO / "profiles.yml.example", directory / "profiles.yml")
    return directory


@pytest.fixture(scope="module")
def duckdb_reference(work: Path, profiles: Path) -> tuple[Path, dict[str, tuple[list[str], list[tuple]]]]:
    db = work / "fixture.duckdb"
    _load_fixture_module().build(str(db))
    landing = work / "landing.duckdb"
    shutil.copyfile(db, landing)  # the untouched landing, before dbt adds its schemas
    code, statuses = _dbt(["build"], target="duckdb", project=REPO, profiles=profiles, work=work, name="duckdb",
                          env={"PROCOUNTOR_DUCKDB_PATH": str(db)})
    assert code == 0, f"dbt build on DuckDB failed: {_failed(statuses)} (log: {work / 'duckdb.log'})"
    con = duckdb.connect(str(db), read_only=True)
    try:
        marts: dict[str, tuple[list[str], list[tuple]]] = {}
        for schema, table in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'rpt\\_%' "
            "ESCAPE '\\' ORDER BY 2").fetchall():
            cur = con.execute(f'SELECT * FROM "{schema}"."{table}"')
            all_columns = [d[0] for d in cur.description]
            columns = [c for c in all_columns if not c.endswith(SURROGATE_SUFFIXES)]
            records = [dict(zip(all_columns, r, strict=True)) for r in cur.fetchall()]
            marts[table] = (columns, _rows(columns, records))
    finally:
        con.close()
    assert marts, "no rpt_* marts were built on DuckDB"
    return landing, marts


def _compare_marts(client: bigquery.Client, dataset: str, reference: dict[str, tuple[list[str], list[tuple]]],
                   skip: set[str]) -> None:
    built = {t.table_id for t in client.list_tables(dataset)}
    problems = []
    for table, (columns, expected) in reference.items():
        if table in skip:
            continue
        if table not in built:
            problems.append(f"{table}: not built")
            continue
        result = client.query(f"SELECT * FROM `{PROJECT}.{dataset}.{table}`").result()
        got_columns = [f.name for f in result.schema if not f.name.endswith(SURROGATE_SUFFIXES)]
        if sorted(got_columns) != sorted(columns):
            problems.append(f"{table}: columns differ: {sorted(set(got_columns) ^ set(columns))}")
            continue
        got = _rows(columns, [dict(r.items()) for r in result])
        if got != expected:
            missing = [r for r in expected if r not in got][:3]
            extra = [r for r in got if r not in expected][:3]
            problems.append(f"{table}: {len(got)} rows vs {len(expected)}; only DuckDB: {missing}; "
                            f"only BigQuery: {extra}")
    assert not problems, "\n".join(problems)


# A cut-off rendered as a literal, e.g. cast('2026-12-06 05:43:47.677600' as timestamp)
CONSTANT_CUTOFF = re.compile(r"\._loaded_at >= cast\('\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?' as timestamp\)")


def _assert_incremental_sql_prunes(target: Path) -> None:
    """The BigQuery SQL of the incremental build (the second one) can prune and does not MERGE.

    Every incremental model that reads a landing table, directly or through the table's landing view
    (`base_procountor__<stream>_landing`, the one reader of a table several models need), filters its
    partition column `_loaded_at` with a timestamp literal computed before the statement (a subquery or
    a CASE there prunes nothing); a landing view is a plain projection of its one landing table (no
    filter, join, grouping, window or limit but the empty relation of a missing table), which BigQuery
    inlines, so the reader's filter reaches the partitioned table. Every incremental model inserts with
    a MERGE `on (FALSE)` (its pre-hook just deleted the rows it replaces), and no incremental mart reads
    a landing table. Checks the compiled text, not bytes billed (the emulator bills nothing)."""
    manifest = json.loads((target / "manifest.json").read_text())
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    landing_views = {uid: node for uid, node in models.items()
                     if re.fullmatch(r"base_procountor__\w+_landing", node["name"])}
    assert landing_views, "no landing view: update this test"
    for uid, node in landing_views.items():
        assert node["config"]["materialized"] == "view", f"{uid} is not a view"
        parents = node["depends_on"]["nodes"]
        assert len(parents) == 1 and parents[0].startswith("source."), f"{uid} reads {parents}"
        compiled = (target / "compiled" / "procountor" / node["original_file_path"]).read_text()
        blockers = re.findall(r"\b(where|join|group\s+by|having|distinct|over|qualify|union|limit\s+(?!0\b)\w+)\b",
                              compiled, re.I)
        assert not blockers, f"{uid} is not a plain projection of its landing table: {blockers}"
    incremental = {uid: node for uid, node in models.items() if node["config"]["materialized"] == "incremental"}

    def reads_landing(node: dict[str, Any]) -> bool:
        return any(dep.startswith("source.") or dep in landing_views for dep in node["depends_on"]["nodes"])

    readers = {uid: node for uid, node in incremental.items() if reads_landing(node)}
    assert readers, "no incremental model reads a landing table: update this test"
    assert any(set(node["depends_on"]["nodes"]) & set(landing_views) for node in readers.values())
    for uid, node in readers.items():
        compiled = (target / "compiled" / "procountor" / node["original_file_path"]).read_text()
        assert CONSTANT_CUTOFF.search(compiled), f"{uid}: no constant _loaded_at cut-off in its compiled SQL"
        assert not re.search(r"_loaded_at\s*>=?\s*\(?\s*select", compiled, re.I), f"{uid}: cut-off is a subquery"
    for uid, node in incremental.items():
        run = (target / "run" / "procountor" / node["original_file_path"]).read_text()
        assert re.search(r"\bmerge\s+into\b.*?\bon\s*\(\s*false\s*\)", run, re.I | re.S), (
            f"{uid}: the incremental build did not insert with MERGE ... ON (FALSE)")
    facts_on_sources = [uid for uid, node in incremental.items()
                        if node["original_file_path"].startswith("models/marts/") and reads_landing(node)]
    assert not facts_on_sources, f"incremental marts reading landing tables for their cut-offs: {facts_on_sources}"


def _syntax_gates(run_dir: Path) -> None:
    files = sorted(run_dir.rglob("*.sql"))
    assert files, f"no compiled SQL under {run_dir}"
    sqlglot_errors = []
    for path in files:
        try:
            sqlglot.parse(path.read_text(), read="bigquery", error_level=ErrorLevel.RAISE)
        except sqlglot.errors.SqlglotError as exc:
            sqlglot_errors.append(f"{path.relative_to(run_dir)}: {str(exc)[:300]}")
    assert not sqlglot_errors, "sqlglot (read=bigquery) rejects:\n" + "\n".join(sqlglot_errors)
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "parse", "--dialect", "bigquery", "--templater", "raw", str(run_dir)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    unparsable = [line for line in proc.stdout.splitlines() if "unparsable section" in line.lower()]
    assert proc.returncode == 0 and not unparsable, (
        "sqlfluff parse --dialect bigquery failed:\n" + "\n".join(unparsable[:20]) + proc.stderr[-2000:]
    )


def test_dbt_on_bqemulator_matches_duckdb(
    bqemulator: Emulator, duckdb_reference: tuple[Path, dict], work: Path, profiles: Path
) -> None:
    landing_db, reference = duckdb_reference
    dataset_prefix = f"p{uuid.uuid4().hex[:6]}"
    dest = BigQueryDestination(PROJECT, "raw_procountor", location="US", api_endpoint=bqemulator.endpoint)
    spool = work / "spool_bqemulator"
    spool.mkdir()
    land_with_destination(dest, read_duckdb_landing(landing_db), spool)

    env = {"BQ_ENDPOINT": bqemulator.endpoint, "PROCOUNTOR_BQ_DATASET": dataset_prefix}
    project = _project_without_contracts(work)
    for run in (1, 2):
        code, statuses = _dbt(BUILD, target="bq_emulator", project=project, profiles=profiles,
                              work=work, name="bqemulator", env=env)
        assert code == 0, f"dbt build #{run} on bqemulator failed: {sorted(_failed(statuses))} " \
                          f"(log: {work / 'bqemulator.log'})"
    run_dir = work / "target_bqemulator" / "run"
    messages: dict[str, str] = {}
    _code, statuses = _dbt(UNIT_TESTS, target="bq_emulator", project=project, profiles=profiles, work=work,
                           name="bqemulator_unit", env=env, messages=messages)
    assert statuses, "no dbt unit tests ran"
    unexplained = _unexplained(statuses, messages, BQEMULATOR_GAP_MESSAGES, set(BQEMULATOR_KNOWN_UNIT_FAILURES))
    assert not unexplained, f"dbt unit tests failed on bqemulator: {unexplained}"
    fixed = {uid for uid in BQEMULATOR_KNOWN_UNIT_FAILURES if statuses.get(uid) == "pass"}
    assert not fixed, f"now passing on bqemulator, drop from BQEMULATOR_KNOWN_UNIT_FAILURES: {sorted(fixed)}"
    merged = [p.name for p in run_dir.rglob("*.sql") if re.search(r"\bmerge\s+into\b", p.read_text(), re.I)]
    assert merged, "the second build did not take the incremental MERGE path"
    _assert_incremental_sql_prunes(work / "target_bqemulator")

    _compare_marts(make_client(bqemulator.endpoint, "US"), f"{dataset_prefix}_finance", reference, skip=set())
    _syntax_gates(run_dir)
    _check_freshness_from_runs(dest, env, profiles, work)


def _check_freshness_from_runs(dest: BigQueryDestination, env: dict[str, str], profiles: Path, work: Path) -> None:
    """`dbt source freshness` reads `_loader_runs` on BigQuery too: accounts, read by both companies an
    hour ago, passes although its rows are older; fiscal_years, never read by a run, errors."""
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    for company in (101001, 102001):
        run = RunRecord(f"fresh-{company}", company, finished - dt.timedelta(minutes=5), None, "running", {})
        dest.start_run(run)
        run.finished_at, run.status = finished, "succeeded"
        run.stats = {"streams": [{"stream": "accounts"}], "unreadable": []}
        dest.finish_run(run)
    output = work / "sources_bqemulator.json"
    cmd = [str(BIN / "dbt"), "source", "freshness", "--select", "source:procountor.accounts",
           "source:procountor.fiscal_years", "--output", str(output), "--target", "bq_emulator",
           "--project-dir", str(REPO), "--profiles-dir", str(profiles),
           "--target-path", str(work / "target_freshness"), "--log-path", str(work / "logs_freshness")]
    with (work / "freshness.log").open("a") as log:
        subprocess.run(cmd, cwd=REPO, env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
                       stdout=log, stderr=subprocess.STDOUT, timeout=900, check=False)
    results = json.loads(output.read_text())["results"]
    statuses = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}
    assert statuses == {"accounts": "pass", "fiscal_years": "error"}, (statuses, work / "freshness.log")


def _project_copy(work: Path, name: str) -> tuple[Path, str]:
    """A copy of the dbt project under `work` and the text of its dbt_project.yml, for a patched config."""
    project = work / f"project_{name}"
    project.mkdir()
    for folder in ("models", "macros", "seeds", "analyses"):
        if (REPO / folder).exists():
            shutil.copytree(REPO / folder, project / folder)
    shutil.copytree(REPO / "tests" / "dbt", project / "tests" / "dbt")
    return project, (REPO / "dbt_project.yml").read_text()


def _project_without_persist_docs(work: Path) -> Path:
    """A copy of the dbt project with persist_docs off: crucible rejects tables.patch descriptions."""
    project, text = _project_copy(work, "crucible")
    patched = re.sub(r"(\+persist_docs:\s*\n\s*relation:\s*)true(\s*\n\s*columns:\s*)true", r"\1false\2false", text)
    assert patched != text, "dbt_project.yml no longer sets +persist_docs as expected; update this test"
    # the layers that persist their descriptions on BigQuery only
    patched = patched.replace("\"{{ target.type == 'bigquery' }}\"", "false")
    (project / "dbt_project.yml").write_text(patched)
    return project


def _project_without_contracts(work: Path) -> Path:
    """A copy of the dbt project with the marts' contracts not enforced, for bqemulator only: it cannot
    create a table with a column list from a query (`CREATE TABLE t (x INT64) AS SELECT ...`), the DDL
    of every contracted table, and types NUMERIC arithmetic with a division as FLOAT64, which fails the
    contract's type check (both pinned in test_emulator_gaps.py). crucible builds with the contracts
    enforced (test_dbt_on_crucible_matches_duckdb checks that it did)."""
    project, text = _project_copy(work, "bqemulator")
    patched = re.sub(r"(\+contract:\s*\n\s*enforced:\s*)true", r"\1false", text)
    assert patched != text, "dbt_project.yml no longer enforces the marts' contracts as expected; update this test"
    (project / "dbt_project.yml").write_text(patched)
    return project


def _assert_contracts_enforced(target: Path, built: set[str]) -> None:
    """Every mart in `built` was created with its contract: the DDL names each contracted column with
    its type, so the warehouse checked the types (a contract not enforced builds with a bare AS SELECT)."""
    manifest = json.loads((target / "manifest.json").read_text())
    marts = {node["name"]: node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")}
    assert all(node["config"]["contract"]["enforced"] for node in marts.values()), "a mart without a contract"
    checked = sorted(set(marts) & built)
    assert checked, "no mart was built: nothing shows the contracts were enforced"
    for name in checked:
        run = (target / "run" / "procountor" / marts[name]["original_file_path"]).read_text()
        first = next(iter(marts[name]["columns"]))
        assert re.search(rf"create\s+or\s+replace\s+table\s+\S+\s*\(\s*{first}\s+\w+", run, re.I), (
            f"{name} was not created with its contract's column list")


def test_dbt_on_crucible_matches_duckdb(
    crucible: Emulator, duckdb_reference: tuple[Path, dict], work: Path, profiles: Path
) -> None:
    landing_db, reference = duckdb_reference
    dataset_prefix = f"p{uuid.uuid4().hex[:6]}"
    client = make_client(crucible.endpoint, "US")
    land_with_sql(client, "raw_procountor", read_duckdb_landing(landing_db))
    project = _project_without_persist_docs(work)
    succeeded: set[str] = set()

    env = {"BQ_ENDPOINT": crucible.endpoint, "PROCOUNTOR_BQ_DATASET": dataset_prefix}
    # Compare after each build: the second build's known DELETE failures skip most reports, so the
    # first build is where crucible checks the report SQL.
    for run in (1, 2):
        messages: dict[str, str] = {}
        _code, statuses = _dbt([*BUILD, "--threads", "2"], target="bq_emulator", project=project,
                               profiles=profiles, work=work, name="crucible", env=env, messages=messages)
        unexplained = _unexplained(statuses, messages, CRUCIBLE_GAP_MESSAGES, set(CRUCIBLE_KNOWN_FAILURES))
        assert not unexplained, (
            f"dbt build #{run} on crucible failed: {unexplained} (log: {work / 'crucible.log'})"
        )
        not_built = {uid.rsplit(".", 1)[1] for uid, s in statuses.items() if s in {"skipped", "error"}}
        _compare_marts(client, f"{dataset_prefix}_finance", reference, skip=not_built)
        if run == 1:
            _assert_contracts_enforced(work / "target_crucible", {
                uid.rsplit(".", 1)[1] for uid, status in statuses.items() if status == "success"})
        succeeded.update(uid for uid, status in statuses.items() if status == "success")
    # A known failure that was skipped (an upstream gap failed first) proves nothing either way.
    fixed = set(CRUCIBLE_KNOWN_FAILURES) & succeeded
    assert not fixed, f"now passing on crucible, drop from CRUCIBLE_KNOWN_FAILURES: {sorted(fixed)}"
    messages = {}
    _code, statuses = _dbt(UNIT_TESTS, target="bq_emulator", project=project, profiles=profiles, work=work,
                           name="crucible_unit", env=env, messages=messages)
    unexplained = _unexplained(statuses, messages, CRUCIBLE_UNIT_GAP_MESSAGES, set(CRUCIBLE_KNOWN_UNIT_FAILURES))
    assert not unexplained, f"dbt unit tests failed on crucible: {unexplained}"
