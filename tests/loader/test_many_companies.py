"""Many companies in one extract: shards, one rate budget per API client, isolated failures.

- Sharding and the exit-code order are checked against their definitions (consistency with
  loader/companies.py's documented rules: deterministic, disjoint, complete, balanced).
- Failure isolation and the shared budget run the real CLI against a real sandbox with several
  companies under one API client (correctness against the sandbox's own rate limit and truth: the
  sandbox answers 429 whenever the client exceeds its budget, whatever the loader believes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner, Result

from loader.cli import main
from loader.companies import assign, parse_shard, shard_from_env, shared_limiters, worst_exit
from loader.config import Config, ConnectionConfig, DestinationConfig, ExtractConfig
from loader.destinations.duckdb import DuckDBDestination
from loader.errors import ConfigError
from loader.sandbox import SandboxConfig, SandboxServer

COMPANIES = 4


def _conns(n: int, client: str = "c") -> list[ConnectionConfig]:
    return [ConnectionConfig(f"co{i:03d}", "https://api.procountor.com/api", "api_key", client, "s", "k")
            for i in range(n)]


@pytest.mark.parametrize("companies", [0, 1, 2, 7, 300])
@pytest.mark.parametrize("shards", [1, 2, 3, 8, 10])
def test_shards_are_deterministic_disjoint_complete_and_balanced(companies: int, shards: int) -> None:
    conns = _conns(companies)
    parts = [[c.name for c in assign(conns, i, shards)] for i in range(shards)]
    names = [n for part in parts for n in part]
    assert sorted(names) == sorted(c.name for c in conns), "complete"
    assert len(names) == len(set(names)), "disjoint"
    assert max(map(len, parts)) - min(map(len, parts)) <= 1, "balanced by count"
    shuffled = list(reversed(conns))  # the config's order does not matter
    assert parts == [[c.name for c in assign(shuffled, i, shards)] for i in range(shards)], "deterministic"


def test_shard_parsing_and_cloud_run_variables() -> None:
    assert parse_shard("2/5") == (2, 5)
    for bad in ("5/5", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(ConfigError):
            parse_shard(bad)
    assert shard_from_env({"CLOUD_RUN_TASK_INDEX": "3", "CLOUD_RUN_TASK_COUNT": "4"}) == (3, 4)
    assert shard_from_env({}) is None


def test_worst_exit_order() -> None:
    """README, "Exit codes": 1 > 5 > 2 > 3 > 4 > 6 > 7 > 0."""
    assert worst_exit([0, 7, 3, 4]) == 3
    assert worst_exit([0, 7]) == 7
    assert worst_exit([4, 6, 7]) == 4
    assert worst_exit([3, 2]) == 2
    assert worst_exit([2, 5]) == 5
    assert worst_exit([5, 1]) == 1
    assert worst_exit([0, 0]) == 0 and worst_exit([]) == 0


def test_one_bucket_per_api_client_with_the_shards_part() -> None:
    conns = _conns(3, "firm") + _conns(2, "other")
    cfg = Config(conns, DestinationConfig(), ExtractConfig(rate_limit=60.0), {})
    limiters = shared_limiters(cfg, conns, shards=4)
    assert len(limiters) == 2
    assert {round(lim.rate, 6) for lim in limiters.values()} == {15.0}


# -- against the sandbox ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    """Four companies under one API client (company 3's API user may not read fiscal years); the
    sandbox allows the client 5 requests/s (bursts of 5)."""
    with SandboxServer(SandboxConfig(seed=13, documents=25, companies=COMPANIES, rate_limit=5, rate_burst=5,
                                     denied_rights={3: ("/fiscalyears",)})) as server:
        yield server


def _config(tmp_path: Path, sb: SandboxServer, *, bad_key: int | None = None, **extract: Any) -> Path:
    conns = []
    for i in range(COMPANIES):
        creds = sb.credentials(i)
        conns.append({"name": f"company{i}", "base_url": sb.base_url, "auth": "api_key",
                      "client_id": creds["client_id"], "client_secret": creds["client_secret"],
                      "api_key": "wrong-key" if i == bad_key else creds["api_key"]})
    body = {"connections": conns, "destination": {"type": "duckdb", "path": str(tmp_path / "w.duckdb")},
            "extract": {"rate_limit": 5, "parallel_companies": COMPANIES, "max_attempts": 8} | extract,
            "streams": {"accounts": {}, "invoices": {}, "fiscal_years": {}}}
    path = tmp_path / "procountor.yml"
    path.write_text(yaml.safe_dump(body))
    return path


def _extract(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "extract", "--json", *args], env=env or {},
                              catch_exceptions=False)


def _landed(tmp_path: Path) -> set[int]:
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        return {r[0] for r in con.execute("select distinct _company_id from raw_procountor.invoices").fetchall()}
    finally:
        con.close()


def _outcomes(result: Result) -> dict[str, dict[str, Any]]:
    start = result.stdout.index("[")
    return {o["connection"]: o for o in json.loads(result.stdout[start:])}


def test_one_company_failing_does_not_stop_the_others(sb: SandboxServer, tmp_path: Path) -> None:
    """company1 cannot sign in (exit 3), company2's lease is held by another run (exit 7),
    company3 may not read a stream (partial, 9), company0 lands; the summary names each outcome
    and the exit code is the worst (3)."""
    config = _config(tmp_path, sb, bad_key=1)
    dest = DuckDBDestination(tmp_path / "w.duckdb")
    dest.setup()
    dest.acquire_lease(sb.company_ids[2], "someone-else", 600)
    dest.close()

    result = _extract(config)
    assert result.exit_code == 3, result.output
    outcomes = _outcomes(result)
    assert {k: (o["outcome"], o["exit_code"]) for k, o in outcomes.items()} == {
        "company0": ("ok", 0), "company1": ("auth", 3), "company2": ("lease", 7), "company3": ("partial", 9)}
    assert _landed(tmp_path) == {sb.company_ids[0], sb.company_ids[3]}
    truth = sum(1 for r in sb.truth.records("invoices", 0).values() if not r.get("isOffer"))
    invoices = next(s for s in outcomes["company0"]["streams"] if s["stream"] == "invoices")
    assert invoices["records"] == truth > 0
    assert "1 of 4 companies ok; exit code 3" in result.stderr
    assert "error (rights): partial run: 1 stream(s) not read for missing rights: company3/fiscal_years" \
        in result.stderr


def test_companies_side_by_side_share_one_budget(tmp_path: Path) -> None:
    """Three companies at once under one 4 req/s bucket never trip the sandbox's 5 req/s limit (the
    headroom covers sign-ins, which the token endpoint counts too). Three buckets of 4 would."""
    with SandboxServer(SandboxConfig(seed=13, documents=25, companies=COMPANIES, rate_limit=5, rate_burst=5)) as sb:
        result = _extract(_config(tmp_path, sb, rate_limit=4))
        company_ids = set(sb.company_ids)
    assert result.exit_code == 0, result.output
    outcomes = _outcomes(result)
    assert all(o["outcome"] == "ok" for o in outcomes.values())
    assert _landed(tmp_path) == company_ids
    throttled = {name: o["retries"] for name, o in outcomes.items() if o.get("retries")}
    assert not throttled, f"the shared budget was exceeded: {throttled}"


@pytest.mark.parametrize("how", ["flag", "cloud_run"])
def test_a_shard_extracts_only_its_companies(sb: SandboxServer, tmp_path: Path, how: str) -> None:
    config = _config(tmp_path, sb)
    if how == "flag":
        result = _extract(config, "--shard", "1/2")
    else:
        result = _extract(config, env={"CLOUD_RUN_TASK_INDEX": "1", "CLOUD_RUN_TASK_COUNT": "2"})
    assert result.exit_code == 9, result.output  # company3's missing right
    assert set(_outcomes(result)) == {"company1", "company3"}  # sorted names company0..3, shard 1 of 2
    assert _landed(tmp_path) == {sb.company_ids[1], sb.company_ids[3]}
    assert "1/2 of each API client's rate budget" in result.stderr
