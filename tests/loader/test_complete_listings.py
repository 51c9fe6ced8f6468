"""Deletions are inferred only from listings proven complete; a capped page size is read to the end.

The contract promises `size` up to 200 and a `meta.totalCount`; a compatible server may serve fewer
rows than asked without saying so, send no total, or leave rows out of a listing (rows the API user
may not see, records moved while we page). The sandbox can do each (`page_size_cap`,
`omit_total_count`, `listing_drop_every`). These tests prove correctness against the sandbox's
truth: every live record stays in the warehouse, and what the truth deleted is tombstoned once a
complete listing shows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from loader.sandbox.documents import PAYMENT_EVENT_OFFSET
from tests.reliability.harness import assert_matches_truth, extract_ok, landed, runs, write_config

pytestmark = pytest.mark.timeout(240)

STREAMS = {"invoices": {"fields": "all"}, "ledger_receipts": {"fields": "all"}, "payment_events": {},
           "business_partners": {}, "products": {}, "persons": {}}
CHECKED = ["invoices", "ledger_receipts", "payment_events", "business_partners"]


def _ids(sb: SandboxServer, stream: str) -> set[str]:
    return {str(k) for k in sb.truth.records(stream)}


def _assert_all_live(db: Path, sb: SandboxServer) -> None:
    assert_matches_truth(db, sb, CHECKED)
    for stream in ("products", "persons"):
        assert set(landed(db, stream)) == _ids(sb, stream), stream


@pytest.mark.parametrize("omit_total", [False, True], ids=["with-totalCount", "without-totalCount"])
def test_a_server_capping_page_size_silently_is_read_to_the_end(tmp_path: Path, omit_total: bool) -> None:
    with SandboxServer(SandboxConfig(seed=9, documents=300, rate_limit=0, page_size_cap=40,
                                     omit_total_count=omit_total)) as sb:
        db = tmp_path / "warehouse.duckdb"
        cfg = write_config(tmp_path / "procountor.yml", sb, db, streams=STREAMS)
        first = extract_ok(cfg)
        assert len(_ids(sb, "invoices")) > 5 * 40, "the listing must span several capped pages"
        _assert_all_live(db, sb)
        assert not any(s["tombstones_skipped"] for s in first["streams"]), first["streams"]
        # A complete listing from a capped server may tombstone: a deleted product goes.
        product = sorted(sb.truth.records("products"))[0]
        sb.delete_product(product)
        sb.advance_clock(60)
        extract_ok(cfg, "--sweep")
        _assert_all_live(db, sb)
        assert str(product) not in landed(db, "products")


def test_an_incomplete_listing_never_tombstones_a_live_record(tmp_path: Path) -> None:
    with SandboxServer(SandboxConfig(seed=9, documents=200, rate_limit=0)) as sb:
        db = tmp_path / "warehouse.duckdb"
        cfg = write_config(tmp_path / "procountor.yml", sb, db, streams=STREAMS)
        extract_ok(cfg)
        _assert_all_live(db, sb)

        every = 7
        sb.set_listing(drop_every=every)
        # Invoices whose payment event the listing leaves out: their events are re-read and missing.
        paid = sorted(int(k) - PAYMENT_EVENT_OFFSET for k in sb.truth.records("payment_events"))
        # ... and whose ledger receipts the listing shows (an edit moves them; a hidden one could not follow)
        receipts_of: dict[int, list[int]] = {}
        for rid, receipt in sb.truth.records("ledger_receipts").items():
            if receipt.get("invoiceId") is not None:
                receipts_of.setdefault(int(receipt["invoiceId"]), []).append(int(rid))
        hidden = [i for i in paid if (PAYMENT_EVENT_OFFSET + i) % every == 0
                  and all(r % every for r in receipts_of.get(i, []))][:2]
        assert hidden, "the seed must have a payment event the listing drops"
        for invoice in hidden:
            sb.edit_invoice(invoice)
        product = next(p for p in sorted(sb.truth.records("products")) if p % every)
        sb.delete_product(product)
        sb.advance_clock(60)

        summary = extract_ok(cfg, "--sweep")
        skipped = {s["stream"]: s["tombstones_skipped"] for s in summary["streams"] if s["tombstones_skipped"]}
        assert {"ledger_receipts", "products", "persons", "payment_events"} <= set(skipped), skipped
        assert all("totalCount" in why for why in skipped.values()), skipped
        # Nothing live was tombstoned (rows the listing hides cannot be updated, but they stay);
        # the deleted product stays until a complete listing shows it gone.
        assert_matches_truth(db, sb, ["invoices", "ledger_receipts", "business_partners"])
        for stream in ("persons", "payment_events"):
            assert set(landed(db, stream)) == _ids(sb, stream), stream
        assert set(landed(db, "products")) == _ids(sb, "products") | {str(product)}
        assert runs(db)[-1][1] == "succeeded", runs(db)[-1]
        con = duckdb.connect(str(db), read_only=True)
        try:
            stats = json.loads(con.execute("SELECT stats FROM raw_procountor._loader_runs "
                                           "ORDER BY started_at DESC LIMIT 1").fetchone()[0])
        finally:
            con.close()
        recorded = {s["stream"]: s["tombstones_skipped"] for s in stats["streams"] if s["tombstones_skipped"]}
        assert recorded == skipped  # the reason is in the run history too

        sb.set_listing(drop_every=0)
        sb.advance_clock(60)
        extract_ok(cfg, "--sweep")
        _assert_all_live(db, sb)
        assert str(product) not in landed(db, "products")
