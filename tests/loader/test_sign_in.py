"""Both sign-in methods end to end against the sandbox, over real HTTP.

"Sign in with Procountor": `procountor-loader auth login` runs as a real process, listens on its
localhost redirect URI, and a real HTTP client plays the user's browser (the sandbox's `auto=1`
sign-in answers the 302 at once; requests follows it to the loader's listener).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import requests

from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=3, documents=120)) as sb:
        yield sb


def oauth_login(sb, token_file: Path, redirect_uri: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "PROCOUNTOR_BASE_URL": sb.base_url, "PROCOUNTOR_CLIENT_ID": "sandbox-client",
           "PROCOUNTOR_CLIENT_SECRET": "sandbox-secret", "PROCOUNTOR_AUTH": "oauth",
           "PROCOUNTOR_REDIRECT_URI": redirect_uri, "PROCOUNTOR_REFRESH_TOKEN_FILE": str(token_file)}
    proc = subprocess.Popen([sys.executable, "-m", "loader", "auth", "login", "--no-browser", "--timeout", "30"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()  # the sign-in address, printed once the listener is up
    assert url.startswith(sb.root_url + "/login?"), url
    # The "browser": sign in (auto=1) and follow the redirect to the loader's listener.
    page = requests.get(url + "&auto=1", timeout=10)
    assert page.status_code == 200 and "Signed in" in page.text
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_sign_in_with_procountor_then_extract_with_rotating_refresh_tokens(cli, sandbox, tmp_path: Path) -> None:
    token_file = tmp_path / "tokens" / "main.json"
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    done = oauth_login(sandbox, token_file, redirect_uri)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    first = json.loads(token_file.read_text())["refresh_token"]
    assert first not in done.stdout + done.stderr

    env = {"PROCOUNTOR_BASE_URL": sandbox.base_url, "PROCOUNTOR_CLIENT_ID": "sandbox-client",
           "PROCOUNTOR_CLIENT_SECRET": "sandbox-secret", "PROCOUNTOR_AUTH": "oauth",
           "PROCOUNTOR_REFRESH_TOKEN_FILE": str(token_file)}
    db = tmp_path / "w.duckdb"
    result = cli("--duckdb", str(db), "extract", "--stream", "accounts", "--stream", "invoices", env=env)
    assert result.exit_code == 0, result.output
    rotated = json.loads(token_file.read_text())["refresh_token"]
    assert rotated != first  # the sandbox rotates refresh tokens; the new one was saved
    # A second run works with the rotated token (the old one is no longer valid).
    result = cli("--duckdb", str(db), "extract", "--stream", "accounts", env=env)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    (n,) = con.execute("SELECT count(*) FROM raw_procountor.invoices").fetchone()
    con.close()
    assert n == len([r for r in sandbox.truth.records("invoices").values() if not r.get("isOffer")])


def test_api_key_sign_in_and_check(cli, sandbox) -> None:
    result = cli("check", env=sandbox_env(sandbox))
    assert result.exit_code == 0, result.output
    assert str(sandbox.company_ids[0]) in result.output


def test_invoiceable_api_clients_off_is_named_plainly(cli, sandbox) -> None:
    sandbox.set_invoiceable_api(False)
    result = cli("check", env=sandbox_env(sandbox))
    assert result.exit_code == 3
    assert "Allow the usage of invoiceable API clients" in result.output


def test_wrong_api_key_exits_3_without_echoing_secrets(cli, sandbox) -> None:
    env = {**sandbox_env(sandbox), "PROCOUNTOR_API_KEY": "not-the-key-12345"}
    result = cli("extract", "--stream", "accounts", env=env)
    assert result.exit_code == 3
    assert "sign-in failed" in result.output
    assert "not-the-key-12345" not in result.output and "sandbox-secret" not in result.output
