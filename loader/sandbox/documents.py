"""Full bodies of invoices, ledger receipts and payments, derived on demand.

Every amount comes from a ``random.Random`` seeded with (company seed, document id, revision), so the
same seed always yields the same bodies and nothing but the index has to be stored. All money is
``Decimal``; VAT follows docs/architecture.md (ENTRY lines are net, VAT implied by vatPercent).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import derived, finnish, vat
from .chart import (
    AP_ACCOUNT,
    AR_ACCOUNT,
    BANK_ACCOUNT,
    EXPENSE_CLAIMS_ACCOUNT,
    PENSION_PAYABLE_ACCOUNT,
    PURCHASE_VAT_ACCOUNT,
    SALES_VAT_ACCOUNT,
    SOCIAL_SECURITY_PAYABLE_ACCOUNT,
    UNEMPLOYMENT_PAYABLE_ACCOUNT,
    VAT_PAYABLE_ACCOUNT,
    WITHHOLDING_ACCOUNT,
)
from .money import ZERO, implied_vat, money

if TYPE_CHECKING:
    from .company import Company

ATTACHMENT_OFFSET = 3_000_000
PAYMENT_EVENT_OFFSET = 5_000_000
REFERENCE_PAYMENT_OFFSET = 7_000_000
PAYMENT_OFFSET = 8_000_000
BANK_EVENT_OFFSET = 9_000_000
CREATOR_USER_ID = 7001

_QUANTITY = {"HOUR": (1, 40), "PIECE": (1, 12), "SACK": (5, 80), "BAG": (2, 30), "PERSON": (4, 60),
             "MONTH": (1, 3), "YEAR": (1, 2), "TON": (1, 8), "PALLET": (1, 4), "KILOWATT_HOUR": (400, 6000),
             "LITER": (20, 90), "DAY": (1, 4), "KILOMETER": (20, 640)}
# How often an invoice line is each product. A garden design and landscaping business sells mostly hours of
# design and installation, some greenhouses, and garden goods; it buys materials and subcontracting, and
# seldom its rent or advertising (the premises are not rented on every supplier invoice).
_PRODUCT_WEIGHTS = {
    "SALES_INVOICE": {"ASENNUS": 25, "SUUNN": 20, "HUOLTO": 10, "KH-6": 12, "KM-50": 8, "PL-10": 8, "TOIM": 6,
                      "LOUNAS": 3, "KAHVI": 2, "KIRJA": 2, "LEHTI": 2, "SIEMEN": 2},
    "PURCHASE_INVOICE": {"T-MULTA": 22, "T-LANN": 14, "ALIH": 22, "VUOKRA": 3, "SAHKO": 8, "SAAS": 6, "MAINOS": 5,
                         "PA": 10, "AL": 2, "H-LOUNAS": 8},
}
# A landscaping job is a day or more of installation; a customer buys a greenhouse or two, not twelve; the
# soil and fertiliser come by the truckload; one campaign is a few advertisements.
_PRODUCT_QUANTITY = {"ASENNUS": (8, 60), "SUUNN": (4, 40), "KH-6": (1, 3), "T-MULTA": (2, 12), "T-LANN": (1, 6),
                     "VUOKRA": (1, 1), "MAINOS": (1, 4)}
_FX = {"SEK": (Decimal("11.10"), Decimal("11.80")), "USD": (Decimal("1.0500"), Decimal("1.1300"))}


@dataclass
class Line:
    """One invoice row and the ledger ENTRY line it produces (1:1, so row VAT == implied line VAT)."""

    product_id: int | None
    name: str
    code: str
    unit: str
    quantity: Decimal
    unit_price: Decimal  # in invoice currency
    discount: Decimal
    vat_percent: Decimal
    vat_status: int
    account: str
    net: Decimal  # invoice currency, signed as on the invoice (credit notes negative)
    net_eur: Decimal
    vat_eur: Decimal
    dimensions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Figures:
    lines: list[Line]
    currency: str
    rate: Decimal
    net: Decimal  # invoice currency
    net_eur: Decimal
    vat_eur: Decimal

    @property
    def total_eur(self) -> Decimal:
        return self.net_eur + self.vat_eur

    @property
    def vat(self) -> Decimal:  # foreign invoices are zero-rated exports, so only EUR carries VAT
        return self.vat_eur if self.currency == "EUR" else ZERO


def _rng(company: Company, *parts: int) -> random.Random:
    key = company.seed_key
    for part in parts:
        key = (key * 1_000_003 + part) & 0xFFFFFFFFFFFF
    return random.Random(key)


def fx_rate(company: Company, currency: str, on: date) -> Decimal:
    if currency not in _FX:
        return Decimal("1")
    low, high = _FX[currency]
    rng = _rng(company, on.year, on.month, 0 if currency == "SEK" else 1)
    step = Decimal(rng.randrange(0, 10001)) / Decimal(10000)
    return (low + (high - low) * step).quantize(Decimal("0.0001"))


def _dimensions(rng: random.Random, value: Decimal) -> list[dict[str, Any]]:
    """Split allocations: two cost centres 60/40 on most lines, a project on some."""
    if rng.random() < 0.25:
        return []
    first, second = rng.sample((88, 89, 90, 91), 2)
    part = money(value * Decimal("0.6"))
    out = [{"dimensionId": 4101, "itemId": first, "value": part},
           {"dimensionId": 4101, "itemId": second, "value": value - part}]
    if rng.random() < 0.4:
        out.append({"dimensionId": 4102, "itemId": rng.choice((231, 232, 233)), "value": value})
    return out


def figures(company: Company, row: Any) -> Figures:
    """Lines and totals of an invoice index row (cached per id and revision).

    A credit note is its own document: its rows are a negated copy of its original as the original
    stood when it was credited (revision ``row["rev"]`` of the original), so a later edit of the
    original leaves the credit note -- whose version does not move -- exactly as it was."""
    if row["credit_of"] is not None:
        original = company.invoice_row(row["credit_of"])
        if original is not None:
            key: tuple[int, ...] = (row["id"], row["rev"], -1)
            cached = company.figures_cache.get(key)
            if cached is None:
                cached = _negated(figures(company, {**dict(original), "rev": row["rev"]}))
                company.figures_cache.put(key, cached)
            return cached
    key = (row["id"], row["rev"])
    cached = company.figures_cache.get(key)
    if cached is not None:
        return cached
    result = _compute_figures(company, row)
    company.figures_cache.put(key, result)
    return result


def _negated(base: Figures) -> Figures:
    lines = [Line(ln.product_id, ln.name, ln.code, ln.unit, -ln.quantity, ln.unit_price, ln.discount,
                  ln.vat_percent, ln.vat_status, ln.account, -ln.net, -ln.net_eur, -ln.vat_eur,
                  [dict(d, value=-d["value"]) for d in ln.dimensions]) for ln in base.lines]
    return Figures(lines, base.currency, base.rate, -base.net, -base.net_eur, -base.vat_eur)


_PRODUCT_TYPE = {"SALES_INVOICE": "SALES", "SALES_ORDER": "SALES", "PURCHASE_INVOICE": "PURCHASE",
                 "TRAVEL_INVOICE": "TRAVEL", "BILL_OF_CHARGES": "PURCHASE"}


def _catalog(company: Company, itype: str) -> list[Any]:
    """The products an invoice type draws its lines from (the product metadata never changes)."""
    catalogs = company.catalogs
    catalog = catalogs.get(itype)
    if catalog is None:
        ptype = _PRODUCT_TYPE[itype]
        catalog = [p for p in company.regs.product_meta.values() if p.type == ptype]
        if itype == "BILL_OF_CHARGES":
            catalog = [p for p in catalog if p.code in ("PA", "AL", "H-LOUNAS", "SAAS")]
        catalogs[itype] = catalog
        weights = _PRODUCT_WEIGHTS.get("SALES_INVOICE" if itype == "SALES_ORDER" else itype, {})
        catalogs[f"{itype}:weights"] = [weights.get(p.code, 1) for p in catalog]
    return catalog


def _compute_figures(company: Company, row: Any) -> Figures:
    on = date.fromisoformat(row["date"])
    currency = row["currency"]
    rng = _rng(company, row["id"], row["rev"])
    rate = fx_rate(company, currency, on)
    itype = row["type"]
    catalog = _catalog(company, itype)
    weights = company.catalogs[f"{itype}:weights"]
    if itype == "TRAVEL_INVOICE":
        n_lines = rng.choice((2, 3))
    elif itype == "PURCHASE_INVOICE":
        n_lines = rng.choice((1, 1, 1, 2, 2, 3))
    else:
        n_lines = rng.choice((1, 1, 2, 2, 3, 4))
    lines: list[Line] = []
    for _ in range(n_lines):
        product = rng.choices(catalog, weights)[0]
        low, high = _PRODUCT_QUANTITY.get(product.code) or _QUANTITY.get(product.unit, (1, 10))
        quantity = Decimal(rng.randint(low, high))
        price = product.price
        if currency != "EUR":
            price = money(price * rate)
        elif rng.random() < 0.3:
            price = money(price * Decimal(rng.randint(90, 115)) / Decimal(100))
        discount = Decimal(rng.choice((0, 0, 0, 0, 5, 10)))
        net = money(quantity * price * (Decimal(100) - discount) / Decimal(100))
        if currency == "EUR":
            pct = vat.vat_percent(product.vat_category, on)
            vat_status = 2 if pct == 0 else 1
            net_eur = net
            account = product.account
        else:  # export / intra-community: zero-rated, booked to its own revenue account
            pct = Decimal("0")
            vat_status = 6 if currency == "SEK" else 12
            net_eur = money(net / rate)
            account = "3040" if currency == "SEK" else "3050"
        lines.append(Line(product.id, product.name, product.code, product.unit, quantity, price, discount, pct,
                          vat_status, account, net, net_eur, implied_vat(net_eur, pct), _dimensions(rng, net_eur)))
    return Figures(lines, currency, rate, sum((ln.net for ln in lines), ZERO),
                   sum((ln.net_eur for ln in lines), ZERO), sum((ln.vat_eur for ln in lines), ZERO))


def sum_info(fig: Figures) -> list[dict[str, Any]]:
    eur = {"currency": "EUR", "inAccountingCurrency": True, "excludingVatTotal": fig.net_eur,
           "vatSumTotal": fig.vat_eur, "invoiceSumTotal": fig.total_eur}
    if fig.currency == "EUR":
        return [eur]
    return [{"currency": fig.currency, "inAccountingCurrency": False, "excludingVatTotal": fig.net,
             "vatSumTotal": ZERO, "invoiceSumTotal": fig.net}, eur]


def _counter_party(partner: dict[str, Any], invoice_id: int) -> dict[str, Any]:
    info = partner.get("invoicingInfo") or {}
    address = partner.get("billingAddress") or partner.get("address") or {}
    cp: dict[str, Any] = {
        "contactPersonName": info.get("contactPerson"),
        "identifier": info.get("identifier"),
        "customerNumber": info.get("customerNumber"),
        "email": info.get("email"),
        "counterPartyAddress": {k: address.get(k) for k in ("name", "street", "zip", "city", "country")},
    }
    if invoice_id % 7 == 0:  # the real API leaves some optional keys out entirely
        cp.pop("email")
    if partner.get("type") == "PERSON":
        cp["bankAccount"] = {"accountNumber": partner["paymentInfo"].get("bankAccount"), "bic": None}
    return cp


def invoice_basic(company: Company, row: Any) -> dict[str, Any]:
    fig = figures(company, row)
    partner = company.regs.partners.get(row["partner_id"], {})
    body = {
        "id": row["id"], "partnerId": row["partner_id"], "type": row["type"], "status": row["status"],
        "invoiceNumber": row["number"], "originalInvoiceNumber": row["original_number"] or "",
        "invoiceChannel": row["channel"], "date": row["date"], "dueDate": row["due"], "newDueDate": None,
        "created": row["created"], "version": row["version"], "invoiceSumInfo": sum_info(fig),
        "creatorId": CREATOR_USER_ID, "counterParty": _counter_party(partner, row["id"]),
        "isOffer": bool(row["is_offer"]),
    }
    return company.with_extra("invoices", body)


def invoice_detail(company: Company, row: Any) -> dict[str, Any]:
    fig = figures(company, row)
    partner = company.regs.partners.get(row["partner_id"], {})
    iid = row["id"]
    itype = row["type"]
    on = date.fromisoformat(row["date"])
    is_sales = itype in ("SALES_INVOICE", "SALES_ORDER")
    bank = company.regs.bank_accounts[0]
    invoice_rows = []
    for n, ln in enumerate(fig.lines, start=1):
        r: dict[str, Any] = {
            "id": iid * 10 + n, "productId": ln.product_id, "product": ln.name, "productCode": ln.code,
            "quantity": ln.quantity, "unit": ln.unit, "unitPrice": ln.unit_price, "discountPercent": ln.discount,
            "vatPercent": ln.vat_percent, "vatStatus": ln.vat_status, "comment": "",
        }
        if n == 1 and is_sales:
            r["startDate"] = r["endDate"] = row["date"]
        invoice_rows.append(r)
    payment_info: dict[str, Any] = {
        "paymentMethod": "FOREIGN_PAYMENT" if fig.currency != "EUR" else "BANK_TRANSFER",
        "currency": fig.currency,
        "bankAccount": {"accountNumber": bank["iban"], "bic": bank["bic"]} if is_sales else
        {"accountNumber": (partner.get("paymentInfo") or {}).get("bankAccount"), "bic": None},
        "dueDate": row["due"], "newDueDate": None, "currencyRate": fig.rate,
        "paymentTermPercentage": Decimal("0"),
        "bankReferenceCode": finnish.reference_number(iid) if is_sales else None,
        "bankReferenceCodeType": "FI" if is_sales else None,
    }
    body: dict[str, Any] = {
        "id": iid, "partnerId": row["partner_id"], "type": itype, "status": row["status"], "date": row["date"],
        "paymentDate": row["pay_date"], "counterParty": _counter_party(partner, iid),
        "billingAddress": partner.get("billingAddress"),
        "paymentInfo": payment_info,
        "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
        "discountPercent": Decimal("0"), "orderReference": f"Tilaus {on.year}/{iid % 1000}" if is_sales else None,
        "invoiceRows": invoice_rows, "invoiceNumber": row["number"], "vatStatus": invoice_rows[0]["vatStatus"]
        if invoice_rows else 1,
        "originalInvoiceNumber": row["original_number"] or "",
        "deliveryStartDate": row["date"] if is_sales else None, "deliveryEndDate": row["date"] if is_sales else None,
        "deliveryMethod": "FREIGHT" if is_sales else None, "invoiceChannel": row["channel"],
        "penaltyPercent": Decimal("11.5") if is_sales else None,
        "language": "ENGLISH" if fig.currency != "EUR" else "FINNISH", "invoiceTemplateId": 1 if is_sales else None,
        "additionalInformation": "Kiitos tilauksestanne!" if is_sales else None,
        "vatCountry": "FINLAND", "ledgerReceiptId": row["receipt_id"], "notes": "",
        "factoringContractId": None, "travelInformationItems": [],
        "invoiceApprovalInformation": {"acceptors": [], "verifiers": []},
        "attachments": [], "version": row["version"], "invoiceSumInfo": sum_info(fig),
        "creatorId": CREATOR_USER_ID, "isOffer": bool(row["is_offer"]),
    }
    if partner.get("deliveryAddress") and is_sales:
        body["deliveryAddress"] = partner["deliveryAddress"]
    if itype == "PURCHASE_INVOICE":
        body["invoiceOperatorInfo"] = {"operator": "003721291126", "receivingAddress": "003712345678"}
        body["invoiceApprovalInformation"] = {"acceptors": [{"userId": CREATOR_USER_ID, "eventPerformed":
                                                             row["date"] if row["status"] != "RECEIVED" else None}],
                                              "verifiers": []}
    if itype == "TRAVEL_INVOICE":
        city = finnish.CITIES[iid % len(finnish.CITIES)][0]
        body["travelInformationItems"] = [{"departure": "Helsinki", "arrival": city, "places": city,
                                           "purpose": "Asiakastapaaminen"}]
    if itype == "SALES_INVOICE":
        body["attachments"] = [{"id": ATTACHMENT_OFFSET + iid, "name": f"Lasku_{row['number']}.pdf",
                                "referenceType": "INVOICE", "referenceId": iid, "mimeType": "application/pdf",
                                "sendWithInvoice": True}]
    if iid % 11 == 0:  # undocumented nulls and absent keys, as the real API sends them
        body["notes"] = None
        body.pop("deliveryMethod", None)
    if row["pay_date"] is None:
        body.pop("paymentDate")
    return company.with_extra("invoices", body)


# ---------------------------------------------------------------- ledger receipts

def _tx(tid: int, ttype: str, account: str, value: Decimal, description: str, vat_percent: Decimal = Decimal(0),
        vat_type: str | None = None, vat_status: int | None = None,
        dimensions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    tx: dict[str, Any] = {"id": tid, "transactionType": ttype, "account": account, "accountingValue": value,
                          "vatPercent": vat_percent, "description": description, "allocations": [],
                          "dimensionItemValues": dimensions or []}
    if vat_type is not None:
        tx["vatType"] = vat_type
        tx["vatStatus"] = vat_status
    return tx


def linked_invoices(company: Company, rrows: list[Any]) -> dict[int, Any]:
    """The invoice rows behind a batch of receipt rows, in one query (id -> row)."""
    ids = sorted({r["invoice_id"] for r in rrows if r["invoice_id"] is not None and r["kind"] in ("INV", "PAY")})
    return {r["id"]: r for r in company.invoice_rows(ids)} if ids else {}


def _invoice_of(company: Company, rrow: Any, invoices: dict[int, Any] | None) -> Any:
    if invoices is not None:
        return invoices.get(rrow["invoice_id"])
    return company.invoice_row(rrow["invoice_id"])


def receipt_transactions(company: Company, rrow: Any, invoices: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    kind = rrow["kind"]
    base = rrow["id"] * 100
    if kind == "INV":
        inv = _invoice_of(company, rrow, invoices)
        if inv is None:
            return []
        fig = figures(company, inv)
        partner_name = rrow["name"] or ""
        if inv["type"] == "SALES_ORDER":
            # Orders and offers do not post to the ledger, but the contract needs >= 1 transaction:
            # their receipt carries the lines at 0.00 (neutral under the architecture's status rule).
            return [_tx(base + 1, "REVERSING_ENTRY", AR_ACCOUNT, ZERO, partner_name)] + [
                _tx(base + n, "ENTRY", ln.account, ZERO, f"{ln.name} (tilaus)", ln.vat_percent, "SALES", ln.vat_status)
                for n, ln in enumerate(fig.lines, start=2)]
        if inv["type"] == "SALES_INVOICE":
            sign, counter, vat_type = -1, AR_ACCOUNT, "SALES"
        else:
            sign = 1
            counter = AP_ACCOUNT if inv["type"] == "PURCHASE_INVOICE" else EXPENSE_CLAIMS_ACCOUNT
            vat_type = "PURCHASE"
        txs = [_tx(base + 1, "REVERSING_ENTRY", counter, -sign * fig.total_eur, partner_name)]
        for n, ln in enumerate(fig.lines, start=2):
            dims = [dict(d, value=sign * d["value"]) for d in ln.dimensions]
            tx = _tx(base + n, "ENTRY", ln.account, sign * ln.net_eur, ln.name, ln.vat_percent, vat_type,
                     ln.vat_status, dims)
            if n == 2:
                tx["startDate"] = tx["endDate"] = inv["date"]
            txs.append(tx)
        return txs
    if kind == "PAY":
        inv = _invoice_of(company, rrow, invoices)
        if inv is None:
            return []
        amount = paid_amount(company, inv)
        if inv["type"] == "SALES_INVOICE":
            return [_tx(base + 1, "ENTRY", BANK_ACCOUNT, amount, "Viitesuoritus"),
                    _tx(base + 2, "REVERSING_ENTRY", AR_ACCOUNT, -amount, rrow["name"] or "")]
        counter = AP_ACCOUNT if inv["type"] == "PURCHASE_INVOICE" else EXPENSE_CLAIMS_ACCOUNT
        return [_tx(base + 1, "ENTRY", counter, amount, "Maksu"),
                _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, rrow["name"] or "")]
    return periodic_transactions(company, rrow, base)


def paid_amount(company: Company, inv: Any) -> Decimal:
    total = figures(company, inv).total_eur
    return total if inv["paid"] == 2 else money(total / 2)


@dataclass(frozen=True)
class Payroll:
    """A month's payroll. Employees' shares are withheld from the gross; the employer's are its costs."""

    gross: Decimal
    withholding: Decimal  # ennakonpidätys, to Verohallinto
    employee_pension: Decimal  # TyEL, employee's share
    employee_unemployment: Decimal  # työttömyysvakuutusmaksu, employee's share
    employer_pension: Decimal  # TyEL, employer's share
    employer_unemployment: Decimal
    social_security: Decimal  # sosiaaliturvamaksu (employer's health insurance contribution), to Verohallinto

    @property
    def net(self) -> Decimal:
        return self.gross - self.withholding - self.employee_pension - self.employee_unemployment

    @property
    def pension(self) -> Decimal:
        return self.employee_pension + self.employer_pension

    @property
    def unemployment(self) -> Decimal:
        return self.employee_unemployment + self.employer_unemployment


