"""Who holds a run lease, whether that holder can still be alive, and the heartbeat that keeps it.

A lease row names its owner: host, kernel boot id, pid and the process's start time. A run may
take over a lease at once when the owner is provably dead: same host and boot, and the pid is gone
or now belongs to a process that started at another time (a reused pid); same host but another
boot (the machine restarted); or this very process, when the run named is no longer running here.
An owner provably alive keeps its lease. Otherwise (a run on another host) only the lease's
expiry frees it, and a live run keeps pushing that forward from a heartbeat thread, so the TTL can
be short (minutes) without ever cutting off a slow run.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Runs of this process that hold a lease now (sync ids): a lease naming our own pid is alive only
# while its run is in here.
_LIVE_RUNS: set[str] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Owner:
    host: str
    boot_id: str
    pid: int
    started: str  # the process's start time in clock ticks since boot ("" when unknown)

    def text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def describe(self) -> str:
        return f"host {self.host}, pid {self.pid}"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat (start time after boot); "" if no such running process."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return ""
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) <= 19 or fields[0] in ("Z", "X"):
        return ""  # a zombie has finished running; only its exit status waits to be collected
    return fields[19]


def current_owner() -> Owner:
    pid = os.getpid()
    return Owner(socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), pid, _process_start(pid))


def parse_owner(text: str | None) -> Owner | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return Owner(str(data["host"]), str(data.get("boot_id") or ""), int(data["pid"]),
                     str(data.get("started") or ""))
    except (ValueError, KeyError, TypeError):
        return None


def holder_alive(owner_text: str | None, sync_id: str) -> bool | None:
    """Whether the lease's owner still runs: True, False, or None when we cannot know (another
    host, or an owner written without identity) and only the lease's expiry can tell."""
    owner = parse_owner(owner_text)
    me = current_owner()
    if owner is None or owner.host != me.host or not me.boot_id or not owner.boot_id:
        return None
    if owner.boot_id != me.boot_id:
        return False  # the machine restarted since: every process of that boot is gone
    if owner.pid == me.pid and owner.started == me.started:
        with _LIVE_LOCK:
            return sync_id in _LIVE_RUNS
    started = _process_start(owner.pid)
    if not started:
        return False
    return not owner.started or started == owner.started


def lease_is_free(sync_id: str, owner_text: str | None, expired: bool) -> bool:
    """A lease held by another run may be taken when its owner is dead, or when nobody can tell
    and it expired. A holder known to be alive keeps it even past its expiry (a stalled heartbeat
    must not let a second run in)."""
    alive = holder_alive(owner_text, sync_id)
    return alive is False or (alive is None and expired)


def describe_holder(sync_id: str, owner_text: str | None, since: object, until: object) -> str:
    owner = parse_owner(owner_text)
    who = owner.describe() if owner else "an unknown host"
    return f"run {sync_id} ({who}) holds it since {_ts(since)} UTC, renewed until {_ts(until)} UTC"


def _ts(value: object) -> str:
    text = str(value or "?")
    return text[:19]


class Heartbeat:
    """Renews a run's lease every `ttl / 3` seconds on a daemon thread.

    `renew` returns False when the lease is no longer ours (another run took it over after our
    lease expired, e.g. the machine was suspended); the run then fails at its next commit."""

    def __init__(self, sync_id: str, ttl_seconds: float, renew: Callable[[], bool]) -> None:
        self.sync_id = sync_id
        self.interval = max(0.2, ttl_seconds / 3)
        self._renew = renew
        self._stop = threading.Event()
        self.lost = False
        self.error: str | None = None
        self._thread = threading.Thread(target=self._loop, name=f"lease-{sync_id[:8]}", daemon=True)

    def start(self) -> Heartbeat:
        with _LIVE_LOCK:
            _LIVE_RUNS.add(self.sync_id)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with _LIVE_LOCK:
            _LIVE_RUNS.discard(self.sync_id)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self._renew():
                    self.lost = True
                    log.warning("run %s lost its lease: another run took it over", self.sync_id)
                    return
            except Exception as exc:  # a failed renewal is retried; the TTL spans three of them
                self.error = str(exc)
                log.warning("could not renew the run lease: %s", exc)


def register_live(sync_id: str) -> None:
    """Mark a run of this process as live before its lease is first written."""
    with _LIVE_LOCK:
        _LIVE_RUNS.add(sync_id)


def unregister_live(sync_id: str) -> None:
    with _LIVE_LOCK:
        _LIVE_RUNS.discard(sync_id)
