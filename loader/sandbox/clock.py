"""The sandbox's virtual clock.

Procountor writes naive Europe/Helsinki timestamps; the loader takes its sync signpost from the HTTP
``Date`` header. Both come from this clock so a test controls "now" completely. By default the clock
stands still (bodies are deterministic) and only moves when advanced; every change the sandbox makes
also ticks it by one second so that ``version`` strictly increases.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


def fmt_ts(value: datetime) -> str:
    return value.strftime(TS_FORMAT)


def parse_ts(text: str) -> datetime:
    """Parse an API timestamp filter; aware values are converted to naive Helsinki time."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(HELSINKI).replace(tzinfo=None)
    return value.replace(microsecond=0)


class VirtualClock:
    def __init__(self, start: str, running: bool = False) -> None:
        self._base = datetime.fromisoformat(start)
        self._offset = timedelta(0)
        self._running = running
        self._real_start = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Current naive Helsinki local time."""
        with self._lock:
            extra = timedelta(seconds=int(time.monotonic() - self._real_start)) if self._running else timedelta(0)
            return self._base + self._offset + extra

    def now_str(self) -> str:
        return fmt_ts(self.now())

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, value: str) -> datetime:
        target = datetime.fromisoformat(value)
        with self._lock:
            self._offset += target - (self._base + self._offset)
        return self.now()

    def tick(self) -> str:
        """Advance one second and return the new time as an API timestamp (used for each change)."""
        return fmt_ts(self.advance(1))

    def http_date(self) -> str:
        """RFC 7231 IMF-fixdate in GMT for the ``Date`` header."""
        aware = self.now().replace(tzinfo=HELSINKI).astimezone(UTC)
        return format_datetime(aware, usegmt=True)