# Per year, in the order of Payroll's fields: TyEL and unemployment insurance of the employee, TyEL (an
# average) and unemployment insurance (payroll under the 2.2 M€ limit) of the employer,
# sosiaaliturvamaksu. 2026 keeps 2025's rates.
_PAYROLL_RATES = {
    2023: ("7.15", "1.50", "17.39", "0.52", "1.53"),
    2024: ("7.15", "1.50", "17.34", "0.52", "1.87"),
    2025: ("7.15", "0.59", "17.34", "0.20", "1.16"),
}


# The staff follows the business: one full-time equivalent per this much monthly revenue of the twelve
# months before (hiring is slow; months before the first count at the demo-sized company's planned
# revenue, in proportion).
REVENUE_PER_EMPLOYEE = Decimal("12000")
PLANNED_MONTHLY_REVENUE = Decimal("60000")


def staff_in(company: Company, period: str) -> Decimal:
    """Full-time equivalents paid in a month (a small company's staff is part-time)."""
    if period < "2024-01":
        trailing = PLANNED_MONTHLY_REVENUE * company.scale
    else:
        revenue = derived.books(company).revenue
        months = [_month_before(period, n) for n in range(1, 13)]
        trailing = sum((revenue.get(m, ZERO) if m >= "2024-01" else PLANNED_MONTHLY_REVENUE * company.scale
                        for m in months), ZERO) / 12
    return max(Decimal("0.20"), (trailing / REVENUE_PER_EMPLOYEE).quantize(Decimal("0.01")))


