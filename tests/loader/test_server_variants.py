"""Server variants (issue 15, point 8): version-pinned base URLs, the rate limit that follows the
host, and product groups of every register.

The pinned-path and product-group tests run the loader against the sandbox and compare what
landed with the sandbox's registers, and which paths were requested (correctness). The default
rate limits are compared with the figures Procountor publishes (reference.md §3), which is a
check of our own table (consistency).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.client.http import (
    PRODUCTION_RATE,
    TEST_SERVER_RATE,
    api_version,
    check_base_url,
    default_rate_limit,
)
from loader.config import load_config
from loader.connect import api_client
from loader.errors import ConfigError
from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env
from tests.loader.test_sync_against_sandbox import extract, landed


@pytest.mark.parametrize(("url", "version"), [
    ("https://api.procountor.com/api", "unpinned"),
    ("https://api.procountor.com/v2502/api", "v2502"),
    ("https://api.procountor.com/latest/api/", "latest"),
    ("https://pts-api.procountor.com/supported/api", "supported"),
])
def test_pinned_base_urls_are_accepted(url: str, version: str) -> None:
    assert check_base_url(url) == url.rstrip("/")
    assert api_version(url) == version


@pytest.mark.parametrize("url", ["https://api.procountor.com/procountor.api.v4/api",
                                 "https://api.procountor.com/v2502", "https://api.procountor.com/v2502/api/invoices"])
def test_unusable_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        check_base_url(url)


def test_the_default_rate_limit_follows_the_host(tmp_path: Path) -> None:
    """Procountor publishes 60 requests/s on production and 90 per minute on the test server."""
    assert 50 <= default_rate_limit("https://api.procountor.com/v2502/api") == PRODUCTION_RATE < 60
    assert default_rate_limit("https://pts-api.procountor.com/api") == TEST_SERVER_RATE
    assert TEST_SERVER_RATE * 60 < 90
    cfg = tmp_path / "p.yml"
    for extract_cfg, want in (("", TEST_SERVER_RATE), ("extract: {rate_limit: 1}\n", 1.0)):
        cfg.write_text("connections:\n  - {name: t, base_url: 'https://pts-api.procountor.com/v2502/api', "
                       "client_id: c, client_secret: s, api_key: k}\n" + extract_cfg)
        config = load_config(cfg)
        assert api_client(config, config.connections[0]).limiter.rate == want
    cfg.write_text("extract: {rate_limit: fast}\n")
    with pytest.raises(ConfigError, match="rate_limit"):
        load_config(cfg)


@pytest.fixture(scope="module")
def sandbox():  # type: ignore[no-untyped-def]
    with SandboxServer(SandboxConfig(seed=5, documents=40, retired_api_versions=("v2302",))) as sb:
        yield sb


@pytest.mark.parametrize("pin", ["v2502", "latest", "supported"])
def test_extract_through_a_pinned_api_version(cli, sandbox, tmp_path: Path, pin: str) -> None:
    db = tmp_path / "w.duckdb"
    env = {**sandbox_env(sandbox), "PROCOUNTOR_BASE_URL": f"{sandbox.root_url}/{pin}/api"}
    sandbox.reset_request_counts()
    result = cli("--duckdb", str(db), "extract", "--stream", "accounts", "--stream", "product_groups", env=env)
    assert result.exit_code == 0, result.output
    paths = sandbox.request_counts(raw=True)
    assert paths and all(p.split(" ", 1)[1].startswith(f"/{pin}/api/") for p in paths), paths
    assert f"POST /{pin}/api/oauth/token" in paths
    assert f"API version {pin}" in result.output and "55 requests/s" in result.output
    assert set(landed(db, "accounts")) == {str(k) for k in sandbox.truth.records("accounts")}


def test_a_retired_pinned_version_says_what_to_do(cli, sandbox, tmp_path: Path) -> None:
    env = {**sandbox_env(sandbox), "PROCOUNTOR_BASE_URL": f"{sandbox.root_url}/v2302/api"}
    result = cli("--duckdb", str(tmp_path / "w.duckdb"), "extract", "--stream", "accounts", env=env)
    assert result.exit_code == 3, result.output
    assert "/supported/api" in result.output and "expires" in result.output


@pytest.mark.parametrize("server", [
    {},  # without `type` the sandbox answers sales and purchase groups only
    {"product_groups_without_type": ("SALES", "PURCHASE", "TRAVEL")},
    {"product_groups_ignore_type": True},  # every group for every `type`: no duplicates either
], ids=["default-leaves-travel-out", "default-all", "type-ignored"])
def test_product_groups_of_every_register_land(cli, tmp_path: Path, server: dict) -> None:  # type: ignore[type-arg]
    db = tmp_path / "w.duckdb"
    with SandboxServer(SandboxConfig(seed=5, documents=20, **server)) as sb:
        summary = extract(cli, sb, db, "--stream", "product_groups")
        groups = landed(db, "product_groups")
        truth = sb.truth.records("product_groups")
    assert set(groups) == {str(k) for k in truth}
    assert {g["type"] for g in groups.values()} == {"SALES", "PURCHASE", "TRAVEL"}
    assert summary["streams"][0]["records"] == len(truth)  # each group read once
