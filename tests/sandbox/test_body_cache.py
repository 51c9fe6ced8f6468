"""The sandbox's stored bodies (loader/sandbox/bodies.py) answer what deriving them afresh answers,
before and after every kind of change, with and without precomputing them.

These are consistency checks: the reference is the sandbox's own derivation (``truth`` and
``documents``), so they prove that the store is transparent -- it never serves a body of an older
state of the data -- not that the bodies are right (the contract tests check that).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from loader.sandbox import SandboxConfig, SandboxServer, bodies
from loader.sandbox import documents as docs
from loader.sandbox.jsonout import Encoded, dumps, dumps_bytes
from tests.sandbox.api_client import Api


def _plain(value: Any) -> Any:
    """A derived record as a client parses it (Decimals kept)."""
    return json.loads(dumps(value), parse_float=Decimal)


def _batches(ids: list[int], size: int = 200) -> list[list[int]]:
    return [ids[n:n + size] for n in range(0, len(ids), size)]


def _assert_served_equals_derived(sb: SandboxServer, api: Api, label: str) -> None:
    company = sb.app.companies[0]  # type: ignore[union-attr]
    for stream, path in (("invoices", "/invoices"), ("ledger_receipts", "/ledgerreceipts")):
        truth = {int(k): _plain(v) for k, v in sb.truth.records(stream).items()}
        ids = sorted(truth)
        served: dict[int, Any] = {}
        for batch in _batches(ids, 199):
            body = api.get(f"{path}/{','.join(map(str, [*batch, 999_999_999]))}")  # an unknown id is skipped
            served.update({r["id"]: r for r in body})
        assert served == truth, f"{label}: {stream} detail batches differ from the records derived afresh"
        single = api.get(f"{path}/{ids[-1]}")
        assert single == truth[ids[-1]], f"{label}: a one-id {stream} request is its record"

    # list pages, both paging styles, offers (hidden by default) included
    for params in ({"orderById": "ASC"}, {"isOffer": "true"}, {}):
        keyset: list[dict[str, Any]] = []
        previous = None
        while True:
            extra = {} if previous is None else {"previousId": previous}
            page = api.get("/invoices", size=200, **params, **extra)["results"]
            keyset += page
            if len(page) < 200:
                break
            previous = page[-1]["id"]
        by_page = api.walk("/invoices", **params)
        if params.get("orderById") == "ASC":
            assert by_page == keyset, f"{label}: page numbers and previousId list the same invoices"
        rows = {r["id"]: r for r in company.invoice_rows([i["id"] for i in by_page])} if by_page else {}
        expected = [_plain(docs.invoice_basic(company, rows[i["id"]])) for i in by_page]
        assert by_page == expected, f"{label}: invoice list {params} differs from the rows derived afresh"


def _sales_invoices(sb: SandboxServer) -> list[int]:
    return sorted(i for i, r in sb.truth.records("invoices").items()
                  if r["type"] == "SALES_INVOICE" and r["status"] != "INVALIDATED" and not r["isOffer"])


def _first_sales_invoice(sb: SandboxServer) -> int:
    return _sales_invoices(sb)[0]


def _partner_of_an_invoice(sb: SandboxServer) -> int:
    return int(sb.truth.records("invoices")[_first_sales_invoice(sb)]["partnerId"])


CHANGES: list[tuple[str, Callable[[SandboxServer], Any]]] = [
    ("edit", lambda sb: sb.edit_invoice(_first_sales_invoice(sb))),
    ("edit without amounts", lambda sb: sb.edit_invoice(_sales_invoices(sb)[1], change_amounts=False)),
    ("recreate receipt", lambda sb: sb.recreate_receipt(_first_sales_invoice(sb))),
    ("status", lambda sb: sb.set_invoice_status(_first_sales_invoice(sb), "PAID")),
    ("invalidate", lambda sb: sb.invalidate_invoice(_first_sales_invoice(sb))),
    ("add documents", lambda sb: sb.add_documents(3)),
    ("field on invoices", lambda sb: sb.add_field("invoices", "newField", "drift")),
    ("nested field on receipts", lambda sb: sb.add_field("ledger_receipts", "transactions.newField", 7)),
    ("deactivate partner", lambda sb: sb.deactivate_partner(_partner_of_an_invoice(sb))),
    ("rename account", lambda sb: sb.rename_account("3000", "Myynti kotimaa")),
    ("delete product", lambda sb: sb.delete_product(next(iter(sb.app.companies[0].regs.products)))),  # type: ignore[union-attr]
]


@pytest.mark.parametrize(("precompute", "processes"), [(False, 1), (True, 1), (True, 3)],
                         ids=["on-demand", "precomputed", "precomputed-in-3-processes"])
def test_served_bodies_follow_every_change(precompute: bool, processes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bodies, "_CHUNK", 16)  # many chunks, so each process precomputes several
    config = SandboxConfig(seed=5, documents=120, rate_limit=0, precompute_bodies=precompute,
                           precompute_processes=processes)
    with SandboxServer(config) as sb:
        api = Api(sb)
        company = sb.app.companies[0]  # type: ignore[union-attr]
        if precompute:
            every = 2 * len(sb.truth.records("invoices")) + len(sb.truth.records("ledger_receipts"))
            assert company.bodies.count(company.index.generation) == every, "a body was not precomputed"
        _assert_served_equals_derived(sb, api, "as generated")
        assert company.bodies.count(company.index.generation) > 0, "the store kept nothing"
        for label, change in CHANGES:
            sb.advance_clock(60)
            signpost = sb.stamp()
            before = company.index.generation
            change(sb)
            assert company.index.generation > before, f"{label} must move the generation the store follows"
            _assert_served_equals_derived(sb, api, label)
            if label.startswith("edit"):
                changed = {i["id"] for i in api.walk("/invoices", versionStartDate=signpost)}
                assert changed == {_sales_invoices(sb)[0 if label == "edit" else 1]}, label


def test_a_failing_precompute_process_fails_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked process that cannot derive its bodies must not leave a sandbox that serves some of
    them precomputed and the rest missing from the count: the start fails."""
    monkeypatch.setattr(bodies, "_CHUNK", 16)
    derive = docs.invoice_detail

    def failing(company: Any, row: Any) -> dict[str, Any]:
        if row["id"] % 16 == 5 and os.getpid() != parent:
            raise ValueError("simulated failure in a precomputing process")
        return derive(company, row)

    parent = os.getpid()
    monkeypatch.setattr(docs, "invoice_detail", failing)
    with pytest.raises(RuntimeError, match="precomputing"):
        SandboxServer(SandboxConfig(seed=5, documents=120, rate_limit=0, precompute_bodies=True,
                                    precompute_processes=2)).start()


