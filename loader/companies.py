"""Many companies in one run: side by side, one rate budget per API client, failures kept apart.

Procountor's rate limit belongs to the API client (client id), not to the company: an accounting
firm's three hundred companies share one budget of 60 requests/s. So every connection with the same
client id and host draws from one token bucket, and a sharded run (processes or Cloud Run job tasks)
divides that budget by the number of shards.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from loader import secrets
from loader.client.ratelimit import RateLimiter
from loader.config import Config, ConnectionConfig
from loader.destinations.base import Destination
from loader.errors import ConfigError, InterruptedRun, LoaderError, MissingRightsError
from loader.interrupts import Terminated, sigterm_raises

log = logging.getLogger(__name__)

# "Worst" first. Problems that stop every company (a bug, the warehouse, the config) outrank one
# company's refused sign-in or missing rights (a person must act), which outrank what a later run
# fixes by itself (the API kept failing, an interruption, another run holding the lease); schema
# drift only stops anything with --fail-on-drift.
SEVERITY = (1, 5, 2, 3, 9, 4, 143, 130, 6, 7, 0)


def worst_exit(codes: list[int]) -> int:
    """The exit code of a run over many companies: the worst of theirs (SEVERITY; unknown codes
    rank just below 1)."""
    def rank(code: int) -> float:
        return float(SEVERITY.index(code)) if code in SEVERITY else 0.5
    return min(codes, key=rank) if codes else 0


# -- sharding ---------------------------------------------------------------------------------------

def parse_shard(text: str) -> tuple[int, int]:
    """`I/N`: this is shard I (0-based, like CLOUD_RUN_TASK_INDEX) of N."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ConfigError(f"--shard {text!r}: expected I/N, e.g. 0/4 (I counts from 0)") from None
    if count < 1 or not 0 <= index < count:
        raise ConfigError(f"--shard {text!r}: I must be 0 … N-1 and N at least 1")
    return index, count


def shard_from_env(environ: Mapping[str, str] = os.environ) -> tuple[int, int] | None:
    """Cloud Run job tasks: CLOUD_RUN_TASK_INDEX of CLOUD_RUN_TASK_COUNT."""
    count = environ.get("CLOUD_RUN_TASK_COUNT")
    if not count:
        return None
    return parse_shard(f"{environ.get('CLOUD_RUN_TASK_INDEX', '0')}/{count}")


def assign(connections: list[ConnectionConfig], index: int, count: int) -> list[ConnectionConfig]:
    """Round robin over the names in sorted order: every shard of the same config computes the same
    split without talking to the others; shards are disjoint, together complete, and differ in
    size by at most one company."""
    ordered = sorted(connections, key=lambda c: c.name)
    return [c for i, c in enumerate(ordered) if i % count == index]


# -- one budget per API client ------------------------------------------------------------------------

def client_key(conn: ConnectionConfig) -> tuple[str, str]:
    return (urlsplit(conn.base_url).hostname or conn.base_url, conn.client_id)


def shared_limiters(config: Config, connections: list[ConnectionConfig], shards: int = 1,
                    rate: Callable[[ConnectionConfig], float] | None = None) -> dict[tuple[str, str], RateLimiter]:
    """One token bucket per (host, client id), each holding this shard's part of the budget."""
    rate_of = rate or (lambda _conn: config.extract.rate_limit)
    limiters: dict[tuple[str, str], RateLimiter] = {}
    for conn in connections:
        key = client_key(conn)
        if key not in limiters:
            limiters[key] = RateLimiter(rate_of(conn) / shards)
    return limiters


# -- a destination several companies write through ---------------------------------------------------

class SerializedDestination:
    """One destination shared by company threads: each call (a whole stream's commit included) holds
    one lock, and iterators are read inside it. Reading the API, the slow part, stays parallel."""

    # The lease heartbeats renew on the destination's own heartbeat connection, so that a long
    # commit of one company never delays another's renewal; they only wait for each other.
    _HEARTBEAT = frozenset({"renew_lease"})

    def __init__(self, inner: Destination) -> None:
        self._inner = inner
        self._lock = threading.RLock()
        self._heartbeat_lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr
        lock = self._heartbeat_lock if name in self._HEARTBEAT else self._lock

        def locked(*args: Any, **kwargs: Any) -> Any:
            with lock:
                out = attr(*args, **kwargs)
                if isinstance(out, Iterator):
                    out = iter(list(out))
                return out

        return locked


# -- the run ------------------------------------------------------------------------------------------

