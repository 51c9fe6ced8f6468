"""The API client: bearer auth, one shared rate limiter, retries, and the server's clock.

Retried (loader.client.retry, the one policy for every HTTP call): 429 (honouring Retry-After, and
holding back every worker), 5xx, timeouts, connection resets, and bodies that are cut off or are not
JSON. A 401 renews the token once within the same try. Everything else fails with a clear ApiError.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from loader import exact_json, secrets
from loader.client import retry
from loader.client.auth import Authenticator
from loader.client.ratelimit import RateLimiter
from loader.client.retry import Transient
from loader.errors import ApiError, AuthError, ConfigError, MissingRightsError

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# reference.md §1: `{host}/api` (unpinned), `{host}/vYYMM/api` (a numbered quarterly version,
# supported about nine months), `{host}/latest/api` (monthly), `{host}/supported/api` (moves to the
# newest numbered version every three months). A proxy may put a prefix in front.
_PINNED = re.compile(r"/(v\d{4}|latest|supported)/api$")
_ANCIENT = re.compile(r"/procountor\.api\.v\d+/api$")
PRODUCTION_HOST = "api.procountor.com"
TEST_HOSTS = {"pts-api.procountor.com", "pts-procountor.pubdev.azure.procountor.com"}
# Requests per second when the config sets none: Procountor publishes 60/s per API client on
# production and 90 per *minute* on the test server (PTS); both less a margin for clock jitter
# between our token bucket and theirs. Other hosts (a sandbox, a compatible server) get the
# production figure.
PRODUCTION_RATE = 55.0
TEST_SERVER_RATE = 80 / 60


def check_base_url(base_url: str) -> str:
    """The base URL must be https (plain http only for this machine) and end in /api, optionally
    pinned to an API version (/vYYMM/api, /latest/api, /supported/api)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base_url {base_url!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError(
            f"base_url {base_url!r} uses plain http for a non-local host; credentials would travel "
            "unencrypted. Use https://api.procountor.com/api (or https://pts-api.procountor.com/api)."
        )
    path = parts.path.rstrip("/")
    if _ANCIENT.search(path):
        raise ConfigError(f"base_url {base_url!r} uses the pre-2020 path style that Procountor no longer "
                          "serves; use https://api.procountor.com/v2502/api (a pinned version) or .../api")
    if not path.endswith("/api"):
        raise ConfigError(f"base_url {base_url!r} must end in /api, e.g. https://api.procountor.com/api "
                          "or, pinned to an API version, https://api.procountor.com/v2502/api")
    return base_url.rstrip("/")


def api_version(base_url: str) -> str:
    """The API version a base URL asks for: vYYMM, latest, supported, or "unpinned"."""
    found = _PINNED.search(urlsplit(base_url).path.rstrip("/"))
    return found.group(1) if found else "unpinned"


def version_note(base_url: str) -> str:
    version = api_version(base_url)
    return ("API version unpinned: pin one, e.g. /v2502/api or /supported/api (README, Configuration)"
            if version == "unpinned" else f"API version {version}")


def default_rate_limit(base_url: str) -> float:
    host = (urlsplit(base_url).hostname or "").lower()
    return TEST_SERVER_RATE if host in TEST_HOSTS else PRODUCTION_RATE


class ApiClient:
    def __init__(
        self,
        base_url: str,
        auth: Authenticator,
        limiter: RateLimiter,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_attempts: int = 8,
        max_backoff: float = 30.0,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.auth = auth
        self.limiter = limiter
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self._local = threading.local()
        self._lock = threading.Lock()
        self.request_count = 0
        self.retry_counts: Counter[str] = Counter()
        self.server_time: datetime | None = None  # from the last Date header (UTC)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Accept"] = "application/json"
            session.headers["User-Agent"] = "procountor-loader"
            self._local.session = session
        return session

    def get(self, path: str, params: dict[str, Any] | None = None, *, allow_404: bool = False,
            decode: Callable[[bytes], Any] | None = None) -> Any:
        """`decode` parses the body instead of `exact_json.loads_wire` (raising ValueError when it
        is not JSON): a listing that needs only ids reads only ids."""
        return self.request("GET", path, params=params, allow_404=allow_404, decode=decode)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        allow_404: bool = False,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        def attempt() -> Any:
            try:
                return self._attempt(method, path, params, body, allow_404, decode or exact_json.loads_wire)
            except Transient as exc:
                with self._lock:
                    self.retry_counts[exc.reason] += 1
                raise

        def on_retry(exc: Transient, delay: float) -> None:
            if exc.response is not None and exc.response.status_code == 429:
                self.limiter.pause(delay)  # the limit is the client's: every worker waits

        try:
            return retry.run(attempt, max_attempts=self.max_attempts, max_backoff=self.max_backoff,
                             on_retry=on_retry, what=f"{method} {path}", logger=log)
        except Transient as exc:
            raise ApiError(f"{method} {path}: gave up after {self.max_attempts} attempts "
                           f"(last: {exc.reason})") from None

    def _attempt(self, method: str, path: str, params: dict[str, Any] | None, body: dict[str, Any] | None,
                 allow_404: bool, decode: Callable[[bytes], Any]) -> Any:
        """One try (two requests when a 401 makes us sign in again). Raises Transient to retry."""
        data = exact_json.dumps(body).encode() if body is not None else None
        for renewed in (False, True):
            self.limiter.acquire()
            token = self.auth.access_token()
            headers = {"Authorization": f"Bearer {token}"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            with self._lock:
                self.request_count += 1
            try:
                resp = self._session().request(method, self.base_url + path, params=params, data=data,
                                               headers=headers, timeout=self.timeout)
                self._note_date(resp)
                status = resp.status_code
                if status == 401 and not renewed:
                    self.auth.invalidate(token)
                    continue
                if status == 401:
                    raise AuthError(f"{method} {path}: the API refused the access token (HTTP 401) even "
                                    "after signing in again")
                if status == 403:
                    raise MissingRightsError(f"{method} {path}: the API user has no rights to read this "
                                             f"(HTTP 403). {self._error_text(resp)}", method, path)
                if status == 404 and allow_404:
                    return None
                if status in retry.RETRY_STATUSES:
                    raise Transient(f"HTTP {status}", wait=retry.retry_after(resp) if status == 429 else None,
                                    response=resp)
                if status >= 400:
                    raise ApiError(f"{method} {path} failed with HTTP {status}: {self._error_text(resp)}")
                try:
                    return decode(resp.content)
                except ValueError:
                    raise Transient("a body that is not valid JSON", response=resp) from None
            except retry.TRANSPORT_ERRORS as exc:
                raise retry.from_transport_error(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_date(self, resp: requests.Response) -> None:
        value = resp.headers.get("Date")
        if not value:
            return
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.server_time = when

    @staticmethod
    def _error_text(resp: requests.Response) -> str:
        try:
            body = resp.json()
            errors = body.get("errors") if isinstance(body, dict) else None
            if errors:
                text = "; ".join(f"{e.get('field') or ''} {e.get('message') or ''}".strip() for e in errors)
            else:
                text = str(body)[:300]
        except ValueError:
            text = resp.text[:300]
        return secrets.redact(text)
