"""One token bucket shared by every worker thread of a connection."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Allows `rate` requests per second on average with bursts of at most `burst`."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._paused_until = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if now < self._paused_until:
                    wait = self._paused_until - now
                else:
                    self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                    self._last = now
                    if self._tokens >= 1:
                        self._tokens -= 1
                        return
                    wait = (1 - self._tokens) / self.rate
            time.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every thread back, e.g. after a 429 with Retry-After."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            self._tokens = 0
