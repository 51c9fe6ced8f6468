"""The loader's configuration: one YAML file (procountor.yml) plus environment variables.

Without a file, one connection is read from PROCOUNTOR_* environment variables and every stream is
selected with every catalog field. `${VAR}` in the file is replaced from the environment, so
secrets need not be written into it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loader.errors import ConfigError
from loader.projection import Trie, build_trie
from loader.streams.contract import canonical_path, field_catalog, recursive_links
from loader.streams.registry import REGISTRY, StreamSpec, get_stream

DEFAULT_BASE_URL = "https://api.procountor.com/api"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class ConnectionConfig:
    name: str
    base_url: str
    auth: str  # "api_key" | "oauth"
    client_id: str
    client_secret: str
    api_key: str | None = None
    redirect_uri: str = "http://localhost:8765/callback"
    token_store: str = "file"  # "file" | "keyring"
    token_file: Path | None = None

    def __repr__(self) -> str:  # never print secrets
        return f"ConnectionConfig(name={self.name!r}, base_url={self.base_url!r}, auth={self.auth!r})"


@dataclass
class DestinationConfig:
    type: str = "duckdb"
    path: str = "warehouse.duckdb"
    schema: str = "raw_procountor"
    project: str | None = None
    location: str | None = None
    credentials_file: str | None = None
    api_endpoint: str | None = None
    maximum_bytes_billed: int | None = None
    memory_limit: str = "64MB"  # DuckDB: above this the commit spills to <path>.tmp
    labels: dict[str, str] | None = None  # BigQuery: extra labels on every job


@dataclass
class ExtractConfig:
    # requests/s; None follows the host: 55 on production (60/s published), 80/min on the test
    # server pts-api (90/min published), 55 elsewhere (client.http.default_rate_limit)
    rate_limit: float | None = None
    workers: int = 4
    parallel_companies: int = 4  # connections extracted side by side (they share the API client's budget)
    overlap_minutes: int = 75  # >= 60: the autumn clock change repeats an hour of Helsinki stamps
    window_lookback_days: int = 60
    start_date: str = "2000-01-01"
    api_timezone: str = "Europe/Helsinki"
    signpost_skew_seconds: int = 5
    sweep_every_hours: float = 24.0
    spool_dir: str = ".spool"
    # Size of a spool file (bytes of JSON): each finished file is parsed into the warehouse's scratch
    # space while the API is still read, so the commit at the end of a large stream has one file
    # left to parse; small files also keep DuckDB's parse buffers within its memory_limit.
    spool_file_bytes: int = 8_000_000
    # A live run renews its lease every ttl/3 s; a dead one's lease frees after ttl s at most
    # (at once when its process is known dead on this host).
    lease_ttl_seconds: int = 120
    timeout_seconds: float = 60.0
    max_attempts: int = 8
    # A stream the API user has no rights to (HTTP 403): "partial" lands every other stream and
    # exits 9; "skip" does the same and exits 0 (the streams are still named on stderr and in runs).
    on_missing_rights: str = "partial"


@dataclass
class StreamSelection:
    spec: StreamSpec
    fields: list[str]  # selected field paths (always includes the automatic ones)
    options: dict[str, Any] = field(default_factory=dict)
    all_fields: bool = False


@dataclass
class Config:
    connections: list[ConnectionConfig]
    destination: DestinationConfig
    extract: ExtractConfig
    streams: dict[str, StreamSelection]
    source: Path | None = None


def _interpolate(value: Any) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            env = os.environ.get(m.group(1))
            if env is None:
                if m.group(2) is not None:
                    return m.group(2)
                raise ConfigError(f"environment variable {m.group(1)} is referenced in the config but not set")
            return env
        return _ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    return value


def automatic_fields(spec: StreamSpec) -> list[str]:
    """Fields the engine itself needs: the key, the cursor and the links it follows."""
    out = [f for f in (spec.primary_key, spec.cursor_field, *spec.key_fields) if f]
    if spec.sweep == "linked":
        out.append("invoiceId")
    if spec.name == "invoices":
        out += ["date", "paymentInfo.currency"]  # exchange rates are read for these
    if spec.fanout_param:
        out.append(spec.fanout_param)
    return out


def catalog_paths(spec: StreamSpec) -> list[str]:
    return [f.path for f in field_catalog(spec.record_schema)]


def opaque_paths(spec: StreamSpec) -> set[str]:
    """Object (or untyped) fields the contract declares without fields of their own: projected as
    objects of which nothing is selected, so whatever the API puts in them is reported, not landed."""
    catalog = field_catalog(spec.record_schema)
    parents = {f.path.rsplit(".", 1)[0] for f in catalog if "." in f.path}
    return {f.path for f in catalog if f.recursive_of is None and f.path not in parents
            and f.type.removeprefix("array<").rstrip(">") in ("object", "any")}


def selection_trie(spec: StreamSpec, fields: list[str]) -> Trie:
    """The projection trie of a selection: recursive fields repeat their anchor's selection."""
    return build_trie(fields, recursive_links(spec.record_schema), opaque_paths(spec))


