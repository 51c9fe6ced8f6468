"""Shared machinery of the reliability suite: configs, CLI runs, the sandbox's truth, snapshots.

Every test talks to a sandbox on 127.0.0.1 only. The loader runs either in-process (click's
CliRunner, fast) or as a real subprocess (the `procountor-loader` console script, for SIGKILL and
concurrency).
Comparisons are against the sandbox's truth (`sb.truth.records`), record by record and value by
value (amounts as Decimal), not only by id.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb
import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
SCHEMA = "raw_procountor"

# The streams the suite syncs: a list stream without details, two incremental streams with batch
# details (one with the linked sweep), a keyset stream with two visibility variants, and a child
# stream re-read for changed invoices. Small enough for CI, wide enough to cover every code path.
STREAMS: dict[str, Any] = {
    "accounts": {},
    "invoices": {"fields": "all"},
    "ledger_receipts": {"fields": "all"},
    "payment_events": {},
    "business_partners": {},
}

# landing stream → (truth stream, filter of what the default selection reads)
TRUTH: dict[str, tuple[str, Any]] = {
    "accounts": ("accounts", None),
    "invoices": ("invoices", lambda r: not r.get("isOffer")),
    "ledger_receipts": ("ledger_receipts", None),
    "payment_events": ("payment_events", None),
    "business_partners": ("business_partners", None),
}

# Few attempts so that a fault costs fractions of a second, never minutes. The read timeout is
# generous: on a busy machine a healthy answer can take a second, and a timeout there would be a
# retry the test did not script. Tests of the client's own timeout set a shorter one and make the
# sandbox stall for much longer than it.
FAST_EXTRACT: dict[str, Any] = {
    "rate_limit": 500,
    "workers": 4,
    "timeout_seconds": 30.0,
    "max_attempts": 6,
    "lease_ttl_seconds": 600,
}

REDIRECT_URI = "http://localhost:8765/callback"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def error_line(self) -> str:
        """The one `error (<kind>): ...` line a failure prints on stderr ('' if none)."""
        lines = [ln for ln in self.stderr.splitlines() if ln.startswith(("error (", "unexpected error"))]
        return lines[-1] if lines else ""

    def summary(self) -> dict[str, Any]:
        start = self.stdout.index("[")
        return json.loads(self.stdout[start:])[0]


# -- configuration -----------------------------------------------------------------------------

def write_config(path: Path, sb: Any, db: Path, *, extract: dict[str, Any] | None = None,
                 streams: dict[str, Any] | None = None, auth: str = "api_key", token_file: Path | None = None,
                 company_index: int = 0, base_url: str | None = None, spool_dir: Path | None = None,
                 connection: dict[str, Any] | None = None) -> Path:
    creds = sb.credentials(company_index) if sb is not None else {
        "client_id": "stub-client", "client_secret": "stub-secret", "api_key": "stub-api-key"}
    conn: dict[str, Any] = {"name": "rel", "base_url": base_url or sb.base_url, "auth": auth,
                            "client_id": creds["client_id"], "client_secret": creds["client_secret"]}
    if auth == "api_key":
        conn["api_key"] = creds["api_key"]
    if token_file is not None:
        conn["token_file"] = str(token_file)
    conn.update(connection or {})
    x = {**FAST_EXTRACT, **(extract or {})}
    x.setdefault("spool_dir", str(spool_dir or path.parent / "spool"))
    cfg = {
        "connections": [conn],
        "destination": {"type": "duckdb", "path": str(db), "schema": SCHEMA},
        "extract": x,
        "streams": STREAMS if streams is None else streams,
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


# -- running the loader ------------------------------------------------------------------------

def run_inprocess(*args: str, env: dict[str, str] | None = None) -> Run:
    """`procountor-loader ARGS` in this process (stdout and stderr kept apart)."""
    from click.testing import CliRunner

    from loader.cli import main

    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=True)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(result.exception))
    return Run(result.exit_code, result.stdout, stderr)


def loader_argv(*args: str) -> list[str]:
    """The installed console script (`python -m loader.cli` does not start: see test_kill_and_rerun.py)."""
    script = Path(PYTHON).parent / "procountor-loader"
    if script.exists():
        return [str(script), *args]
    return [PYTHON, "-c", "from loader.cli import main; main()", *args]


def subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCOUNTOR_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra or {})
    return env


def run_subprocess(*args: str, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(loader_argv(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=subprocess_env(env))
    return Run(proc.returncode, proc.stdout, proc.stderr)


def extract_ok(config: Path, *extra: str) -> dict[str, Any]:
    run = run_inprocess("--config", str(config), "extract", "--json", *extra)
    assert run.exit_code == 0, run.output
    return run.summary()


# -- the warehouse and the truth ---------------------------------------------------------------

def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


def landed(db: Path, stream: str) -> dict[str, Any]:
    """Live rows of a stream as {record id: parsed _data} (amounts as Decimal)."""
    if not db.exists():
        return {}
    con = _connect(db)
    try:
        if not _has_table(con, stream):
            return {}
        rows = con.execute(f"SELECT _record_id, _data FROM {SCHEMA}.{stream} WHERE NOT _is_deleted").fetchall()
    finally:
        con.close()
    return {rid: json.loads(data, parse_float=Decimal) for rid, data in rows}


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [SCHEMA, table]).fetchone()[0])


def truth(sb: Any, stream: str, company_index: int = 0) -> dict[str, Any]:
    name, keep = TRUTH[stream]
    return {str(k): v for k, v in sb.truth.records(name, company_index).items() if keep is None or keep(v)}


def mismatches(db: Path, sb: Any, stream: str) -> dict[str, Any]:
    """What differs between the landed rows and the truth: missing, extra and changed ids."""
    got, want = landed(db, stream), truth(sb, stream)
    return {
        "missing": sorted(set(want) - set(got))[:10],
        "n_missing": len(set(want) - set(got)),
        "extra": sorted(set(got) - set(want))[:10],
        "changed": sorted(k for k in set(got) & set(want) if got[k] != want[k])[:10],
    }


def assert_matches_truth(db: Path, sb: Any, streams: list[str] | None = None) -> None:
    """0 rows lost, 0 extra, every value equal to the truth, 0 duplicate keys, state for each stream."""
    streams = list(STREAMS) if streams is None else streams
    bad = {}
    for stream in streams:
        diff = mismatches(db, sb, stream)
        if diff["n_missing"] or diff["extra"] or diff["changed"]:
            bad[stream] = diff
    assert not bad, f"warehouse differs from the sandbox's truth: {bad}"
    assert duplicates(db) == {}, duplicates(db)
    states = state_rows(db)
    assert set(streams) <= set(states), f"streams without state: {set(streams) - set(states)}"


def duplicates(db: Path) -> dict[str, int]:
    con = _connect(db)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                                "AND table_name NOT LIKE '\\_loader%' ESCAPE '\\'", [SCHEMA]).fetchall():
            (n,) = con.execute(f"SELECT count(*) FROM (SELECT _company_id, _record_id FROM {SCHEMA}.{t} "
                               "GROUP BY ALL HAVING count(*) > 1)").fetchone()
            if n:
                out[t] = n
        return out
    finally:
        con.close()


def state_rows(db: Path) -> dict[str, dict[str, Any]]:
    if not db.exists():
        return {}
    con = _connect(db)
    try:
        if not _has_table(con, "_loader_state"):
            return {}
        rows = con.execute(f"SELECT stream, state FROM {SCHEMA}._loader_state").fetchall()
        return {s: json.loads(st) for s, st in rows}
    finally:
        con.close()


def row_hashes(db: Path, stream: str) -> dict[str, str]:
    if not db.exists():
        return {}
    con = _connect(db)
    try:
        if not _has_table(con, stream):
            return {}
        return dict(con.execute(f"SELECT _record_id, _record_hash || CAST(_is_deleted AS VARCHAR) "
                                f"FROM {SCHEMA}.{stream}").fetchall())
    finally:
        con.close()


# Tables a failed command may legitimately touch: the run log (a failed run is recorded) and the
# lease (taken and released). Everything else must be byte-for-byte the same after a refusal.
VOLATILE = {"_loader_runs", "_loader_leases"}


def snapshot(db: Path, include_volatile: bool = False) -> dict[str, str]:
    """sha256 of every table of the schema (rows sorted), plus its row count."""
    if not db.exists():
        return {}
    con = _connect(db)
    try:
        out = {}
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = ? ORDER BY 1", [SCHEMA]).fetchall()]
        for t in tables:
            if t in VOLATILE and not include_volatile:
                continue
            rows = con.execute(f"SELECT * FROM {SCHEMA}.{t} ORDER BY ALL").fetchall()
            out[t] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
        return out
    finally:
        con.close()


def runs(db: Path) -> list[tuple[str, str, str | None]]:
    con = _connect(db)
    try:
        return con.execute(f"SELECT sync_id, status, error FROM {SCHEMA}._loader_runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def leases(db: Path) -> list[tuple[Any, ...]]:
    con = _connect(db)
    try:
        return con.execute(f"SELECT * FROM {SCHEMA}._loader_leases").fetchall()
    finally:
        con.close()


# -- the sandbox -------------------------------------------------------------------------------

def total_requests(sb: Any) -> int:
    return sum(sb.request_counts().values())


def token_requests(sb: Any) -> int:
    return sb.request_counts().get("POST /api/oauth/token", 0)


def safe_fault_seed(rate: float, start: int = 1) -> int:
    """A fault seed whose first draw is not a fault: the first request of a run is the sign-in, and
    the token endpoint is covered by its own tests (test_sign_in_faults.py)."""
    seed = start
    while random.Random(seed).random() < rate:
        seed += 1
    return seed


def oauth_refresh_token(sb: Any, company_index: int = 0) -> str:
    """Sign in with Procountor non-interactively (`/login?...&auto=1`) and trade the code."""
    creds = sb.credentials(company_index)
    query = urlencode({"response_type": "code", "client_id": creds["client_id"], "redirect_uri": REDIRECT_URI,
                       "state": "reliability", "auto": "1", "company": str(company_index)})
    resp = requests.get(f"{sb.root_url}/login?{query}", allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    params = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert params["state"] == ["reliability"]
    token = requests.post(sb.token_url, data={
        "grant_type": "authorization_code", "code": params["code"][0], "client_id": creds["client_id"],
        "client_secret": creds["client_secret"], "redirect_uri": REDIRECT_URI}, timeout=10)
    assert token.status_code == 200, token.text
    return token.json()["refresh_token"]


def write_token_file(path: Path, refresh_token: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"refresh_token": refresh_token}), encoding="utf-8")
    path.chmod(0o600)
    return path


def record_issued_tokens(sb: Any) -> set[str]:
    """From now on, collect every access and refresh token the sandbox's token store issues
    (rotated and revoked ones included: the store forgets those, this set does not)."""
    store = sb.app.tokens
    issued: set[str] = set()
    with store._lock:
        issued |= set(store._access) | set(store._refresh)
    for name in ("issue_access", "issue_refresh"):
        original = getattr(store, name)

        def recording(*args: Any, _original: Any = original, **kwargs: Any) -> str:
            token = _original(*args, **kwargs)
            issued.add(token)
            return token

        setattr(store, name, recording)
    return issued


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real filesystem of `size` at `where` (a full spool disk); skips the test without root."""
    where.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
