"""Same seed, same company; different seed, different company."""

from __future__ import annotations

from loader.sandbox import SandboxConfig, SandboxServer
from tests.sandbox.api_client import Api


def _snapshot(sb: SandboxServer) -> list[object]:
    api = Api(sb)
    ids = ",".join(str(r["id"]) for r in api.get("/invoices", size=20)["results"])
    rids = ",".join(str(r["id"]) for r in api.get("/ledgerreceipts", size=20)["results"])
    return [api.get("/company"), api.get("/coa"), api.get("/invoices", size=100), api.get(f"/invoices/{ids}"),
            api.get(f"/ledgerreceipts/{rids}"), api.get("/businesspartners", size=200), api.get("/products"),
            api.get("/bankstatements", size=3),
            api.post("/reports/accounting", {"endDate": "2026-06-30", "type": "BALANCE_SHEET"})]


def test_same_seed_gives_identical_bodies() -> None:
    with SandboxServer(SandboxConfig(seed=11, documents=150, rate_limit=0)) as one:
        first = _snapshot(one)
    with SandboxServer(SandboxConfig(seed=11, documents=150, rate_limit=0)) as two:
        second = _snapshot(two)
    with SandboxServer(SandboxConfig(seed=12, documents=150, rate_limit=0)) as three:
        third = _snapshot(three)
    assert first == second
    assert first[2] != third[2]
