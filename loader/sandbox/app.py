"""The sandbox application state: companies, clock, tokens, operations, and the truth helpers."""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from . import api, bodies, ledger
from . import documents as docs
from .auth import TokenStore
from .clock import VirtualClock
from .company import Company
from .config import SandboxConfig
from .operations import Operations

STREAMS = ("company", "accounts", "fiscal_years", "invoices", "ledger_receipts", "business_partners",
           "partner_groups", "persons", "products", "product_groups", "dimensions", "bank_accounts",
           "bank_statements", "reference_payments", "payments", "payment_events", "journals")


class Truth:
    """Ground truth as the API would return it in full detail, hidden records included."""

    def __init__(self, app: SandboxApp) -> None:
        self._app = app

    def records(self, stream: str, company_index: int = 0) -> dict[Any, dict[str, Any]]:
        company = self._app.companies[company_index]
        with company.lock:
            return self._records(stream, company)

    def _records(self, stream: str, company: Company) -> dict[Any, dict[str, Any]]:
        regs = company.regs
        if stream == "company":
            return {regs.company["id"]: company.with_extra("company", dict(regs.company))}
        if stream == "accounts":
            return {a["ledgerAccountCode"]: company.with_extra("accounts", dict(a)) for a in regs.accounts}
        if stream == "fiscal_years":
            return {y["id"]: company.with_extra("fiscal_years", dict(y)) for y in regs.fiscal_years}
        if stream == "invoices":
            rows = company.index.query("SELECT * FROM invoices ORDER BY id")
            return {r["id"]: docs.invoice_detail(company, r) for r in rows}
        if stream == "ledger_receipts":
            rows = company.index.query("SELECT * FROM receipts WHERE gone = 0 ORDER BY id")
            return {r["id"]: docs.receipt_detail(company, r) for r in rows}
        if stream == "business_partners":
            return {p["id"]: p for p in company.partner_list()}
        if stream == "partner_groups":
            return {g["id"]: dict(g) for g in regs.partner_groups}
        if stream == "persons":
            return {p["id"]: company.with_extra("persons", dict(p)) for p in regs.persons.values()}
        if stream == "products":
            return {p["id"]: company.with_extra("products", dict(p)) for p in regs.products.values()}
        if stream == "product_groups":
            return {g["id"]: dict(g) for g in regs.product_groups}
        if stream == "dimensions":
            return {d["id"]: company.with_extra("dimensions", dict(d)) for d in regs.dimensions}
        if stream == "bank_accounts":
            return {a["id"]: {k: v for k, v in a.items() if k != "ledgerAccount"} for a in regs.bank_accounts}
        if stream == "bank_statements":
            return {api.statement_id(d): company.with_extra("bank_statements", api.bank_statement(company, d))
                    for d in api.statement_dates(company)}
        paid = company.index.query("SELECT * FROM invoices WHERE pay_date IS NOT NULL AND paid > 0 "
                                   "AND status != 'INVALIDATED' ORDER BY id")
        if stream == "reference_payments":
            return {docs.REFERENCE_PAYMENT_OFFSET + r["id"]: docs.reference_payment(company, r)
                    for r in paid if r["type"] == "SALES_INVOICE"}
        if stream == "payments":
            return {docs.PAYMENT_OFFSET + r["id"]: docs.outgoing_payment(company, r)
                    for r in paid if r["type"] != "SALES_INVOICE"}
        if stream == "payment_events":
            return {docs.PAYMENT_EVENT_OFFSET + r["id"]: docs.payment_event(company, r) for r in paid}
        if stream == "journals":
            return {company.hidden_invoice_id(r["id"]): {"id": company.hidden_invoice_id(r["id"]),
                                                         "ledgerReceiptId": r["id"], "status": r["status"],
                                                         "date": r["date"], "version": r["version"]}
                    for r in company.journal_rows()}
        raise KeyError(f"unknown stream {stream!r}; known: {', '.join(STREAMS)}")

    def ledger(self, company_index: int = 0) -> list[dict[str, Any]]:
        return ledger.general_ledger(self._app.companies[company_index])

    def pl_by_month(self, company_index: int = 0) -> dict[str, Any]:
        return ledger.pl_by_month(self._app.companies[company_index])

    def balances_by_month(self, company_index: int = 0) -> dict[str, dict[str, Any]]:
        return ledger.balances_by_month(self._app.companies[company_index])

    def income_statement(self, start: str, end: str, company_index: int = 0) -> list[dict[str, Any]]:
        return ledger.income_statement(self._app.companies[company_index], start, end)

    def balance_sheet(self, end: str, company_index: int = 0) -> list[dict[str, Any]]:
        return ledger.balance_sheet(self._app.companies[company_index], end)


class SandboxApp:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = VirtualClock(config.clock_start, config.clock_running, config.version_zone)
        self._own_dir = config.db_dir is None
        self.db_dir = config.db_dir or tempfile.mkdtemp(prefix="procountor-sandbox-")
        self.companies = [Company(config, n, self.clock, self.db_dir) for n in range(config.companies)]
        if config.precompute_bodies:
            try:
                for company in self.companies:
                    bodies.precompute(company, config.precompute_processes)
            except BaseException:
                self.close()
                raise
        self.tokens = TokenStore(self.clock, config.token_lifetime, config.token_max_uses)
        self.ops = Operations(config)
        self.truth = Truth(self)

    def company_by_api_key(self, api_key: str) -> int | None:
        for n, company in enumerate(self.companies):
            if company.api_key == api_key:
                return n
        return None

    def company_index_of(self, value: str) -> int | None:
        """A company given by index (0, 1, ...) or by its Procountor company id."""
        try:
            number = int(value)
        except ValueError:
            return None
        if 0 <= number < len(self.companies):
            return number
        for n, company in enumerate(self.companies):
            if company.id == number:
                return n
        return None

    def close(self) -> None:
        for company in self.companies:
            company.close()
        if self._own_dir:
            shutil.rmtree(self.db_dir, ignore_errors=True)
