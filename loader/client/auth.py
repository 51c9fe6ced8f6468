"""Sign-in to Procountor: the API key of a technical user, or "Sign in with Procountor".

Both flows end in a bearer access token (3600 s on the real API). The API-key flow simply asks
for a new token; the authorization-code flow keeps a refresh token, which Procountor may rotate on
every use, so a new refresh token is persisted before the access token that came with it is used.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from loader import secrets
from loader.client import retry
from loader.client.retry import Transient
from loader.errors import AuthError

INVOICEABLE_HINT = (
    "Procountor refused the sign-in. If the credentials are right, the most common cause is that the "
    "company has not enabled \"Allow the usage of invoiceable API clients\" (Procountor: Management → "
    "Company info → Usage settings → Integration settings). A company administrator must switch it on."
)
REFRESH_MARGIN_SECONDS = 60
TOKEN_ATTEMPTS = 6


class TokenStore(Protocol):
    def load(self) -> str | None: ...
    def save(self, refresh_token: str) -> None: ...
    def delete(self) -> None: ...


class FileTokenStore:
    """A refresh token in a file only its owner can read (0600), written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> str | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise AuthError(f"cannot read the token file {self.path}: {exc}") from None
        token = data.get("refresh_token")
        secrets.register(token)
        return token

    def save(self, refresh_token: str) -> None:
        secrets.register(refresh_token)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"refresh_token": refresh_token, "saved_at": int(time.time())}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


class KeyringTokenStore:
    """A refresh token in the OS keyring (needs the optional `keyring` package)."""

    def __init__(self, connection: str) -> None:
        try:
            import keyring  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the machine
            raise AuthError("token_store: keyring needs the 'keyring' package (pip install keyring)") from None
        self.service, self.user = "procountor-loader", connection

    def load(self) -> str | None:
        import keyring

        token = keyring.get_password(self.service, self.user)
        secrets.register(token)
        return token

    def save(self, refresh_token: str) -> None:
        import keyring

        secrets.register(refresh_token)
        keyring.set_password(self.service, self.user, refresh_token)

    def delete(self) -> None:
        import keyring

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self.service, self.user)


@dataclass
class Token:
    access_token: str
    expires_at: float  # monotonic clock

    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at


def _token_error(resp: requests.Response, grant: str = "client_credentials") -> AuthError:
    try:
        body: Any = resp.json()
    except ValueError:
        body = {}
    text = json.dumps(body)[:500] if body else resp.text[:200]
    detail = secrets.redact(text)
    lowered = detail.lower()
    if "invalid_grant" in lowered and grant in ("refresh_token", "authorization_code"):
        return AuthError(
            f"Procountor no longer accepts the stored refresh token or code (HTTP {resp.status_code}: "
            f"{detail}); it was revoked or has expired. Sign in again with `procountor-loader auth login`."
        )
    if resp.status_code == 404:
        return AuthError(
            f"the token endpoint was not found ({resp.url.split('?')[0]}): check base_url "
            "(PROCOUNTOR_BASE_URL) — it must end in /api (e.g. https://api.procountor.com/api); a pinned "
            "version (/vYYMM/api) expires about nine months after its release: pin a newer one or "
            "/supported/api"
        )
    if "invoiceable" in lowered or "unauthorized_client" in lowered or resp.status_code == 403:
        return AuthError(f"{INVOICEABLE_HINT} (HTTP {resp.status_code}: {detail})")
    if resp.status_code in (400, 401):
        return AuthError(
            f"sign-in failed (HTTP {resp.status_code}): the client id, client secret, API key or "
            f"refresh token was not accepted. {detail}. {INVOICEABLE_HINT}"
        )
    return AuthError(f"sign-in failed (HTTP {resp.status_code}): {detail}")


class LostTokenAnswer(AuthError):
    """A single-use grant was sent and its answer never arrived: it must not be sent again."""

    def __init__(self, grant: str, reason: str) -> None:
        self.grant = grant
        super().__init__(
            f"the token endpoint's answer to the {grant} grant was lost ({reason}). Procountor may have "
            "used up the refresh token or code already, so the loader does not send it again"
            f"{' (the stored refresh token was discarded)' if grant == 'refresh_token' else ''}. Sign in "
            "again with `procountor-loader auth login`, then run again; what this run committed stays.")


def _has_token(resp: requests.Response) -> bool:
    try:
        body = resp.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("access_token"))


