"""Tokens, authorization codes and refresh tokens of the simulated Procountor OAuth server."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import VirtualClock


@dataclass
class Grant:
    company_index: int
    client_id: str
    expires_real: float  # time.monotonic() deadline
    expires_virtual: datetime  # virtual-clock deadline: advancing the clock expires tokens too
    redirect_uri: str | None = None
    uses: int = 0  # API requests made with this (access) token


class TokenStore:
    def __init__(self, clock: VirtualClock, lifetime: int, max_uses: int = 0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        # An access token also expires after this many API requests (0: no limit): expiry at a
        # known point of a run, whatever the machine's speed.
        self.max_uses = max_uses
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def _grant(self, company_index: int, client_id: str, seconds: float, redirect_uri: str | None = None) -> Grant:
        return Grant(company_index, client_id, time.monotonic() + seconds,
                     self.clock.now() + timedelta(seconds=seconds), redirect_uri)

    def _alive(self, grant: Grant | None) -> bool:
        return grant is not None and time.monotonic() < grant.expires_real and self.clock.now() < grant.expires_virtual

    def issue_access(self, company_index: int, client_id: str) -> str:
        token = "sbx-at-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access[token] = self._grant(company_index, client_id, self.lifetime)
        return token

    def issue_refresh(self, company_index: int, client_id: str) -> str:
        token = "sbx-rt-" + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[token] = self._grant(company_index, client_id, 365 * 86400)
        return token

    def issue_code(self, company_index: int, client_id: str, redirect_uri: str) -> str:
        code = "sbx-code-" + secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = self._grant(company_index, client_id, 600, redirect_uri)
        return code

    def access(self, token: str) -> Grant | None:
        with self._lock:
            grant = self._access.get(token)
            if not self._alive(grant):
                return None
            assert grant is not None
            if self.max_uses and grant.uses >= self.max_uses:
                return None
            grant.uses += 1
            return grant

    def redeem_code(self, code: str, client_id: str, redirect_uri: str) -> Grant | None:
        """Codes are single-use and bound to the client and redirect URI they were issued for."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if not self._alive(grant) or grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            return None
        return grant

    def rotate_refresh(self, token: str, client_id: str) -> Grant | None:
        """Refresh tokens rotate: the presented one is invalid afterwards, whatever the outcome."""
        with self._lock:
            grant = self._refresh.pop(token, None)
        if not self._alive(grant) or grant.client_id != client_id:
            return None
        return grant

    def revoke(self, token: str | None = None, company_index: int | None = None) -> int:
        """Revoke one token (access or refresh), or every token of a company; returns how many."""
        removed = 0
        with self._lock:
            for store in (self._access, self._refresh):
                for key in list(store):
                    if key == token or (company_index is not None and store[key].company_index == company_index):
                        del store[key]
                        removed += 1
        return removed

    def expire_all(self) -> None:
        with self._lock:
            for grant in self._access.values():
                grant.expires_real = 0
