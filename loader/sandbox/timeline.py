"""Day-by-day generation of a company's document index (invoices, receipts, payments).

Walking the calendar once from 2024-01-01 to "now" hands out ids in creation order, as Procountor
does, and lets payments, month-end salary runs and journals appear on the right days. Only index
columns are produced here; bodies and amounts are derived later from (seed, id, revision).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from datetime import date, datetime, timedelta
from typing import Any

from .clock import fmt_ts
from .index_store import DocumentIndex
from .registries import FIRST_DAY, Registries

FIRST_INVOICE_ID = 10001
FIRST_RECEIPT_ID = 200001
HIDDEN_INVOICE_OFFSET = 900_000_000  # journals carry a hidden invoice id (Journal.id), never listed
_FLUSH = 20000

# (kind, weight): kind drives type, partner and payment behaviour
_KINDS = (("SALES", 52), ("CREDIT", 3), ("OFFER", 2), ("PURCHASE", 31), ("TRAVEL", 6), ("BOC", 6))
_KIND_TYPE = {"SALES": "SALES_INVOICE", "CREDIT": "SALES_INVOICE", "OFFER": "SALES_ORDER",
              "PURCHASE": "PURCHASE_INVOICE", "TRAVEL": "TRAVEL_INVOICE", "BOC": "BILL_OF_CHARGES"}
RECEIPT_TYPE_OF_INVOICE = {"SALES_INVOICE": "SALES_INVOICE", "SALES_ORDER": "SALES_ORDER",
                           "PURCHASE_INVOICE": "PURCHASE_INVOICE", "TRAVEL_INVOICE": "TRAVEL_INVOICE",
                           "BILL_OF_CHARGES": "BILL_OF_CHARGES"}
# Payday receipts (the 15th, or the banking day before it): (kind, receipt type, label). SAL pays the net
# salaries; EMP accrues the employer's contributions.
PAYDAY_KINDS = (("SAL", "SALARY", "Palkat"), ("EMP", "EMPLOYER_CONTRIBUTION", "Työnantajamaksut"))
# Month-end receipts: VAT nets the month's output and input VAT to the VAT payable account.
PERIODIC_KINDS = (("DEP", "JOURNAL", "Suunnitelman mukaiset poistot"), ("LOAN", "JOURNAL", "Lainan lyhennys ja korot"),
                  ("VAT", "JOURNAL", "Arvonlisäveron tilitys"))
# Payments of a month's liabilities: (kind, label, months after the period, due day of that month). Finnish
# rules: withholding and social security by the 12th of the next month and VAT (monthly period) by the 12th
# of the second month, through OmaVero; TyEL and unemployment insurance as the insurers invoice them. A
# due date on a weekend moves to the Monday, as the tax authority's does. ITX is the income tax prepayment
# (ennakkovero), due on the 23rd.
SETTLEMENT_KINDS = (("TAX", "Verohallinto: ennakonpidätykset ja sosiaaliturvamaksu", 1, 12),
                    ("PEN", "Työeläkeyhtiö: TyEL-maksut", 1, 20),
                    ("TVR", "Työllisyysrahasto: työttömyysvakuutusmaksut", 1, 20),
                    ("VATPAY", "Verohallinto: arvonlisävero", 2, 12),
                    ("ITX", "Verohallinto: tuloveron ennakko", 1, 23))
# The opening receivables and payables, collected and paid in the first weeks.
OPENING_SETTLEMENTS = (("OAP", date(2024, 1, 10), "Ostovelat 31.12.2023"),
                       ("OAR", date(2024, 1, 15), "Myyntisaamiset 31.12.2023"))
# Receipts that move the bank account, each one line of that day's bank statement.
BANK_KINDS = ("PAY", "SAL", "LOAN", "OAP", "OAR", "DIV", *(k for k, *_ in SETTLEMENT_KINDS))
BANK_KINDS_SQL = ", ".join(f"'{k}'" for k in BANK_KINDS)


def _month_after(period: str, months: int) -> date:
    year, month = map(int, period.split("-"))
    index = year * 12 + month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _due(period: str, months: int, day: int) -> date:
    due = _month_after(period, months).replace(day=day)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


def _payday(day: date) -> bool:
    payday = day.replace(day=15)
    while payday.weekday() >= 5:
        payday -= timedelta(days=1)
    return day == payday


def _settlements_of(period: str) -> list[tuple[date, str, str, str]]:
    """(due day, kind, period, label) of the payments that settle ``period``'s liabilities."""
    year, month = period.split("-")
    return [(_due(period, months, day), kind, period, f"{label} {int(month)}/{year}")
            for kind, label, months, day in SETTLEMENT_KINDS]


