"""An API user without rights to some endpoints (Procountor answers 403): a partial run, not a crash.

The sandbox denies the chosen endpoints per company with the contract's 403 ErrorMessages body.
Every other stream must land and equal the sandbox's truth (correctness: compared with the
sandbox's own records, not with anything the loader derived), the unreadable ones must leave no
rows and no state, and the run must exit 9 with one stderr line naming them, record them in
`runs`, and never exit 3 once sign-in worked.
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import (
    STREAMS,
    assert_matches_truth,
    extract_ok,
    landed,
    leases,
    run_inprocess,
    runs,
    state_rows,
)

pytestmark = pytest.mark.timeout(120)

CASES = {
    # denied rights → streams that cannot be read (payment_events also when its parent is unreadable)
    "payments": (["payments"], {"payment_events"}),
    "invoices-and-partners": (["/invoices", "/businesspartners"], {"invoices", "payment_events", "business_partners"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_partial_run_lands_every_readable_stream_and_exits_9(sb, config, db, case: str) -> None:
    denied, unreadable = CASES[case]
    sb.deny_rights(denied)
    cfg = config()
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 9, run.output
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error (")]
    assert len(errors) == 1, run.stderr
    line = errors[0]
    assert line.startswith("error (rights): partial run: "), line
    for stream in unreadable:
        assert f"rel/{stream} (" in line, (stream, line)
    for stream in set(STREAMS) - unreadable:
        assert f"/{stream} (" not in line, (stream, line)
    assert "on_missing_rights: skip" in line and "admin" in line, line
    if "payment_events" in unreadable and "invoices" in unreadable:
        assert "payment_events (its parent stream invoices is unreadable)" in line, line

    readable = sorted(set(STREAMS) - unreadable)
    assert_matches_truth(db, sb, readable)
    states = state_rows(db)
    assert set(states) == set(readable), states
    for stream in unreadable:
        assert landed(db, stream) == {}, stream
    assert leases(db) == []

    ((_sync, status, error),) = runs(db)
    assert status == "partial" and all(s in (error or "") for s in unreadable), (status, error)
    listing = run_inprocess("--config", str(cfg), "runs")
    assert listing.exit_code == 0 and "partial" in listing.stdout, listing.output
    for stream in unreadable:
        assert f"{stream}" in listing.stdout and "not read" in listing.stdout, listing.stdout

    # Once the admin grants the rights, the next run brings the missing streams in full.
    sb.deny_rights([])
    extract_ok(cfg)
    assert_matches_truth(db, sb)


def test_skip_policy_exits_0_and_still_names_the_streams(sb, config, db) -> None:
    sb.deny_rights(["payments"])
    run = run_inprocess("--config", str(config(extract={"on_missing_rights": "skip"})), "extract")
    assert run.exit_code == 0, run.output
    warnings = [ln for ln in run.stderr.splitlines() if ln.startswith("warning (rights)")]
    assert len(warnings) == 1 and "rel/payment_events (no rights (HTTP 403) to GET /payments/paymentevents)" \
        in warnings[0], run.stderr
    assert_matches_truth(db, sb, sorted(set(STREAMS) - {"payment_events"}))
    assert runs(db)[-1][1] == "partial"


def test_a_bad_policy_is_a_config_error(sb, config, db) -> None:
    run = run_inprocess("--config", str(config(extract={"on_missing_rights": "ignore"})), "extract")
    assert run.exit_code == 2 and "on_missing_rights" in run.error_line, run.output


def test_rights_of_one_company_do_not_affect_another(tmp_path) -> None:
    """Rights are per company: company 2's API user reads everything while company 1's may not."""
    from loader.sandbox import SandboxConfig, SandboxServer
    from tests.reliability.harness import write_config

    with SandboxServer(SandboxConfig(seed=11, documents=60, companies=2, rate_limit=0,
                                     denied_rights={0: ("payments",)})) as sb:
        db = tmp_path / "w.duckdb"
        first = run_inprocess("--config", str(write_config(tmp_path / "a.yml", sb, db)), "extract")
        assert first.exit_code == 9, first.output
        second = write_config(tmp_path / "b.yml", sb, tmp_path / "w2.duckdb", company_index=1)
        extract_ok(second)


def test_check_prints_a_table_of_what_each_stream_can_read(sb, config, db) -> None:
    sb.deny_rights(["/invoices"])
    run = run_inprocess("--config", str(config()), "check")
    assert run.exit_code == 9, run.output
    rows = {ln.split()[0]: ln for ln in run.stdout.splitlines() if ln.startswith("  ") and ln.split()}
    assert "endpoint" in rows["stream"] and "what to do" in rows["stream"], run.stdout
    assert set(rows) - {"stream"} == set(STREAMS), run.stdout
    assert "GET /invoices " in rows["invoices"] and "no rights (403)" in rows["invoices"], rows["invoices"]
    assert "ask the company's Procountor admin" in rows["invoices"] and "on_missing_rights: skip" in rows["invoices"]
    assert "no rights (403)" in rows["payment_events"] and "parent stream invoices" in rows["payment_events"]
    for stream in ("accounts", "ledger_receipts", "business_partners"):
        assert "readable" in rows[stream] and "no rights" not in rows[stream], rows[stream]
    assert run.error_line.startswith("error (rights):") and "invoices, payment_events" in run.error_line

    sb.deny_rights([])
    ok = run_inprocess("--config", str(config()), "check")
    assert ok.exit_code == 0, ok.output
    assert "ok: 5 of 5 selected streams readable" in ok.stdout, ok.stdout
    assert state_rows(db) == {}  # check writes nothing


def test_sync_runs_dbt_on_what_landed_then_exits_9(sb, config, db, tmp_path) -> None:
    """`sync` with a stream the API user may not read: dbt still builds (here the models of the
    readable streams' staging and of the unreadable one with the landing view it reads, whose landing
    table is empty), and the job ends with the partial-run code, not with dbt's or sign-in's."""
    from loader.config import load_config
    from loader.errors import MissingRightsError
    from loader.sync import run_sync

    sb.deny_rights(["payments"])
    cfg = load_config(config())
    lines: list[str] = []
    with pytest.raises(MissingRightsError) as info:
        run_sync(cfg, echo=lines.append,
                 dbt_args=("--select", "stg_procountor__accounts", "+stg_procountor__payment_events"))
    assert info.value.exit_code == 9
    assert "rel/payment_events" in str(info.value), info.value
    assert "sync: dbt build succeeded" in lines, lines[-5:]
    assert_matches_truth(db, sb, ["accounts", "invoices", "ledger_receipts", "business_partners"])
