"""Sign-in under stress: short-lived and expired access tokens, a flaky token endpoint, a revoked
refresh token (Sign in with Procountor) and the integration setting switched off mid-run."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.reliability.harness import (
    assert_matches_truth,
    extract_ok,
    landed,
    leases,
    oauth_refresh_token,
    run_inprocess,
    snapshot,
    state_rows,
    token_requests,
    total_requests,
    wait_until,
    write_token_file,
)

pytestmark = pytest.mark.timeout(120)


def _when(predicate, action) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run `action` once `predicate` holds (polled every 2 ms, for at most 30 s) in a thread."""

    def watch() -> None:
        if wait_until(predicate, timeout=30):
            action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_short_token_lifetime_renews_before_expiry(sb, config, db) -> None:
    sb.set_token_lifetime(1)
    sb.set_faults(latency_ms=40)  # the run lasts several token lifetimes
    summary = extract_ok(config())
    assert token_requests(sb) >= 2, sb.request_counts()
    # Renewal happens before expiry: no request was refused for a stale token.
    assert summary["retries"] == {}, summary
    assert_matches_truth(db, sb)


def test_tokens_expired_by_the_server_mid_run_are_renewed(sb, config, db) -> None:
    watcher = _when(lambda: total_requests(sb) >= 8, sb.expire_tokens)
    extract_ok(config())
    watcher.join(1)
    assert token_requests(sb) >= 2, sb.request_counts()
    assert_matches_truth(db, sb)


@pytest.mark.parametrize("nth", [1, 2], ids=["first-sign-in", "renewal-mid-run"])
def test_a_transient_fault_on_the_token_endpoint_is_retried(sb, config, db, nth: int) -> None:
    sb.set_faults(rules=[{"path": "/api/oauth/token", "fault": "503", "nth": nth, "repeat": 1}])
    # The second sign-in is forced: the server expires every access token mid-run (→ 401 → renewal).
    watcher = _when(lambda: total_requests(sb) >= 6, sb.expire_tokens) if nth == 2 else None
    run = run_inprocess("--config", str(config()), "extract")
    if watcher is not None:
        watcher.join(1)
    assert sb.app.ops.faults_served["503"] == 1, "the scripted token fault was not reached"
    assert run.exit_code == 0, run.output
    assert_matches_truth(db, sb)


def _oauth_config(config, sb, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    token_file = write_token_file(tmp_path / "tokens" / "rel.json", oauth_refresh_token(sb))
    return config("oauth.yml", auth="oauth", token_file=token_file), token_file


def test_sign_in_with_procountor_rotates_and_persists_the_refresh_token(sb, config, db, tmp_path: Path) -> None:
    cfg, token_file = _oauth_config(config, sb, tmp_path)
    first = json.loads(token_file.read_text())["refresh_token"]
    extract_ok(cfg)
    second = json.loads(token_file.read_text())["refresh_token"]
    assert second != first  # rotated by the server and saved before use
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert_matches_truth(db, sb)
    extract_ok(cfg)  # the saved token works on the next run
    assert json.loads(token_file.read_text())["refresh_token"] not in (first, second)


def test_a_revoked_refresh_token_exits_3_and_changes_nothing(sb, config, db, tmp_path: Path) -> None:
    cfg, _ = _oauth_config(config, sb, tmp_path)
    extract_ok(cfg)
    before = snapshot(db, include_volatile=True)
    sb.revoke_tokens(company_index=0)
    sb.edit_invoice(int(next(iter(landed(db, "invoices")))))
    sb.advance_clock(60)
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 3, run.output
    assert run.error_line.startswith("error (auth):") and "refresh token" in run.error_line, run.stderr
    assert snapshot(db, include_volatile=True) == before


def test_a_revoked_refresh_token_says_to_sign_in_again(sb, config, db, tmp_path: Path) -> None:
    cfg, _ = _oauth_config(config, sb, tmp_path)
    sb.revoke_tokens(company_index=0)
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 3
    assert "auth login" in run.stderr and "invoiceable" not in run.stderr, run.stderr


def test_refresh_token_revoked_mid_run_keeps_committed_streams(sb, config, db, tmp_path: Path) -> None:
    cfg, token_file = _oauth_config(config, sb, tmp_path)
    sb.set_token_lifetime(1)
    sb.set_faults(latency_ms=20)
    # accounts and invoices are committed before the first ledger receipt page is asked for.
    watcher = _when(lambda: sb.request_counts().get("GET /api/ledgerreceipts", 0) >= 1,
                    lambda: sb.revoke_tokens(company_index=0))
    run = run_inprocess("--config", str(cfg), "extract")
    watcher.join(1)
    assert run.exit_code == 3, run.output
    assert "error (auth)" in run.stderr
    states = state_rows(db)
    assert {"accounts", "invoices"} <= set(states) and "business_partners" not in states, states
    assert_matches_truth(db, sb, sorted(states))
    assert leases(db) == []
    # Sign in again and re-run: the rest arrives, nothing is duplicated.
    write_token_file(token_file, oauth_refresh_token(sb))
    sb.set_token_lifetime(3600)
    extract_ok(cfg)
    assert_matches_truth(db, sb)


def test_integration_setting_switched_off_mid_run(sb, config, db) -> None:
    cfg = config()
    sb.set_token_lifetime(1)
    sb.set_faults(latency_ms=20)
    watcher = _when(lambda: sb.request_counts().get("GET /api/ledgerreceipts", 0) >= 1,
                    lambda: sb.set_invoiceable_api(False))
    run = run_inprocess("--config", str(cfg), "extract")
    watcher.join(1)
    assert run.exit_code == 3, run.output
    assert "Allow the usage of invoiceable API clients" in run.stderr, run.stderr
    states = state_rows(db)
    assert {"accounts", "invoices"} <= set(states), states
    assert_matches_truth(db, sb, sorted(states))


@pytest.mark.parametrize("fault", ["truncated", "reset", "503"])
def test_a_refresh_grant_whose_answer_was_lost_is_never_replayed(sb, config, db, tmp_path: Path, fault: str) -> None:
    """The refresh token went out and no usable answer came back: the server may have rotated it.
    The loader sends it exactly once, fails with exit 3 saying to sign in again, and discards the
    stored token so that the next run cannot replay it either."""
    cfg, token_file = _oauth_config(config, sb, tmp_path)
    sb.reset_request_counts()  # the code exchange of the set-up is not part of the run
    sb.set_faults(rules=[{"path": "/api/oauth/token", "fault": fault, "nth": 1, "repeat": 1}])
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 3, run.output
    assert token_requests(sb) == 1, sb.request_counts()
    assert "was lost" in run.error_line and "auth login" in run.error_line, run.stderr
    assert not token_file.exists()
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 3 and "auth login" in run.error_line
    assert token_requests(sb) == 1  # nothing was sent with the old token


@pytest.mark.parametrize("fault", ["truncated", "reset"])
def test_a_client_credentials_grant_whose_answer_was_lost_is_asked_again(sb, config, db, fault: str) -> None:
    sb.set_faults(rules=[{"path": "/api/oauth/token", "fault": fault, "nth": 1, "repeat": 1}])
    extract_ok(config(streams={"accounts": {}}))
    assert token_requests(sb) == 2, sb.request_counts()
