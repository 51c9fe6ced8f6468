"""Fixtures of the sandbox suite: a small shared server and authenticated sessions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from loader.sandbox import SandboxConfig, SandboxServer

SMALL = 300


def token(sb: SandboxServer, company_index: int = 0) -> str:
    response = requests.post(sb.token_url, data={"grant_type": "client_credentials", **sb.credentials(company_index)},
                             timeout=10)
    response.raise_for_status()
    return str(response.json()["access_token"])


class Api:
    """A tiny authenticated client: ``api.get("/invoices", size=10)`` -> parsed JSON (Decimals kept)."""

    def __init__(self, sb: SandboxServer, company_index: int = 0) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token(sb, company_index)}"

    def raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 20)
        return self.session.request(method, self.sb.base_url + path, **kwargs)

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        response = self.raw("GET", path, params=params, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json(parse_float=Decimal)

    def post(self, path: str, body: Any) -> Any:
        response = self.raw("POST", path, json=body)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json(parse_float=Decimal)

    def walk(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every result of a paged list, by ``page``."""
        out: list[dict[str, Any]] = []
        page = 0
        while True:
            body = self.get(path, page=page, size=200, **params)
            out.extend(body["results"])
            if len(body["results"]) < 200:
                return out
            page += 1


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
