"""Incremental bookmarks taken from the data, so that no guess about the server's time zone is needed.

Procountor documents no time zone for `version`: a server may write Helsinki wall time (which
repeats an hour every autumn and skips one every spring) or UTC. Comparing stamps with our own
clock would need that zone; comparing stamps with stamps does not. So the bookmark of a stream is
the newest `version` the run saw, less the time its listing took (a change made while we listed has
a stamp no earlier than the listing's start, which is at most that long before the newest stamp we
saw), and the next run asks for `versionStartDate = bookmark − overlap` with no upper bound. The
overlap (at least an hour) covers the repeated autumn hour, the skipped spring hour and commit lag.

The offset between the newest stamp and the server's `Date` header (true UTC) is recorded too: a
stamp written moments before we read it shows the server's zone (+120/+180 min: Helsinki; 0: UTC).
It is only reported, never used to move a window.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

TS_FORMAT = "%Y-%m-%dT%H:%M:%S"
# State written before bookmarks came from the data held the run's Helsinki clock, which is up to
# 3 h ahead of the stamps of a server writing UTC: widen the first window after the upgrade by that.
LEGACY_MARGIN = timedelta(hours=3)
SOURCE = "data"  # state["cursor_source"] of a data-derived bookmark


def parse_stamp(text: Any) -> datetime | None:
    """A `version` as the wall time it was written in (an offset, if any, is dropped: filters
    compare wall times)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=None, microsecond=0)


def fmt(value: datetime) -> str:
    return value.strftime(TS_FORMAT)


def _stored(state: dict[str, Any] | None) -> datetime | None:
    """The state's bookmark, a legacy clock-based cursor made safe for either zone."""
    state = state or {}
    cursor = parse_stamp(state.get("cursor"))
    if cursor is None:
        return None
    return cursor if state.get("cursor_source") == SOURCE else cursor - LEGACY_MARGIN


def window_start(state: dict[str, Any] | None, overlap: timedelta) -> datetime | None:
    """Where the next version window starts (None: no bookmark yet, read everything)."""
    stored = _stored(state)
    return None if stored is None else stored - overlap


def next_bookmark(state: dict[str, Any] | None, newest: str | None, listing_seconds: float) -> str | None:
    """The bookmark after a run that saw `newest` as its highest stamp in a listing that took
    `listing_seconds`; never earlier than the one it had."""
    candidates = [b for b in (_stored(state), parse_stamp(newest)) if b is not None]
    if newest is not None and parse_stamp(newest) is not None:
        candidates[-1] -= timedelta(seconds=math.ceil(listing_seconds) + 1)
    return fmt(max(candidates)) if candidates else None


def observed_offset_minutes(newest: str | None, server_utc: datetime | None) -> int | None:
    """Minutes by which the newest stamp is ahead of the server's clock in UTC (None if unknown)."""
    stamp = parse_stamp(newest)
    if stamp is None or server_utc is None:
        return None
    utc = server_utc if server_utc.tzinfo is None else server_utc.astimezone(UTC).replace(tzinfo=None)
    return round((stamp - utc).total_seconds() / 60)


def describe_offset(most_minutes: int | None) -> str:
    """Words for an offset: only a stamp made minutes before the run shows the zone."""
    if most_minutes is None:
        return "unknown"
    hours, rest = divmod(most_minutes + 10, 60)
    if 0 <= rest <= 20 and hours in (0, 2, 3):
        return "UTC" if hours == 0 else f"UTC+{hours} (Helsinki {'summer' if hours == 3 else 'winter'} time)"
    return "unknown (the newest stamp is older than this run)"
