"""No secret ever reaches a log, an output, an exception text, the warehouse or the spool.

A representative set of commands runs with -vv (debug logs) against one sandbox, with both sign-in
methods, with faults and failures, as in-process CLI runs and as real processes (one of them
killed, so its spool stays on disk). The secrets searched for are the client secret, the API key
and every access token, refresh token and authorization code the sandbox issued during the test
(recorded from its token store, rotated and revoked ones included).
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb
import pytest
import requests

from tests.reliability.harness import (
    REDIRECT_URI,
    loader_argv,
    record_issued_tokens,
    run_inprocess,
    run_subprocess,
    subprocess_env,
    wait_until,
    write_config,
    write_token_file,
)

pytestmark = pytest.mark.timeout(150)


def _scan(texts: dict[str, str], secrets: set[str]) -> list[str]:
    return sorted(f"{where}: …{text[max(0, text.find(s) - 40): text.find(s) + len(s) + 10]!r}…"
                  for where, text in texts.items() for s in secrets if s and s in text)


def _dump_warehouse(db: Path) -> dict[str, str]:
    """Every table of every schema, every row, as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall():
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            out[f"warehouse {schema}.{table}"] = repr(rows)
        return out
    finally:
        con.close()


def _sign_in_with_procountor(sb, codes: set[str]) -> str:  # type: ignore[no-untyped-def]
    creds = sb.credentials()
    query = urlencode({"response_type": "code", "client_id": creds["client_id"], "redirect_uri": REDIRECT_URI,
                       "state": "s", "auto": "1"})
    location = requests.get(f"{sb.root_url}/login?{query}", allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    codes.add(code)
    body = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code,
                                             "client_id": creds["client_id"], "client_secret": creds["client_secret"],
                                             "redirect_uri": REDIRECT_URI}, timeout=10).json()
    return body["refresh_token"]


def test_secrets_never_leak(sb, db, tmp_path: Path) -> None:
    issued = record_issued_tokens(sb)
    codes: set[str] = set()
    creds = sb.credentials()
    texts: dict[str, str] = {}

    def cli(label: str, *args: str) -> Any:
        run = run_inprocess("-vv", *args)
        texts[f"{label} (exit {run.exit_code})"] = run.output
        return run

    spool = tmp_path / "spool"
    api_key_cfg = write_config(tmp_path / "api_key.yml", sb, db, spool_dir=spool)
    token_file = write_token_file(tmp_path / "tokens" / "rel.json", _sign_in_with_procountor(sb, codes))
    oauth_cfg = write_config(tmp_path / "oauth.yml", sb, db, auth="oauth", token_file=token_file, spool_dir=spool)

    # Successful runs with both sign-in methods; debug logs on.
    assert cli("extract api_key", "--config", str(api_key_cfg), "extract", "--json").exit_code == 0
    sb.edit_invoice(int(sorted(sb.truth.records("invoices"))[3]))
    sb.advance_clock(60)
    assert cli("extract oauth", "--config", str(oauth_cfg), "extract", "--json").exit_code == 0
    # Faults, expired tokens and 401s along the way.
    sb.set_faults(rate=0.15, kinds=["500", "503", "reset", "invalid_json"], seed=4)
    sb.set_token_lifetime(1)
    cli("extract with faults", "--config", str(api_key_cfg), "extract", "--full-refresh", "all")
    sb.expire_tokens()
    cli("extract oauth with faults", "--config", str(oauth_cfg), "extract", "--full-refresh", "invoices")
    sb.clear_faults()
    sb.set_token_lifetime(3600)
    # Failures: the API keeps failing, the token endpoint fails, wrong credentials, revoked token,
    # the integration setting off.
    sb.set_faults(rules=[{"path": "/api/ledgerreceipts*", "fault": "503", "nth": 1, "repeat": 0}])
    cli("extract api failing", "--config", str(api_key_cfg), "extract", "--full-refresh", "all")
    sb.set_faults(rules=[{"path": "/api/oauth/token", "fault": "500", "nth": 1, "repeat": 1}])
    cli("extract token endpoint failing", "--config", str(oauth_cfg), "extract")
    sb.clear_faults()
    # The refresh grant's answer was lost, so the loader discarded the token rather than replay it:
    # sign in again, as its message says.
    assert not token_file.exists()
    write_token_file(token_file, _sign_in_with_procountor(sb, codes))
    wrong = write_config(tmp_path / "wrong.yml", sb, db, connection={"client_secret": creds["client_secret"] + "x"})
    cli("extract wrong secret", "--config", str(wrong), "extract")
    sb.set_invoiceable_api(False)
    cli("extract invoiceable off", "--config", str(api_key_cfg), "extract")
    cli("check invoiceable off", "--config", str(api_key_cfg), "check")
    sb.set_invoiceable_api(True)
    sb.revoke_tokens(company_index=0)
    cli("extract revoked", "--config", str(oauth_cfg), "extract")
    # Read-only commands.
    cli("check", "--config", str(api_key_cfg), "check")
    cli("runs", "--config", str(api_key_cfg), "runs")
    cli("runs --json", "--config", str(api_key_cfg), "runs", "--json")
    cli("state show", "--config", str(api_key_cfg), "state", "show")
    cli("discover", "--config", str(api_key_cfg), "discover", "--stream", "invoices")
    cli("extract --dry-run", "--config", str(api_key_cfg), "extract", "--dry-run")

    # Real processes: one complete with debug logs, one killed mid-run so its spool stays behind.
    run = run_subprocess("-vv", "--config", str(api_key_cfg), "extract", "--full-refresh", "all", cwd=tmp_path)
    texts[f"subprocess extract (exit {run.exit_code})"] = run.output
    # The sandbox holds the ledger receipt details unanswered: the kill lands mid-run, spool on disk.
    sb.hold("/api/ledgerreceipts/*")
    proc = subprocess.Popen(loader_argv("-vv", "--config", str(api_key_cfg), "extract", "--full-refresh", "all"),
                            cwd=tmp_path, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert wait_until(lambda: sb.held_requests() > 0 or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, "the run ended before the kill"
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        sb.release()
    texts["killed subprocess"] = out + err

    # Where to look: every output, every table of every schema, every file under the spool dir.
    texts.update(_dump_warehouse(db))
    spooled = [p for p in spool.rglob("*") if p.is_file()]
    assert spooled, "no spool file was left to scan; the killed run ended too early"
    texts.update({f"spool {p.relative_to(tmp_path)}": p.read_text(errors="replace") for p in spooled})

    secrets = {creds["client_secret"], creds["api_key"]} | issued | codes
    access = {s for s in issued if s.startswith("sbx-at-")}
    refresh = {s for s in issued if s.startswith("sbx-rt-")}
    # The test can fail: tokens were really issued and used, and the scanner finds a planted one.
    assert len(access) >= 5 and len(refresh) >= 3, (len(access), len(refresh))
    assert _scan({"planted": f"Authorization: Bearer {next(iter(access))}"}, secrets)
    assert any("INFO loader.client.http: retrying" in t for t in texts.values()), "debug logs were not captured"
    assert any("error (auth)" in t for t in texts.values()) and any("error (api)" in t for t in texts.values())
    leaks = _scan(texts, secrets)
    assert leaks == [], "\n".join(leaks)
    # The only place a secret may live: the token file, readable by its owner only.
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