def test_a_body_derived_while_a_change_lands_is_not_served_after_it(fresh_sandbox: SandboxServer) -> None:
    """A request that read the rows before a change and stores its body after it must not leave that
    body to be served (the store keys bodies by the generation read before the rows)."""
    company = fresh_sandbox.app.companies[0]  # type: ignore[union-attr]
    invoice_id = _first_sales_invoice(fresh_sandbox)
    old_version = fresh_sandbox.truth.records("invoices")[invoice_id]["version"]

    def rows_then_change(ids: list[int]) -> list[Any]:
        rows = company.invoice_rows(ids)
        fresh_sandbox.edit_invoice(invoice_id)  # lands while the body is derived from the old rows
        return rows

    derive = lambda rows: [(r["id"], dumps_bytes(docs.invoice_detail(company, r))) for r in rows]  # noqa: E731
    stale = bodies._served(company, bodies.INVOICE_DETAIL, [invoice_id], rows_then_change, derive)
    assert json.loads(stale[0].raw)["version"] == old_version
    served = Api(fresh_sandbox).get(f"/invoices/{invoice_id}")
    assert served == _plain(fresh_sandbox.truth.records("invoices")[invoice_id])
    assert served["version"] > old_version


def test_listing_variants_see_stored_records(fresh_sandbox: SandboxServer) -> None:
    """Rows a listing variant leaves out are chosen by id, stored bodies or not."""
    api = Api(fresh_sandbox)
    everything = api.walk("/invoices", orderById="ASC")
    fresh_sandbox.set_listing(drop_every=3)
    dropped = api.walk("/invoices", orderById="ASC")
    assert dropped == [i for i in everything if i["id"] % 3 != 0]
    assert len(dropped) < len(everything)


def test_encoded_records_keep_exact_numbers_whatever_path_encodes_the_answer() -> None:
    """Correctness of the encoder: pre-encoded records are copied verbatim, and an answer whose own
    part needs the standard-library path (a Decimal msgspec would write with an exponent) still reads
    as the same values."""
    record = Encoded(7, dumps_bytes({"id": 7, "name": "Tuote 1e5", "sum": Decimal("451.80")}))
    plain = json.loads(dumps_bytes({"results": [record], "meta": {"totalCount": 1}}), parse_float=Decimal)
    assert plain == {"results": [{"id": 7, "name": "Tuote 1e5", "sum": Decimal("451.80")}],
                     "meta": {"totalCount": 1}}
    out = dumps_bytes({"results": [record], "rate": Decimal("1E+2")})
    assert b"E+2" not in out and b"1e5" in out
    assert json.loads(out, parse_float=Decimal) == {"results": [{"id": 7, "name": "Tuote 1e5",
                                                                 "sum": Decimal("451.80")}], "rate": 100}
    assert dumps_bytes([record, record]) == b"[" + record.raw + b"," + record.raw + b"]"


def test_the_exponent_check_finds_what_a_digit_led_pattern_finds() -> None:
    """Correctness of the fast check that sends an answer down the standard-library path: on random
    strings of digits, signs and e/E it agrees with the plain ``[0-9][eE][+-]?[0-9]`` search."""
    import random
    import re

    from loader.sandbox.jsonout import _has_exponent

    plain = re.compile(rb"[0-9][eE][+-]?[0-9]")
    rng = random.Random(11)
    alphabet = b'0123456789eE+-x ".'
    samples = [bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(50_000)]
    assert sum(bool(plain.search(s)) for s in samples) > 1000, "the samples must contain exponents"
    assert [s for s in samples if bool(plain.search(s)) != _has_exponent(s)] == []
