"""Encoded bodies of invoices and ledger receipts, derived once per data generation and kept on disk.

Deriving a body (seeded figures, Decimal arithmetic, a dict of ~40 keys, JSON encoding) costs
50–150 µs of Python per record, so a 200-record detail batch cost the sandbox tens of milliseconds
of its one GIL — at 60 requests/s about a core, which a benchmark of the loader then measured
instead of the loader. A body depends only on the company's data, and every change of that data
bumps ``DocumentIndex.generation`` (the company's change operations and index writes do), so each
encoded body is stored with the generation it was derived in and served only while that is
still the current one: a change, whatever it touches, makes every stored body stale at once, and
the next request derives it again. Nothing is ever patched in place, so no change can be missed.

The bodies live in a SQLite file next to the index (bounded RSS at a million documents); a
response is the stored bytes joined (``jsonout.Encoded``). ``precompute`` derives every body before
the server listens (``--precompute-bodies``), so that a benchmark's sync finds them all ready, in
several forked processes if asked (the file is in WAL mode, so they can all write to it).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import derived
from . import documents as docs
from .body_store import INVOICE_BASIC, INVOICE_DETAIL, RECEIPT_DETAIL
from .jsonout import Encoded, dumps_bytes

if TYPE_CHECKING:
    from .company import Company

_CHUNK = 2000


def _served(company: Company, kind: int, ids: list[int], rows_of: Callable[[list[int]], list[Any]],
            derive: Callable[[list[Any]], list[tuple[int, bytes]]]) -> list[Encoded]:
    """Bodies of ``ids`` in that order, ids without a record left out. The generation is read
    before anything else, and changes bump it after their writes: a body derived while a change
    runs is stored under a generation the change leaves behind, so it is not served after it."""
    generation = company.index.generation
    store = company.bodies
    found = store.get(kind, ids, generation)
    missing = [i for i in ids if i not in found]
    if missing:
        fresh = derive(rows_of(missing))
        store.put(kind, fresh, generation)
        found.update(fresh)
    return [Encoded(i, found[i]) for i in ids if i in found]


def invoice_basics(company: Company, rows: list[Any]) -> list[Encoded]:
    """List-page bodies of these index rows (the page's order)."""
    by_id = {r["id"]: r for r in rows}
    return _served(company, INVOICE_BASIC, [r["id"] for r in rows], lambda ids: [by_id[i] for i in ids],
                   lambda rs: [(r["id"], dumps_bytes(docs.invoice_basic(company, r))) for r in rs])


def invoice_details(company: Company, ids: list[int]) -> list[Encoded]:
    return _served(company, INVOICE_DETAIL, ids, company.invoice_rows,
                   lambda rs: [(r["id"], dumps_bytes(docs.invoice_detail(company, r))) for r in rs])


def receipt_details(company: Company, ids: list[int]) -> list[Encoded]:
    def derive(rows: list[Any]) -> list[tuple[int, bytes]]:
        invoices = docs.linked_invoices(company, rows)
        return [(r["id"], dumps_bytes(docs.receipt_detail(company, r, invoices))) for r in rows]

    return _served(company, RECEIPT_DETAIL, ids, company.receipt_rows, derive)


def precompute(company: Company, processes: int = 1) -> None:
    """Derive and store every invoice's list and detail body and every receipt's detail body for
    the current generation, in ``processes`` processes (this one and forked ones).

    A chunk of invoices is followed by the receipts that post them and their payments, while their
    figures are still in the company's cache (at 100 k documents a separate pass over the receipts
    derived every invoice's figures again). The books go first, in this process, so that every
    process inherits them (the derived receipts read them)."""
    derived.books(company)
    generation = company.index.generation
    low, high = company.index.one("SELECT MIN(id), MAX(id) FROM invoices") or (None, None)
    # (after, upto]: invoice ids; None: every receipt that no invoice chunk covers
    chunks: list[tuple[int, int] | None] = [None]
    if low is not None:
        chunks += [(after, min(after + _CHUNK, high)) for after in range(low - 1, high, _CHUNK)]
    children = []
    for share in range(1, max(1, processes)):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which leaves with os._exit
            code = 1
            try:
                company.index.reopen_in_child()
                company.bodies.reopen_in_child()
                _precompute_chunks(company, generation, chunks[share::processes], high)
                code = 0
            except BaseException:
                traceback.print_exc(file=sys.stderr)
            finally:
                os._exit(code)
        children.append(pid)
    failed = False
    try:
        _precompute_chunks(company, generation, chunks[0::max(1, processes)], high)
    finally:
        for pid in children:
            failed |= os.waitpid(pid, 0)[1] != 0
    if failed:
        raise RuntimeError("a process precomputing the sandbox's bodies failed (its error is above)")
    company.bodies.checkpoint()
    if company.index.generation != generation:  # pragma: no cover - precompute runs before the server listens
        raise RuntimeError("the company's data changed while its bodies were precomputed")


def _precompute_chunks(company: Company, generation: int, chunks: list[tuple[int, int] | None],
                       high: int | None) -> None:
    query, put = company.index.query, company.bodies.put
    for chunk in chunks:
        if chunk is None:  # the periodic receipts (VAT, payroll, depreciation, ...), and any whose invoice is gone
            rest = query("SELECT * FROM receipts WHERE gone = 0 AND NOT (kind IN ('INV', 'PAY') AND invoice_id IS "
                         "NOT NULL AND invoice_id <= ?) ORDER BY id", (-1 if high is None else high,))
            for start in range(0, len(rest), _CHUNK):
                part = rest[start:start + _CHUNK]
                invoices_of = docs.linked_invoices(company, part)
                put(RECEIPT_DETAIL, [(r["id"], dumps_bytes(docs.receipt_detail(company, r, invoices_of)))
                                     for r in part], generation)
            continue
        after, upto = chunk
        invoices = query("SELECT * FROM invoices WHERE id > ? AND id <= ? ORDER BY id", (after, upto))
        for kind, body_of in ((INVOICE_BASIC, docs.invoice_basic), (INVOICE_DETAIL, docs.invoice_detail)):
            put(kind, [(r["id"], dumps_bytes(body_of(company, r))) for r in invoices], generation)
        by_id = {r["id"]: r for r in invoices}
        receipts = query("SELECT * FROM receipts WHERE gone = 0 AND kind IN ('INV', 'PAY') AND invoice_id > ? "
                         "AND invoice_id <= ?", (after, upto))
        put(RECEIPT_DETAIL, [(r["id"], dumps_bytes(docs.receipt_detail(company, r, by_id))) for r in receipts],
            generation)