def _month_before(period: str, months: int) -> str:
    year, month = map(int, period.split("-"))
    index = year * 12 + month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def salary_figures(company: Company, period: str) -> Payroll:
    """The payroll of a month (``YYYY-MM``): salaries drawn from the seed for ``staff_in`` full-time
    equivalents."""
    cached = company.payroll_cache.get(period)
    if cached is not None:
        return cached
    year, month = map(int, period.split("-"))
    rng = _rng(company, year, month, 77)
    gross = withholding = ZERO
    staff = staff_in(company, period)
    persons = max(1, math.ceil(staff))
    for _ in range(persons):
        salary = money(Decimal(rng.randrange(2900, 5200)) * staff / persons)
        gross += salary
        withholding += money(salary * Decimal(rng.randrange(17, 27)) / 100)  # each one's own tax card
    rates = [Decimal(r) / 100 for r in _PAYROLL_RATES[min(year, 2025)]]
    result = Payroll(gross, withholding, *(money(gross * rate) for rate in rates))
    company.payroll_cache[period] = result
    return result


def _scaled(company: Company, amount: str) -> Decimal:
    """A fixed figure of the demo-sized company, in proportion to this one's size."""
    return money(Decimal(amount) * company.scale)


def opening_vat(company: Company, period: str) -> Decimal:
    """VAT payable of a month before the sandbox's first day (carried in the opening balance)."""
    year, month = map(int, period.split("-"))
    return _scaled(company, str(14000 + _rng(company, year, month, 91).randrange(-2500, 2500)))


