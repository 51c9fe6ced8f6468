"""Reading list endpoints page by page, in either of Procountor's paging styles.

Keyset paging (`previousId` + `orderById=ASC`) is stable while records change under us; page
numbers (`page` + `size`) are the fallback for endpoints without `previousId` and for servers that
ignore it.

A listing ends on proof only: the `meta.totalCount` of its first page reached, or an empty page.
A short page proves nothing (a server may cap `size` below what we asked without saying so), so
without a total we ask for the next page. Each listing reports whether it was read to such an end
(`Listing`): deletions may only be inferred from complete listings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from loader.client.http import ApiClient
from loader.errors import ApiError
from loader.streams.registry import StreamSpec


def records_of(spec: StreamSpec, body: Any) -> list[dict[str, Any]]:
    """The records in one answer, whatever wrapper the endpoint uses."""
    if body is None:
        return []
    if spec.kind == "object":
        return [body] if isinstance(body, dict) else []
    if spec.records_key is None:
        if isinstance(body, list):
            return body
        if isinstance(body, dict):  # a bare-array endpoint answering a single object
            return [body]
        raise ApiError(f"{spec.path}: expected a JSON array, got {type(body).__name__}")
    if not isinstance(body, dict):
        raise ApiError(f"{spec.path}: expected a JSON object with {spec.records_key!r}, got {type(body).__name__}")
    records = body.get(spec.records_key)
    if records is None:
        return []  # an undocumented null for "no rows"
    if not isinstance(records, list):
        raise ApiError(f"{spec.path}: {spec.records_key!r} is not a list")
    return records


def detail_records(body: Any) -> list[dict[str, Any]]:
    """Batch detail answers: one id gives an object, several give an array (even of one)."""
    if body is None:
        return []
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return [r for r in body if isinstance(r, dict)]
    raise ApiError(f"a batch detail answer was neither an object nor an array: {type(body).__name__}")


class KeysetIgnored(Exception):
    """The server answered a previousId request with ids at or below previousId."""


def _meta(body: Any) -> dict[str, Any]:
    meta = body.get("meta") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


@dataclass
class Listing:
    """How one listing ended: `complete` only when its end was proven (see the module docstring)."""

    complete: bool = False
    reason: str = "not read to the end"
    rows: int = 0
    total: int | None = None
    short_pages: int = 0  # pages shorter than the size we asked for before the end (a capped size)
    newest: str | None = None  # the highest cursor value (`version`) seen
    ids: set[Any] = field(default_factory=set, repr=False)  # distinct ids seen, for `rows`

    def done(self, how: str) -> None:
        self.complete, self.reason = True, how

    def incomplete(self, why: str) -> None:
        self.complete, self.reason = False, why

    def saw_version(self, value: str) -> None:
        if self.newest is None or value > self.newest:
            self.newest = value


def iter_pages(client: ApiClient, spec: StreamSpec, params: dict[str, Any],
               report: Listing | None = None) -> Iterator[list[dict[str, Any]]]:
    report = report if report is not None else Listing()
    if spec.paging == "none":
        page = records_of(spec, client.get(spec.path, params or None))
        report.rows = len(page)
        report.done("one unpaged answer")
        yield page
        return
    if spec.paging == "keyset":
        try:
            yield from _keyset(client, spec, params, report)
            return
        except KeysetIgnored:
            if not spec.page_fallback:
                raise ApiError(f"{spec.path}: the server ignores previousId and the endpoint has no page "
                               "parameter; cannot page through it safely") from None
        # Fall back to page numbers from the start; the caller de-duplicates ids.
        report.rows, report.total, report.short_pages, report.ids = 0, None, 0, set()
    yield from _numbered(client, spec, params, report)


def _ended(report: Listing, records: list[dict[str, Any]], body: Any, asked: int, key: str) -> bool:
    """Account one page; True when it proves the end of the listing."""
    meta = _meta(body)
    if report.total is None and meta.get("totalCount") is not None:
        with contextlib.suppress(TypeError, ValueError):
            report.total = int(meta["totalCount"])
    # Distinct ids, not rows: a page-numbered listing repeats rows when records shift under it,
    # and repeated rows must not make up for missing ones.
    for r in records:
        report.ids.add(r.get(key) if key and isinstance(r, dict) else id(r))
    report.rows = len(report.ids)
    if report.total is not None and report.rows >= report.total:
        report.done(f"{report.rows} rows of totalCount {report.total}")
        return True
    if len(records) < asked:
        report.short_pages += 1
    return False


def _empty_page(report: Listing) -> None:
    if report.total is not None and report.rows < report.total:
        report.incomplete(f"the listing ended after {report.rows} of its totalCount {report.total} rows")
    else:
        report.done(f"{report.rows} rows, then an empty page")


def _keyset(client: ApiClient, spec: StreamSpec, params: dict[str, Any],
            report: Listing) -> Iterator[list[dict[str, Any]]]:
    previous: int | None = None
    while True:
        query = {**params, **spec.order_params, "size": spec.page_size}
        if previous is not None:
            query["previousId"] = previous
        body = client.get(spec.path, query)
        records = records_of(spec, body)
        if not records:
            _empty_page(report)
            return
        ids = []
        for r in records:
            try:
                ids.append(int(r[spec.primary_key]))
            except (KeyError, TypeError, ValueError):
                value = r.get(spec.primary_key) if isinstance(r, dict) else r
                raise ApiError(f"{spec.path}: a listed record has no numeric {spec.primary_key!r} "
                               f"(got {str(value)[:40]!r}); cannot page through it by id") from None
        if previous is not None and min(ids) <= previous:
            raise KeysetIgnored
        yield records
        # totalCount is read from the first keyset page only: later pages may count what is left.
        if _ended(report, records, body if previous is None else None, spec.page_size, spec.primary_key):
            return
        previous = max(ids)


def _numbered(client: ApiClient, spec: StreamSpec, params: dict[str, Any],
              report: Listing) -> Iterator[list[dict[str, Any]]]:
    page, size = 0, spec.page_size
    while True:
        query = {**params, **spec.order_params, "size": size, "page": page}
        body = client.get(spec.path, query)
        records = records_of(spec, body)
        if not records:
            _empty_page(report)
            return
        yield records
        if _ended(report, records, body, size, spec.primary_key):
            return
        # A short page that is not the end: the server serves fewer rows than asked (a silent
        # cap). The next page number continues after what it served, at the size it applies.
        page += 1
