"""Incremental windows whatever zone the server stamps `version` in, across both DST changes.

The API documents no time zone for `version`. The sandbox stamps either Helsinki wall time or UTC
(`version_zone`) and reads the version filters in that same zone, as a real server would; its
virtual clock is a real instant, so Helsinki stamps repeat 03:00–03:59 on the last Sunday of
October and skip 03:00–03:59 on the last Sunday of March. Every test runs in both zones.

After every run the warehouse must equal the sandbox's truth value by value (edits change amounts,
so a missed edit shows): that proves correctness against the sandbox, independent of how the
loader computes its windows. The offset test proves the detection against the zone rules
themselves (zoneinfo), not against our own code.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import assert_matches_truth, extract_ok, state_rows, truth, write_config

pytestmark = pytest.mark.timeout(300)

ZONES = ("Europe/Helsinki", "UTC")
STREAMS = {"invoices": {"fields": "all"}, "ledger_receipts": {"fields": "all"}, "payment_events": {},
           "business_partners": {}}
AUTUMN = "2026-10-25T02:40:00"  # 04:00 EEST becomes 03:00 EET: 03:00–03:59 happens twice
SPRING = "2027-03-28T02:40:00"  # 03:00 EET becomes 04:00 EEST: 03:00–03:59 never happens


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _sandbox(zone: str, start: str) -> SandboxServer:
    return SandboxServer(SandboxConfig(seed=7, documents=120, rate_limit=0, clock_start=start, version_zone=zone))


def _editable(sb: SandboxServer) -> list[int]:
    return sorted(int(i) for i, r in truth(sb, "invoices").items()
                  if r.get("status") != "INVALIDATED" and not r.get("isOffer") and r.get("ledgerReceiptId"))


@pytest.fixture
def run(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """run(sb) extracts once and asserts the warehouse equals the truth; returns the summary."""
    db = tmp_path / "warehouse.duckdb"

    def once(sb: SandboxServer, label: str) -> dict:  # type: ignore[type-arg]
        cfg = write_config(tmp_path / "procountor.yml", sb, db, streams=STREAMS)
        summary = extract_ok(cfg)
        try:
            assert_matches_truth(db, sb, list(STREAMS))
        except AssertionError as exc:
            raise AssertionError(f"after the run at {label} ({sb.version_zone} stamps): {exc}") from None
        return summary

    once.db = db  # type: ignore[attr-defined]
    yield once


def test_edits_in_the_repeated_autumn_hour_are_never_missed(zone: str, run) -> None:  # type: ignore[no-untyped-def]
    with _sandbox(zone, AUTUMN) as sb:
        rng = random.Random(1025)
        invoices = _editable(sb)
        run(sb, "start")
        # (clock to set, edits before the run): the first 03:xx, the second 03:xx, and just after.
        steps = [("2026-10-25T03:10:00+03:00", 2), ("2026-10-25T03:50:00+03:00", 1),
                 ("2026-10-25T03:05:00+02:00", 2), ("2026-10-25T03:20:00+02:00", 1),
                 ("2026-10-25T03:58:00+02:00", 1), ("2026-10-25T04:03:00+02:00", 1)]
        for when, edits in steps:
            sb.set_clock(when)
            for invoice in rng.sample(invoices, edits):
                sb.edit_invoice(invoice)
            sb.recreate_receipt(rng.choice(invoices))
            sb.advance_clock(30)
            run(sb, when)
        states = state_rows(run.db)
        assert states["invoices"]["cursor_source"] == "data", states["invoices"]


def test_edits_around_the_spring_gap_are_never_missed(zone: str, run) -> None:  # type: ignore[no-untyped-def]
    with _sandbox(zone, SPRING) as sb:
        rng = random.Random(328)
        invoices = _editable(sb)
        run(sb, "start")
        for when in ("2027-03-28T02:58:00", "2027-03-28T02:59:50", "2027-03-28T04:00:05", "2027-03-28T04:30:00"):
            sb.set_clock(when)
            sb.edit_invoice(rng.choice(invoices))
            sb.advance_clock(5)
            sb.edit_invoice(rng.choice(invoices))
            run(sb, when)


def test_frequent_runs_with_edits_between_them_miss_nothing(zone: str, run) -> None:  # type: ignore[no-untyped-def]
    """Runs a minute apart with edits seconds before each one (the case where a clock-based window
    ended before the newest change, or started after its own end)."""
    with _sandbox(zone, "2026-12-01T09:00:00") as sb:
        rng = random.Random(12)
        invoices = _editable(sb)
        run(sb, "start")
        for n in range(4):
            sb.advance_clock(55)
            sb.edit_invoice(rng.choice(invoices))
            if n % 2:
                sb.add_documents(2)
            sb.advance_clock(2)
            run(sb, f"run {n + 1}")


@pytest.mark.parametrize("start", ["2026-12-01T09:00:00", "2026-07-01T09:00:00"])
def test_the_offset_of_fresh_stamps_from_the_servers_clock_is_recorded(zone: str, start: str, run) -> None:  # type: ignore[no-untyped-def]
    with _sandbox(zone, start) as sb:
        run(sb, "start")
        sb.advance_clock(600)
        sb.edit_invoice(_editable(sb)[0])
        sb.advance_clock(60)
        summary = run(sb, "after a fresh edit")
        invoices = next(s for s in summary["streams"] if s["stream"] == "invoices")
        instant = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("Europe/Helsinki")).astimezone(UTC)
        expected = 0 if zone == "UTC" else int(instant.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
        # The edit was made 60 s before the run read it.
        assert expected - 3 <= invoices["version_offset_minutes"] <= expected, invoices
        assert state_rows(run.db)["invoices"]["version_offset_minutes"] == invoices["version_offset_minutes"]
