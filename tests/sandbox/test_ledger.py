"""Accounting invariants of the generated data and the report endpoints."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from loader.sandbox import SandboxServer
from tests.sandbox.api_client import Api

ZERO = Decimal("0.00")
VALID = lambda status: status not in ("INVALIDATED", "DELETED", "UNSAVED", "EMPTY")  # noqa: E731


def _vat(value: Decimal, pct: Decimal) -> Decimal:
    return (value * pct / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _implied(tx: dict) -> Decimal:
    if tx["transactionType"] == "ENTRY" and tx.get("vatType"):
        return _vat(tx["accountingValue"], tx["vatPercent"])
    return ZERO


def test_every_receipt_balances_with_implied_vat(api: Api) -> None:
    ids = [r["id"] for r in api.walk("/ledgerreceipts")]
    for start in range(0, len(ids), 200):
        for receipt in api.get("/ledgerreceipts/" + ",".join(map(str, ids[start:start + 200]))):
            total = sum((tx["accountingValue"] + _implied(tx) for tx in receipt["transactions"]), ZERO)
            assert total == ZERO, receipt["id"]
            for tx in receipt["transactions"]:
                for dim in {d["dimensionId"] for d in tx["dimensionItemValues"]}:
                    assert sum(d["value"] for d in tx["dimensionItemValues"] if d["dimensionId"] == dim) == \
                        tx["accountingValue"]


def test_invoices_and_receipts_link_both_ways(shared_sandbox: SandboxServer) -> None:
    invoices = shared_sandbox.truth.records("invoices")
    receipts = shared_sandbox.truth.records("ledger_receipts")
    for invoice in invoices.values():
        receipt = receipts[invoice["ledgerReceiptId"]]
        assert receipt["invoiceId"] == invoice["id"] and receipt["status"] == invoice["status"]
        eur = next(s for s in invoice["invoiceSumInfo"] if s["inAccountingCurrency"])
        counter = receipt["transactions"][0]
        if invoice["type"] != "SALES_ORDER":
            assert abs(counter["accountingValue"]) == abs(eur["invoiceSumTotal"])
            assert eur["invoiceSumTotal"] == eur["excludingVatTotal"] + eur["vatSumTotal"]
    credit_notes = [i for i in invoices.values() if i["originalInvoiceNumber"]]
    assert credit_notes
    numbers = {i["invoiceNumber"] for i in invoices.values() if i["type"] == "SALES_INVOICE"}
    for note in credit_notes:
        assert int(note["originalInvoiceNumber"]) in numbers and note["invoiceSumInfo"][-1]["invoiceSumTotal"] < 0
    assert any(i["paymentInfo"]["currency"] in ("USD", "SEK") for i in invoices.values())
    assert any(i["status"] == "INVALIDATED" for i in invoices.values())
    kinds = {r["type"] for r in receipts.values()}
    assert {"SALARY", "EMPLOYER_CONTRIBUTION", "JOURNAL", "RECEIPT_FOR_OPENING_ACCOUNTS",
            "REFERENCE_PAYMENT", "BANK_STATEMENT_AS_RECEIPT", "TRAVEL_INVOICE", "BILL_OF_CHARGES"} <= kinds
    assert sum(1 for r in receipts.values() if r["type"] == "RECEIPT_FOR_OPENING_ACCOUNTS") == 1


def test_vat_rates_follow_the_date(shared_sandbox: SandboxServer) -> None:
    seen = defaultdict(set)
    for invoice in shared_sandbox.truth.records("invoices").values():
        if invoice["originalInvoiceNumber"]:
            continue  # a credit note keeps the rate of the invoice it credits
        for row in invoice["invoiceRows"]:
            seen[invoice["date"] >= "2024-09-01"].add(row["vatPercent"])
    assert Decimal("25.5") not in seen[False] and Decimal("24") not in seen[True]
    assert Decimal("25.5") in seen[True] and Decimal("24") in seen[False]


def _ledger_from_api(api: Api) -> dict[tuple[str, str], Decimal]:
    """(YYYY-MM-DD, account) -> debit-positive amount, built here independently of the sandbox's code."""
    ids = [r["id"] for r in api.walk("/ledgerreceipts")]
    out: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for start in range(0, len(ids), 200):
        for receipt in api.get("/ledgerreceipts/" + ",".join(map(str, ids[start:start + 200]))):
            if not VALID(receipt["status"]):
                continue
            for tx in receipt["transactions"]:
                out[(receipt["receiptDate"], tx["account"])] += tx["accountingValue"]
                vat = _implied(tx)
                if vat:
                    out[(receipt["receiptDate"], "2939" if tx["vatType"] == "SALES" else "1763")] += vat
    return out


def test_reports_match_independent_arithmetic(shared_sandbox: SandboxServer, api: Api) -> None:
    ledger = _ledger_from_api(api)

    def movement(low: int, high: int, start: str | None, end: str) -> Decimal:
        return sum((v for (d, a), v in ledger.items() if low <= int(a) <= high and (start is None or d >= start)
                    and d <= end), ZERO)

    start, end = "2025-07-01", "2026-06-30"
    report = api.post("/reports/accounting", {"startDate": start, "endDate": end, "type": "INCOME_STATEMENT"})
    rows = {r["rowId"]: r for r in report["reportData"]["periods"][0]["rows"]}
    assert rows[10]["name"] == "Liikevaihto" and rows[10]["value"] == -movement(3000, 3899, start, end)
    assert rows[40]["value"] == -movement(5000, 6799, start, end)
    assert rows[120]["value"] == -movement(3000, 9999, start, end)
    months = shared_sandbox.truth.pl_by_month()
    assert rows[120]["value"] == sum((v for m, v in months.items() if "2025-07" <= m <= "2026-06"), ZERO)

    sheet = api.post("/reports/accounting", {"endDate": "2026-03-31", "type": "BALANCE_SHEET"})
    rows = {r["rowId"]: r["value"] for r in sheet["reportData"]["periods"][0]["rows"]}
    assert rows[70] == rows[160] != ZERO
    assert rows[60] == movement(1900, 1999, None, "2026-03-31")
    assert rows[110] == -movement(3000, 9999, "2025-07-01", "2026-03-31")
    assert rows[100] == -movement(2250, 2399, None, "2026-03-31") - movement(3000, 9999, None, "2025-06-30")

    accounts = api.post("/reports/ledgeraccounts", {"startDate": start, "endDate": end})
    by_code = {r["name"].split()[0]: r["value"] for r in accounts["reportData"]["periods"][0]["rows"]}
    # the VAT accounts are settled every month (a zero movement has no row); the VAT payable is not
    for code in ("2939", "1763", "2941", "1911"):
        assert by_code.get(code, ZERO) == movement(int(code), int(code), start, end), code
    assert by_code["2941"] != ZERO

    cash = api.post("/reports/accounting", {"startDate": start, "endDate": end, "type": "CASH_FLOW"})
    cash_rows = {r["rowId"]: r["value"] for r in cash["reportData"]["periods"][0]["rows"]}
    assert cash_rows[30] == movement(1900, 1999, None, end)


def test_receipt_status_option_filters_the_report(api: Api) -> None:
    body = {"startDate": "2024-01-01", "endDate": "2026-11-30", "type": "INCOME_STATEMENT"}
    everything = api.post("/reports/accounting", body)["reportData"]["periods"][0]["rows"]
    paid_only = api.post("/reports/accounting", dict(body, receiptStatus=["PAID", "PARTLY_PAID,"]))
    assert paid_only["reportData"]["periods"][0]["rows"][0]["value"] != everything[0]["value"]
