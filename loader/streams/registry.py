"""Every stream the loader can land, declared as data.

A stream is one entry here plus one staging model and its yml. The engine (loader/extract.py) is
generic: it reads `kind`, `paging`, `replication` and the parameter sets below and never names a
stream. Field catalogs come from the contract schema named in `record_schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loader.streams.contract import query_enum

Kind = Literal["list", "object", "fanout", "reports", "exchange_rates"]
Paging = Literal["page", "keyset", "none"]
Replication = Literal["incremental", "windowed", "full_table"]
Sweep = Literal["none", "full", "linked"]


@dataclass(frozen=True)
class ReportRequest:
    """One report asked for at every month-end of every fiscal year (kind "reports").

    `params` are the fixed body fields; `start` is where each request's period begins ("month":
    the month's movement; "fiscal_year": year to date). A `cumulative` report's figures depend on
    every earlier period too (a balance sheet): it is asked for again when any period up to its
    end date changed, not only its own."""

    params: dict[str, str]
    start: Literal["month", "fiscal_year"]
    cumulative: bool = False


@dataclass(frozen=True)
class StreamSpec:
    name: str
    description: str
    path: str
    record_schema: str
    replication: Replication
    kind: Kind = "list"
    primary_key: str = "id"
    # Where the records sit in the list answer: "results" (paged envelope), another wrapper key
    # (`ledgerAccounts` of /coa), or None for a bare JSON array.
    records_key: str | None = "results"
    paging: Paging = "page"
    page_size: int = 200
    # Parameter sets that together reveal every row: Procountor hides some rows by default
    # (inactive partners, offers, travel products, inactive persons).
    variants: tuple[dict[str, str], ...] = ({},)
    # Variants the user must ask for (config `options`), e.g. offers.
    optional_variants: dict[str, dict[str, str]] = field(default_factory=dict)
    cursor_field: str | None = None
    version_params: tuple[str, str] | None = None
    date_params: tuple[str, str] | None = None
    # A date filter that splits a full listing into disjoint parts read side by side (keyset
    # paging is one request after another; parts of it are not): (start param, end param,
    # ordering flag, the record's date field).
    partition: tuple[str, str, str, str] | None = None
    # Ordering flags sent explicitly: the API's declared defaults are DESC.
    order_params: dict[str, str] = field(default_factory=lambda: {"orderById": "ASC"})
    # Batch detail endpoint for list endpoints that only return summaries.
    detail_path: str | None = None
    detail_batch: int = 200
    # fanout: read `fanout_param` ids (<= detail_batch per call) from the parent stream's changes.
    parent: str | None = None
    fanout_param: str | None = None
    sweep: Sweep = "none"
    # A pseudo primary key for records without an id of their own (built from these fields).
    key_fields: tuple[str, ...] = ()
    default_selected: bool = True
    opt_in_note: str = ""
    # kind "reports": the requests made at every month-end (one record each).
    reports: tuple[ReportRequest, ...] = ()


VERSION = ("versionStartDate", "versionEndDate")
DATES = ("startDate", "endDate")

REGISTRY: tuple[StreamSpec, ...] = (
    StreamSpec(
        name="company",
        description="The company (environment) the credentials are bound to.",
        path="/company",
        record_schema="Company",
        replication="full_table",
        kind="object",
        records_key=None,
        paging="none",
    ),
    StreamSpec(
        name="accounts",
        description="Chart of accounts (ledger accounts) with translations; inactive accounts included.",
        path="/coa",
        record_schema="LedgerAccount",
        replication="full_table",
        primary_key="ledgerAccountCode",
        records_key="ledgerAccounts",
        paging="none",
        order_params={},
    ),
    StreamSpec(
        name="fiscal_years",
        description="Fiscal years with their tracking periods (months).",
        path="/fiscalyears",
        record_schema="FiscalYear",
        replication="full_table",
        records_key="fiscalYears",
        paging="none",
        order_params={},
    ),
    StreamSpec(
        name="dimensions",
        description="Dimensions (cost centres, projects) with their items; inactive items have status P.",
        path="/dimensions",
        record_schema="Dimension",
        replication="full_table",
        records_key=None,
        paging="none",
        order_params={},
    ),
    StreamSpec(
        name="invoices",
        description="Sales, purchase, travel and expense invoices (full detail with rows); offers opt-in.",
        path="/invoices",
        record_schema="Invoice",
        replication="incremental",
        cursor_field="version",
        version_params=VERSION,
        paging="keyset",
        optional_variants={"offers": {"isOffer": "true"}},
        detail_path="/invoices/{ids}",
        partition=("startDate", "endDate", "orderByDate", "date"),
    ),
    StreamSpec(
        name="ledger_receipts",
        description="Ledger receipts (vouchers) with transactions and dimension values: the general ledger.",
        path="/ledgerreceipts",
        record_schema="LedgerReceipt",
        replication="incremental",
        cursor_field="version",
        version_params=VERSION,
        paging="keyset",
        detail_path="/ledgerreceipts/{ids}",
        partition=("startDate", "endDate", "orderByDate", "receiptDate"),
        sweep="linked",
    ),
    StreamSpec(
        name="payment_events",
        description="Payment events of invoices (payments, credit losses, set-offs), re-read for changed invoices.",
        path="/payments/paymentevents",
        record_schema="PaymentEvent",
        replication="incremental",
        kind="fanout",
        parent="invoices",
        fanout_param="invoiceId",
        # Keyset by id (the contract offers previousId + orderById): page numbers shift when an
        # event is added or removed between two pages, and a re-read must be complete to tombstone.
        paging="keyset",
    ),
    StreamSpec(
        name="business_partners",
        description="Customers, suppliers and persons as business partners, active and inactive.",
        path="/businesspartners",
        record_schema="BusinessPartner",
        replication="incremental",
        cursor_field="version",
        version_params=VERSION,
        paging="keyset",
        variants=({"active": "true"}, {"active": "false"}),
        detail_path="/businesspartners/{ids}",
    ),
    StreamSpec(
        name="business_partner_groups",
        description="Business partner groups.",
        path="/businesspartners/groups",
        record_schema="BusinessPartnerGroup",
        replication="full_table",
        paging="page",
        order_params={},
    ),
    StreamSpec(
        name="persons",
        description="Persons register (employees, private customers), inactive included.",
        path="/persons",
        record_schema="PersonBasicInfo",
        replication="full_table",
        paging="page",
        variants=({"includeInactive": "true"},),
    ),
    StreamSpec(
        name="products",
        description="Sales, purchase and travel products; hard-deleted products are tombstoned.",
        path="/products",
        record_schema="Product",
        replication="incremental",
        cursor_field="version",
        version_params=VERSION,
        paging="keyset",  # /products has no page parameter
        variants=({}, {"type": "TRAVEL"}),
        sweep="full",
    ),
    StreamSpec(
        name="product_groups",
        description="Product groups of every register (sales, purchase, travel).",
        path="/products/groups",
        record_schema="ProductGroup",
        replication="full_table",
        records_key="productGroups",
        paging="none",
        # Without `type` the API documents no default (for /products it leaves travel out): ask
        # for every register the contract declares.
        variants=tuple({"type": t} for t in query_enum("/products/groups", "type")),
        order_params={},
    ),
    StreamSpec(
        name="currencies",
        description="Currencies available in the company.",
        path="/currencies",
        record_schema="Currencies",
        replication="full_table",
        kind="object",
        records_key=None,
        paging="none",
        primary_key="",
        key_fields=(),
        order_params={},
    ),
    StreamSpec(
        name="company_currency",
        description="The company's accounting currency.",
        path="/currencies/company",
        record_schema="CompanyCurrency",
        replication="full_table",
        kind="object",
        records_key=None,
        paging="none",
        primary_key="",
        order_params={},
    ),
    StreamSpec(
        name="exchange_rates",
        description="Accounting exchange rates for every foreign currency and day used on invoices.",
        path="/currencies/exchangerate",
        record_schema="CurrencyExchangeRate",
        replication="incremental",
        kind="exchange_rates",
        parent="invoices",
        paging="none",
        key_fields=("currency", "queryDay"),
        order_params={},
    ),
    StreamSpec(
        name="bank_accounts",
        description="The company's bank accounts.",
        path="/bankaccounts",
        record_schema="CompanyBankAccountBasicInfo",
        replication="full_table",
        paging="page",
    ),
    StreamSpec(
        name="bank_statements",
        description="Bank statements with their events (and child events), re-read over a trailing window.",
        path="/bankstatements",
        record_schema="BankStatement",
        replication="windowed",
        date_params=DATES,
        paging="page",
    ),
    StreamSpec(
        name="reference_payments",
        description="Incoming reference payments, re-read over a trailing window.",
        path="/referencepayments",
        record_schema="ReferencePayment",
        replication="windowed",
        date_params=DATES,
        paging="page",
    ),
    StreamSpec(
        name="payments",
        description="Outgoing payment transactions made through Procountor, re-read over a trailing window.",
        path="/payments",
        record_schema="BasicPaymentTransactionData",
        replication="windowed",
        date_params=DATES,
        paging="page",
    ),
    StreamSpec(
        name="vat_statuses",
        description="VAT statuses and the company's VAT percentages (from /vats/default).",
        path="/vats/default",
        record_schema="VatInformation",
        replication="full_table",
        kind="object",
        records_key=None,
        paging="none",
        primary_key="",
        order_params={},
    ),
    StreamSpec(
        name="accounting_reports",
        description="Procountor's own monthly income statements and balance sheets, to reconcile the marts.",
        path="/reports/accounting",
        record_schema="AccountingReportResponse",
        replication="full_table",
        kind="reports",
        paging="none",
        key_fields=("type", "startDate", "endDate"),
        order_params={},
        reports=(ReportRequest({"type": "INCOME_STATEMENT"}, "month"),
                 ReportRequest({"type": "BALANCE_SHEET"}, "fiscal_year", cumulative=True)),
    ),
    StreamSpec(
        name="ledger_account_reports",
        description="Procountor's own per-account totals of every month: the layout-free reconciliation of the GL.",
        path="/reports/ledgeraccounts",
        record_schema="LedgerAccountsReportResponse",
        replication="full_table",
        kind="reports",
        paging="none",
        key_fields=("startDate", "endDate"),
        order_params={},
        # A month's movement per account; if a server answers with closing balances instead, the
        # figures of later months move too, so they are re-read like a balance sheet.
        reports=(ReportRequest({}, "month", cumulative=True),),
    ),
)

_BY_NAME = {s.name: s for s in REGISTRY}


def get_stream(name: str) -> StreamSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(name) from None


def stream_names() -> list[str]:
    return [s.name for s in REGISTRY]
