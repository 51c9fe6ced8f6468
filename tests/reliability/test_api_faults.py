"""The API misbehaves; the warehouse still ends up equal to the sandbox's truth.

Faults are scripted (a rule fires on the nth request of a path) or random (a seeded rate). Every
run is bounded: short timeouts, few attempts, and the number of requests is checked against a
clean run's, so a retry loop that never ends or hammers the server fails the test.
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import (
    assert_matches_truth,
    extract_ok,
    landed,
    leases,
    run_inprocess,
    runs,
    safe_fault_seed,
    state_rows,
    total_requests,
    truth,
)

pytestmark = pytest.mark.timeout(120)

# Data paths only (the token endpoint /api/oauth/token has its own tests).
LIST_INVOICES = "/api/invoices"
INVOICE_DETAILS = "/api/invoices/*"
RECEIPT_DETAILS = "/api/ledgerreceipts/*"
PARTNERS = "/api/businesspartners*"
CLEAN_REQUESTS = 30  # a clean run of the suite's selection makes ~20 requests


KINDS = ["500", "502", "503", "timeout", "reset", "truncated", "invalid_json"]


def _rules() -> list[dict[str, object]]:
    """Each kind once or twice, each on another request: two in a row on the first invoice page (a
    500 then a 502), the rest on receipt detail batches, receipt pages and partner pages."""
    return [
        {"path": LIST_INVOICES, "fault": "500", "nth": 1, "repeat": 1},
        {"path": LIST_INVOICES, "fault": "502", "nth": 1, "repeat": 1},
        {"path": RECEIPT_DETAILS, "fault": "503", "nth": 1, "repeat": 1},
        {"path": RECEIPT_DETAILS, "fault": "timeout", "nth": 2, "repeat": 1},
        {"path": "/api/ledgerreceipts", "fault": "reset", "nth": 2, "repeat": 1},
        {"path": PARTNERS, "fault": "truncated", "nth": 1, "repeat": 1},
        {"path": PARTNERS, "fault": "invalid_json", "nth": 3, "repeat": 1},
        {"path": INVOICE_DETAILS, "fault": "invalid_json", "nth": 1, "repeat": 1},
    ]


def test_scripted_faults_of_every_kind_are_retried_and_nothing_is_lost(sb, config, db) -> None:
    # The stalled answer outlasts the client's read timeout six-fold; healthy answers get 3 s.
    sb.set_faults(rules=_rules(), timeout_seconds=18)
    summary = extract_ok(config(extract={"timeout_seconds": 3}))
    served = dict(sb.app.ops.faults_served)
    assert set(served) == set(KINDS), sb.app.ops.describe()
    assert sum(served.values()) == 8
    # Every fault was seen and retried by the loader (timeouts, resets and cut bodies included).
    assert sum(summary["retries"].values()) == 8, summary["retries"]
    assert_matches_truth(db, sb)
    assert total_requests(sb) <= CLEAN_REQUESTS + 8


def test_random_faults_of_every_kind(sb, config, db) -> None:
    rate = 0.2
    sb.set_faults(rate=rate, kinds=["500", "502", "503", "timeout", "reset", "truncated", "invalid_json"],
                  seed=safe_fault_seed(rate, 7), timeout_seconds=0.3)
    # A "timeout" fault stalls 0.3 s, then drops the connection (the client's read timeout is
    # longer): one retry each, at no wall-clock race with healthy answers.
    summary = extract_ok(config(extract={"max_attempts": 8}))
    served = sum(sb.app.ops.faults_served.values())
    assert served >= 3, sb.app.ops.describe()
    assert sum(summary["retries"].values()) == served
    assert_matches_truth(db, sb)


@pytest.mark.parametrize("retry_after", [True, False], ids=["with-retry-after", "without-retry-after"])
def test_rate_limited_by_the_server(sb, config, db, retry_after: bool) -> None:
    # The server allows 30 requests/s in bursts of 2, below what the loader is configured for
    # (400/s, 4 workers), and the first data request is answered 429 whatever the timing (a
    # scripted fault: a token bucket alone would throttle it only if it came fast enough).
    sb.set_rate_limit(30, burst=2, retry_after=retry_after)
    sb.set_faults(rules=[{"path": "/api/company", "fault": "429", "nth": 1, "repeat": 1}])
    summary = extract_ok(config(extract={"rate_limit": 400, "workers": 4, "max_attempts": 10}))
    throttled = summary["retries"].get("HTTP 429", 0)
    assert throttled >= 1, summary["retries"]
    # Backing off works: the 429s stay a fraction of the requests, not a storm.
    assert throttled <= summary["requests"] // 2, summary
    assert_matches_truth(db, sb)


def test_rate_limit_suspension_a_burst_of_429s(sb, config, db) -> None:
    # Procountor suspends a client that exceeds the limit: 4 consecutive 429s on every path.
    sb.set_faults(rules=[{"path": "/api/[!o]*", "fault": "429", "nth": 3, "repeat": 4}])
    summary = extract_ok(config(extract={"max_attempts": 8}))
    assert summary["retries"].get("HTTP 429") == 4
    assert_matches_truth(db, sb)


@pytest.mark.parametrize("kind", ["503", "429", "reset"])
def test_an_api_that_keeps_failing_exits_4_and_keeps_what_was_committed(sb, config, db, kind: str) -> None:
    cfg = config(extract={"max_attempts": 3})
    sb.set_faults(rules=[{"path": "/api/ledgerreceipts*", "fault": kind, "nth": 1, "repeat": 0}])
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 4, run.output
    assert "error (api)" in run.stderr and "gave up after 3 attempts" in run.stderr, run.stderr
    assert sb.app.ops.faults_served[kind] == 3  # bounded: exactly max_attempts, then stop
    states = state_rows(db)
    # Streams before the failing one are committed and complete; it and later ones are untouched.
    assert set(states) == {"accounts", "invoices"}, states
    assert_matches_truth(db, sb, ["accounts", "invoices"])
    assert landed(db, "ledger_receipts") == {} and landed(db, "business_partners") == {}
    assert runs(db)[-1][1] == "failed" and leases(db) == []
    # The next run, with the API healthy again, completes the rest.
    sb.clear_faults()
    extract_ok(cfg)
    assert_matches_truth(db, sb)
    assert set(truth(sb, "ledger_receipts")) == set(landed(db, "ledger_receipts"))
