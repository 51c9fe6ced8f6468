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
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from loader import exact_json
from loader.client.http import ApiClient
from loader.errors import ApiError
from loader.streams.registry import StreamSpec

try:
    import msgspec
except ImportError:  # pragma: no cover - a virtualenv installed before msgspec was a dependency
    msgspec = None


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


def key_fields(spec: StreamSpec) -> tuple[str, ...]:
    """The fields of a listed row that a listing followed by detail batches reads: its id, its
    cursor and its key parts."""
    names = (spec.primary_key, spec.cursor_field or "", *spec.key_fields)
    return tuple(dict.fromkeys(n for n in names if n))


@functools.cache
def ids_decoder(records_key: str | None, fields: tuple[str, ...]) -> Callable[[bytes], Any] | None:
    """A body decoder that keeps only `fields` of each listed row (a dict of them, absent ones
    left out) and the envelope's `meta`: a 200-row invoice page is ≈ 160 KB of which the listing
    needs the ids and versions. Anything that does not fit that shape (a row that is not an object,
    a bare array where an envelope was expected) is parsed in full, so the usual checks and
    messages apply. None without msgspec."""
    if msgspec is None or not fields:
        return None
    row = msgspec.defstruct("ListedRow", [(f, Any, msgspec.UNSET) for f in fields],  # type: ignore[arg-type]
                            omit_defaults=True)
    shape: Any = (list[row] if records_key is None else  # type: ignore[valid-type]
                  msgspec.defstruct("ListedPage", [(records_key, list[row] | None, None),  # type: ignore[valid-type]
                                                   ("meta", Any, None)]))
    typed = msgspec.json.Decoder(shape, float_hook=exact_json.number_marker)

    def rows(value: Any) -> list[dict[str, Any]]:
        return [{f: v for f in fields if (v := getattr(r, f)) is not msgspec.UNSET} for r in value]

    def decode(raw: bytes) -> Any:
        try:
            body = typed.decode(raw)
        except msgspec.ValidationError:
            return exact_json.loads_wire(raw)  # not the usual shape: in full, checked as ever
        except msgspec.DecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        if records_key is None:
            return rows(body)
        listed = getattr(body, records_key)
        return {records_key: None if listed is None else rows(listed), "meta": body.meta}

    return decode


def iter_pages(client: ApiClient, spec: StreamSpec, params: dict[str, Any],
               report: Listing | None = None, *, ids_only: bool = False) -> Iterator[list[dict[str, Any]]]:
    """The pages of a listing. `ids_only`: the rows need only `key_fields(spec)` (their details
    are read in batches), so nothing else of them is parsed."""
    report = report if report is not None else Listing()
    decode = ids_decoder(spec.records_key, key_fields(spec)) if ids_only else None
    if spec.paging == "none":
        page = records_of(spec, client.get(spec.path, params or None, decode=decode))
        report.rows = len(page)
        report.done("one unpaged answer")
        yield page
        return
    if spec.paging == "keyset":
        try:
            yield from _keyset(client, spec, params, report, decode)
            return
        except KeysetIgnored:
            if not spec.page_fallback:
                raise ApiError(f"{spec.path}: the server ignores previousId and the endpoint has no page "
                               "parameter; cannot page through it safely") from None
        # Fall back to page numbers from the start; the caller de-duplicates ids.
        report.rows, report.total, report.short_pages, report.ids = 0, None, 0, set()
    yield from _numbered(client, spec, params, report, decode)


def _ended(report: Listing, records: list[dict[str, Any]], body: Any, asked: int, key: str,
           ascending_ids: bool = False) -> bool:
    """Account one page; True when it proves the end of the listing. `ascending_ids`: every id of
    this page is above every id of the pages before (keyset paging checks it), so only the page's
    own ids need de-duplicating and the listing keeps no id set (flat memory)."""
    meta = _meta(body)
    if report.total is None and meta.get("totalCount") is not None:
        with contextlib.suppress(TypeError, ValueError):
            report.total = int(meta["totalCount"])
    # Distinct ids, not rows: a page-numbered listing repeats rows when records shift under it,
    # and repeated rows must not make up for missing ones.
    page_ids = {r.get(key) if key and isinstance(r, dict) else id(r) for r in records}
    if ascending_ids:
        report.rows += len(page_ids)
    else:
        report.ids |= page_ids
        report.rows = len(report.ids)
    if report.total is not None and report.rows >= report.total:
        report.done(f"{report.rows} rows of totalCount {report.total}")
        return True
    if len(records) < asked:
        report.short_pages += 1
    return False


def _empty_page(report: Listing, body: Any = None) -> None:
    """An empty page ends the listing; a first page that is empty still tells the total (a server
    leaving out every row a listing counts)."""
    meta = _meta(body) if body is not None else {}
    if report.total is None and meta.get("totalCount") is not None:
        with contextlib.suppress(TypeError, ValueError):
            report.total = int(meta["totalCount"])
    if report.total is not None and report.rows < report.total:
        report.incomplete(f"the listing ended after {report.rows} of its totalCount {report.total} rows")
    else:
        report.done(f"{report.rows} rows, then an empty page")


def _keyset(client: ApiClient, spec: StreamSpec, params: dict[str, Any], report: Listing,
            decode: Callable[[bytes], Any] | None) -> Iterator[list[dict[str, Any]]]:
    previous: int | None = None
    while True:
        query = {**params, **spec.order_params, "size": spec.page_size}
        if previous is not None:
            query["previousId"] = previous
        body = client.get(spec.path, query, decode=decode)
        records = records_of(spec, body)
        if not records:
            _empty_page(report, body if previous is None else None)
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
        if _ended(report, records, body if previous is None else None, spec.page_size, spec.primary_key,
                  ascending_ids=True):
            return
        previous = max(ids)


def _numbered(client: ApiClient, spec: StreamSpec, params: dict[str, Any], report: Listing,
              decode: Callable[[bytes], Any] | None) -> Iterator[list[dict[str, Any]]]:
    page, size = 0, spec.page_size
    while True:
        query = {**params, **spec.order_params, "size": size, "page": page}
        body = client.get(spec.path, query, decode=decode)
        records = records_of(spec, body)
        if not records:
            _empty_page(report, body)
            return
        yield records
        if _ended(report, records, body, size, spec.primary_key):
            return
        # A short page that is not the end: the server serves fewer rows than asked (a silent
        # cap). The next page number continues after what it served, at the size it applies.
        page += 1
