"""One warehouse for the whole user-facing suite: sandbox → `procountor-loader sync` → DuckDB.

Built once per session (a small seeded company) and only read afterwards, so the report, MCP,
BI-query and catalog tests all look at the same figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
# not `-m loader.cli`: that would import the CLI module twice (as __main__ and as loader.cli)
CLI = [sys.executable, "-c", "from loader.cli import main; main()"]


@dataclass(frozen=True)
class Warehouse:
    path: Path
    sync_output: str

    def sql(self, query: str, params: list[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


def clean_env(**extra: str) -> dict[str, str]:
    """The developer's own Procountor / dbt settings never leak into a test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCOUNTOR_") and k != "DBT_PROFILES_DIR"}
    return {**env, **extra}


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from loader.sandbox import SandboxConfig, SandboxServer

    work = tmp_path_factory.mktemp("warehouse")
    db = work / "warehouse.duckdb"
    with SandboxServer(SandboxConfig(seed=7, documents=400)) as sb:
        creds = sb.credentials(0)
        env = clean_env(PROCOUNTOR_BASE_URL=sb.base_url, PROCOUNTOR_CLIENT_ID=creds["client_id"],
                        PROCOUNTOR_CLIENT_SECRET=creds["client_secret"], PROCOUNTOR_API_KEY=creds["api_key"])
        proc = subprocess.run([*CLI, "--duckdb", str(db), "sync"], cwd=work, env=env, text=True,
                              capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:] + proc.stdout[-4000:]
    yield Warehouse(db, proc.stderr + proc.stdout)