class Authenticator:
    """Base: holds the current token and renews it before expiry or after a 401."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, timeout: float = 30.0) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        secrets.register(client_secret)
        self._token: Token | None = None
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._token is None or not self._token.fresh():
                self._token = self._fetch()
            return self._token.access_token

    def invalidate(self, stale: str) -> None:
        """Called after a 401: forget the token unless another thread already renewed it."""
        with self._lock:
            if self._token is not None and self._token.access_token == stale:
                self._token = None

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        """The token call, under the one retry policy (loader.client.retry). The endpoint fails
        transiently like any other (429, 5xx, resets, a body cut off). A client-credentials grant is
        simply sent again. A refresh-token or authorization-code grant is single-use: once the server
        may have read it, it is never sent again (the server may have rotated or spent it; replaying
        a refresh token can revoke the whole sign-in), so only a try that provably never reached the
        server is repeated, and any other lost answer raises LostTokenAnswer."""
        grant = form.get("grant_type", "")
        replayable = grant == "client_credentials"

        def attempt() -> requests.Response:
            try:
                resp = requests.post(self.token_url, data=form, timeout=self.timeout,
                                     headers={"Accept": "application/json"})
            except retry.TRANSPORT_ERRORS as exc:
                raise retry.from_transport_error(exc) from None
            except requests.RequestException as exc:
                raise Transient(f"{type(exc).__name__}: {secrets.redact(str(exc))[:200]}") from None
            if resp.status_code in retry.RETRY_STATUSES:
                # A 429 is a refusal before the grant is read; a 5xx may come after it was used.
                raise Transient(f"HTTP {resp.status_code}", wait=retry.retry_after(resp),
                                sent=resp.status_code != 429, response=resp)
            if resp.status_code == 200 and not _has_token(resp):
                raise Transient("an answer without a readable access_token", response=resp)
            return resp

        try:
            resp = retry.run(attempt, max_attempts=TOKEN_ATTEMPTS, max_backoff=8.0, replayable=replayable,
                             what=f"the {grant} grant")
        except Transient as exc:
            if not replayable and exc.sent:
                raise LostTokenAnswer(grant, exc.reason) from None
            if exc.response is not None and exc.response.status_code != 200:
                raise _token_error(exc.response, grant) from None
            if exc.response is not None:
                raise AuthError("the token endpoint answered without an access_token") from None
            raise AuthError(f"cannot reach the token endpoint {self.token_url}: {exc.reason}") from None
        if resp.status_code != 200:
            raise _token_error(resp, grant)
        body = resp.json()
        secrets.register(body["access_token"], body.get("refresh_token"))
        return body

    def _make_token(self, body: dict[str, Any]) -> Token:
        lifetime = float(body.get("expires_in") or 3600)
        margin = min(REFRESH_MARGIN_SECONDS, lifetime * 0.1)
        return Token(body["access_token"], time.monotonic() + lifetime - margin)

    def _fetch(self) -> Token:
        raise NotImplementedError


class ApiKeyAuthenticator(Authenticator):
    """client_credentials + the API key of a (technical) user; no refresh token involved."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, api_key: str, **kw: Any) -> None:
        super().__init__(token_url, client_id, client_secret, **kw)
        secrets.register(api_key)
        self.api_key = api_key

    def _fetch(self) -> Token:
        body = self._post({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_key": self.api_key,
        })
        return self._make_token(body)


class RefreshTokenAuthenticator(Authenticator):
    """Sign in with Procountor: the stored refresh token buys access tokens."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, store: TokenStore, **kw: Any) -> None:
        super().__init__(token_url, client_id, client_secret, **kw)
        self.store = store

    def _fetch(self) -> Token:
        refresh = self.store.load()
        if not refresh:
            raise AuthError("no stored refresh token: run `procountor-loader auth login` first")
        try:
            body = self._post({
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            })
        except LostTokenAnswer:
            # A later run must not replay it either: without a stored token it asks for `auth login`.
            if self.store.load() == refresh:
                self.store.delete()
            raise
        rotated = body.get("refresh_token")
        if rotated and rotated != refresh:
            # Persist before use: if we crash after this, the next run still has a valid token.
            self.store.save(rotated)
        return self._make_token(body)


def exchange_code(token_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str,
                  timeout: float = 30.0) -> dict[str, Any]:
    """The authorization-code grant: code → access token + refresh token."""
    secrets.register(code, client_secret)
    auth = Authenticator(token_url, client_id, client_secret, timeout=timeout)
    return auth._post({
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
    })
