"""Fixtures of the reliability suite: a small sandbox per test and a config writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import write_config

DOCUMENTS = 200


@pytest.fixture
def sb() -> Iterator[SandboxServer]:
    """A fresh sandbox (200 invoices, ~500 ledger receipts), no rate limit unless a test sets one."""
    with SandboxServer(SandboxConfig(seed=11, documents=DOCUMENTS, rate_limit=0, timeout_fault_seconds=3)) as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def config(tmp_path: Path, sb: SandboxServer, db: Path) -> Any:
    """config(**overrides) writes procountor.yml for the sandbox and returns its path."""

    def make(name: str = "procountor.yml", **kw: Any) -> Path:
        return write_config(tmp_path / name, sb, db, **kw)

    return make
