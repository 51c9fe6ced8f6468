"""Small registers of a generated company, kept whole in memory.

Partners, persons, products, dimensions, fiscal years, bank accounts and the chart of accounts stay
small (a few thousand rows even for a 1 M-document company), so they live as full-detail dicts that
the API projects to the basic list shapes. Invoices and ledger receipts do not: see ``documents.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import finnish, vat
from .chart import ACCOUNTS
from .clock import fmt_ts

FIRST_DAY = date(2024, 1, 1)


@dataclass
class SalesProduct:
    """What the document generator needs to know about a product (kept beside the API record)."""

    id: int
    type: str
    name: str
    code: str
    unit: str
    price: Decimal
    vat_category: str
    account: str


@dataclass
class Registries:
    company: dict[str, Any]
    accounts: list[dict[str, Any]]
    fiscal_years: list[dict[str, Any]]
    partners: dict[int, dict[str, Any]]
    partner_groups: list[dict[str, Any]]
    persons: dict[int, dict[str, Any]]
    products: dict[int, dict[str, Any]]
    product_groups: list[dict[str, Any]]
    product_meta: dict[int, SalesProduct]
    dimensions: list[dict[str, Any]]
    bank_accounts: list[dict[str, Any]]
    customers: list[int] = field(default_factory=list)
    foreign_customers: list[int] = field(default_factory=list)
    suppliers: list[int] = field(default_factory=list)
    employees: list[int] = field(default_factory=list)


def _ts(rng: random.Random, start: date, end: datetime) -> str:
    span = int((end - datetime.combine(start, datetime.min.time())).total_seconds())
    moment = datetime.combine(start, datetime.min.time()) + timedelta(seconds=rng.randrange(max(span, 1)))
    return fmt_ts(moment)


def _fiscal_years(now: datetime) -> list[dict[str, Any]]:
    spans = [(date(2024, 1, 1), date(2025, 6, 30)), (date(2025, 7, 1), date(2026, 6, 30)),
             (date(2026, 7, 1), date(2027, 6, 30))]
    years = []
    period_id = 1001
    for index, (start, end) in enumerate(spans):
        is_open = index == len(spans) - 1
        periods = []
        month = start
        while month <= end:
            nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
            if not is_open:
                status = "CLOSED"
            elif month <= now.date():
                status = "OPEN"
            else:
                status = "PENDING"
            periods.append({"id": period_id, "startDate": month.isoformat(),
                            "endDate": (nxt - timedelta(days=1)).isoformat(), "status": status,
                            "modified": fmt_ts(datetime.combine(min(nxt, now.date()), datetime.min.time())
                                               + timedelta(hours=8))})
            period_id += 1
            month = nxt
        years.append({"id": 11 + index, "startDate": start.isoformat(), "endDate": end.isoformat(),
                      "modified": fmt_ts(datetime.combine(min(end, now.date()), datetime.min.time())
                                         + timedelta(hours=9)),
                      "isOpen": is_open, "trackingPeriods": periods})
    return years


_SALES_CATALOG = (
    ("Kukkamulta 50 l", "KM-50", "SACK", "8.00", vat.GENERAL, "3000"),
    ("Puutarhalannoite 10 kg", "PL-10", "BAG", "24.90", vat.GENERAL, "3000"),
    ("Asennustyö", "ASENNUS", "HOUR", "68.00", vat.GENERAL, "3020"),
    ("Suunnittelu", "SUUNN", "HOUR", "95.00", vat.GENERAL, "3020"),
    ("Toimitusmaksu", "TOIM", "PIECE", "40.00", vat.GENERAL, "3000"),
    ("Lounas", "LOUNAS", "PERSON", "12.50", vat.FOOD, "3000"),
    ("Kahvitarjoilu", "KAHVI", "PERSON", "6.20", vat.FOOD, "3000"),
    ("Puutarhakirja", "KIRJA", "PIECE", "29.00", vat.REDUCED, "3000"),
    ("Asiakaslehti vuositilaus", "LEHTI", "YEAR", "45.00", vat.PRESS, "3000"),
    ("Huoltosopimus", "HUOLTO", "MONTH", "149.00", vat.GENERAL, "3020"),
    ("Siemenpakkaus", "SIEMEN", "PIECE", "3.90", vat.GENERAL, "3000"),
    ("Kasvihuone 6 m2", "KH-6", "PIECE", "1290.00", vat.GENERAL, "3000"),
)
_PURCHASE_CATALOG = (
    ("Multaerä, tukku", "T-MULTA", "TON", "310.00", vat.GENERAL, "4000"),
    ("Lannoite, tukku", "T-LANN", "PALLET", "820.00", vat.GENERAL, "4000"),
    ("Alihankinta asennus", "ALIH", "HOUR", "52.00", vat.GENERAL, "4300"),
    ("Toimitilavuokra", "VUOKRA", "MONTH", "2400.00", vat.GENERAL, "7000"),
    ("Sähkö", "SAHKO", "KILOWATT_HOUR", "0.14", vat.GENERAL, "7690"),
    ("Ohjelmistolisenssi", "SAAS", "MONTH", "89.00", vat.GENERAL, "8000"),
    ("Mainonta", "MAINOS", "PIECE", "450.00", vat.GENERAL, "7800"),
    ("Polttoaine", "PA", "LITER", "1.89", vat.GENERAL, "7300"),
    ("Ammattilehti", "AL", "YEAR", "120.00", vat.PRESS, "7690"),
    ("Henkilöstön lounaat", "H-LOUNAS", "PERSON", "13.00", vat.FOOD, "7680"),
)
_TRAVEL_CATALOG = (
    ("Kotimaan kokopäiväraha", "PR-KOKO", "DAY", "53.00", vat.ZERO, "7600"),
    ("Kotimaan osapäiväraha", "PR-OSA", "DAY", "24.00", vat.ZERO, "7600"),
    ("Kilometrikorvaus", "KM", "KILOMETER", "0.59", vat.ZERO, "7600"),
    ("Hotellimajoitus", "HOTELLI", "DAY", "110.00", vat.REDUCED, "7600"),
    ("Junalippu", "JUNA", "PIECE", "45.00", vat.REDUCED, "7600"),
    ("Ateriakorvaus", "ATERIA", "PIECE", "12.75", vat.ZERO, "7600"),
)


def build_registries(rng: random.Random, company_index: int, documents: int, now: datetime) -> Registries:
    company_id = 101001 + company_index * 1000
    street, zip_code, city = finnish.address(rng)
    company_name = f"{rng.choice(finnish.BUSINESS_WORDS)}{'palvelu' if company_index else 'tarha'} " \
                   f"{rng.choice(finnish.SURNAMES)} Oy"
    company = {
        "id": company_id, "name": company_name, "country": "FINLAND", "productVersion": "FINANCIALS_PLUS",
        "operationType": "PRODUCTION", "accountingOfficeName": "Tilitoimisto Laskentapiste Oy",
        "accountingOfficeId": 9001, "companyAddress": {"street": street, "zip": zip_code, "city": city,
                                                      "country": "FINLAND"},
        "billingAddress": {"street": street, "zip": zip_code, "city": city, "country": "FINLAND"},
        "mva": False, "inTradeRegister": True,
        "businessIdentifier": {"brnType": "FI", "code": finnish.business_id(rng)},
        "accountingCoaLanguages": ["fi", "en", "sv"], "companyCurrency": "EUR",
        "currencyRateSearchDensity": "DAILY_EXCHANGE_RATE",
    }
    accounts = []
    for account in ACCOUNTS:
        record: dict[str, Any] = {"ledgerAccountCode": account.code, "name": account.fi, "active": account.active}
        translations = [{"languageCode": code, "translation": text}
                        for code, text in (("en", account.en), ("sv", account.sv)) if text]
        if translations:  # accounts without translations omit the key, as the real API does
            record["translations"] = translations
        accounts.append(record)

    partner_groups = [
        {"id": 31, "name": "Kahvilat", "type": "CUSTOMER", "active": True},
        {"id": 32, "name": "Rakennusliikkeet", "type": "CUSTOMER", "active": True},
        {"id": 33, "name": "Ulkomaiset asiakkaat", "type": "CUSTOMER", "active": True},
        {"id": 34, "name": "Tavarantoimittajat", "type": "SUPPLIER", "active": True},
        {"id": 35, "name": "Palveluntarjoajat", "type": "SUPPLIER", "active": False},
        {"id": 36, "name": "Työntekijät", "type": "PERSON", "active": True},
    ]
    groups = {g["id"]: g for g in partner_groups}
    regs = Registries(company=company, accounts=accounts, fiscal_years=_fiscal_years(now), partners={},
                      partner_groups=partner_groups, persons={}, products={}, product_groups=[],
                      product_meta={}, dimensions=[], bank_accounts=[])

    n_partners = max(24, min(5000, documents // 25))
    next_id = 5001
    customer_number = 10001
    for n in range(n_partners):
        kind = "CUSTOMER" if n % 5 < 3 else "SUPPLIER"
        foreign = kind == "CUSTOMER" and n < len(finnish.FOREIGN_CUSTOMERS) * 5 and n % 5 == 0
        active = (rng.random() > 0.08 or n < 10) and n != 11  # always some inactive partners
        regs.partners[next_id] = _partner(rng, next_id, kind, active, customer_number, groups, now, foreign, n)
        if active and kind == "CUSTOMER":
            (regs.foreign_customers if foreign else regs.customers).append(next_id)
        elif active:
            regs.suppliers.append(next_id)
        next_id += 1
        customer_number += 1

    n_persons = max(6, min(300, 6 + documents // 2000))
    for n in range(n_persons):
        active = n < 4 or (n != n_persons - 1 and rng.random() > 0.15)  # always an inactive person
        first, last = finnish.person_name(rng)
        pid = next_id
        next_id += 1
        street, zip_code, city = finnish.address(rng)
        version = _ts(rng, FIRST_DAY, now - timedelta(days=2))
        partner = {
            "id": pid, "name": f"{last} {first}", "type": "PERSON",
            "address": {"name": f"{first} {last}", "street": street, "zip": zip_code, "city": city,
                        "country": "FINLAND"},
            "billingAddress": {"name": f"{first} {last}", "street": street, "zip": zip_code, "city": city,
                               "country": "FINLAND"},
            "invoicingInfo": {"customerNumber": f"H{n + 1:04d}", "identifier": None, "identifierType": "HETU",
                              "invoiceChannel": "NO_SENDING", "language": "FINNISH"},
            "attachments": [], "contactPersons": [],
            "additionalInfo": {"group": "Työntekijät", "invoiceLedger": "CLEARING"},
            "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "bankAccount": finnish.finnish_iban(
                f"{rng.randrange(10**13, 10**14)}"), "paymentTermDays": "0", "currency": "EUR"},
            "registryInfo": {"active": active, "mobilePhone": f"+358 50 {rng.randrange(1000000, 9999999)}",
                             "partnerGroups": [groups[36]]},
            "version": version,
        }
        regs.partners[pid] = partner
        regs.persons[pid] = {
            "id": pid, "lastName": last, "firstName": first,
            "deliveryAddress": {"street": street, "zip": zip_code, "city": city, "country": "FINLAND"},
            "invoicingInfo": {"personNumber": f"H{n + 1:04d}", "identifier": None, "identifierType": "HETU"},
            "registryInfo": {"active": active},
        }
        if active:
            regs.employees.append(pid)

    regs.product_groups = [
        {"id": 41, "name": "Puutarhatuotteet", "type": "SALES"},
        {"id": 42, "name": "Palvelut", "type": "SALES"},
        {"id": 43, "name": "Raaka-aineet", "type": "PURCHASE"},
        {"id": 44, "name": "Kiinteät kulut", "type": "PURCHASE"},
        {"id": 45, "name": "Matkakulut", "type": "TRAVEL"},
    ]
    product_id = 7701
    for ptype, catalog in (("SALES", _SALES_CATALOG), ("PURCHASE", _PURCHASE_CATALOG), ("TRAVEL", _TRAVEL_CATALOG)):
        for index, (name, code, unit, price, category, account) in enumerate(catalog):
            group = {"SALES": 42 if unit == "HOUR" else 41, "PURCHASE": 43 if account == "4000" else 44,
                     "TRAVEL": 45}[ptype]
            active = not (ptype == "SALES" and index == len(catalog) - 1)  # one discontinued product
            record = {
                "id": product_id, "type": ptype, "name": name, "code": code, "unit": unit,
                "discount": Decimal("0.00"), "price": Decimal(price),
                "vat": vat.vat_percent(category, now.date()), "active": active, "defaultAccount": account,
                "vatStatus": 2 if category == vat.ZERO else 1, "currency": "EUR",
                "productLocalizations": [{"language": "ENGLISH", "productName": f"{name} (en)"}],
                "productGroupId": group, "version": _ts(rng, FIRST_DAY, now - timedelta(days=3)),
            }
            if ptype == "TRAVEL":
                record["startDate"] = "2024-01-01"
                record["endDate"] = "2027-12-31"
                record["bookkeepingAccount"] = account
            regs.products[product_id] = record
            regs.product_meta[product_id] = SalesProduct(product_id, ptype, name, code, unit, Decimal(price),
                                                         category, account)
            product_id += 1

    regs.dimensions = [
        {"id": 4101, "name": "Kustannuspaikka", "items": [
            {"id": 88, "codeName": "100", "description": "Hallinto"},
            {"id": 89, "codeName": "200", "description": "Myynti"},
            {"id": 90, "codeName": "300", "description": "Tuotanto"},
            {"id": 91, "codeName": "400", "description": "Huolto"},
            {"id": 92, "codeName": "900", "status": "P", "description": "Lopetettu toimipiste"},
        ]},
        {"id": 4102, "name": "Projekti", "items": [
            {"id": 230, "codeName": "P-2024-01", "description": "Myymäläremontti", "status": "P"},
            {"id": 231, "codeName": "P-2025-01", "description": "Verkkokauppa"},
            {"id": 232, "codeName": "P-2025-02", "description": "Kasvihuoneet"},
            {"id": 233, "codeName": "P-2026-01", "description": "Ruotsin vienti"},
        ]},
    ]
    bban = f"{rng.randrange(10**13, 10**14)}"
    regs.bank_accounts = [
        {"id": 601, "accountNumber": bban, "iban": finnish.finnish_iban(bban), "bic": "NDEAFIHH",
         "bankName": "Nordea", "currency": "EUR", "defaultForInvoice": True, "defaultForPayment": True,
         "status": "ACTIVE", "orderNo": 1, "associatedAccounts": [], "version": "2024-01-02T09:00:00",
         "ledgerAccount": "1911"},
        {"id": 602, "accountNumber": "57200220012345", "iban": finnish.finnish_iban("57200220012345"),
         "bic": "OKOYFIHH", "bankName": "OP", "currency": "EUR", "defaultForInvoice": False,
         "defaultForPayment": False, "status": "INACTIVE", "orderNo": 2, "associatedAccounts": [],
         "version": "2024-03-01T10:00:00", "ledgerAccount": "1912"},
    ]
    return regs


def _partner(rng: random.Random, pid: int, kind: str, active: bool, customer_number: int,
             groups: dict[int, dict[str, Any]], now: datetime, foreign: bool, n: int) -> dict[str, Any]:
    if foreign:
        name, street, zip_code, city, country, currency = finnish.FOREIGN_CUSTOMERS[(n // 5) % 4]
        identifier = ("SE" if country == "SWEDEN" else "US") + str(rng.randrange(10**9, 10**10))
        id_type, language, group = "VAT", "ENGLISH", groups[33]
    else:
        words = finnish.BUSINESS_WORDS if kind == "CUSTOMER" else finnish.SUPPLIER_WORDS
        name = f"{rng.choice(words)} {rng.choice(finnish.SURNAMES)} {rng.choice(finnish.LEGAL_FORMS)}"
        street, zip_code, city = finnish.address(rng)
        country, currency, identifier, id_type, language = "FINLAND", "EUR", finnish.business_id(rng), "FI", "FINNISH"
        group = groups[31 + rng.randrange(2)] if kind == "CUSTOMER" else groups[34 + rng.randrange(2)]
    first, last = finnish.person_name(rng)
    email = f"laskut@{name.split()[0].lower()}-{pid}.example"
    partner: dict[str, Any] = {
        "id": pid, "name": name, "type": kind,
        "address": {"name": name, "street": street, "zip": zip_code, "city": city, "country": country},
        "billingAddress": {"name": name, "street": street, "zip": zip_code, "city": city, "country": country},
        "invoicingInfo": {"customerNumber": str(customer_number), "identifier": identifier,
                          "identifierType": id_type,
                          "invoiceChannel": rng.choice(("EMAIL", "ELECTRONIC_INVOICE", "ELECTRONIC_INVOICE", "MAIL")),
                          "contactPerson": f"{first} {last}", "language": language, "email": email,
                          "bccAddresses": [], "denyEinvoiceReminders": False, "orderReference": ""},
        "attachments": [],
        "contactPersons": [{"id": pid * 10 + 1, "name": f"{first} {last}", "email": f"{first.lower()}@example.com",
                            "phone": None}],
        "additionalInfo": {"defaultReference": "", "group": group["name"], "sector": None,
                           "invoiceLedger": "INVOICE_LEDGER"},
        "paymentInfo": {"paymentMethod": "FOREIGN_PAYMENT" if foreign else "BANK_TRANSFER",
                        "bankAccount": finnish.finnish_iban(f"{rng.randrange(10**13, 10**14)}"),
                        "paymentTermDays": str(rng.choice((14, 14, 21, 30))), "paymentTermPercentage": Decimal("0"),
                        "penalInterestRate": Decimal("11.5"), "discountPercentage": Decimal("0"),
                        "currency": currency},
        "registryInfo": {"active": active, "phone": f"+358 40 {rng.randrange(1000000, 9999999)}",
                         "homeMunicipality": city, "partnerGroups": [group]},
        "version": _ts(rng, FIRST_DAY, now - timedelta(days=1)),
    }
    if rng.random() < 0.5:
        partner["deliveryAddress"] = dict(partner["address"], specifier="Lastauslaituri")
    if rng.random() < 0.3:
        del partner["additionalInfo"]["sector"]  # undocumented absent key, as seen in real data
    return partner