def vat_of(company: Company, period: str) -> tuple[Decimal, Decimal]:
    """(output VAT, input VAT) of a month, both positive for the usual sides."""
    books = derived.books(company)
    return books.output_vat.get(period, ZERO), books.input_vat.get(period, ZERO)


def vat_to_pay(company: Company, period: str) -> Decimal:
    """Output less input VAT of a period: what is paid to Verohallinto (negative: a refund)."""
    if period < "2024-01":
        return opening_vat(company, period)
    output_vat, input_vat = vat_of(company, period)
    return output_vat - input_vat


APPROPRIATION = Decimal("3000.00")
OPENING_RECEIVABLES = "55000.00"
OPENING_PAYABLES = "25000.00"


def _is_fiscal_year_end(company: Company, day: str) -> bool:
    return any(year["endDate"] == day for year in company.regs.fiscal_years)


def opening_cash(company: Company) -> Decimal:
    """Cash at the start: a few months of costs, plus a reserve for the swings of a small company's
    receipts and payments (they grow with the square root of its size, not with its size)."""
    return money(Decimal("120000") * company.scale + Decimal("100000") * company.scale.sqrt())


def _opening(company: Company) -> list[tuple[str, Decimal]]:
    """Opening balance of 1.1.2024: December's payroll liabilities and two months' VAT still to pay."""
    december = salary_figures(company, "2023-12")
    rows = [("1911", opening_cash(company)), ("1160", _scaled(company, "60000.00")),
            ("1400", _scaled(company, "15000.00")), ("1050", _scaled(company, "8000.00")),
            (AR_ACCOUNT, _scaled(company, OPENING_RECEIVABLES)), ("2000", Decimal("-2500.00")),
            ("2070", _scaled(company, "-20000.00")), ("2620", _scaled(company, "-60000.00")),
            (AP_ACCOUNT, -_scaled(company, OPENING_PAYABLES)),
            (WITHHOLDING_ACCOUNT, -december.withholding), (SOCIAL_SECURITY_PAYABLE_ACCOUNT, -december.social_security),
            (PENSION_PAYABLE_ACCOUNT, -december.pension), (UNEMPLOYMENT_PAYABLE_ACCOUNT, -december.unemployment),
            (VAT_PAYABLE_ACCOUNT, -opening_vat(company, "2023-11") - opening_vat(company, "2023-12"))]
    return [*rows, ("2250", -sum((v for _, v in rows), ZERO))]  # retained earnings balance the rest


