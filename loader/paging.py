"""Reading list endpoints page by page, in either of Procountor's paging styles.

Keyset paging (`previousId` + `orderById=ASC`) is stable while records change under us; page
numbers (`page` + `size`) are the fallback for endpoints without `previousId` and for servers that
ignore it. We never trust one stop signal alone: a page shorter than the page size the server says
it used, the total count reached, or an empty page.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def iter_pages(client: ApiClient, spec: StreamSpec, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    if spec.paging == "none":
        yield records_of(spec, client.get(spec.path, params or None))
        return
    if spec.paging == "keyset":
        try:
            yield from _keyset(client, spec, params)
            return
        except KeysetIgnored:
            if "page" not in _page_capable(spec):
                raise ApiError(f"{spec.path}: the server ignores previousId and the endpoint has no page "
                               "parameter; cannot page through it safely") from None
        # Fall back to page numbers from the start; the caller de-duplicates ids.
    yield from _numbered(client, spec, params)


def _page_capable(spec: StreamSpec) -> set[str]:
    return set() if spec.path == "/products" else {"page"}


def _keyset(client: ApiClient, spec: StreamSpec, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    previous: int | None = None
    total_seen = 0
    while True:
        query = {**params, **spec.order_params, "size": spec.page_size}
        if previous is not None:
            query["previousId"] = previous
        body = client.get(spec.path, query)
        records = records_of(spec, body)
        if not records:
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
        total_seen += len(records)
        yield records
        meta = _meta(body)
        page_size = int(meta.get("pageSize") or spec.page_size)
        total = meta.get("totalCount")
        if len(records) < page_size:
            return
        if total is not None and previous is None and total_seen >= int(total):
            return  # totalCount counts the whole filtered set only on the first keyset page
        previous = max(ids)


def _numbered(client: ApiClient, spec: StreamSpec, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    page = 0
    total_seen = 0
    while True:
        query = {**params, **spec.order_params, "size": spec.page_size, "page": page}
        body = client.get(spec.path, query)
        records = records_of(spec, body)
        if not records:
            return
        total_seen += len(records)
        yield records
        meta = _meta(body)
        page_size = int(meta.get("pageSize") or spec.page_size)
        total = meta.get("totalCount")
        if len(records) < page_size or (total is not None and total_seen >= int(total)):
            return
        page += 1
