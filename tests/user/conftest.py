"""One warehouse for the whole user-facing suite: sandbox → `procountor-loader sync` → DuckDB.

Built once per session (a small seeded company) and only read afterwards, so the report, MCP,
BI-query and catalog tests all look at the same figures.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.user.warehouse import CLI, Warehouse, clean_env


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
