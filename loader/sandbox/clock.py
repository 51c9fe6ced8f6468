"""The sandbox's virtual clock.

The clock keeps one instant (UTC) and shows it two ways: `now()` is Helsinki wall time (dates of
documents, "today"), `stamp()` is the `version`/`created` stamp in the zone the server is set to
write (`version_zone`: Europe/Helsinki by default, or UTC: the API documents no zone). The HTTP
``Date`` header is the same instant in GMT. Because the instant is real UTC, advancing the clock
across a DST change behaves like Helsinki does: in spring the wall clock jumps from 03:00 to 04:00,
in autumn it shows 03:00–03:59 twice, and Helsinki stamps repeat. By default the clock stands still
(bodies are deterministic) and only moves when advanced; every change the sandbox makes also ticks
it by one second so that stamps increase (except, in Helsinki time, across the autumn change).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"
VERSION_ZONES = ("Europe/Helsinki", "UTC")


def fmt_ts(value: datetime) -> str:
    return value.strftime(TS_FORMAT)


def instant(text: str) -> datetime:
    """An aware UTC instant from an ISO time: naive means Helsinki wall time (the first of a
    repeated autumn hour); give an offset (``2026-10-25T03:30:00+02:00``) to mean the second."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    return value.astimezone(UTC)


def parse_ts(text: str, zone: ZoneInfo = HELSINKI) -> datetime:
    """Parse an API timestamp filter as naive wall time of `zone` (the zone stamps are written in).

    A naive filter is taken as written, the way a server comparing its naive stamps would; an aware
    one is converted to `zone` first."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(zone).replace(tzinfo=None)
    return value.replace(microsecond=0)


class VirtualClock:
    def __init__(self, start: str, running: bool = False, version_zone: str = "Europe/Helsinki") -> None:
        if version_zone not in VERSION_ZONES:
            raise ValueError(f"version_zone must be one of {', '.join(VERSION_ZONES)}, not {version_zone!r}")
        self._base = instant(start)
        self._offset = timedelta(0)
        self._running = running
        self._real_start = time.monotonic()
        self._lock = threading.Lock()
        self.version_zone = version_zone
        self.stamp_zone = ZoneInfo(version_zone)

    def instant(self) -> datetime:
        """The current instant, aware, in UTC."""
        with self._lock:
            extra = timedelta(seconds=int(time.monotonic() - self._real_start)) if self._running else timedelta(0)
            return self._base + self._offset + extra

    def now(self) -> datetime:
        """Current naive Helsinki wall time."""
        return self.instant().astimezone(HELSINKI).replace(tzinfo=None)

    def now_str(self) -> str:
        return fmt_ts(self.now())

    def stamp(self) -> str:
        """The current instant as the server writes `version`/`created` (naive, in `version_zone`)."""
        return fmt_ts(self.instant().astimezone(self.stamp_zone))

    def restamp(self, helsinki_wall_time: str) -> str:
        """A generated historic Helsinki stamp as this server would have written it."""
        if self.version_zone == "Europe/Helsinki":
            return helsinki_wall_time
        return fmt_ts(instant(helsinki_wall_time).astimezone(self.stamp_zone))

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, value: str) -> datetime:
        target = instant(value)
        with self._lock:
            self._offset += target - (self._base + self._offset)
        return self.now()

    def tick(self) -> str:
        """Advance one second and return the new stamp (used for each change)."""
        self.advance(1)
        return self.stamp()

    def http_date(self) -> str:
        """RFC 7231 IMF-fixdate in GMT for the ``Date`` header."""
        return format_datetime(self.instant(), usegmt=True)
