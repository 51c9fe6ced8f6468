"""Incremental runs stay incremental: requests grow with the changes, not with the account."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import assert_matches_truth, extract_ok, write_config

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("zone", ["Europe/Helsinki", "UTC"])
def test_an_incremental_run_without_changes_does_not_list_every_invoice(tmp_path: Path, zone: str) -> None:
    with SandboxServer(SandboxConfig(seed=11, documents=650, rate_limit=0, version_zone=zone)) as sb:
        db = tmp_path / "warehouse.duckdb"
        cfg = write_config(tmp_path / "procountor.yml", sb, db, streams={"invoices": {}})
        first = extract_ok(cfg)
        assert first["streams"][0]["requests"] >= 6  # 4 list pages and their detail batches
        sb.advance_clock(3600)  # nothing changed; only the overlap before the newest stamp is re-read
        second = extract_ok(cfg)
        assert_matches_truth(db, sb, ["invoices"])
        invoices = second["streams"][0]
        window_start = invoices["window"].split(" .. ")[0]
        overlap = [k for k, r in sb.truth.records("invoices").items()
                   if not r.get("isOffer") and r["version"] >= window_start]
        assert len(overlap) < 200, "the overlap must be a small part of the account"
        assert invoices["records"] == len(overlap), invoices
        assert invoices["updated"] == 0 and invoices["inserted"] == 0, invoices
        assert invoices["requests"] <= 2, invoices  # one list page of the window and one detail batch
