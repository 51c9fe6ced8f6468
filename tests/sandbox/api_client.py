"""An authenticated client of the sandbox API for the sandbox suite (imported by its tests and conftest)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import requests

from loader.sandbox import SandboxServer


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