def _day_weights(first: date, last: date) -> list[float]:
    days = (last - first).days + 1
    weights = []
    for n in range(days):
        day = first + timedelta(days=n)
        growth = 1.0 + 0.6 * n / max(days, 1)  # the business grows a little
        weights.append(growth * (0.12 if day.weekday() >= 5 else 1.0))
    return weights


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` over days proportionally, exactly (cumulative rounding)."""
    scale = total / sum(weights)
    out, acc, given = [], 0.0, 0
    for weight in weights:
        acc += weight * scale
        count = round(acc) - given
        out.append(count)
        given += count
    return out


class _Ids:
    def __init__(self) -> None:
        self.invoice = FIRST_INVOICE_ID
        self.receipt = FIRST_RECEIPT_ID
        self.receipt_number = 1
        self.numbers: dict[str, int] = {"SALES_INVOICE": 1001, "SALES_ORDER": 501, "PURCHASE_INVOICE": 1,
                                        "TRAVEL_INVOICE": 1, "BILL_OF_CHARGES": 1}


def generate_index(index: DocumentIndex, regs: Registries, rng: random.Random, documents: int,
                   now: datetime) -> dict[str, int]:
    last_day = now.date()
    per_day = _allocate(documents, _day_weights(FIRST_DAY, last_day))
    ids = _Ids()
    invoices: list[tuple[Any, ...]] = []
    receipts: list[tuple[Any, ...]] = []
    pay_updates: list[tuple[int, int]] = []
    pending: list[tuple[str, int, int, str, int, str, str]] = []  # heap of payments to book
    recent_sales: deque[tuple[int, int, str]] = deque(maxlen=400)
    # Kinds are dealt from a shuffled deck holding each in its weight, not drawn independently: every
    # hundred documents have the same mix of sales and purchases, so a small company's margin does not
    # swing with the luck of the draw.
    deck: list[str] = []

    def flush() -> None:
        if invoices:
            index.insert_many("invoices", invoices)
            invoices.clear()
        if receipts:
            index.insert_many("receipts", receipts)
            receipts.clear()

    def add_receipt(rtype: str, status: str, day: date, created: str, version: str, invoice_id: int | None,
                    kind: str, period: str | None, invoice_number: int | None, name: str,
                    partner_id: int | None) -> int:
        rid = ids.receipt
        ids.receipt += 1
        receipts.append((rid, rtype, status, day.isoformat(), created, version, invoice_id, kind, period,
                         ids.receipt_number, invoice_number, name, partner_id, 0, 0))
        ids.receipt_number += 1
        return rid

    # Opening balances: first fiscal year only. They carry December 2023's payroll liabilities and the
    # VAT of November and December 2023, paid in January and February like any month's.
    opening = fmt_ts(datetime(2024, 1, 2, 9, 0, 0))
    add_receipt("RECEIPT_FOR_OPENING_ACCOUNTS", "APPROVED", FIRST_DAY, opening, opening, None, "OPEN", None,
                None, "Avaavat saldot 1.1.2024", None)
    scheduled: list[tuple[date, str, str | None, str]] = [
        *(s for s in _settlements_of("2023-12")),
        *(s for s in _settlements_of("2023-11") if s[1] == "VATPAY"),
        *((day, kind, None, label) for kind, day, label in OPENING_SETTLEMENTS)]
    for year in regs.fiscal_years:  # the dividend the general meeting decides after a year's accounts
        paid = date.fromisoformat(year["endDate"]) + timedelta(days=107)
        while paid.weekday() >= 5:
            paid += timedelta(days=1)
        label = f"Osingonmaksu tilikaudelta {year['startDate'][:4]}/{year['endDate'][:4]}"
        scheduled.append((paid, "DIV", None, label))
    heapq.heapify(scheduled)

    for offset, count in enumerate(per_day):
        day = FIRST_DAY + timedelta(days=offset)
        day_start = datetime.combine(day, datetime.min.time())
        # payments due today are booked first (their invoices were created on earlier days)
        while pending and pending[0][0] <= day.isoformat():
            pay_day, _, invoice_id, status, invoice_number, name_, type_ = heapq.heappop(pending)
            pay_time = fmt_ts(day_start + timedelta(hours=6, seconds=rng.randrange(3600)))
            rtype = "REFERENCE_PAYMENT" if type_ == "SALES_INVOICE" else "BANK_STATEMENT_AS_RECEIPT"
            partner_id = None
            rid = add_receipt(rtype, status, day, pay_time, pay_time, invoice_id, "PAY", None, invoice_number,
                              name_, partner_id)
            pay_updates.append((rid, invoice_id))
        # the company's own payments of taxes, contributions and opening items, due today
        while scheduled and scheduled[0][0] <= day:
            _due_day, kind, period, label = heapq.heappop(scheduled)
            stamp_dt = day_start + timedelta(hours=8, minutes=30)
            if stamp_dt > now:
                continue
            stamp = fmt_ts(stamp_dt)
            add_receipt("BANK_STATEMENT_AS_RECEIPT", "APPROVED", day, stamp, stamp, None, kind, period, None,
                        label, None)
        for _ in range(count):
            if not deck:
                deck = [k for k, weight in _KINDS for _ in range(weight)]
                rng.shuffle(deck)
            kind = deck.pop()
            if kind == "CREDIT" and not recent_sales:
                kind = "SALES"
            itype = _KIND_TYPE[kind]
            foreign = kind in ("SALES", "OFFER") and regs.foreign_customers and rng.random() < 0.06
            if kind in ("SALES", "CREDIT", "OFFER"):
                partner_id = rng.choice(regs.foreign_customers if foreign else regs.customers)
            elif kind == "PURCHASE":
                partner_id = rng.choice(regs.suppliers)
            else:
                partner_id = rng.choice(regs.employees)
            partner = regs.partners[partner_id]
            currency = partner["paymentInfo"].get("currency") or "EUR"
            created_dt = day_start + timedelta(hours=7, seconds=rng.randrange(11 * 3600))
            created = fmt_ts(created_dt)
            if kind in ("TRAVEL", "BOC"):
                due = day + timedelta(days=7)
                channel = "NO_SENDING"
            elif kind == "PURCHASE":
                due = day + timedelta(days=rng.choice((14, 21, 30)))
                channel = "ELECTRONIC_INVOICE"
            else:
                due = day + timedelta(days=int(partner["paymentInfo"].get("paymentTermDays") or 14))
                channel = partner["invoicingInfo"].get("invoiceChannel") or "EMAIL"
            number = ids.numbers[itype]
            ids.numbers[itype] += 1
            original_number = None
            credit_of = None
            if kind == "CREDIT":
                credit_of, original, partner_id = rng.choice(list(recent_sales))[0:3]
                original_number = str(original)
                currency = regs.partners[partner_id]["paymentInfo"].get("currency") or "EUR"
                partner = regs.partners[partner_id]

            # the invoice's state as of "now"
            pay_day: date | None = None
            paid = 0
            roll = rng.random()
            if kind == "OFFER":
                status = "SENT" if roll < 0.7 else "NOT_SENT"
            elif roll < 0.02:
                status = "INVALIDATED"
            else:
                if kind in ("SALES", "CREDIT"):
                    # most customers pay by the due date, some up to a month late
                    if rng.random() < 0.8:
                        candidate = day + timedelta(days=rng.randint(min(2, (due - day).days), (due - day).days))
                    else:
                        candidate = due + timedelta(days=rng.randint(1, 30))
                    paid = 2 if rng.random() < 0.96 else 1 if rng.random() < 0.5 else 0
                elif kind == "PURCHASE":
                    candidate = max(day + timedelta(days=1), due - timedelta(days=rng.randint(0, 3)))
                    paid = 2
                else:
                    candidate = day + timedelta(days=rng.randint(3, 10))
                    paid = 2
                if paid and candidate <= last_day and not (candidate == last_day and now.hour < 7):
                    pay_day = candidate
                    status = "PAID" if paid == 2 else "PARTLY_PAID"
                else:
                    paid = 0
                    if kind in ("SALES", "CREDIT"):
                        status = "SENT" if (last_day - day).days > 1 or roll > 0.3 else "NOT_SENT"
                    elif kind == "PURCHASE":
                        status = "APPROVED" if (last_day - day).days > 4 else "RECEIVED"
                    else:
                        status = "APPROVED" if (last_day - day).days > 2 else "UNFINISHED"
            if pay_day is not None:
                version_dt = datetime.combine(pay_day, datetime.min.time()) + timedelta(hours=6, minutes=59,
                                                                                        seconds=59)
                version_dt = max(version_dt, created_dt + timedelta(minutes=5))
            elif status == "INVALIDATED":
                version_dt = min(created_dt + timedelta(days=rng.randint(0, 20), hours=1), now)
            else:
                version_dt = created_dt + timedelta(minutes=rng.randint(0, 90))
            version_dt = min(version_dt, now)
            version = fmt_ts(version_dt)
            invoice_id = ids.invoice
            ids.invoice += 1
            name = partner["name"]
            rid = add_receipt(RECEIPT_TYPE_OF_INVOICE[itype], status, day, created, version, invoice_id, "INV",
                              None, number, name, partner_id)
            invoices.append((invoice_id, itype, status, day.isoformat(), due.isoformat(), created, version,
                             partner_id, 1 if kind == "OFFER" else 0, number, original_number, channel, currency,
                             rid, pay_day.isoformat() if pay_day else None, None, paid, 0, credit_of))
            if pay_day is not None:
                heapq.heappush(pending, (pay_day.isoformat(), invoice_id, invoice_id, status, number, name,
                                         itype))
            if kind == "SALES" and status != "INVALIDATED":
                recent_sales.append((invoice_id, number, partner_id))
        # payday: salaries and employer contributions; month end: depreciation, loan, VAT
        tomorrow = day + timedelta(days=1)
        period = day.strftime("%Y-%m")
        due_now = [kinds for kinds, due in ((PAYDAY_KINDS, _payday(day)), (PERIODIC_KINDS, tomorrow.day == 1))
                   if due and day_start + timedelta(hours=16) <= now]
        for kinds in due_now:
            stamp = fmt_ts(day_start + timedelta(hours=16))
            for kind, rtype, label in kinds:
                hidden = HIDDEN_INVOICE_OFFSET + ids.receipt if rtype == "JOURNAL" else None
                add_receipt(rtype, "APPROVED", day, stamp, stamp, hidden, kind, period, None,
                            f"{label} {day.month}/{day.year}", None)
            if kinds is PERIODIC_KINDS:
                for item in _settlements_of(period):
                    heapq.heappush(scheduled, item)
        if len(invoices) + len(receipts) >= _FLUSH:
            flush()
    flush()
    index.conn.execute("BEGIN")
    index.conn.executemany("UPDATE invoices SET pay_receipt_id = ? WHERE id = ?", pay_updates)
    index.conn.execute("COMMIT")
    index.create_indexes()
    return {"next_invoice_id": ids.invoice, "next_receipt_id": ids.receipt, "next_receipt_number": ids.receipt_number,
            **{f"number:{k}": v for k, v in ids.numbers.items()}}
