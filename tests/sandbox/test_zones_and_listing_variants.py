"""The sandbox's `version_zone`, its clock across both DST changes, and its listing variants.

Expectations come from the zone rules (zoneinfo) and the contract's envelope, not from the
sandbox's own code: these prove the sandbox behaves like the servers it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from loader.sandbox import SandboxConfig, SandboxServer
from tests.sandbox.api_client import Api

HELSINKI = ZoneInfo("Europe/Helsinki")


def _sandbox(**kw: object) -> SandboxServer:
    return SandboxServer(SandboxConfig(seed=3, documents=60, rate_limit=0, **kw))  # type: ignore[arg-type]


@pytest.fixture(params=["Europe/Helsinki", "UTC"])
def zoned(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    with _sandbox(version_zone=request.param, clock_start="2026-10-25T02:30:00") as sb:
        yield sb


def _http_date(sb: SandboxServer) -> datetime:
    return parsedate_to_datetime(requests.get(sb.control_url + "/state", timeout=10).headers["Date"])


def test_stamps_follow_the_zone_and_the_date_header_is_utc(zoned: SandboxServer) -> None:
    api = Api(zoned)
    invoice = api.get("/invoices", size=1, orderById="ASC")["results"][0]["id"]
    zoned.set_clock("2026-10-25T03:30:00+02:00")  # the second 03:30 in Helsinki: 01:30 UTC
    stamp = zoned.edit_invoice(invoice)["version"]
    expected = "2026-10-25T03:30:01" if zoned.version_zone == "Europe/Helsinki" else "2026-10-25T01:30:01"
    assert stamp == expected
    api = Api(zoned)  # two virtual hours later: the first token has expired
    assert api.get(f"/invoices/{invoice}")["version"] == expected
    assert _http_date(zoned) == datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC)


def test_helsinki_stamps_repeat_the_autumn_hour_and_skip_the_spring_one() -> None:
    with _sandbox(version_zone="Europe/Helsinki", clock_start="2026-10-25T03:59:59") as sb:
        assert sb.stamp() == "2026-10-25T03:59:59"  # EEST (first pass)
        sb.advance_clock(1)
        assert sb.stamp() == "2026-10-25T03:00:00"  # EET: the hour again
    with _sandbox(version_zone="Europe/Helsinki", clock_start="2027-03-28T02:59:59") as sb:
        sb.advance_clock(1)
        assert sb.stamp() == "2027-03-28T04:00:00"
    with _sandbox(version_zone="UTC", clock_start="2026-10-25T03:59:59+03:00") as sb:
        sb.advance_clock(1)
        assert sb.stamp() == "2026-10-25T01:00:00"  # UTC never repeats


def test_version_filters_are_read_in_the_stamp_zone(zoned: SandboxServer) -> None:
    api = Api(zoned)
    invoice = api.get("/invoices", size=1, orderById="ASC")["results"][0]["id"]
    zoned.set_clock("2026-10-25T02:45:00")
    stamp = zoned.edit_invoice(invoice)["version"]
    naive = api.get("/invoices", versionStartDate=stamp, orderById="ASC")["results"]
    assert [r["id"] for r in naive] == [invoice]
    # The same instant written with an offset: converted into the stamp zone first.
    instant = datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(zoned.version_zone))
    aware = instant.astimezone(ZoneInfo("Asia/Tokyo")).isoformat()
    assert [r["id"] for r in api.get("/invoices", versionStartDate=aware, orderById="ASC")["results"]] == [invoice]


def test_a_silent_page_size_cap_serves_fewer_rows_and_claims_the_size_asked() -> None:
    with _sandbox(page_size_cap=7) as sb:
        api = Api(sb)
        first = api.get("/invoices", size=200, page=0, orderById="ASC")
        second = api.get("/invoices", size=200, page=1, orderById="ASC")
        assert len(first["results"]) == 7 and first["meta"]["pageSize"] == 200
        assert first["meta"]["totalCount"] > 14
        ids = [r["id"] for r in first["results"] + second["results"]]
        assert ids == sorted(set(ids)) and len(ids) == 14  # page 1 continues after what page 0 served


def test_listings_can_omit_the_total_and_leave_rows_out() -> None:
    with _sandbox(omit_total_count=True, listing_drop_every=3) as sb:
        api = Api(sb)
        body = api.get("/invoices", size=200, orderById="ASC")
        assert "totalCount" not in body["meta"]
        assert body["results"] and all(r["id"] % 3 for r in body["results"])
        hidden = next(i for i in sb.truth.records("invoices") if i % 3 == 0)
        assert api.get(f"/invoices/{hidden}")["id"] == hidden  # reads by id still see it
        sb.set_listing(omit_total_count=False, drop_every=0)
        full = api.get("/invoices", size=200, orderById="ASC")
        assert full["meta"]["totalCount"] == len(full["results"]) > len(body["results"])
