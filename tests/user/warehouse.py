"""What the user-facing suite shares: the repository, the CLI command line, the warehouse handle."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

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
