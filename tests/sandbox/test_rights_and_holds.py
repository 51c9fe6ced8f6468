"""Sandbox options for missing user rights (403) and for holding requests (deterministic tests).

Correctness of the 403 answer against the contract: its body validates as the contract's
ErrorMessages schema; which paths are denied follows the documented prefix and group rules."""

from __future__ import annotations

import threading

import pytest
import requests

from loader.sandbox import SandboxConfig, SandboxServer
from tests.sandbox.api_client import Api, token
from tests.sandbox.sandbox_contract import validate_schema


@pytest.fixture
def sb():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=3, documents=40, companies=2, rate_limit=0,
                                     denied_rights={0: ("payments", "/dimensions")})) as server:
        yield server


def test_denied_endpoints_answer_403_with_the_contracts_error_body(sb: SandboxServer) -> None:
    api = Api(sb)
    for path in ("/payments", "/payments/paymentevents", "/referencepayments", "/dimensions"):
        response = api.raw("GET", path)
        assert response.status_code == 403, (path, response.text)
        validate_schema(response.json(), "ErrorMessages")
        assert response.json()["errors"][0]["status"] == 403
    for path in ("/invoices", "/bankstatements", "/coa"):
        assert api.raw("GET", path).status_code == 200, path
    other = Api(sb, company_index=1)  # rights are per company
    assert other.raw("GET", "/payments/paymentevents", params={"invoiceId": "1"}).status_code == 200


def test_rights_change_at_run_time_and_bad_entries_are_refused(sb: SandboxServer) -> None:
    api = Api(sb)
    sb.deny_rights(["bank"])
    assert api.raw("GET", "/payments").status_code == 200
    assert api.raw("GET", "/bankaccounts").status_code == 403
    answer = requests.post(sb.control_url + "/companies/0/rights", json={"deny": ["/products"]}, timeout=10)
    assert answer.json() == {"denied": ["/products"]}
    assert api.raw("GET", "/products/groups").status_code == 403
    assert api.raw("GET", "/productsx").status_code != 403  # a prefix is a whole path segment
    bad = requests.post(sb.control_url + "/companies/0/rights", json={"deny": ["nonsense"]}, timeout=10)
    assert bad.status_code == 400 and "unknown right" in bad.text
    assert token(sb)  # the token endpoint is never denied


def test_a_held_request_waits_until_released(sb: SandboxServer) -> None:
    api = Api(sb, company_index=1)
    sb.hold("/api/coa")
    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(api.raw("GET", "/coa").status_code))
    thread.start()
    try:
        deadline = threading.Event()
        while sb.held_requests() < 1 and not deadline.wait(0.01):
            pass
        assert answers == [] and thread.is_alive()
        assert api.raw("GET", "/fiscalyears").status_code == 200  # others pass
    finally:
        sb.release()
        thread.join(30)
    assert answers == [200]
