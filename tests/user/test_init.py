"""`procountor-loader init` end to end against a real sandbox server, prompts included.

Correctness against the issue's and the reference's definitions: the written file is loaded by the
loader's own config reader and signs in with `check`; the base URL follows reference.md's
"Version-pinned roots"; secrets appear only as ${VAR}; a stream the API answers 403 for is not offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from loader.cli import main
from loader.config import load_config
from loader.sandbox import SandboxConfig, SandboxServer
from loader.streams.registry import REGISTRY
from tests.conftest import sandbox_env

DEFAULT_STREAMS = {s.name for s in REGISTRY if s.default_selected}


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    """The API user may not read persons (403); every other endpoint is readable."""
    with SandboxServer(SandboxConfig(seed=5, documents=60, rate_limit=0, denied_rights={0: ("/persons",)})) as server:
        yield server


def run(args: list[str], env: dict[str, str] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env or {}, input=input, catch_exceptions=False)


def test_flags_only_writes_a_config_that_check_accepts(sb: SandboxServer, tmp_path: Path) -> None:
    env = sandbox_env(sb)
    result = run(["init", "--base-url", sb.base_url, "--yes"], env)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "procountor.yml").read_text()
    for secret in (env["PROCOUNTOR_CLIENT_SECRET"], env["PROCOUNTOR_API_KEY"]):
        assert secret not in text and secret not in result.output
    assert "${PROCOUNTOR_API_KEY}" in text
    raw = yaml.safe_load(text)
    assert set(raw["streams"]) == DEFAULT_STREAMS - {"persons"}, "a 403 stream was offered"
    assert "# persons: {fields: all}" in text and "no rights" in text
    cfg = load_config_with(env)
    assert cfg.connections[0].base_url == sb.base_url and cfg.connections[0].auth == "api_key"
    check = run(["check"], {**env, "PROCOUNTOR_BASE_URL": "http://127.0.0.1:9/api"})  # the file's URL wins
    assert check.exit_code == 0, check.output


def load_config_with(env: dict[str, str]):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        return load_config("procountor.yml")


def test_prompts_choose_environment_pin_and_secret_names(tmp_path: Path) -> None:
    """Interactive, without signing in: production/test host and the vYYMM pin from reference.md."""
    answers = "\n".join(["test", "v2502", "api_key", "acme", "acme", "invoices,accounts", "duckdb",
                         "books.duckdb"]) + "\n"
    result = run(["init", "--no-sign-in", "-o", "acme.yml"], input=answers)
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load((tmp_path / "acme.yml").read_text())
    conn = raw["connections"][0]
    assert conn["base_url"] == "https://pts-api.procountor.com/v2502/api"
    assert conn["name"] == "acme"
    assert (conn["client_id"], conn["client_secret"], conn["api_key"]) == (
        "${ACME_CLIENT_ID}", "${ACME_CLIENT_SECRET}", "${ACME_API_KEY}")
    assert set(raw["streams"]) == {"invoices", "accounts"}
    assert raw["destination"] == {"type": "duckdb", "path": "books.duckdb"}


def test_production_unpinned_and_oauth(tmp_path: Path) -> None:
    result = run(["init", "--no-sign-in", "--yes", "--environment", "production", "--api-version", "unpinned",
                  "--auth", "oauth", "--name", "acme"])
    assert result.exit_code == 0, result.output
    conn = yaml.safe_load((tmp_path / "procountor.yml").read_text())["connections"][0]
    assert conn["base_url"] == "https://api.procountor.com/api"
    assert conn["auth"] == "oauth" and "api_key" not in conn and conn["token_store"] == "file"


def test_bad_version_pin_is_a_usage_error() -> None:
    result = run(["init", "--no-sign-in", "--yes", "--api-version", "2025"])
    assert result.exit_code == 2 and "vYYMM" in result.output


def test_interactive_sign_in_with_a_pasted_secret(sb: SandboxServer, tmp_path: Path) -> None:
    """An unset API key is asked for hidden, used to sign in, and written nowhere."""
    env = sandbox_env(sb)
    api_key = env.pop("PROCOUNTOR_API_KEY")
    # sign-in way, variable prefix, the pasted key, streams (default: readable), warehouse, DuckDB file
    answers = "\n".join(["api_key", "PROCOUNTOR", api_key, "", "duckdb", "mine.duckdb"]) + "\n"
    result = run(["init", "--base-url", sb.base_url], env, input=answers)
    assert result.exit_code == 0, result.output
    assert api_key not in result.output
    text = (tmp_path / "procountor.yml").read_text()
    assert api_key not in text
    assert "signed in to company" in result.output
    raw = yaml.safe_load(text)
    assert raw["connections"][0]["name"] == "hotellitarha_laitinen_oy"  # from the company's name
    assert set(raw["streams"]) == DEFAULT_STREAMS - {"persons"}
    assert raw["destination"]["path"] == "mine.duckdb"
    persons = next(line for line in result.output.splitlines() if line.strip().startswith("persons "))
    assert "no rights" in persons


def test_rerun_shows_the_diff_and_asks(sb: SandboxServer, tmp_path: Path) -> None:
    env = sandbox_env(sb)
    first = run(["init", "--base-url", sb.base_url, "--yes", "--streams", "invoices,accounts"], env)
    assert first.exit_code == 0, first.output
    before = (tmp_path / "procountor.yml").read_text()

    declined = run(["init", "--base-url", sb.base_url, "--streams", "invoices,accounts,fiscal_years"], env,
                   input="\n\nduckdb\n\nn\n")
    assert declined.exit_code == 0, declined.output
    assert "+  fiscal_years: {fields: all}" in declined.output
    assert "-  # fiscal_years: {fields: all}" in declined.output
    assert (tmp_path / "procountor.yml").read_text() == before

    accepted = run(["init", "--base-url", sb.base_url, "--streams", "invoices,accounts,fiscal_years"], env,
                   input="\n\nduckdb\n\ny\n")
    assert accepted.exit_code == 0, accepted.output
    assert set(yaml.safe_load((tmp_path / "procountor.yml").read_text())["streams"]) == {
        "invoices", "accounts", "fiscal_years"}

    same = run(["init", "--base-url", sb.base_url, "--yes", "--streams", "invoices,accounts,fiscal_years"], env)
    assert "already up to date" in same.output


def test_refused_sign_in_exits_3_and_writes_nothing(sb: SandboxServer, tmp_path: Path) -> None:
    env = {**sandbox_env(sb), "PROCOUNTOR_API_KEY": "not-the-key"}
    result = run(["init", "--base-url", sb.base_url, "--yes"], env)
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "procountor.yml").exists()
