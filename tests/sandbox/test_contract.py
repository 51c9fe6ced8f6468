"""Every operation of the contract, called on the sandbox, answers a body that matches its schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from sandbox_contract import operations, validate, validate_schema

from loader.sandbox import SandboxServer
from loader.sandbox.jsonout import dumps
from tests.sandbox.api_client import Api


def _calls(api: Api) -> dict[tuple[str, str], list[tuple[str, dict[str, Any], Any]]]:
    """(method, template) -> [(concrete path, query params, JSON body)] that must answer 200."""
    invoices = api.get("/invoices", size=5, orderById="ASC")["results"]
    paid = api.get("/invoices", status="PAID", size=3)["results"]
    receipts = api.get("/ledgerreceipts", size=3)["results"]
    partners = api.get("/businesspartners", size=3)["results"]
    ids = ",".join(str(i["id"]) for i in invoices)
    return {
        ("GET", "/status"): [("/status", {}, None)],
        ("GET", "/company"): [("/company", {}, None)],
        ("GET", "/sessioninfo"): [("/sessioninfo", {}, None)],
        ("GET", "/users/rights"): [("/users/rights", {}, None)],
        ("GET", "/invoices"): [("/invoices", {"size": 50}, None), ("/invoices", {"isOffer": "true"}, None)],
        ("GET", "/invoices/{invoiceId}"): [(f"/invoices/{invoices[0]['id']}", {}, None),
                                           (f"/invoices/{ids}", {}, None)],
        ("GET", "/invoices/{invoiceId}/paymentevents"): [(f"/invoices/{paid[0]['id']}/paymentevents", {}, None)],
        ("GET", "/payments/paymentevents"): [("/payments/paymentevents",
                                              {"invoiceId": ",".join(str(p["id"]) for p in paid)}, None)],
        ("GET", "/ledgerreceipts"): [("/ledgerreceipts", {}, None)],
        ("GET", "/ledgerreceipts/{receiptId}"): [(f"/ledgerreceipts/{receipts[0]['id']}", {}, None),
                                                 (f"/ledgerreceipts/{','.join(str(r['id']) for r in receipts)}", {},
                                                  None)],
        ("GET", "/journals"): [("/journals", {}, None)],
        ("GET", "/coa"): [("/coa", {}, None)],
        ("GET", "/dimensions"): [("/dimensions", {}, None)],
        ("GET", "/fiscalyears"): [("/fiscalyears", {}, None)],
        ("GET", "/businesspartners"): [("/businesspartners", {}, None),
                                       ("/businesspartners", {"active": "false"}, None)],
        ("GET", "/businesspartners/{id}"): [(f"/businesspartners/{partners[0]['id']}", {}, None),
                                            (f"/businesspartners/{partners[0]['id']},{partners[1]['id']}", {}, None)],
        ("GET", "/businesspartners/groups"): [("/businesspartners/groups", {}, None)],
        ("GET", "/persons"): [("/persons", {"includeInactive": "true"}, None)],
        ("GET", "/products"): [("/products", {}, None), ("/products", {"type": "TRAVEL"}, None)],
        ("GET", "/products/groups"): [("/products/groups", {}, None)],
        ("GET", "/currencies"): [("/currencies", {}, None)],
        ("GET", "/currencies/company"): [("/currencies/company", {}, None)],
        ("GET", "/currencies/exchangerate"): [("/currencies/exchangerate", {
            "baseCurrency": "EUR", "currency": "SEK", "day": "2025-03-14",
            "rateType": "PROCOUNTOR_ACCOUNTING_EXCHANGE_RATE"}, None)],
        ("GET", "/currencies/latest"): [("/currencies/latest", {}, None)],
        ("GET", "/bankaccounts"): [("/bankaccounts", {}, None)],
        ("GET", "/bankstatements"): [("/bankstatements", {"size": 10}, None)],
        ("GET", "/referencepayments"): [("/referencepayments", {}, None)],
        ("GET", "/payments"): [("/payments", {}, None)],
        ("GET", "/vats/default"): [("/vats/default", {}, None)],
        ("POST", "/reports/accounting"): [
            ("/reports/accounting", {}, {"startDate": "2025-07-01", "endDate": "2026-06-30", "type": kind})
            for kind in ("INCOME_STATEMENT", "BALANCE_SHEET", "CASH_FLOW",
                         "INCOME_STATEMENT, CASH_FLOW, BALANCE_SHEET")],
        ("POST", "/reports/ledgeraccounts"): [("/reports/ledgeraccounts", {}, {"endDate": "2026-06-30"})],
    }


def test_every_operation_answers_a_valid_body(shared_sandbox: SandboxServer, api: Api) -> None:
    calls = _calls(api)
    seen: set[tuple[str, str]] = set(calls)
    for (method, template), requests_ in calls.items():
        for path, params, body in requests_:
            response = api.raw(method, path, params=params, json=body)
            assert response.status_code == 200, (path, response.text[:300])
            payload = response.json()
            validate(payload, method, template)
            if template.endswith("{invoiceId}") or template.endswith("{receiptId}") or template.endswith("{id}"):
                assert isinstance(payload, list) == ("," in path)

    # the two auth operations
    token = requests.post(shared_sandbox.token_url, data={"grant_type": "client_credentials",
                                                          **shared_sandbox.credentials()}, timeout=10)
    validate(token.json(), "POST", "/oauth/token")
    login = {"response_type": "code", "client_id": "sandbox-client", "redirect_uri": "http://localhost:9/cb",
             "state": "s1"}
    page = requests.get(shared_sandbox.login_url, params=login, timeout=10, allow_redirects=False)
    assert page.status_code == 200 and "<form" in page.text and page.headers["Content-Type"].startswith("text/html")
    redirect = requests.get(shared_sandbox.login_url, params={**login, "auto": "1"}, timeout=10, allow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith("http://localhost:9/cb?code=")
    seen |= {("POST", "/oauth/token"), ("GET", "/login")}
    assert seen == set(operations())


def test_every_generated_invoice_and_receipt_matches_the_contract(shared_sandbox: SandboxServer, api: Api) -> None:
    for stream, schema in (("invoices", "Invoice"), ("ledger_receipts", "LedgerReceipt"),
                           ("business_partners", "BusinessPartner"), ("products", "Product"),
                           ("bank_statements", "BankStatement"), ("reference_payments", "ReferencePayment"),
                           ("payment_events", "PaymentEvent"), ("payments", "BasicPaymentTransactionData")):
        records = shared_sandbox.truth.records(stream)
        assert records, stream
        for record in records.values():
            validate_schema(json.loads(dumps(record)), schema)
    for page in (api.walk("/invoices"), api.walk("/invoices", isOffer="true")):
        for basic in page:
            validate_schema(json.loads(dumps(basic)), "InvoiceBasicInfo")


@pytest.mark.parametrize(("path", "status"), [("/invoices/999999999", 404), ("/invoices/abc", 400),
                                               ("/invoices", 400), ("/nosuchthing", 404)])
def test_error_bodies_match_error_messages(api: Api, path: str, status: int) -> None:
    params = {"size": 500} if path == "/invoices" else {}
    response = api.raw("GET", path, params=params)
    assert response.status_code == status
    validate_schema(response.json(), "ErrorMessages")
    assert response.json()["errors"][0]["status"] == status


def test_missing_token_is_401_with_error_messages(shared_sandbox: SandboxServer) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = requests.get(shared_sandbox.base_url + "/invoices", headers=headers, timeout=10)
        assert response.status_code == 401
        validate(response.json(), "GET", "/invoices", 401)
