"""Builds the API client and the destination from the configuration."""

from __future__ import annotations

from pathlib import Path

from loader.client.auth import (
    ApiKeyAuthenticator,
    Authenticator,
    FileTokenStore,
    KeyringTokenStore,
    RefreshTokenAuthenticator,
    TokenStore,
)
from loader.client.http import ApiClient, check_base_url, default_rate_limit
from loader.client.ratelimit import RateLimiter
from loader.config import Config, ConnectionConfig, validate_credentials
from loader.destinations.base import Destination
from loader.errors import ConfigError

DEFAULT_TOKEN_DIR = Path.home() / ".config" / "procountor-loader" / "tokens"


def token_store(conn: ConnectionConfig) -> TokenStore:
    if conn.token_store == "keyring":
        return KeyringTokenStore(conn.name)
    return FileTokenStore(conn.token_file or DEFAULT_TOKEN_DIR / f"{conn.name}.json")


def authenticator(conn: ConnectionConfig, timeout: float = 30.0) -> Authenticator:
    base = check_base_url(conn.base_url)
    token_url = f"{base}/oauth/token"
    if conn.auth == "oauth":
        if not conn.client_id or not conn.client_secret:
            raise ConfigError(f"connection {conn.name!r}: oauth needs client_id and client_secret")
        return RefreshTokenAuthenticator(token_url, conn.client_id, conn.client_secret, token_store(conn),
                                         timeout=timeout)
    validate_credentials(conn)
    return ApiKeyAuthenticator(token_url, conn.client_id, conn.client_secret, conn.api_key or "", timeout=timeout)


def rate_limit(config: Config, conn: ConnectionConfig) -> float:
    """extract.rate_limit, else the host's default (requests/s for the whole API client)."""
    x = config.extract
    return x.rate_limit if x.rate_limit is not None else default_rate_limit(conn.base_url)


def api_client(config: Config, conn: ConnectionConfig, limiter: RateLimiter | None = None) -> ApiClient:
    """`limiter`: a token bucket shared with the other companies of the same API client."""
    x = config.extract
    limiter = limiter or RateLimiter(rate_limit(config, conn))
    return ApiClient(conn.base_url, authenticator(conn, x.timeout_seconds), limiter,
                     timeout=(10.0, x.timeout_seconds), max_attempts=x.max_attempts)


def destination(config: Config) -> Destination:
    d = config.destination
    if d.type == "duckdb":
        from loader.destinations.duckdb import DuckDBDestination

        return DuckDBDestination(d.path, d.schema, d.memory_limit)
    if d.type == "bigquery":
        try:
            from loader.destinations.bigquery import BigQueryDestination
        except ImportError as exc:  # pragma: no cover
            raise ConfigError(f"the BigQuery destination is not available: {exc}") from None
        if not d.project:
            raise ConfigError("destination.project is required for BigQuery")
        return BigQueryDestination(project=d.project, dataset=d.schema, location=d.location,
                                   credentials_file=d.credentials_file, api_endpoint=d.api_endpoint,
                                   maximum_bytes_billed=d.maximum_bytes_billed, labels=d.labels)
    raise ConfigError(f"unknown destination type {d.type!r}")


def pick_connection(config: Config, name: str | None) -> list[ConnectionConfig]:
    if name is None:
        return config.connections
    for conn in config.connections:
        if conn.name == name:
            return [conn]
    raise ConfigError(f"no connection named {name!r}; configured: {[c.name for c in config.connections]}")
