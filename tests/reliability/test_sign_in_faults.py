"""Sign-in under stress: short-lived and expired access tokens, a flaky token endpoint, a revoked
refresh token (Sign in with Procountor) and the integration setting switched off mid-run."""

from __future__ import annotations

import json
import threading
import time
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
    wait_until,
    write_token_file,
)

pytestmark = pytest.mark.timeout(120)


def test_short_token_lifetime_renews_before_expiry(sb, config, db) -> None:
    """The sandbox holds the partner listing, unanswered, for longer than the 1 s token lifetime,
    so the run certainly outlives its first token however fast this machine is (a run that ended
    inside the lifetime asked for one token only). The loader must renew before using a stale one:
    no request fails, nothing is retried."""
    sb.set_token_lifetime(1)
    cfg = config(extract={"timeout_seconds": 60})  # the held request must not time out
    sb.hold("/api/businesspartners*")
    outcome: dict[str, object] = {}
    thread = threading.Thread(target=lambda: outcome.update(summary=extract_ok(cfg)))
    thread.start()
    try:
        assert wait_until(lambda: sb.held_requests() >= 1 or not thread.is_alive(), timeout=60)
        assert thread.is_alive(), "the run ended before the hold"
        time.sleep(1.5)  # a lower bound: the first token is now past its lifetime
    finally:
        sb.release()
        thread.join(120)
    summary = outcome["summary"]
    assert token_requests(sb) >= 2, sb.request_counts()
    # Renewal happens before expiry: no request was refused for a stale token.
    assert summary["retries"] == {}, summary  # type: ignore[index]
    assert_matches_truth(db, sb)


def test_tokens_expired_by_the_server_mid_run_are_renewed(sb, config, db) -> None:
    """Every access token stops working after 8 requests (a sandbox option): the server expires
    tokens mid-run at a known point, and the loader signs in again each time (401 → renewal)."""
    sb.set_token_max_uses(8)
    extract_ok(config())
    assert token_requests(sb) >= 2, sb.request_counts()
    assert_matches_truth(db, sb)


@pytest.mark.parametrize("nth", [1, 2], ids=["first-sign-in", "renewal-mid-run"])
def test_a_transient_fault_on_the_token_endpoint_is_retried(sb, config, db, nth: int) -> None:
    sb.set_faults(rules=[{"path": "/api/oauth/token", "fault": "503", "nth": nth, "repeat": 1}])
    # The second sign-in is forced: the first access token stops working after 6 requests (→ 401 → renewal).
    if nth == 2:
        sb.set_token_max_uses(6)
    run = run_inprocess("--config", str(config()), "extract")
    assert sb.app.ops.faults_served["503"] == 1, "the scripted token fault was not reached"
    assert run.exit_code == 0, run.output
    assert_matches_truth(db, sb)


def _while_held(sb, path_glob: str, action, cfg: Path):  # type: ignore[no-untyped-def]
    """Run extract; when its first request matching `path_glob` arrives, the sandbox holds it
    unanswered, `action` runs, then the request is released: the action lands mid-run at a known
    point, not whenever a watcher thread happens to notice."""
    sb.hold(path_glob)
    outcome: dict[str, object] = {}
    thread = threading.Thread(target=lambda: outcome.update(run=run_inprocess("--config", str(cfg), "extract")))
    thread.start()
    try:
        assert wait_until(lambda: sb.held_requests() >= 1 or not thread.is_alive(), timeout=60)
        assert thread.is_alive(), "the run ended before the hold"
        action()
    finally:
        sb.release()
        thread.join(120)
    return outcome["run"]


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
    # accounts and invoices are committed before the first ledger receipt page is asked for; the
    # sandbox holds that page until the tokens are revoked, so the revocation lands mid-run.
    run = _while_held(sb, "/api/ledgerreceipts", lambda: sb.revoke_tokens(company_index=0),
                      config("oauth.yml", auth="oauth", token_file=token_file, extract={"timeout_seconds": 60}))
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
    cfg = config(extract={"timeout_seconds": 60})
    run = _while_held(sb, "/api/ledgerreceipts", lambda: sb.set_invoiceable_api(False), cfg)
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
