"""A stream with a parent is a registry entry: a toy child stream registered from the test alone
(no engine edit) is read per parent id from `/invoices/{invoiceId}/paymentevents` -- a route the
contract declares and the sandbox serves -- and landed in DuckDB.

Correctness: the landed ids equal the sandbox's own truth of payment events, and on the
incremental run the sandbox's request log shows exactly the changed invoices were asked again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from loader.streams.registry import StreamSpec, get_stream, register_stream, unregister_stream
from tests.conftest import sandbox_env
from tests.loader.test_sync_against_sandbox import landed, truth_ids

TOY = StreamSpec(
    name="toy_invoice_payment_events",
    description="Test only: payment events read one invoice at a time.",
    path="/invoices/{invoiceId}/paymentevents",
    record_schema="PaymentEvent",
    replication="incremental",
    kind="fanout",
    parent="invoices",
    fanout_param="invoiceId",
    paging="keyset",
)
PER_INVOICE = "GET /api/invoices/"


@pytest.fixture
def toy_stream() -> Iterator[StreamSpec]:
    register_stream(TOY)
    try:
        yield TOY
    finally:
        unregister_stream(TOY.name)


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=11, documents=150)) as server:
        yield server


def _extract(cli, sb: SandboxServer, db: Path, config: Path) -> dict:  # type: ignore[no-untyped-def, type-arg]
    result = cli("--duckdb", str(db), "--config", str(config), "extract", "--json", env=sandbox_env(sb))
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("["):])[0]


def _asked_invoices(sb: SandboxServer) -> set[str]:
    """The invoice ids whose per-invoice payment events were requested since the last reset."""
    return {path[len(PER_INVOICE):].split("/")[0] for path in sb.request_counts(raw=True)
            if path.startswith(PER_INVOICE) and path.split("?")[0].endswith("/paymentevents")}


def test_a_toy_child_stream_lands_from_the_registry_alone(cli, sb: SandboxServer, toy_stream: StreamSpec,
                                                          tmp_path: Path) -> None:
    assert get_stream(toy_stream.name) is toy_stream
    config = tmp_path / "procountor.yml"
    config.write_text(f"streams:\n  invoices: {{}}\n  {toy_stream.name}: {{}}\n")
    db = tmp_path / "w.duckdb"

    sb.reset_request_counts()
    _extract(cli, sb, db, config)
    invoices = set(landed(db, "invoices"))
    assert invoices == truth_ids(sb, "invoices")
    assert _asked_invoices(sb) == invoices  # the first run reads every parent once
    rows = landed(db, toy_stream.name)
    truth = {str(k): v for k, v in sb.truth.records("payment_events").items()}
    assert rows and set(rows) == set(truth)
    assert all(str(r["invoiceId"]) in invoices for r in rows.values())
    for rid, row in rows.items():
        assert {k: str(v) for k, v in row.items()} == {k: str(truth[rid][k]) for k in row}, rid

    edited = sorted(invoices, key=int)[0]
    sb.advance_clock(3600)
    sb.edit_invoice(int(edited))
    sb.advance_clock(60)
    sb.reset_request_counts()
    summary = _extract(cli, sb, db, config)
    by_stream = {s["stream"]: s for s in summary["streams"]}
    window_start = by_stream["invoices"]["window"].split(" .. ")[0]
    changed = {str(k) for k, r in sb.truth.records("invoices").items()
               if not r.get("isOffer") and r["version"] >= window_start}
    assert edited in changed and len(changed) < len(invoices)
    # Only the parents changed inside the window are read again, each once.
    assert _asked_invoices(sb) == changed
    assert by_stream[toy_stream.name]["requests"] == len(changed)
    assert set(landed(db, toy_stream.name)) == set(truth)
