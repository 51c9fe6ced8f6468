"""Change operations (Python API and control endpoints) and what the API shows afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from loader.sandbox import SandboxServer
from tests.sandbox.api_client import Api

REPO = Path(__file__).resolve().parents[2]


def test_edit_recreate_invalidate(fresh_sandbox: SandboxServer) -> None:
    api = Api(fresh_sandbox)
    signpost = fresh_sandbox.stamp()
    invoice = api.get("/invoices", status="PAID", types="SALES_INVOICE", size=1)["results"][0]
    before = api.get(f"/invoices/{invoice['id']}")
    edited = fresh_sandbox.edit_invoice(invoice["id"])
    after = api.get(f"/invoices/{invoice['id']}")
    assert after["version"] == edited["version"] > before["version"] and after["version"] > signpost
    assert after["invoiceRows"] != before["invoiceRows"]
    changed = api.walk("/invoices", versionStartDate=signpost)
    assert [r["id"] for r in changed] == [invoice["id"]]
    receipt = api.get(f"/ledgerreceipts/{after['ledgerReceiptId']}")
    assert receipt["version"] == after["version"]
    assert receipt["transactions"][0]["accountingValue"] == after["invoiceSumInfo"][-1]["invoiceSumTotal"]

    recreated = fresh_sandbox.recreate_receipt(invoice["id"])
    assert api.raw("GET", f"/ledgerreceipts/{recreated['oldLedgerReceiptId']}").status_code == 404
    assert api.get(f"/invoices/{invoice['id']}")["ledgerReceiptId"] == recreated["ledgerReceiptId"]
    assert api.get(f"/ledgerreceipts/{recreated['ledgerReceiptId']}")["invoiceId"] == invoice["id"]
    assert recreated["oldLedgerReceiptId"] not in {r["id"] for r in api.walk("/ledgerreceipts")}

    pl_before = fresh_sandbox.truth.pl_by_month()
    fresh_sandbox.invalidate_invoice(invoice["id"])
    assert api.get(f"/invoices/{invoice['id']}")["status"] == "INVALIDATED"
    assert api.get(f"/ledgerreceipts/{recreated['ledgerReceiptId']}")["status"] == "INVALIDATED"
    month = invoice["date"][:7]
    assert fresh_sandbox.truth.pl_by_month()[month] != pl_before[month]


def test_registers_drift_and_new_documents_via_control(fresh_sandbox: SandboxServer) -> None:
    api = Api(fresh_sandbox)
    control = fresh_sandbox.control_url
    partner = api.get("/businesspartners", size=1)["results"][0]["id"]
    product = api.get("/products", size=1)["results"][0]["id"]
    total = api.get("/invoices", size=1)["meta"]["totalCount"]
    post = lambda path, body=None: requests.post(control + path, json=body or {}, timeout=10)  # noqa: E731
    assert post(f"/companies/0/partners/{partner}/deactivate").status_code == 200
    assert partner not in {p["id"] for p in api.walk("/businesspartners")}
    assert partner in {p["id"] for p in api.walk("/businesspartners", active="false")}
    assert post(f"/companies/0/products/{product}/delete").status_code == 200
    assert product not in {p["id"] for p in api.get("/products", size=200)["results"]}
    assert post("/companies/0/accounts/3000/rename", {"name": "Myynti kotimaa"}).status_code == 200
    assert {a["ledgerAccountCode"]: a["name"] for a in api.get("/coa")["ledgerAccounts"]}["3000"] == "Myynti kotimaa"
    assert post("/companies/0/fields", {"stream": "invoices", "name": "newField", "value": "drift"}).status_code == 200
    assert api.get("/invoices", size=1)["results"][0]["newField"] == "drift"
    created = post("/companies/0/documents", {"count": 3}).json()["invoiceIds"]
    assert api.get("/invoices", size=1)["meta"]["totalCount"] == total + 3
    assert {i["id"] for i in api.get("/invoices/" + ",".join(map(str, created)))} == set(created)
    assert post("/clock/advance", {"seconds": 86400}).json()["now"].startswith("2026-12-01")
    truth = requests.get(control + "/truth/0/invoices", timeout=10).json()
    assert str(created[0]) in truth
    assert requests.get(control + "/truth/0/pl-by-month", timeout=10).json()
    assert post("/companies/0/invoices/999999/edit").status_code == 404
    state = requests.get(control + "/state", timeout=10).json()
    assert state["companies"][0]["apiKey"] == "sandbox-api-key"


def test_cli_prints_the_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen([sys.executable, "-m", "loader.sandbox", "serve", "--documents", "60", "--port", "0"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("SANDBOX_URL=http://127.0.0.1:") and line.endswith("/api")
        url = line.split("=", 1)[1]
        assert requests.get(url + "/status", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_every_receipt_whose_postings_change_gets_a_newer_version(fresh_sandbox: SandboxServer) -> None:
    """Correctness of the sandbox as a source: a client that follows `version` must be able to see every
    changed posting. Editing an invoice that was credited must change the original's receipts only (a
    credit note is its own document in Procountor), never a credit note behind an unchanged version --
    which made bench/dbt_build.py's marts disagree with the sandbox's own reports after its edits."""
    api = Api(fresh_sandbox)
    invoices = {i["id"]: i for i in api.walk("/invoices")}
    by_number = {str(i["invoiceNumber"]): i for i in invoices.values() if not i.get("originalInvoiceNumber")}
    credited = sorted({by_number[str(i["originalInvoiceNumber"])]["id"] for i in invoices.values()
                       if i.get("originalInvoiceNumber") and str(i["originalInvoiceNumber"]) in by_number})
    assert credited, "the fixture company needs at least one credited invoice"
    notes = [i["id"] for i in invoices.values() if i.get("originalInvoiceNumber")]
    note_rows_before = {n: api.get(f"/invoices/{n}")["invoiceRows"] for n in notes}

    def postings() -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = {}
        for line in fresh_sandbox.truth.ledger():
            out.setdefault(line["receiptId"], []).append((line["account"], str(line["amount"])))
        return {k: sorted(v) for k, v in out.items()}

    before = postings()
    signpost = fresh_sandbox.stamp()
    for invoice_id in credited:
        fresh_sandbox.edit_invoice(invoice_id)
    after = postings()
    changed = {rid for rid in set(before) | set(after) if before.get(rid) != after.get(rid)}
    assert changed, "editing invoices must change some postings"
    versions = {r["id"]: r["version"] for r in api.walk("/ledgerreceipts", versionStartDate=signpost)}
    stale = sorted(rid for rid in changed if versions.get(rid, "") <= signpost)
    assert not stale, f"receipts whose postings changed behind an unchanged version: {stale}"
    assert {n: api.get(f"/invoices/{n}")["invoiceRows"] for n in notes} == note_rows_before