@dataclass
class CompanyOutcome:
    connection: str
    outcome: str  # "ok" | the error kind ("auth", "lease", "api", ...)
    exit_code: int
    company_id: int | None = None
    records: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        base = dict(self.summary)
        base.update(connection=self.connection, outcome=self.outcome, exit_code=self.exit_code,
                    company_id=self.company_id if self.company_id is not None else base.get("company_id"),
                    error=self.error)
        return base


def run_companies(
    connections: list[ConnectionConfig],
    extract_one: Callable[[ConnectionConfig, Callable[[str], None]], Any],
    *,
    parallel: int,
    echo: Callable[[str], None],
    report_errors: bool = True,
    missing_rights_exit: int = 9,
) -> list[CompanyOutcome]:
    """Run `extract_one(conn, echo)` (returns a RunSummary) for each connection, `parallel` at a
    time; one company's error is recorded as its outcome and never stops the others. A company
    whose API user may not read some streams landed the rest: outcome "partial", exit
    `missing_rights_exit` (9, or 0 with extract.on_missing_rights: skip).

    Ctrl-C or SIGTERM while several companies run: no further company starts, the running ones
    finish their run (each commits stream by stream), and the interruption is raised."""
    prefix = len(connections) > 1

    def one(conn: ConnectionConfig) -> CompanyOutcome:
        say = (lambda m: echo(f"[{conn.name}] {m}")) if prefix else echo
        started = time.monotonic()
        try:
            summary = extract_one(conn, say)
        except Exception as exc:  # one company's failure, whatever it is, stays its own
            kind, code = (exc.kind, exc.exit_code) if isinstance(exc, LoaderError) else ("unexpected", 1)
            message = secrets.redact(str(exc) if isinstance(exc, LoaderError) else f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, LoaderError):
                log.debug("connection %s failed", conn.name, exc_info=True)
            if report_errors:
                echo(f"error ({kind}): " + (f"connection {conn.name}: " if prefix else "") + message)
            return CompanyOutcome(conn.name, kind, code, error=message, seconds=round(time.monotonic() - started, 3))
        records = sum(s.records for s in summary.streams)
        say(f"done: {records} records, {summary.requests} requests, {summary.seconds:.1f}s")
        partial = bool(getattr(summary, "unreadable", None)) and missing_rights_exit != 0
        return CompanyOutcome(conn.name, "partial" if partial else "ok", missing_rights_exit if partial else 0,
                              summary.company_id, records, summary.requests, summary.seconds,
                              error=summary.error if partial else None, summary=summary.as_dict())

    if parallel <= 1 or len(connections) <= 1:
        return [one(conn) for conn in connections]
    pool = ThreadPoolExecutor(max_workers=min(parallel, len(connections)), thread_name_prefix="company")
    try:
        with sigterm_raises():
            futures = [pool.submit(one, conn) for conn in connections]
            return [f.result() for f in futures]
    except (KeyboardInterrupt, Terminated) as exc:
        pool.shutdown(wait=False, cancel_futures=True)
        signame = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C (SIGINT)"
        raise InterruptedRun(f"interrupted by {signame}: no further company starts; the running ones finish "
                             "their run", 143 if isinstance(exc, Terminated) else 130) from None
    finally:
        pool.shutdown(wait=True)


def report_partial(outcomes: list[CompanyOutcome], policy: str, echo: Callable[[str], None]) -> None:
    """One line naming every stream not read for missing rights, over all companies (an error line
    for exit 9, a warning with on_missing_rights: skip)."""
    from loader.check import report_unreadable

    unreadable = [f"{o.connection}/{u['stream']} ({u['reason']})"
                  for o in outcomes for u in o.summary.get("unreadable") or []]
    try:
        report_unreadable(unreadable, policy)
    except MissingRightsError as exc:
        echo(f"error ({exc.kind}): {secrets.redact(str(exc))}")


def summary_table(outcomes: list[CompanyOutcome]) -> list[str]:
    lines = [f"{'connection':<28}{'company':>10}  {'outcome':<12}{'records':>9}{'requests':>9}{'seconds':>9}"]
    for o in outcomes:
        company = "" if o.company_id is None else str(o.company_id)
        lines.append(f"{o.connection[:27]:<28}{company:>10}  {o.outcome:<12}{o.records:>9}{o.requests:>9}"
                     f"{o.seconds:>9.1f}" + (f"  {o.error[:120]}" if o.error else ""))
    failed = [o for o in outcomes if o.exit_code]
    lines.append(f"{len(outcomes) - len(failed)} of {len(outcomes)} companies ok; exit code "
                 f"{worst_exit([o.exit_code for o in outcomes])}")
    return lines
