"""Fixtures of the sandbox suite: a small shared server and authenticated sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.sandbox.api_client import Api

SMALL = 300


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[SandboxServer]:
    """Read-only tests share one server; tests that change data start their own."""
    with SandboxServer(SandboxConfig(seed=7, documents=SMALL, companies=2, rate_limit=0)) as sb:
        yield sb


@pytest.fixture(scope="session")
def api(shared_sandbox: SandboxServer) -> Api:
    return Api(shared_sandbox)


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=3, documents=200, rate_limit=0)) as sb:
        yield sb