PAYROLL_KINDS = frozenset(("SAL", "EMP", "TAX", "PEN", "TVR"))


def _payroll_transactions(company: Company, rrow: Any, base: int) -> list[dict[str, Any]]:
    """Payday (net pay from the bank, the withheld shares owed), the employer's contributions owed, and
    their payments to Verohallinto, the pension insurer and the Employment Fund."""
    kind = rrow["kind"]
    pay = salary_figures(company, rrow["period"])
    if kind == "SAL":
        dims = [{"dimensionId": 4101, "itemId": 88, "value": money(pay.gross * Decimal("0.3"))},
                {"dimensionId": 4101, "itemId": 90, "value": pay.gross - money(pay.gross * Decimal("0.3"))}]
        return [_tx(base + 1, "ENTRY", "5000", pay.gross, "Palkat", dimensions=dims),
                _tx(base + 2, "ENTRY", WITHHOLDING_ACCOUNT, -pay.withholding, "Ennakonpidätys"),
                _tx(base + 3, "ENTRY", PENSION_PAYABLE_ACCOUNT, -pay.employee_pension, "TyEL työntekijän osuus"),
                _tx(base + 4, "ENTRY", UNEMPLOYMENT_PAYABLE_ACCOUNT, -pay.employee_unemployment,
                    "Työttömyysvakuutusmaksu työntekijän osuus"),
                _tx(base + 5, "REVERSING_ENTRY", BANK_ACCOUNT, -pay.net, "Nettopalkat")]
    if kind == "EMP":
        return [_tx(base + 1, "ENTRY", "6130", pay.employer_pension, "TyEL työnantajan osuus"),
                _tx(base + 2, "ENTRY", "6300", pay.social_security, "Sosiaaliturvamaksu"),
                _tx(base + 3, "ENTRY", "6410", pay.employer_unemployment, "Työttömyysvakuutusmaksu"),
                _tx(base + 4, "ENTRY", PENSION_PAYABLE_ACCOUNT, -pay.employer_pension, "TyEL työnantajan osuus"),
                _tx(base + 5, "ENTRY", SOCIAL_SECURITY_PAYABLE_ACCOUNT, -pay.social_security, "Sosiaaliturvamaksu"),
                _tx(base + 6, "ENTRY", UNEMPLOYMENT_PAYABLE_ACCOUNT, -pay.employer_unemployment,
                    "Työttömyysvakuutusmaksu")]
    if kind == "TAX":
        return [_tx(base + 1, "ENTRY", WITHHOLDING_ACCOUNT, pay.withholding, "Ennakonpidätykset"),
                _tx(base + 2, "ENTRY", SOCIAL_SECURITY_PAYABLE_ACCOUNT, pay.social_security, "Sosiaaliturvamaksu"),
                _tx(base + 3, "REVERSING_ENTRY", BANK_ACCOUNT, -(pay.withholding + pay.social_security), "OmaVero")]
    account, amount = ((PENSION_PAYABLE_ACCOUNT, pay.pension) if kind == "PEN"
                       else (UNEMPLOYMENT_PAYABLE_ACCOUNT, pay.unemployment))
    return [_tx(base + 1, "ENTRY", account, amount, rrow["name"] or ""),
            _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, rrow["name"] or "")]


