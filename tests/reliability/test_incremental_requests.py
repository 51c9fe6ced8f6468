"""Incremental runs stay incremental: requests grow with the changes, not with the account."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import assert_matches_truth, extract_ok, write_config

pytestmark = pytest.mark.timeout(60)


def test_an_incremental_run_without_changes_does_not_list_every_invoice(tmp_path: Path) -> None:
    with SandboxServer(SandboxConfig(seed=11, documents=650, rate_limit=0)) as sb:
        db = tmp_path / "warehouse.duckdb"
        cfg = write_config(tmp_path / "procountor.yml", sb, db, streams={"invoices": {}})
        first = extract_ok(cfg)
        assert first["streams"][0]["requests"] >= 6  # 4 list pages and their detail batches
        sb.advance_clock(3600)  # nothing changed; the overlap window is empty
        second = extract_ok(cfg)
        assert_matches_truth(db, sb, ["invoices"])
        invoices = second["streams"][0]
        assert invoices["records"] == 0, invoices
        assert invoices["requests"] <= 1, invoices  # one list page of the version window
