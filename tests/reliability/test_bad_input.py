"""Bad input: each case gets one clear `error (<kind>): …` line, its documented exit code (README,
"Commands and exit codes") and leaves the warehouse exactly as it was.

Every case starts from a copy of one complete warehouse (built once per module) and compares a
snapshot of every table of raw_procountor before and after (the run log and lease excepted: a
refused run may be recorded as failed, and the lease must be released).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import (
    extract_ok,
    landed,
    leases,
    oauth_refresh_token,
    run_inprocess,
    snapshot,
    write_config,
    write_token_file,
)

pytestmark = pytest.mark.timeout(60)

SEED, DOCUMENTS = 11, 200


# -- a stub Procountor for data no real sandbox serves ------------------------------------------

class Stub:
    """Answers the token endpoint and whatever `routes` says: {path: (status, json body)}."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?")[0]
                if path == "/api/oauth/token":
                    status, body = 200, {"access_token": "stub-access-token", "token_type": "bearer",
                                         "expires_in": 3600}
                else:
                    status, body = stub.routes.get(path, (404, {"errors": [{"status": 404, "message": "NOT_FOUND"}]}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stub() -> Iterator[Stub]:
    s = Stub()
    yield s
    s.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServer, Path]]:
    """One sandbox and one complete warehouse, copied by every case."""
    root = tmp_path_factory.mktemp("bad-input")
    with SandboxServer(SandboxConfig(seed=SEED, documents=DOCUMENTS, rate_limit=0)) as sb:
        base = root / "base.duckdb"
        extract_ok(write_config(root / "base.yml", sb, base))
        yield sb, base


@dataclass
class Case:
    tmp: Path
    sb: SandboxServer
    db: Path
    stub: Stub

    def config(self, mutate: Callable[[dict[str, Any]], None] | None = None, text: str | None = None,
               **kw: Any) -> str:
        path = write_config(self.tmp / "procountor.yml", self.sb, self.db, **kw)
        if text is not None:
            path.write_text(text, encoding="utf-8")
        elif mutate is not None:
            cfg = yaml.safe_load(path.read_text())
            mutate(cfg)
            path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        return str(path)

    def stub_config(self, streams: dict[str, Any]) -> str:
        return str(write_config(self.tmp / "procountor.yml", None, self.db, base_url=self.stub.base_url,
                                streams=streams))


