"""Operational behaviour: request counters, rate limiting, latency and fault injection."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections import Counter
from dataclasses import asdict

from .config import FAULT_KINDS, FaultRule, SandboxConfig


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 if a token was taken, otherwise the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Operations:
    def __init__(self, config: SandboxConfig) -> None:
        self.rate_limit = config.rate_limit
        self.rate_burst = config.rate_burst
        self.retry_after = config.retry_after
        self.latency_ms = config.latency_ms
        self.fault_rate = config.fault_rate
        self.fault_kinds = tuple(config.fault_kinds)
        self.timeout_fault_seconds = config.timeout_fault_seconds
        self.rules: list[FaultRule] = list(config.fault_rules)
        self._rule_hits: list[int] = [0] * len(self.rules)
        self._rng = random.Random(config.fault_seed if config.fault_seed is not None else config.seed)
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.raw_counts: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        # Held requests wait here until released: a test can stop a client mid-run for as long as
        # it needs, instead of hoping the client is still running when it looks.
        self.hold_glob: str | None = None
        self._hold_after = self._hold_seen = 0
        self.held = 0
        self._released = threading.Event()
        self._released.set()

    # ------------------------------------------------------------ counters

    def count(self, route: str, raw: str) -> None:
        with self._lock:
            self.counts[route] += 1
            self.raw_counts[raw] += 1

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.raw_counts.clear()
            self.faults_served.clear()

    # ------------------------------------------------------------ holds

    def hold(self, glob: str, after: int = 0) -> None:
        """Requests whose path matches `glob` (fnmatch, e.g. "/api/businesspartners*") wait, all but
        the first `after` of them."""
        with self._lock:
            self.hold_glob = glob
            self._hold_after = after
            self._hold_seen = 0
            self.held = 0
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self.hold_glob = None
        self._released.set()

    def wait_if_held(self, path: str, stopping: threading.Event) -> None:
        with self._lock:
            glob = self.hold_glob
            if glob is None or not fnmatch.fnmatchcase(path, glob):
                return
            self._hold_seen += 1
            if self._hold_seen <= self._hold_after:
                return
            self.held += 1
        while not self._released.wait(0.05) and not stopping.is_set():
            pass

    # ------------------------------------------------------------ rate limit

    def throttle(self, client: str) -> float:
        """0 when the request may proceed, else the suggested wait (seconds) for a 429."""
        if not self.rate_limit:
            return 0.0
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = TokenBucket(self.rate_limit, self.rate_burst or max(self.rate_limit, 1.0))
                self._buckets[client] = bucket
            return bucket.take()

    def set_rate_limit(self, rate: float, burst: float | None = None, retry_after: bool | None = None) -> None:
        with self._lock:
            self.rate_limit = rate
            self.rate_burst = burst
            if retry_after is not None:
                self.retry_after = retry_after
            self._buckets.clear()

    # ------------------------------------------------------------ faults

    def set_faults(self, rate: float | None = None, kinds: list[str] | None = None,
                   rules: list[FaultRule] | None = None, seed: int | None = None,
                   latency_ms: float | None = None, timeout_seconds: float | None = None) -> None:
        with self._lock:
            if rate is not None:
                self.fault_rate = rate
            if kinds is not None:
                unknown = set(kinds) - set(FAULT_KINDS) - {"429"}
                if unknown:
                    raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
                self.fault_kinds = tuple(kinds)
            if rules is not None:
                self.rules = list(rules)
                self._rule_hits = [0] * len(self.rules)
            if seed is not None:
                self._rng = random.Random(seed)
            if latency_ms is not None:
                self.latency_ms = latency_ms
            if timeout_seconds is not None:
                self.timeout_fault_seconds = timeout_seconds

    def pick_fault(self, method: str, path: str) -> str | None:
        """The fault to serve for this request, if any: scripted rules first, then the random rate."""
        with self._lock:
            for n, rule in enumerate(self.rules):
                if rule.method not in ("*", method) or not fnmatch.fnmatchcase(path, rule.path):
                    continue
                self._rule_hits[n] += 1
                hit = self._rule_hits[n]
                last = None if rule.repeat == 0 else rule.nth + rule.repeat - 1
                if hit >= rule.nth and (last is None or hit <= last):
                    self.faults_served[rule.fault] += 1
                    return rule.fault
            if self.fault_rate and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.fault_kinds)
                self.faults_served[kind] += 1
                return kind
        return None

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {"rateLimit": self.rate_limit, "rateBurst": self.rate_burst, "retryAfter": self.retry_after,
                    "latencyMs": self.latency_ms, "faultRate": self.fault_rate, "faultKinds": list(self.fault_kinds),
                    "timeoutSeconds": self.timeout_fault_seconds,
                    "rules": [dict(asdict(r), hits=h) for r, h in zip(self.rules, self._rule_hits, strict=True)],
                    "faultsServed": dict(self.faults_served)}
