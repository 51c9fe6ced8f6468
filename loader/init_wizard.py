"""What `procountor-loader init` knows: hosts and version pins, the stream probe, and the commented
procountor.yml it writes. The prompting lives in commands_init.py; everything here is testable
without a terminal.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from loader.client.http import ApiClient
from loader.streams.registry import REGISTRY, StreamSpec

HOSTS = {"production": "https://api.procountor.com", "test": "https://pts-api.procountor.com"}
# `supported` moves to the newest numbered version every three months; a numbered vYYMM is frozen
# but expires after about nine months; `latest` changes monthly; `unpinned` is the bare /api root.
PINS = ("supported", "latest", "unpinned")
_NUMBERED = re.compile(r"^v\d{4}$")
MODES = {"incremental": "incremental: only new and changed records after the first run",
         "windowed": "windowed: a trailing date window is re-read each run",
         "full_table": "full table: replaced on every run"}

READABLE, NO_RIGHTS, NOT_AVAILABLE = "readable", "no rights", "not available"


def base_url(environment: str, pin: str) -> str:
    """`{host}/{pin}/api`, or `{host}/api` unpinned (reference.md, "Version-pinned roots")."""
    host = HOSTS[environment]
    if pin == "unpinned":
        return f"{host}/api"
    if pin not in PINS and not _NUMBERED.match(pin):
        raise ValueError(f"API version {pin!r}: use vYYMM (e.g. v2502), supported, latest or unpinned")
    return f"{host}/{pin}/api"


@dataclass(frozen=True)
class StreamAccess:
    stream: str
    status: str  # READABLE | NO_RIGHTS | NOT_AVAILABLE
    detail: str = ""


def stream_access(client: ApiClient, specs: Sequence[StreamSpec] = REGISTRY) -> list[StreamAccess]:
    """Which streams this API user can read: `check`'s probe, one small request per stream."""
    from loader.check import NO_RIGHTS as CHECK_NO_RIGHTS
    from loader.check import READABLE as CHECK_READABLE
    from loader.check import probe_specs

    status = {CHECK_READABLE: READABLE, CHECK_NO_RIGHTS: NO_RIGHTS}
    probes = {p.stream: p for p in probe_specs(client, specs, date.today())}
    return [StreamAccess(s.name, status.get(probes[s.name].outcome, NOT_AVAILABLE), probes[s.name].advice)
            for s in specs]


@dataclass
class InitAnswers:
    connection_name: str
    base_url: str
    environment: str  # production | test | custom
    pin: str
    auth: str  # api_key | oauth
    env_prefix: str = "PROCOUNTOR"
    token_store: str = "file"
    destination: str = "duckdb"
    duckdb_path: str = "warehouse.duckdb"
    bigquery_project: str = ""
    bigquery_location: str = "EU"
    streams: list[str] = field(default_factory=list)
    company: str = ""  # "name (id)" for the header, when signed in
    access: dict[str, StreamAccess] = field(default_factory=dict)


def secret_vars(prefix: str, auth: str) -> dict[str, str]:
    names = {"client_id": f"{prefix}_CLIENT_ID", "client_secret": f"{prefix}_CLIENT_SECRET"}
    if auth == "api_key":
        names["api_key"] = f"{prefix}_API_KEY"
    return names


def _pad(text: str, comment: str, width: int = 40) -> str:
    # YAML needs a space before `#`, or the comment becomes part of the value
    return f"{text:<{width - 1}} # {comment}" if comment else text


def _short(description: str) -> str:
    """The first clause of a stream's description, to keep the file's lines short."""
    return re.split(r"[(;:]", description, maxsplit=1)[0].strip().rstrip(",.")


def render_config(a: InitAnswers) -> str:
    """The commented procountor.yml: `${VAR}` references only, never a secret value."""
    where = {"production": "production", "test": "the test server (PTS)"}.get(a.environment, "a custom server")
    pin = "no version pin" if a.pin == "unpinned" else f"API version pin: {a.pin}"
    lines = [
        "# procountor.yml, written by `procountor-loader init`"
        + (f" for {a.company}" if a.company else "") + ".",
        "# Secrets are not stored here: each ${VAR} is read from the environment when the loader runs.",
        "# Next: `procountor-loader check`, then `procountor-loader extract` (or `sync`); schedule it with",
        "# docs/scheduling.md. Every key is described in README.md, \"Configuration\".",
        "connections:",
        _pad(f"  - name: {_scalar(a.connection_name)}", "one entry per company; all land in one warehouse"),
        _pad(f"    base_url: {_scalar(a.base_url)}", f"{where}, {pin}" if a.environment != "custom" else where),
    ]
    if a.auth == "api_key":
        lines.append(_pad("    auth: api_key", "API key of a technical API user (client credentials)"))
    else:
        lines.append(_pad("    auth: oauth", "Sign in with Procountor: run `procountor-loader auth login`"))
    for key, var in secret_vars(a.env_prefix, a.auth).items():
        lines.append(f"    {key}: ${{{var}}}")
    if a.auth == "oauth":
        lines.append(_pad(f"    token_store: {a.token_store}",
                          "refresh token: ~/.config/procountor-loader/tokens/ (0600) or the OS keyring"))
    lines.append("destination:")
    if a.destination == "duckdb":
        lines += ["  type: duckdb", f"  path: {_scalar(a.duckdb_path)}"]
    else:
        lines += ["  type: bigquery", f"  project: {_scalar(a.bigquery_project)}",
                  _pad("  schema: raw_procountor", "the landing dataset"),
                  f"  location: {_scalar(a.bigquery_location)}"]
    lines += [
        "# extract:                              # defaults suit one company; see README \"Configuration\"",
        "#   rate_limit: 55                      # requests/s per API client; default follows the host (PTS: 80/min)",
        "streams:",
    ]
    chosen = set(a.streams)
    by_mode: dict[str, list[StreamSpec]] = {}
    for spec in REGISTRY:
        if spec.name in chosen:
            by_mode.setdefault(spec.replication, []).append(spec)
    for mode in MODES:
        if by_mode.get(mode):
            lines.append(f"  # {MODES[mode]}")
            for spec in by_mode[mode]:
                lines.append(_pad(f"  {spec.name}: {{fields: all}}", _short(spec.description), 36))
    left_out = [s for s in REGISTRY if s.name not in chosen]
    if left_out:
        lines.append("  # not synced (uncomment to add; `procountor-loader discover` lists the fields):")
        for spec in left_out:
            access = a.access.get(spec.name)
            why = access.status if access and access.status != READABLE else "not chosen"
            lines.append(_pad(f"  # {spec.name}: {{fields: all}}", why, 36))
    return "\n".join(lines) + "\n"


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"{path} (now)", tofile=f"{path} (init)"))


def _scalar(value: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted (JSON is valid YAML)."""
    return value if re.fullmatch(r"[A-Za-z0-9_./:@${}-]+", value) else json.dumps(value)


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return text[:40] or "company"
