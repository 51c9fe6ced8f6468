"""Every stream the loader can land, declared as data.

A stream is one entry here plus one staging model and its yml. The engine (loader/engine/) is
generic: it reads `kind`, `paging`, `replication`, the parent link and the declarations below and
never names a stream, a path or a field of one (tests/loader/test_engine_names_no_stream.py).
Field catalogs come from the contract schema named in `record_schema`.

Kinds, the way dlt's rest_api source declares resources:
- "list": a listing (paged or not), optionally with batch details (`detail_path`);
- "object": one object per company (`identity` marks the one every run reads first);
- "fanout": children read for the parent's changed ids, `fanout_param` filled from the parent's
  ids -- a query parameter (batches of `detail_batch` ids), or, when `path` holds
  `{<fanout_param>}`, one read per parent id (dlt's `resolve` parameter);
- "currency_days": one lookup per (foreign currency, day) the parent's records use (`lookup`);
- "reports": POSTed report requests at every month-end of a calendar stream (`reports`, `calendar`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loader.streams.contract import query_enum

Kind = Literal["list", "object", "fanout", "reports", "currency_days"]
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
class Calendar:
    """Where kind "reports" finds its periods: a stream whose records carry a date range and
    periods inside it (Procountor's fiscal years and their tracking periods). A period whose
    status is `closed_status` cannot change any more while its `modified_field` stays put."""

    stream: str
    start_field: str
    end_field: str
    periods_field: str
    status_field: str
    closed_status: str
    modified_field: str


@dataclass(frozen=True)
class CurrencyDayLookup:
    """Kind "currency_days": one GET per (foreign currency, day) used by the parent's records.

    `currency_path` and `day_field` say where a parent record names them; records in the
    company's own currency need no lookup. Each answer is stamped with the pair it answers
    (`stamp_currency`, `stamp_day`), so it has a key even when the server leaves them out."""

    currency_path: tuple[str, ...]
    day_field: str
    base_param: str
    currency_param: str
    day_param: str
    params: dict[str, str] = field(default_factory=dict)
    stamp_currency: str = "currency"
    stamp_day: str = "day"


@dataclass(frozen=True)
class Identity:
    """Kind "object" stream every run reads first: it names the company the credentials are bound
    to (its id keys every landed row) and the company's own currency."""

    id_field: str
    name_field: str
    currency_field: str
    default_currency: str = "EUR"


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
    # Whether page numbers are a fallback when a server ignores `previousId` (keyset paging): an
    # endpoint without a `page` parameter cannot be paged safely then, and the run says so.
    page_fallback: bool = True
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
    # fanout: read `fanout_param` ids (<= detail_batch per call) from the parent stream's changes;
    # a `{<fanout_param>}` in `path` reads each parent on its own. Children carry `fanout_param`
    # as a field naming their parent (it finds a re-read parent's vanished children).
    parent: str | None = None
    fanout_param: str | None = None
    sweep: Sweep = "none"
    # sweep "linked": a record re-created under a new id keeps this field (the invoice of a
    # receipt); an older record with the same value that is gone from the API is a tombstone.
    link_field: str | None = None
    # A pseudo primary key for records without an id of their own (built from these fields).
    key_fields: tuple[str, ...] = ()
    default_selected: bool = True
    opt_in_note: str = ""
    # kind "reports": the requests made at every month-end (one record each), the period dates
    # sent as `date_params`, the periods read from `calendar`.
    reports: tuple[ReportRequest, ...] = ()
    calendar: Calendar | None = None
    lookup: CurrencyDayLookup | None = None
    identity: Identity | None = None

    @property
    def per_parent(self) -> bool:
        """A fanout whose path names one parent (`/invoices/{invoiceId}/paymentevents`)."""
        return bool(self.fanout_param) and f"{{{self.fanout_param}}}" in self.path

    def parent_path(self, parent_id: str) -> str:
        return self.path.replace(f"{{{self.fanout_param}}}", parent_id)


VERSION = ("versionStartDate", "versionEndDate")
DATES = ("startDate", "endDate")
FISCAL_CALENDAR = Calendar(stream="fiscal_years", start_field="startDate", end_field="endDate",
                           periods_field="trackingPeriods", status_field="status", closed_status="CLOSED",
                           modified_field="modified")

REGISTRY: list[StreamSpec] = [
    StreamSpec(
        name="company",
        description="The company (environment) the credentials are bound to.",
        path="/company",
        record_schema="Company",
        replication="full_table",
        kind="object",
        records_key=None,
        paging="none",
        identity=Identity(id_field="id", name_field="name", currency_field="companyCurrency"),
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
        link_field="invoiceId",
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
        paging="keyset",
        page_fallback=False,  # /products has no page parameter
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
        kind="currency_days",
        parent="invoices",
        paging="none",
        key_fields=("currency", "queryDay"),
        order_params={},
        lookup=CurrencyDayLookup(
            currency_path=("paymentInfo", "currency"), day_field="date",
            base_param="baseCurrency", currency_param="currency", day_param="day",
            params={"rateType": "PROCOUNTOR_ACCOUNTING_EXCHANGE_RATE"},
            stamp_currency="currency", stamp_day="queryDay"),
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
        # The API's default page, not its maximum of 200: each statement carries all its events
        # (63 KB on average at 200 k documents), so a page of 200 was 13 MB of JSON; decoding it
        # took the loader's RSS to 297 MB while reading, 248 MB with pages of 50 (docs/performance.md).
        page_size=50,
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
        date_params=DATES,
        calendar=FISCAL_CALENDAR,
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
        date_params=DATES,
        calendar=FISCAL_CALENDAR,
        # A month's movement per account; if a server answers with closing balances instead, the
        # figures of later months move too, so they are re-read like a balance sheet.
        reports=(ReportRequest({}, "month", cumulative=True),),
    ),
]

_BY_NAME = {s.name: s for s in REGISTRY}


def get_stream(name: str) -> StreamSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(name) from None


def register_stream(spec: StreamSpec) -> None:
    """Add a stream at run time (a plug-in, or a test's toy stream); it runs after every stream
    declared above, so its parent is read first. `unregister_stream` takes it out again."""
    if spec.name in _BY_NAME:
        raise ValueError(f"stream {spec.name!r} is already registered")
    if spec.parent and spec.parent not in _BY_NAME:
        raise ValueError(f"stream {spec.name!r}: parent {spec.parent!r} is not registered")
    REGISTRY.append(spec)
    _BY_NAME[spec.name] = spec


def unregister_stream(name: str) -> None:
    REGISTRY.remove(_BY_NAME.pop(name))


def identity_stream() -> StreamSpec:
    """The stream every run reads first to learn which company it is in (see `Identity`)."""
    return next(s for s in REGISTRY if s.identity is not None)


def stream_names() -> list[str]:
    return [s.name for s in REGISTRY]
