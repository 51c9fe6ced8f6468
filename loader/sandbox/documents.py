"""Full bodies of invoices, ledger receipts and payments, derived on demand.

Every amount comes from a ``random.Random`` seeded with (company seed, document id, revision), so the
same seed always yields the same bodies and nothing but the index has to be stored. All money is
``Decimal``; VAT follows docs/architecture.md (ENTRY lines are net, VAT implied by vatPercent).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import finnish, vat
from .chart import AP_ACCOUNT, AR_ACCOUNT, BANK_ACCOUNT, EXPENSE_CLAIMS_ACCOUNT
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
    return catalog


def _compute_figures(company: Company, row: Any) -> Figures:
    on = date.fromisoformat(row["date"])
    currency = row["currency"]
    rng = _rng(company, row["id"], row["rev"])
    rate = fx_rate(company, currency, on)
    itype = row["type"]
    catalog = _catalog(company, itype)
    n_lines = rng.choice((1, 1, 2, 2, 3, 4)) if itype != "TRAVEL_INVOICE" else rng.choice((2, 3))
    lines: list[Line] = []
    for _ in range(n_lines):
        product = rng.choice(catalog)
        low, high = _QUANTITY.get(product.unit, (1, 10))
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


def salary_figures(company: Company, period: str) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """gross, withholding, employee pension, employer pension, social security for a month."""
    year, month = map(int, period.split("-"))
    rng = _rng(company, year, month, 77)
    headcount = max(3, min(len(company.regs.employees), 3 + company.documents // 5000))
    gross = sum((Decimal(rng.randrange(2800, 5200)) for _ in range(headcount)), ZERO)
    gross = money(gross)
    return (gross, money(gross * Decimal("0.22")), money(gross * Decimal("0.0715")),
            money(gross * Decimal("0.1738")), money(gross * Decimal("0.0187")))


APPROPRIATION = Decimal("3000.00")


def _is_fiscal_year_end(company: Company, day: str) -> bool:
    return any(year["endDate"] == day for year in company.regs.fiscal_years)


def periodic_transactions(company: Company, rrow: Any, base: int) -> list[dict[str, Any]]:
    kind = rrow["kind"]
    if kind == "OPEN":
        rows = (("1911", "80000.00"), ("1160", "60000.00"), ("1400", "15000.00"), ("1050", "8000.00"),
                ("2000", "-2500.00"), ("2070", "-20000.00"), ("2250", "-68500.00"), ("2620", "-60000.00"),
                ("2871", "-12000.00"))
        return [_tx(base + n, "ENTRY", acc, Decimal(value), "Avaava tase") for n, (acc, value) in enumerate(rows, 1)]
    period = rrow["period"]
    gross, withholding, pension_employee, pension_employer, social = salary_figures(company, period)
    if kind == "SAL":
        net = gross - withholding - pension_employee
        dims = [{"dimensionId": 4101, "itemId": 88, "value": money(gross * Decimal("0.3"))},
                {"dimensionId": 4101, "itemId": 90, "value": gross - money(gross * Decimal("0.3"))}]
        return [_tx(base + 1, "ENTRY", "5000", gross, "Palkat", dimensions=dims),
                _tx(base + 2, "ENTRY", "2930", -withholding, "Ennakonpidätys"),
                _tx(base + 3, "ENTRY", "2950", -pension_employee, "TyEL työntekijän osuus"),
                _tx(base + 4, "REVERSING_ENTRY", BANK_ACCOUNT, -net, "Nettopalkat")]
    if kind == "EMP":
        total = pension_employer + social + withholding + pension_employee
        return [_tx(base + 1, "ENTRY", "6130", pension_employer, "TyEL työnantajan osuus"),
                _tx(base + 2, "ENTRY", "6300", social, "Sosiaaliturvamaksu"),
                _tx(base + 3, "ENTRY", "2930", withholding, "Ennakonpidätysten tilitys"),
                _tx(base + 4, "ENTRY", "2950", pension_employee, "TyEL-maksujen tilitys"),
                _tx(base + 5, "REVERSING_ENTRY", BANK_ACCOUNT, -total, "Verohallinto ja eläkeyhtiö")]
    if kind == "DEP":
        amount = Decimal("1250.00")
        rows = [_tx(base + 1, "ENTRY", "6800", amount, "Poisto koneet ja kalusto",
                    dimensions=[{"dimensionId": 4101, "itemId": 90, "value": amount}]),
                _tx(base + 2, "ENTRY", "1160", -amount, "Poisto koneet ja kalusto")]
        if _is_fiscal_year_end(company, rrow["date"]):
            # the tax depreciation above plan at the year-end: an appropriation (tilinpäätössiirto), so the
            # statements carry poistoeron muutos (98xx) and its accumulation (24xx), as Finnish books do
            rows += [_tx(base + 3, "ENTRY", "9800", APPROPRIATION, "Poistoeron muutos"),
                     _tx(base + 4, "ENTRY", "2400", -APPROPRIATION, "Poistoeron muutos")]
        return rows
    # LOAN: interest on the outstanding bank loan and a fixed instalment
    year, month = map(int, period.split("-"))
    months_paid = (year - 2024) * 12 + month - 1
    outstanding = Decimal("60000.00") - Decimal("1000.00") * months_paid
    interest = money(outstanding * Decimal("0.045") / Decimal(12))
    return [_tx(base + 1, "ENTRY", "9440", interest, "Lainan korko"),
            _tx(base + 2, "ENTRY", "2620", Decimal("1000.00"), "Lainan lyhennys"),
            _tx(base + 3, "REVERSING_ENTRY", BANK_ACCOUNT, -(interest + Decimal("1000.00")), "Nordea")]


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