def periodic_transactions(company: Company, rrow: Any, base: int) -> list[dict[str, Any]]:
    kind = rrow["kind"]
    if kind == "OPEN":
        return [_tx(base + n, "ENTRY", acc, value, "Avaava tase")
                for n, (acc, value) in enumerate(_opening(company), 1)]
    if kind in ("OAR", "OAP"):
        amount = _scaled(company, OPENING_RECEIVABLES if kind == "OAR" else OPENING_PAYABLES)
        if kind == "OAR":
            return [_tx(base + 1, "ENTRY", BANK_ACCOUNT, amount, "Viitesuoritukset"),
                    _tx(base + 2, "REVERSING_ENTRY", AR_ACCOUNT, -amount, rrow["name"] or "")]
        return [_tx(base + 1, "ENTRY", AP_ACCOUNT, amount, rrow["name"] or ""),
                _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, "Maksut")]
    period = rrow["period"]
    if kind in ("VAT", "VATPAY"):
        if kind == "VATPAY":
            amount = vat_to_pay(company, period)
            return [_tx(base + 1, "ENTRY", VAT_PAYABLE_ACCOUNT, amount, "Arvonlisävero"),
                    _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, "OmaVero")]
        output_vat, input_vat = vat_of(company, period)
        return [_tx(base + 1, "ENTRY", SALES_VAT_ACCOUNT, output_vat, "Myynnin arvonlisävero"),
                _tx(base + 2, "ENTRY", PURCHASE_VAT_ACCOUNT, -input_vat, "Ostojen arvonlisävero"),
                _tx(base + 3, "ENTRY", VAT_PAYABLE_ACCOUNT, input_vat - output_vat, "Maksettava arvonlisävero")]
    if kind in PAYROLL_KINDS:
        return _payroll_transactions(company, rrow, base)
    if kind == "DIV":  # the owners' dividend, from retained earnings
        amount = _scaled(company, "40000.00")
        return [_tx(base + 1, "ENTRY", "2250", amount, "Osingonjako"),
                _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, rrow["name"] or "")]
    if kind == "ITX":  # the fiscal year's income tax, prepaid in equal monthly instalments
        amount = _scaled(company, "1500.00")
        return [_tx(base + 1, "ENTRY", "9900", amount, "Tuloveron ennakko"),
                _tx(base + 2, "REVERSING_ENTRY", BANK_ACCOUNT, -amount, "OmaVero")]
    if kind == "DEP":
        amount = _scaled(company, "1250.00")
        rows = [_tx(base + 1, "ENTRY", "6800", amount, "Poisto koneet ja kalusto",
                    dimensions=[{"dimensionId": 4101, "itemId": 90, "value": amount}]),
                _tx(base + 2, "ENTRY", "1160", -amount, "Poisto koneet ja kalusto")]
        if _is_fiscal_year_end(company, rrow["date"]):
            # the tax depreciation above plan at the year-end: an appropriation (tilinpäätössiirto), so the
            # statements carry poistoeron muutos (98xx) and its accumulation (24xx), as Finnish books do
            appropriation = money(APPROPRIATION * company.scale)
            rows += [_tx(base + 3, "ENTRY", "9800", appropriation, "Poistoeron muutos"),
                     _tx(base + 4, "ENTRY", "2400", -appropriation, "Poistoeron muutos")]
        return rows
    # LOAN: interest on the outstanding bank loan and a fixed instalment
    year, month = map(int, period.split("-"))
    months_paid = (year - 2024) * 12 + month - 1
    instalment = _scaled(company, "1000.00")
    outstanding = _scaled(company, "60000.00") - instalment * months_paid
    interest = money(outstanding * Decimal("0.045") / Decimal(12))
    return [_tx(base + 1, "ENTRY", "9440", interest, "Lainan korko"),
            _tx(base + 2, "ENTRY", "2620", instalment, "Lainan lyhennys"),
            _tx(base + 3, "REVERSING_ENTRY", BANK_ACCOUNT, -(interest + instalment), "Nordea")]