def to_leaves(spec: StreamSpec, paths: set[str]) -> list[str]:
    """Selected catalog objects become their catalogued leaves, so a field the API adds inside a
    selected object later is dropped (and reported), never loaded on its own."""
    catalog = catalog_paths(spec)
    parents = {p.rsplit(".", 1)[0] for p in catalog if "." in p}
    out: set[str] = set()
    for path in paths:
        if path in parents:
            out |= {c for c in catalog if c.startswith(path + ".") and c not in parents}
        else:
            out.add(path)
    return sorted(out)


def _selection(spec: StreamSpec, raw: Any) -> StreamSelection:
    if raw is None or raw is True:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"streams.{spec.name}: expected a mapping (fields:, options:), got {raw!r}")
    unknown_keys = set(raw) - {"fields", "extra_fields", "options", "selected"}
    if unknown_keys:
        raise ConfigError(f"streams.{spec.name}: unknown key(s) {sorted(unknown_keys)}; "
                          "use fields: and options:")
    fields_raw = raw.get("fields", "all")
    catalog = catalog_paths(spec)
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError(f"streams.{spec.name}.options must be a mapping")
    unknown_opts = set(options) - set(spec.optional_variants)
    if unknown_opts:
        allowed = sorted(spec.optional_variants) or "none"
        raise ConfigError(f"streams.{spec.name}.options: unknown option(s) {sorted(unknown_opts)} "
                          f"(allowed: {allowed})")
    extra = raw.get("extra_fields") or []
    if not isinstance(extra, list) or not all(isinstance(f, str) and f.strip() for f in extra):
        raise ConfigError(f"streams.{spec.name}.extra_fields must be a list of field paths")
    if fields_raw in ("all", "*"):
        leaves = to_leaves(spec, set(catalog) | set(automatic_fields(spec)))
        return StreamSelection(spec, sorted(set(leaves) | set(extra)), options, all_fields=True)
    if not isinstance(fields_raw, list) or not all(isinstance(f, str) for f in fields_raw):
        raise ConfigError(f"streams.{spec.name}.fields must be 'all' or a list of field paths")
    # A path through a recursive field names the same field as its canonical path (one type, one
    # selection): `events.event.name` is `events.name`.
    links = recursive_links(spec.record_schema)
    fields_raw = [canonical_path(f, links) for f in fields_raw]
    known = set(catalog)
    bad = [f for f in fields_raw if f not in known]
    if bad:
        raise ConfigError(
            f"streams.{spec.name}.fields: unknown field(s) {bad}. "
            f"Run `procountor-loader discover --stream {spec.name}` to list the fields; fields the API "
            "sends that the catalog does not know yet go under extra_fields:."
        )
    fields = sorted(set(to_leaves(spec, set(fields_raw) | set(automatic_fields(spec)))) | set(extra))
    return StreamSelection(spec, fields, options)


def _connection_from_env(name: str = "default") -> ConnectionConfig:
    env = os.environ
    auth = env.get("PROCOUNTOR_AUTH", "oauth" if not env.get("PROCOUNTOR_API_KEY") and
                   env.get("PROCOUNTOR_REFRESH_TOKEN_FILE") else "api_key")
    return ConnectionConfig(
        name=name,
        base_url=env.get("PROCOUNTOR_BASE_URL", DEFAULT_BASE_URL),
        auth=auth,
        client_id=env.get("PROCOUNTOR_CLIENT_ID", ""),
        client_secret=env.get("PROCOUNTOR_CLIENT_SECRET", ""),
        api_key=env.get("PROCOUNTOR_API_KEY"),
        redirect_uri=env.get("PROCOUNTOR_REDIRECT_URI", "http://localhost:8765/callback"),
        token_file=Path(env["PROCOUNTOR_REFRESH_TOKEN_FILE"]) if env.get("PROCOUNTOR_REFRESH_TOKEN_FILE") else None,
    )


def _connection(raw: dict[str, Any], index: int) -> ConnectionConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"connections[{index}] must be a mapping")
    env_default = _connection_from_env()
    allowed = {"name", "base_url", "auth", "client_id", "client_secret", "api_key", "redirect_uri",
               "token_store", "token_file"}
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(f"connections[{index}]: unknown key(s) {sorted(unknown)}")
    auth = raw.get("auth", env_default.auth)
    if auth not in ("api_key", "oauth"):
        raise ConfigError(f"connections[{index}].auth must be api_key or oauth, not {auth!r}")
    store = raw.get("token_store", "file")
    if store not in ("file", "keyring"):
        raise ConfigError(f"connections[{index}].token_store must be file or keyring")
    return ConnectionConfig(
        name=str(raw.get("name") or f"connection{index + 1}"),
        base_url=str(raw.get("base_url") or env_default.base_url),
        auth=auth,
        client_id=str(raw.get("client_id") or env_default.client_id),
        client_secret=str(raw.get("client_secret") or env_default.client_secret),
        api_key=raw.get("api_key") or env_default.api_key,
        redirect_uri=str(raw.get("redirect_uri") or env_default.redirect_uri),
        token_store=store,
        token_file=Path(raw["token_file"]) if raw.get("token_file") else env_default.token_file,
    )


