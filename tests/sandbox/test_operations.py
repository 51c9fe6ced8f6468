"""Rate limiting, faults, latency, request counters and the Date header."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
import requests

from loader.sandbox import FaultRule, SandboxConfig, SandboxServer
from tests.sandbox.api_client import Api


def test_rate_limit_answers_429_with_retry_after() -> None:
    # 0.5 requests/s in bursts of 5: the 12 quick requests meet a 429 unless they took 14 s, and
    # waiting Retry-After (2 s) surely refills a token: no race with this machine's speed.
    with SandboxServer(SandboxConfig(documents=50, rate_limit=0.5, rate_burst=5)) as sb:
        api = Api(sb)  # the token request took one token
        statuses = [api.raw("GET", "/status").status_code for _ in range(12)]
        assert 429 in statuses and statuses[0] == 200
        limited = next(r for r in (api.raw("GET", "/status") for _ in range(5)) if r.status_code == 429)
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["errors"][0]["status"] == 429
        time.sleep(int(limited.headers["Retry-After"]))
        assert api.raw("GET", "/status").status_code == 200
        sb.set_rate_limit(0.5, burst=1, retry_after=False)
        codes = [api.raw("GET", "/status") for _ in range(10)]
        assert any(r.status_code == 429 for r in codes)
        assert all("Retry-After" not in r.headers for r in codes if r.status_code == 429)


@pytest.fixture(scope="module")
def faulty() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(documents=50, rate_limit=0, timeout_fault_seconds=2)) as sb:
        yield sb


@pytest.mark.parametrize("kind", ["500", "502", "503", "429"])
def test_status_faults(faulty: SandboxServer, kind: str) -> None:
    api = Api(faulty)
    faulty.set_faults(rules=[FaultRule(path="/api/coa", fault=kind, nth=2)])
    assert api.raw("GET", "/coa").status_code == 200
    assert api.raw("GET", "/coa").status_code == int(kind)
    assert api.raw("GET", "/coa").status_code == 200
    faulty.clear_faults()


def test_connection_faults(faulty: SandboxServer) -> None:
    api = Api(faulty)
    faulty.set_faults(rules=[{"path": "/api/invoices*", "fault": "reset"}])
    with pytest.raises(requests.ConnectionError):
        api.raw("GET", "/invoices")
    faulty.set_faults(rules=[{"path": "/api/invoices*", "fault": "truncated"}])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        api.raw("GET", "/invoices").content  # noqa: B018
    faulty.set_faults(rules=[{"path": "/api/invoices*", "fault": "invalid_json"}])
    response = api.raw("GET", "/invoices")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    faulty.set_faults(rules=[{"path": "/api/invoices*", "fault": "timeout"}])
    with pytest.raises(requests.Timeout):
        api.raw("GET", "/invoices", timeout=0.5)
    faulty.clear_faults()
    assert api.raw("GET", "/invoices").status_code == 200


def test_scripted_third_request_and_random_rate(faulty: SandboxServer) -> None:
    api = Api(faulty)
    ids = [r["id"] for r in api.get("/invoices", size=4)["results"]]
    faulty.set_faults(rules=[FaultRule(path="/api/invoices/*", fault="503", nth=3)])
    codes = [api.raw("GET", f"/invoices/{i}").status_code for i in ids]
    assert codes == [200, 200, 503, 200]
    faulty.set_faults(rules=[], rate=0.5, kinds=["500"], seed=1)
    first = [api.raw("GET", "/status").status_code for _ in range(30)]
    faulty.set_faults(seed=1)
    second = [api.raw("GET", "/status").status_code for _ in range(30)]
    assert first == second and 500 in first and 200 in first
    faulty.clear_faults()


def test_latency(faulty: SandboxServer) -> None:
    api = Api(faulty)
    faulty.set_faults(latency_ms=150)
    started = time.monotonic()
    api.raw("GET", "/status")
    assert time.monotonic() - started >= 0.15
    faulty.clear_faults()


def test_request_counters(fresh_sandbox: SandboxServer) -> None:
    api = Api(fresh_sandbox)
    fresh_sandbox.reset_request_counts()
    ids = [r["id"] for r in api.get("/invoices", size=3)["results"]]
    api.get("/invoices/" + ",".join(map(str, ids)))
    api.get(f"/invoices/{ids[0]}")
    counts = fresh_sandbox.request_counts()
    assert counts == {"GET /api/invoices": 1, "GET /api/invoices/{invoiceId}": 2}
    assert fresh_sandbox.request_counts(raw=True)[f"GET /api/invoices/{ids[0]}"] == 1
    via_http = requests.get(fresh_sandbox.control_url + "/counters", timeout=10).json()
    assert via_http == counts
    requests.post(fresh_sandbox.control_url + "/counters/reset", timeout=10)
    assert fresh_sandbox.request_counts() == {}


def test_date_header_is_the_virtual_clock(fresh_sandbox: SandboxServer) -> None:
    response = requests.get(fresh_sandbox.base_url + "/status", timeout=10)
    assert response.headers["Date"] == "Mon, 30 Nov 2026 10:00:00 GMT"  # 12:00 Helsinki (EET, UTC+2)
    fresh_sandbox.advance_clock(3600)
    stamp = parsedate_to_datetime(requests.get(fresh_sandbox.base_url + "/status", timeout=10).headers["Date"])
    assert stamp.isoformat() == "2026-11-30T11:00:00+00:00"