def receipt_basic(company: Company, rrow: Any) -> dict[str, Any]:
    body = {"id": rrow["id"], "type": rrow["type"], "status": rrow["status"], "name": rrow["name"],
            "receiptDate": rrow["date"], "receiptNumber": rrow["number"], "invoiceNumber": rrow["invoice_number"],
            "created": rrow["created"], "version": rrow["version"]}
    return company.with_extra("ledger_receipts", body)


def receipt_detail(company: Company, rrow: Any, invoices: dict[int, Any] | None = None) -> dict[str, Any]:
    rtype = rrow["type"]
    sales_side = rtype in ("SALES_INVOICE", "SALES_ORDER", "REFERENCE_PAYMENT")
    partner = company.regs.partners.get(rrow["partner_id"]) if rrow["partner_id"] else None
    descriptions = {"SALES_INVOICE": "Myyntilasku", "PURCHASE_INVOICE": "Ostolasku", "TRAVEL_INVOICE": "Matkalasku",
                    "BILL_OF_CHARGES": "Kululasku", "SALES_ORDER": "Tarjous", "REFERENCE_PAYMENT": "Viitesuoritus",
                    "BANK_STATEMENT_AS_RECEIPT": "Tiliote"}
    body: dict[str, Any] = {
        "id": rrow["id"], "type": rtype, "status": rrow["status"], "name": rrow["name"],
        "receiptDate": rrow["date"], "vatType": "SALES" if sales_side else "PURCHASE", "vatStatus": 1,
        "invoiceId": rrow["invoice_id"], "receiptNumber": rrow["number"], "invoiceNotes": "",
        "invoiceNumber": rrow["invoice_number"], "accountantsNotes": "",
        "transactionDescription": f"{descriptions.get(rtype, rrow['name'])} {rrow['invoice_number'] or ''}".strip(),
        "receiptValidity": "EMPTY", "partnerId": rrow["partner_id"],
        "partnerCode": ((partner or {}).get("invoicingInfo") or {}).get("identifier"),
        "version": rrow["version"], "depreciation": "EMPTY",
        "transactions": receipt_transactions(company, rrow, invoices), "attachments": [],
    }
    if rtype == "SALES_INVOICE" and rrow["kind"] == "INV":
        body["attachments"] = [{"id": ATTACHMENT_OFFSET + rrow["invoice_id"],
                                "name": f"Lasku_{rrow['invoice_number']}.pdf", "referenceType": "INVOICE",
                                "referenceId": rrow["invoice_id"], "mimeType": "application/pdf",
                                "sendWithInvoice": True}]
    if rrow["id"] % 13 == 0:
        body["accountantsNotes"] = None  # undocumented null
    return company.with_extra("ledger_receipts", body)


