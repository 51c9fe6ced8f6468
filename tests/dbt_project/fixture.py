"""A small hand-made landing fixture (docs/architecture.md, "Landing contract") for the dbt project.

Writes every landing table into schema `raw_procountor` of a DuckDB file: two companies, an 18-month
first fiscal year followed by 1.7-30.6 years, an opening receipt, sales/purchase invoices with implied
VAT, a payment, a recreated receipt (tombstoned old id) and an invalidated receipt.

    python tests/dbt_project/fixture.py PATH.duckdb
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

STREAMS = (
    "accounts", "fiscal_years", "invoices", "ledger_receipts", "business_partners",
    "business_partner_groups", "persons", "products", "product_groups", "dimensions", "currencies",
    "company_currency", "exchange_rates", "bank_accounts", "bank_statements", "reference_payments",
    "payments", "payment_events", "vat_statuses", "company", "accounting_reports", "ledger_account_reports",
)
LOADED_AT = datetime(2026, 3, 20, 6, 0, 0)
C1, C2 = 101001, 102001


def d(x: str) -> Decimal:
    return Decimal(x)


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=lambda v: float(v) if isinstance(v, Decimal) else str(v))


def fiscal_years(company: int) -> list[dict]:
    spans = [("2024-01-01", "2025-06-30"), ("2025-07-01", "2026-06-30")]
    out = []
    pid = 1000
    for i, (s, e) in enumerate(spans):
        periods = []
        y, m = int(s[:4]), int(s[5:7])
        while f"{y:04d}-{m:02d}-01" <= e:
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            last = (datetime(ny, nm, 1) - datetime(y, m, 1)).days
            periods.append({"id": pid, "startDate": f"{y:04d}-{m:02d}-01", "endDate": f"{y:04d}-{m:02d}-{last:02d}",
                            "status": "OPEN" if i else "CLOSED", "modified": "2025-07-01T08:00:00"})
            pid += 1
            y, m = ny, nm
        out.append({"id": 10 + i, "startDate": s, "endDate": e, "isOpen": bool(i), "trackingPeriods": periods,
                    "modified": "2025-07-01T09:00:00"})
    return out


ACCOUNTS = [("1160", "Koneet ja kalusto", "Machinery and equipment"), ("1701", "Myyntisaamiset", "Trade receivables"),
            ("1763", "Arvonlisäverosaamiset", "VAT receivables"), ("1911", "Pankkitili Nordea", None),
            ("2000", "Osakepääoma", "Share capital"), ("2250", "Edellisten tilikausien voitto (tappio)", None),
            ("2871", "Ostovelat", "Trade payables"), ("2939", "Arvonlisäverovelka", "VAT payable"),
            ("3000", "Myynti", "Sales"), ("4000", "Ostot", "Purchases"), ("6800", "Poistot", "Depreciation"),
            ("7690", "Muut liikekulut", None), ("9160", "Korkotuotot", "Interest income")]


def txn(tid, account, value, vat=0, vat_type=None, ttype="ENTRY", dims=()):
    t = {"id": tid, "transactionType": ttype, "account": account, "accountingValue": d(value),
         "vatPercent": d(str(vat)), "description": "", "allocations": [],
         "dimensionItemValues": [{"dimensionId": di, "itemId": it, "value": d(v)} for di, it, v in dims]}
    if vat_type:
        t["vatType"] = vat_type
        t["vatStatus"] = 1
    return t


def receipts(company: int) -> list[tuple[dict, bool]]:
    base = 1 if company == C1 else 2
    k = base * 100000
    r = []

    def rec(rid, rtype, status, rdate, txns, invoice_id=None, deleted=False, partner=None):
        r.append(({"id": rid, "type": rtype, "status": status, "name": rtype.title(), "receiptDate": rdate,
                   "receiptNumber": rid % 1000, "invoiceId": invoice_id, "partnerId": partner,
                   "version": f"{rdate}T10:00:00", "transactions": txns}, deleted))

    rec(k + 1, "RECEIPT_FOR_OPENING_ACCOUNTS", "APPROVED", "2024-01-01",
        [txn(k * 10 + 1, "1911", "10000.00", ttype="REVERSING_ENTRY"), txn(k * 10 + 2, "2000", "-2500.00"),
         txn(k * 10 + 3, "2250", "-8000.00"), txn(k * 10 + 24, "1701", "500.00")])
    # an opening receivable (no invoice detail) collected later by a journal without an invoice
    rec(k + 20, "JOURNAL", "APPROVED", "2024-05-20",
        [txn(k * 10 + 25, "1911", "500.00"), txn(k * 10 + 26, "1701", "-500.00")])
    # sales invoice at 24 %: 446.40 - 360.00 - 86.40 = 0
    rec(k + 2, "SALES_INVOICE", "PAID", "2024-03-16",
        [txn(k * 10 + 4, "1701", "446.40", ttype="REVERSING_ENTRY"),
         txn(k * 10 + 5, "3000", "-360.00", "24", "SALES", dims=[(4101, 88, "-300.00"), (4101, 91, "-60.00"),
                                                                    (4102, 230, "-360.00")])],
        invoice_id=k + 500, partner=5521)
    # purchase invoice 2480 + 24 % VAT
    rec(k + 3, "PURCHASE_INVOICE", "APPROVED", "2024-04-10",
        [txn(k * 10 + 6, "2871", "-3075.20", ttype="REVERSING_ENTRY"), txn(k * 10 + 7, "4000", "2480.00", "24", "PURCHASE")],
        invoice_id=k + 501, partner=3307)
    # payment of the sales invoice
    rec(k + 4, "BANK_STATEMENT_AS_RECEIPT", "APPROVED", "2024-04-02",
        [txn(k * 10 + 8, "1911", "446.40"), txn(k * 10 + 9, "1701", "-446.40")])
    # machine + depreciation in year 1, interest income
    rec(k + 5, "JOURNAL", "APPROVED", "2025-01-15",
        [txn(k * 10 + 10, "1160", "1200.00"), txn(k * 10 + 11, "1911", "-1200.00"),
         txn(k * 10 + 12, "6800", "100.00"), txn(k * 10 + 13, "1160", "-100.00"),
         txn(k * 10 + 14, "1911", "12.34"), txn(k * 10 + 15, "9160", "-12.34")])
    # second fiscal year: sales invoice at 25.5 %, open at the end (due 2025-08-15)
    rec(k + 6, "SALES_INVOICE", "SENT", "2025-08-01",
        [txn(k * 10 + 16, "1701", "1255.00", ttype="REVERSING_ENTRY"), txn(k * 10 + 17, "3000", "-1000.00", "25.5", "SALES")],
        invoice_id=k + 502, partner=5521)
    # an invalidated journal (must not count) and a recreated receipt (old id tombstoned)
    rec(k + 7, "JOURNAL", "INVALIDATED", "2025-09-01",
        [txn(k * 10 + 18, "7690", "999.00"), txn(k * 10 + 19, "1911", "-999.00")])
    rec(k + 8, "PURCHASE_INVOICE", "APPROVED", "2025-09-05",
        [txn(k * 10 + 20, "2871", "-125.50", ttype="REVERSING_ENTRY"), txn(k * 10 + 21, "7690", "100.00", "25.5", "PURCHASE")],
        invoice_id=k + 503, deleted=True)
    rec(k + 9, "PURCHASE_INVOICE", "APPROVED", "2025-09-05",
        [txn(k * 10 + 22, "2871", "-125.50", ttype="REVERSING_ENTRY"), txn(k * 10 + 23, "7690", "100.00", "25.5", "PURCHASE")],
        invoice_id=k + 503)
    return r


def invoices(company: int) -> list[dict]:
    k = (1 if company == C1 else 2) * 100000

    def inv(iid, itype, status, date, due, rows, total_net, vat, receipt, partner, paid=None):
        return {"id": iid, "type": itype, "status": status, "date": date, "partnerId": partner,
                "invoiceNumber": iid % 1000, "originalInvoiceNumber": "",
                "paymentInfo": {"currency": "EUR", "dueDate": due, "currencyRate": 1, "paymentMethod": "BANK_TRANSFER"},
                "extraInfo": {"unitPricesIncludeVat": False}, "invoiceRows": rows, "ledgerReceiptId": receipt,
                "counterParty": {"identifier": "2345678-9", "customerNumber": "10045",
                                 "counterPartyAddress": {"name": "Kahvila Aurinkoinen Oy"}},
                "invoiceSumInfo": [{"currency": "EUR", "inAccountingCurrency": True, "excludingVatTotal": d(total_net),
                                    "vatSumTotal": d(vat), "invoiceSumTotal": d(total_net) + d(vat)}],
                "version": f"{date}T10:00:00"}

    row = lambda rid, qty, price, vatp: {"id": rid, "productId": 7710, "product": "Kukkamulta 50 l", "productCode": "KM-50",  # noqa: E731
                                         "quantity": d(qty), "unit": "SACK", "unitPrice": d(price), "discountPercent": 0,
                                         "vatPercent": d(vatp), "vatStatus": 1}
    return [
        inv(k + 500, "SALES_INVOICE", "PAID", "2024-03-16", "2024-03-30", [row(1, "40", "8.00", "24"), row(2, "1", "40.00", "24")],
            "360.00", "86.40", k + 2, 5521),
        inv(k + 501, "PURCHASE_INVOICE", "APPROVED", "2024-04-10", "2024-05-10", [row(3, "8", "310.00", "24")],
            "2480.00", "595.20", k + 3, 3307),
        inv(k + 502, "SALES_INVOICE", "SENT", "2025-08-01", "2025-08-15", [row(4, "125", "8.00", "25.5")],
            "1000.00", "255.00", k + 6, 5521),
        inv(k + 503, "PURCHASE_INVOICE", "APPROVED", "2025-09-05", "2025-10-05", [row(5, "1", "100.00", "25.5")],
            "100.00", "25.50", k + 9, 3307),
    ]


def build(path: str) -> None:
    con = duckdb.connect(path)
    con.execute("create schema if not exists raw_procountor")
    for s in STREAMS:
        con.execute(f"""create or replace table raw_procountor.{s} (
            _company_id BIGINT, _record_id VARCHAR, _data VARCHAR, _record_hash VARCHAR, _cursor_value VARCHAR,
            _extracted_at TIMESTAMP, _loaded_at TIMESTAMP, _sync_id VARCHAR, _is_deleted BOOLEAN, _deleted_at TIMESTAMP)""")

    def put(stream, company, rid, data, deleted=False):
        text = _dumps(data)
        con.execute(f"insert into raw_procountor.{stream} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [company, str(rid), text, hashlib.sha256(text.encode()).hexdigest(), data.get("version"),
                     LOADED_AT, LOADED_AT, "fixture", deleted, LOADED_AT if deleted else None])

    for c in (C1, C2):
        put("company", c, c, {"id": c, "name": f"Fixture Oy {c}", "country": "FINLAND", "companyCurrency": "EUR",
                              "businessIdentifier": {"brnType": "FI", "code": "1234567-8"}})
        put("company_currency", c, "company_currency", {"companyCurrency": "EUR"})
        put("currencies", c, "currencies", {"currencies": ["EUR", "SEK"]})
        put("vat_statuses", c, "vat_statuses", {"vatInformation": [], "vatStatuses": [
            {"vatStatus": 1, "description": "Kotimaan myynti/osto", "sales": True, "purchase": True}]})
        for code, fi, en in ACCOUNTS:
            tr = [{"languageCode": "en", "translation": en}] if en else []
            put("accounts", c, code, {"ledgerAccountCode": code, "name": fi, "active": True, "translations": tr})
        for fy in fiscal_years(c):
            put("fiscal_years", c, fy["id"], fy)
        for rec, deleted in receipts(c):
            put("ledger_receipts", c, rec["id"], rec, deleted)
        for inv in invoices(c):
            put("invoices", c, inv["id"], inv)
        k = (1 if c == C1 else 2) * 100000
        put("payment_events", c, k + 900, {"id": k + 900, "invoiceId": k + 500, "type": "BANKSTATEMENT",
                                           "paymentDate": "2024-04-02", "status": "PAID", "amount": d("446.40"),
                                           "currency": "EUR"})
        put("business_partners", c, 5521, {"id": 5521, "name": "Kahvila Aurinkoinen Oy", "type": "CUSTOMER",
                                           "invoicingInfo": {"customerNumber": "10045", "identifier": "2345678-9",
                                                             "identifierType": "FI"},
                                           "registryInfo": {"active": True}})
        put("business_partners", c, 3307, {"id": 3307, "name": "Multatehdas Suomi Oy", "type": "SUPPLIER",
                                           "invoicingInfo": {"identifier": "1987654-3", "identifierType": "FI"},
                                           "registryInfo": {"active": True}})
        put("dimensions", c, 4101, {"id": 4101, "name": "Kustannuspaikka", "items": [
            {"id": 88, "codeName": "MYY", "description": "Myymälä"}, {"id": 91, "codeName": "VERK", "description": "Verkkokauppa"}]})
        put("dimensions", c, 4102, {"id": 4102, "name": "Projekti", "items": [
            {"id": 230, "codeName": "P230", "description": "Kevät", "status": "P"}]})
        put("products", c, 7710, {"id": 7710, "type": "SALES", "name": "Kukkamulta 50 l", "code": "KM-50", "unit": "SACK",
                                  "price": d("8.00"), "vat": d("25.5"), "active": True, "currency": "EUR"})
        put("bank_accounts", c, 1, {"id": 1, "accountNumber": "FI2112345600000785", "iban": "FI2112345600000785",
                                    "currency": "EUR", "status": "ACTIVE"})
        put("bank_statements", c, 71, {"id": 71, "accountNumber": "FI2112345600000785", "startDate": "2024-04-01",
                                       "endDate": "2024-04-30", "currency": "EUR", "startBalance": d("10000.00"),
                                       "endBalance": d("10446.40"), "events": [
                                           {"id": 7101, "payDate": "2024-04-02", "valueDate": "2024-04-02",
                                            "sum": d("446.40"), "name": "Kahvila Aurinkoinen Oy", "allocated": True,
                                            "invoiceId": k + 500, "reference": "10427"}]})
    con.close()


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "fixture.duckdb")


def dbt_runner(tmp_path: Path, db: Path) -> Callable[[list[str]], str]:
    """`dbt ARGS` on the fixture warehouse `db` with the example profile; every call shares one target
    path, so a later call parses only what changed. Fails the test on a non-zero exit; returns stdout."""
    root = Path(__file__).resolve().parents[2]
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(root / "profiles.yml.example", profiles / "profiles.yml")
    env = {**os.environ, "DBT_PROFILES_DIR": str(profiles), "PROCOUNTOR_DUCKDB_PATH": str(db)}
    common = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    exe = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"

    def run(args: list[str]) -> str:
        proc = subprocess.run([exe, *args, *common], cwd=root, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        return proc.stdout

    return run