def _dataclass_from(cls: type, raw: Any, where: str) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    names = set(cls.__dataclass_fields__)
    unknown = set(raw) - names
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(names)})")
    obj = cls()
    for key, value in raw.items():
        default = getattr(obj, key)
        if default is not None and value is not None and not isinstance(value, type(default)):
            if isinstance(default, float) and isinstance(value, int):
                value = float(value)
            else:
                raise ConfigError(f"{where}.{key}: expected {type(default).__name__}, got {value!r}")
        setattr(obj, key, value)
    return obj


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file (if any) and the environment; validate everything up front."""
    raw: dict[str, Any] = {}
    source = None
    if path is None and Path("procountor.yml").exists():
        path = "procountor.yml"
    if path is not None:
        source = Path(path)
        try:
            loaded = yaml.safe_load(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {source} not found") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {source} is not valid YAML: {exc}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {source}: the top level must be a mapping")
        raw = _interpolate(loaded)
    unknown = set(raw) - {"connections", "destination", "extract", "streams"}
    if unknown:
        raise ConfigError(f"config: unknown top-level key(s) {sorted(unknown)}")

    conns_raw = raw.get("connections")
    if conns_raw is None:
        connections = [_connection_from_env()]
    elif not isinstance(conns_raw, list) or not conns_raw:
        raise ConfigError("connections must be a non-empty list")
    else:
        connections = [_connection(c, i) for i, c in enumerate(conns_raw)]
    names = [c.name for c in connections]
    if len(set(names)) != len(names):
        raise ConfigError(f"connection names must be unique: {names}")

    destination = _dataclass_from(DestinationConfig, raw.get("destination"), "destination")
    if destination.type not in ("duckdb", "bigquery"):
        raise ConfigError(f"destination.type must be duckdb or bigquery, not {destination.type!r}")
    if os.environ.get("PROCOUNTOR_DUCKDB_PATH") and destination.type == "duckdb" and "destination" not in raw:
        destination.path = os.environ["PROCOUNTOR_DUCKDB_PATH"]
    extract = _dataclass_from(ExtractConfig, raw.get("extract"), "extract")
    if extract.rate_limit is not None:
        if isinstance(extract.rate_limit, bool) or not isinstance(extract.rate_limit, int | float):
            raise ConfigError(f"extract.rate_limit: expected float (requests per second), got {extract.rate_limit!r}")
        extract.rate_limit = float(extract.rate_limit)
    if (extract.rate_limit is not None and extract.rate_limit <= 0) or extract.workers < 1:
        raise ConfigError("extract.rate_limit must be > 0 and extract.workers >= 1")
    if isinstance(extract.spool_file_bytes, bool) or not isinstance(extract.spool_file_bytes, int) \
            or extract.spool_file_bytes < 1:
        raise ConfigError(f"extract.spool_file_bytes must be a whole number >= 1, not {extract.spool_file_bytes!r}")
    if extract.parallel_companies < 1:
        raise ConfigError("extract.parallel_companies must be >= 1")
    if extract.on_missing_rights not in ("partial", "skip"):
        raise ConfigError(f"extract.on_missing_rights must be partial or skip, not {extract.on_missing_rights!r}")
    if extract.lease_ttl_seconds < 1:
        raise ConfigError("extract.lease_ttl_seconds must be at least 1")
    if extract.overlap_minutes < 60:
        raise ConfigError("extract.overlap_minutes must be at least 60: a server writing Helsinki time repeats "
                          "an hour of version stamps at the autumn clock change")

    streams_raw = raw.get("streams")
    streams: dict[str, StreamSelection] = {}
    if streams_raw is None:
        for spec in REGISTRY:
            if spec.default_selected:
                streams[spec.name] = _selection(spec, None)
    else:
        if not isinstance(streams_raw, dict):
            raise ConfigError("streams must be a mapping of stream name → {fields, options}")
        for name, sel in streams_raw.items():
            try:
                spec = get_stream(name)
            except KeyError:
                known = ", ".join(s.name for s in REGISTRY)
                raise ConfigError(f"unknown stream {name!r}; known streams: {known}") from None
            if isinstance(sel, dict) and sel.get("selected") is False:
                continue
            streams[name] = _selection(spec, sel)
    return Config(connections, destination, extract, streams, source)


def validate_credentials(conn: ConnectionConfig) -> None:
    missing = [n for n, v in (("client_id", conn.client_id), ("client_secret", conn.client_secret)) if not v]
    if conn.auth == "api_key" and not conn.api_key:
        missing.append("api_key")
    if missing:
        env = {"client_id": "PROCOUNTOR_CLIENT_ID", "client_secret": "PROCOUNTOR_CLIENT_SECRET",
               "api_key": "PROCOUNTOR_API_KEY"}
        raise ConfigError(
            f"connection {conn.name!r}: missing {', '.join(missing)} "
            f"(set {', '.join(env[m] for m in missing)} or put them in the config file)"
        )
