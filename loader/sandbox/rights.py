"""Missing user rights: a company can deny the API user chosen endpoints (answered 403).

Procountor declares 403 on every read endpoint the loader uses; which ones an API user may read
depends on the rights the company's admin gave it. An entry is an endpoint path prefix
(`/payments` also covers `/payments/paymentevents`) or one of the groups below, named after the
right areas a Procountor admin grants.
"""

from __future__ import annotations

from collections.abc import Iterable

RIGHT_GROUPS: dict[str, tuple[str, ...]] = {
    "payments": ("/payments", "/referencepayments"),
    "bank": ("/bankaccounts", "/bankstatements"),
    "invoices": ("/invoices",),
    "ledger": ("/ledgerreceipts", "/journals"),
    "registers": ("/businesspartners", "/persons", "/products", "/dimensions"),
    "reports": ("/reports",),
}


def expand(entries: Iterable[str]) -> frozenset[str]:
    prefixes: set[str] = set()
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        if entry.startswith("/"):
            prefixes.add(entry.rstrip("/"))
        elif entry in RIGHT_GROUPS:
            prefixes.update(RIGHT_GROUPS[entry])
        else:
            raise ValueError(f"unknown right {entry!r}: give an endpoint path (/payments) or one of "
                             f"{', '.join(sorted(RIGHT_GROUPS))}")
    return frozenset(prefixes)


def denied(prefixes: frozenset[str], path: str) -> bool:
    """Whether `path` (below /api, e.g. /payments/paymentevents) lies under a denied prefix."""
    return any(path == p or path.startswith(p + "/") for p in prefixes)