def _conn(**kw: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(cfg: dict[str, Any]) -> None:
        cfg["connections"][0].update(kw)
    return mutate


def _set(section: str, **kw: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(cfg: dict[str, Any]) -> None:
        cfg[section].update(kw)
    return mutate


def _streams(value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(cfg: dict[str, Any]) -> None:
        cfg["streams"] = value
    return mutate


def _top(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(cfg: dict[str, Any]) -> None:
        cfg[key] = value
    return mutate


def _extract(c: Case, mutate: Callable[[dict[str, Any]], None] | None = None, *flags: str, **kw: Any) -> list[str]:
    return ["--config", c.config(mutate, **kw), "extract", *flags]


def _invoiceable_off(c: Case) -> list[str]:
    c.sb.set_invoiceable_api(False)
    return _extract(c)


def _oauth_without_token(c: Case) -> list[str]:
    return ["--config", c.config(auth="oauth", token_file=c.tmp / "none.json"), "extract"]


def _oauth_corrupt_token_file(c: Case) -> list[str]:
    bad = c.tmp / "corrupt.json"
    bad.write_text("{not json")
    return ["--config", c.config(auth="oauth", token_file=bad), "extract"]


def _oauth_revoked(c: Case) -> list[str]:
    token_file = write_token_file(c.tmp / "revoked.json", oauth_refresh_token(c.sb))
    c.sb.revoke_tokens(company_index=0)
    return ["--config", c.config(auth="oauth", token_file=token_file), "extract"]


def _no_api_behind_base_url(c: Case) -> list[str]:
    return ["--config", c.config(base_url=c.sb.root_url + "/other/api"), "extract"]


def _stub(routes: dict[str, tuple[int, Any]], streams: dict[str, Any]) -> Callable[[Case], list[str]]:
    def build(c: Case) -> list[str]:
        c.stub.routes = {"/api/company": (200, {"id": 999001, "name": "Stub Oy"}), **routes}
        return ["--config", c.stub_config(streams), "extract"]
    return build


BAD_YAML = "connections: [\n  - name: x\n"
# (id, argv builder, exit code, kind, text the error line must contain)
CASES: list[Any] = [
    # -- the config file ------------------------------------------------------------------------
    ("yaml-syntax", lambda c: _extract(c, text=BAD_YAML), 2, "config", "is not valid YAML"),
    ("top-level-list", lambda c: _extract(c, text="- a\n- b\n"), 2, "config", "top level must be a mapping"),
    ("unknown-top-level-key", lambda c: _extract(c, _top("sources", {})), 2, "config", "unknown top-level key"),
    ("config-not-found", lambda c: ["--config", str(c.tmp / "missing.yml"), "extract"], 2, "config", "not found"),
    ("unknown-stream", lambda c: _extract(c, _streams({"invoicez": {}})), 2, "config", "unknown stream 'invoicez'"),
    ("unknown-field", lambda c: _extract(c, _streams({"invoices": {"fields": ["type", "nope.field"]}})), 2,
     "config", "unknown field(s) ['nope.field']"),
    ("fields-not-a-list", lambda c: _extract(c, _streams({"invoices": {"fields": 7}})), 2, "config",
     "must be 'all' or a list"),
    ("unknown-stream-option", lambda c: _extract(c, _streams({"invoices": {"options": {"drafts": True}}})), 2,
     "config", "unknown option(s) ['drafts']"),
    ("stream-not-a-mapping", lambda c: _extract(c, _streams({"invoices": "yes"})), 2, "config",
     "expected a mapping"),
    ("unknown-stream-key", lambda c: _extract(c, _streams({"invoices": {"colums": ["x"]}})), 2, "config",
     "unknown key(s) ['colums']"),
    ("extra-fields-not-a-list", lambda c: _extract(c, _streams({"invoices": {"extra_fields": "x"}})), 2,
     "config", "extra_fields must be a list"),
    ("zero-workers", lambda c: _extract(c, _set("extract", workers=0)), 2, "config", "workers >= 1"),
    ("negative-rate-limit", lambda c: _extract(c, _set("extract", rate_limit=-5)), 2, "config", "rate_limit"),
    ("rate-limit-wrong-type", lambda c: _extract(c, _set("extract", rate_limit="fast")), 2, "config",
     "expected float"),
    ("unknown-extract-key", lambda c: _extract(c, _set("extract", threads=8)), 2, "config",
     "unknown key(s) ['threads']"),
    ("no-connections", lambda c: _extract(c, _top("connections", [])), 2, "config", "non-empty list"),
    ("duplicate-connection-names",
     lambda c: _extract(c, lambda cfg: cfg["connections"].append(dict(cfg["connections"][0]))), 2, "config",
     "must be unique"),
    ("unknown-auth-method", lambda c: _extract(c, _conn(auth="password")), 2, "config",
     "auth must be api_key or oauth"),
    ("unset-env-reference", lambda c: _extract(c, _conn(api_key="${RELIABILITY_NOT_SET}")), 2, "config",
     "RELIABILITY_NOT_SET"),
    ("missing-client-secret", lambda c: _extract(c, _conn(client_secret="")), 2, "config", "missing client_secret"),
    ("unknown-destination-type", lambda c: _extract(c, _set("destination", type="postgres")), 2, "config",
     "destination.type must be duckdb or bigquery"),
    ("schema-with-dash", lambda c: _extract(c, _set("destination", schema="raw-procountor")), 2, "config",
     "invalid schema name"),
    ("schema-starting-with-digit", lambda c: _extract(c, _set("destination", schema="1raw")), 2, "config",
     "invalid schema name"),
    ("schema-injection", lambda c: _extract(c, _set("destination", schema="raw; DROP TABLE x")), 2, "config",
     "invalid schema name"),
    ("plain-http-for-a-remote-host", lambda c: _extract(c, _conn(base_url="http://api.procountor.com/api")), 2,
     "config", "uses plain http for a non-local host"),
    ("base-url-without-api", lambda c: _extract(c, _conn(base_url=c.sb.root_url)), 2, "config",
     "must end in /api"),
    ("base-url-other-scheme", lambda c: _extract(c, _conn(base_url="ftp://api.procountor.com/api")), 2, "config",
     "is not an http(s) URL"),
    # -- flags ----------------------------------------------------------------------------------
    ("stream-flag-not-selected", lambda c: _extract(c, None, "--stream", "persons"), 2, "config", "not selected"),
    ("full-refresh-unknown", lambda c: _extract(c, None, "--full-refresh", "ghosts"), 2, "config",
     "--full-refresh: unknown"),
    ("connection-flag-unknown", lambda c: _extract(c, None, "--connection", "nope"), 2, "config",
     "no connection named 'nope'"),
    ("reset-unknown-stream", lambda c: ["--config", c.config(), "reset", "ghosts"], 2, "config",
     "unknown stream 'ghosts'"),
    ("forget-unknown-stream",
     lambda c: ["--config", c.config(), "forget", "--stream", "ghosts", "--id", "1", "--company", "1"], 2, "config",
     "unknown stream 'ghosts'"),
    ("unknown-flag", lambda c: _extract(c, None, "--fast"), 2, "usage", "No such option"),
    ("company-not-a-number", lambda c: ["--config", c.config(), "state", "show", "--company", "acme"], 2, "usage",
     "Invalid value for '--company'"),
    # -- credentials and the integration setting ------------------------------------------------------------
    ("wrong-client-secret", lambda c: _extract(c, _conn(client_secret="wrong-secret")), 3, "auth",
     "sign-in failed (HTTP 401)"),
    ("wrong-api-key", lambda c: _extract(c, _conn(api_key="wrong-key")), 3, "auth", "sign-in failed (HTTP 401)"),
    ("wrong-client-id", lambda c: _extract(c, _conn(client_id="someone-else")), 3, "auth", "sign-in failed"),
    ("invoiceable-api-clients-off", _invoiceable_off, 3, "auth", "Allow the usage of invoiceable API clients"),
    ("oauth-without-refresh-token", _oauth_without_token, 3, "auth", "auth login"),
    ("oauth-corrupt-token-file", _oauth_corrupt_token_file, 3, "auth", "cannot read the token file"),
    ("oauth-revoked-refresh-token", _oauth_revoked, 3, "auth", "refresh token"),
    ("no-api-behind-the-base-url", _no_api_behind_base_url, 3, "auth", "token endpoint was not found"),
    # -- API data the loader cannot read (a stub server) ------------------------------------------------------
    ("company-without-id", _stub({"/api/company": (200, {"name": "Stub Oy"})}, {"accounts": {}}), 4, "api",
     "without a company id"),
    ("records-not-a-list", _stub({"/api/coa": (200, {"ledgerAccounts": "none"})}, {"accounts": {}}), 4, "api",
     "'ledgerAccounts' is not a list"),
    ("list-answer-not-an-object", _stub({"/api/coa": (200, ["a", "b"])}, {"accounts": {}}), 4, "api",
     "expected a JSON object"),
    ("forbidden-stream", _stub({"/api/coa": (403, {"errors": [{"status": 403, "message": "FORBIDDEN"}]})},
                               {"accounts": {}}), 9, "rights", "no rights (HTTP 403) to GET /coa"),
    ("client-error-on-a-list", _stub({"/api/coa": (400, {"errors": [{"status": 400, "message": "BAD_PARAM"}]})},
                                     {"accounts": {}}), 4, "api", "failed with HTTP 400"),
    pytest.param("record-without-its-key", _stub({"/api/coa": (200, {"ledgerAccounts": [{"name": "Myynti"}]})},
                                                 {"accounts": {}}), 4, "api", "ledgerAccountCode"),
    pytest.param("non-numeric-record-id",
                 _stub({"/api/invoices": (200, {"results": [{"id": "INV-1", "version": "2026-01-01T00:00:00"}],
                                                "meta": {"pageSize": 200, "totalCount": 2}})}, {"invoices": {}}),
                 4, "api", "INV-1"),
    pytest.param("non-numeric-company-id", _stub({"/api/company": (200, {"id": "acme", "name": "Stub Oy"})},
                                                 {"accounts": {}}), 4, "api", "company id"),
]


def _ids(case: Any) -> str:
    return case.values[0] if hasattr(case, "values") else case[0]


@pytest.fixture
def case(world, stub, tmp_path: Path) -> Iterator[Case]:  # type: ignore[no-untyped-def]
    sb, base = world
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(base, db)
    yield Case(tmp_path, sb, db, stub)
    sb.set_invoiceable_api(True)


@pytest.mark.parametrize(("name", "build", "code", "kind", "text"), CASES, ids=[_ids(c) for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(case: Case, name: str, build: Any, code: int,
                                                          kind: str, text: str) -> None:
    before = snapshot(case.db)
    run = run_inprocess(*build(case))
    assert run.exit_code == code, run.output
    if kind == "usage":  # click's own usage errors: "Error: …" and exit 2
        assert f"Error: {text}" in run.stderr, run.stderr
    else:
        assert run.error_line.startswith(f"error ({kind}): "), run.stderr
        assert text in run.error_line, run.error_line
    assert "Traceback" not in run.output
    assert snapshot(case.db) == before, "the warehouse changed"
    assert leases(case.db) == []


# -- schema drift and unexpected values in real API data ------------------------------------------------

@pytest.fixture
def drifting(tmp_path: Path) -> Iterator[tuple[SandboxServer, Path, Path]]:
    """A sandbox of its own (same seed: same data), a complete warehouse, and its config."""
    with SandboxServer(SandboxConfig(seed=SEED, documents=DOCUMENTS, rate_limit=0)) as sb:
        db = tmp_path / "warehouse.duckdb"
        cfg = write_config(tmp_path / "procountor.yml", sb, db)
        extract_ok(cfg)
        yield sb, db, cfg


def _drift(sb, db: Path) -> None:  # type: ignore[no-untyped-def]
    """A new field on every invoice; one invoice changes, so the incremental run reads it."""
    sb.add_field("invoices", "eInvoiceChannel", "PEPPOL")
    sb.edit_invoice(int(sorted(landed(db, "invoices"))[5]))
    sb.advance_clock(60)


def test_schema_drift_with_fail_on_drift_exits_6_and_changes_nothing(drifting) -> None:  # type: ignore[no-untyped-def]
    sb, db, cfg = drifting
    _drift(sb, db)
    before = snapshot(db)
    run = run_inprocess("--config", str(cfg), "extract", "--fail-on-drift")
    assert run.exit_code == 6, run.output
    assert run.error_line.startswith("error (schema-drift): ") and "eInvoiceChannel" in run.error_line
    assert snapshot(db) == before


def test_schema_drift_exits_6_and_names_the_field(drifting) -> None:  # type: ignore[no-untyped-def]
    sb, db, cfg = drifting
    _drift(sb, db)
    run = run_inprocess("--config", str(cfg), "extract", "--fail-on-drift")
    assert run.exit_code == 6, run.output
    assert run.error_line.startswith("error (schema-drift): ") and "invoices: eInvoiceChannel" in run.error_line
    assert all("eInvoiceChannel" not in r for r in landed(db, "invoices").values())


def test_unknown_enum_values_and_unexpected_types_land_verbatim(drifting, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Values the contract does not know are data, not errors: they land exactly as the API sent them."""
    sb, db, _cfg = drifting
    invoice = int(sorted(landed(db, "invoices"))[0])
    sb.set_invoice_status(invoice, "ARCHIVED_IN_2027")  # not in the contract's enum
    # A field with a type no catalog expects (an object with a float and a list), loaded on request.
    sb.add_field("invoices", "surprise", {"ratio": 0.125, "tags": ["a", 1, None], "big": 12345678901234567890})
    sb.advance_clock(60)
    cfg = write_config(tmp_path / "extra.yml", sb, db,
                       streams={"invoices": {"fields": "all", "extra_fields": ["surprise"]}})
    run = run_inprocess("--config", str(cfg), "extract", "--full-refresh", "invoices")
    assert run.exit_code == 0, run.output
    rows = landed(db, "invoices")
    assert rows[str(invoice)]["status"] == "ARCHIVED_IN_2027"
    surprise = rows[str(invoice)]["surprise"]
    assert str(surprise["ratio"]) == "0.125" and surprise["tags"] == ["a", 1, None]
    assert surprise["big"] == 12345678901234567890  # no float on the way
