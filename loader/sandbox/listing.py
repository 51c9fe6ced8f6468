"""Paged answers the way other Procountor-compatible servers may give them.

The contract says `size` is at most 200 and the envelope carries `meta.totalCount`; it does not
promise that a server serves the size asked for, counts what it hides, or sends a total at all
(`totalCount` appeared in the spec between 23.09 and 24.05). These options let tests prove that
the loader never stops a listing early on a short page and never tombstones a record a listing
merely left out.
"""

from __future__ import annotations

from typing import Any

from .config import SandboxConfig
from .params import Query


def cap_page_size(query: Query, config: SandboxConfig) -> int | None:
    """Serve at most `page_size_cap` rows a page; returns the size asked for (None: not capped)."""
    cap = config.page_size_cap
    if cap <= 0 or not query.has("size"):
        return None
    size = query.int("size", 50, minimum=1, maximum=200)
    assert size is not None
    if size <= cap:
        return None
    query.pairs = [(k, str(cap) if k == "size" else v) for k, v in query.pairs]
    return size


def reshape(body: Any, asked: int | None, config: SandboxConfig) -> Any:
    if not (isinstance(body, dict) and isinstance(body.get("results"), list) and isinstance(body.get("meta"), dict)):
        return body
    meta = dict(body["meta"])
    results = body["results"]
    every = config.listing_drop_every
    if every > 0:
        results = [r for r in results if not _dropped(r, every)]
        meta["resultCount"] = len(results)  # totalCount still counts the rows left out
    if asked is not None:
        meta["pageSize"] = asked  # silently: the answer claims the size that was asked for
    if config.omit_total_count:
        meta.pop("totalCount", None)
    return {**body, "results": results, "meta": meta}


def _dropped(record: Any, every: int) -> bool:
    value = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
    try:
        return int(value) % every == 0
    except (TypeError, ValueError):
        return False