# ---------------------------------------------------------------- payments

def payment_event(company: Company, inv: Any) -> dict[str, Any]:
    amount = paid_amount(company, inv)
    fig = figures(company, inv)
    sales = inv["type"] == "SALES_INVOICE"
    paid_foreign = money(amount * fig.rate) if fig.currency != "EUR" else amount
    return {"id": PAYMENT_EVENT_OFFSET + inv["id"], "invoiceId": inv["id"],
            "type": "REFERENCEPAYMENT_TO_INVOICE" if sales else "BANKSTATEMENT_TO_INVOICE",
            "paymentDate": inv["pay_date"], "status": inv["status"], "amount": amount, "currency": "EUR",
            "description": "Viitesuoritus" if sales else "Maksu pankista", "paidAmount": paid_foreign,
            "paidCurrency": fig.currency}


def reference_payment(company: Company, inv: Any) -> dict[str, Any]:
    bank = company.regs.bank_accounts[0]
    return {"id": REFERENCE_PAYMENT_OFFSET + inv["id"], "accountNumber": bank["iban"], "valueDate": inv["pay_date"],
            "paymentDate": inv["pay_date"], "sum": paid_amount(company, inv),
            "name": company.regs.partners.get(inv["partner_id"], {}).get("name"),
            "bankReference": finnish.reference_number(inv["id"]),
            "archiveId": f"{inv['pay_date'].replace('-', '')}5UGF{inv['id']:08d}", "allocated": True,
            "invoiceId": inv["id"], "attachments": [], "allocationMetadataRows": []}


def outgoing_payment(company: Company, inv: Any) -> dict[str, Any]:
    return {"id": PAYMENT_OFFSET + inv["id"], "invoiceId": inv["id"], "paymentDate": inv["pay_date"],
            "amount": paid_amount(company, inv),
            "receiverName": company.regs.partners.get(inv["partner_id"], {}).get("name"), "status": "PAID",
            "serviceCharge": "BOTH_PAY_OWN_FEES", "paidAmount": paid_amount(company, inv), "paidCurrency": "EUR"}


def bank_event(company: Company, inv: Any) -> dict[str, Any]:
    """One bank-statement line for a payment; incoming customer payments are positive."""
    amount = paid_amount(company, inv)
    sales = inv["type"] == "SALES_INVOICE"
    partner = company.regs.partners.get(inv["partner_id"], {})
    return {"id": BANK_EVENT_OFFSET + inv["id"], "payDate": inv["pay_date"], "valueDate": inv["pay_date"],
            "sum": amount if sales else -amount, "accountNumber": (partner.get("paymentInfo") or {}).get("bankAccount"),
            "name": partner.get("name"), "explanationCode": 710 if sales else 720,
            "archiveCode": f"{inv['pay_date'].replace('-', '')}5UGF{inv['id']:08d}",
            "message": None if sales else f"Lasku {inv['number']}",
            "reference": finnish.reference_number(inv["id"]) if sales else None, "allocated": True,
            "invoiceId": inv["id"], "productId": None, "endToEndId": None, "attachments": [],
            "allocationMetadataRows": []}


def next_day(value: str) -> str:
    return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
