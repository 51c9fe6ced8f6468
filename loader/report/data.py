"""The figures of the finance report, read from the marts of a DuckDB warehouse.

Every figure comes straight from a mart (rpt_profit_and_loss, rpt_cash_flow, rpt_ar_aging,
rpt_ap_aging, rpt_period_comparison); nothing is recomputed here, so the report shows exactly what
BI tools querying the same marts show.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from loader.errors import ConfigError

REQUIRED_MARTS = ("rpt_profit_and_loss", "rpt_cash_flow", "rpt_ar_aging", "rpt_ap_aging", "rpt_period_comparison",
                  "fct_general_ledger")
CASH_FLOW_SECTIONS = ("operating", "investing", "financing")


@dataclass
class Series:
    name: str
    values: list[float]
    kind: str = "bar"  # bar | line | subtotal


@dataclass
class AgingBucket:
    bucket: str
    order: int
    open_amount: float
    invoices: int


@dataclass
class ComparisonLine:
    line_order: int
    line_name: str
    line_name_en: str
    amount_fiscal_ytd: float
    amount_previous_fiscal_ytd: float
    amount_month: float
    amount_same_period_previous_year: float


@dataclass
class ReportData:
    company_id: int
    company_name: str
    currency: str
    fiscal_year_label: str
    as_of_month: str  # YYYY-MM: the latest month with ledger entries
    as_of_date: str  # the aging's as-of date (month end)
    months: list[str]
    pnl: list[Series] = field(default_factory=list)
    cash_flow: list[Series] = field(default_factory=list)
    ar_aging: list[AgingBucket] = field(default_factory=list)
    ap_aging: list[AgingBucket] = field(default_factory=list)
    comparison: list[ComparisonLine] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(value: Decimal | float | None) -> float:
    # Amounts are DECIMAL(38,2) in the marts; a float keeps two decimals exactly enough for display
    # and the JSON the browser reads.
    return float(value or 0)


class Marts:
    """Finds the mart relations whatever schema the dbt profile gave them."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        self._where: dict[str, str] = {}
        for schema, table in sorted(rows, key=lambda r: (not r[0].endswith("finance"), r[0])):
            self._where.setdefault(table, schema)

    def __getitem__(self, table: str) -> str:
        if table not in self._where:
            raise ConfigError(f"the warehouse has no {table}: run `dbt build` (procountor-loader sync) first")
        return f'"{self._where[table]}"."{table}"'

    def has(self, table: str) -> bool:
        return table in self._where


def pick_company(con: duckdb.DuckDBPyConnection, marts: Marts, company_id: int | None) -> int:
    companies = [r[0] for r in con.execute(
        f"SELECT DISTINCT company_id FROM {marts['fct_general_ledger']} ORDER BY 1").fetchall()]
    if not companies:
        raise ConfigError("the general ledger is empty: nothing to report")
    if company_id is None:
        return int(companies[0])
    if company_id not in companies:
        raise ConfigError(f"company {company_id} has no ledger entries; companies: {companies}")
    return company_id


def _company_name(con: duckdb.DuckDBPyConnection, marts: Marts, company_id: int) -> tuple[str, str]:
    if marts.has("stg_procountor__company"):
        row = con.execute(f"SELECT company_name, company_currency FROM {marts['stg_procountor__company']} "
                          "WHERE company_id = ? LIMIT 1", [company_id]).fetchone()
        if row:
            return str(row[0] or f"Company {company_id}"), str(row[1] or "EUR")
    return f"Company {company_id}", "EUR"


def _pnl(con: duckdb.DuckDBPyConnection, marts: Marts, company_id: int, fy: int, months: list[date]) -> list[Series]:
    rows = con.execute(f"""
        SELECT line_order, line_name, line_kind, period_start_date, amount_month
        FROM {marts['rpt_profit_and_loss']}
        WHERE company_id = ? AND NOT is_consolidated AND fiscal_year_id = ? AND period_start_date <= ?
        ORDER BY line_order, period_start_date""", [company_id, fy, months[-1]]).fetchall()
    lines: dict[tuple[int, str, str], dict[date, float]] = {}
    for order, name, kind, month, amount in rows:
        lines.setdefault((order, name, kind), {})[month] = _num(amount)
    return [Series(name, [by_month.get(m, 0.0) for m in months], "subtotal" if kind == "subtotal" else "bar")
            for (_order, name, kind), by_month in sorted(lines.items())]


def _cash_flow(con: duckdb.DuckDBPyConnection, marts: Marts, company_id: int, months: list[date]) -> list[Series]:
    rows = con.execute(f"""
        SELECT period_start_date, cash_flow_section, sum(amount), max(cash_closing_balance)
        FROM {marts['rpt_cash_flow']}
        WHERE company_id = ? AND NOT is_consolidated AND period_start_date BETWEEN ? AND ?
        GROUP BY ALL""", [company_id, months[0], months[-1]]).fetchall()
    by_section: dict[str, dict[date, float]] = {}
    closing: dict[date, float] = {}
    for month, section, amount, close in rows:
        by_section.setdefault(section, {})[month] = _num(amount)
        closing[month] = _num(close)
    out = [Series(s, [by_section.get(s, {}).get(m, 0.0) for m in months]) for s in CASH_FLOW_SECTIONS]
    out.append(Series("cash at month end", [closing.get(m, 0.0) for m in months], "line"))
    return out


def _aging(con: duckdb.DuckDBPyConnection, marts: Marts, table: str, company_id: int,
           as_of: date) -> list[AgingBucket]:
    # every bucket the mart knows, so empty buckets still show as zero
    buckets = con.execute(f"SELECT DISTINCT aging_bucket_order, aging_bucket FROM {marts[table]} ORDER BY 1").fetchall()
    sums = {r[0]: (r[1], r[2]) for r in con.execute(f"""
        SELECT aging_bucket, sum(open_amount), count(*) FROM {marts[table]}
        WHERE company_id = ? AND as_of_date = ? GROUP BY 1""", [company_id, as_of]).fetchall()}
    return [AgingBucket(name, int(order), _num(sums.get(name, (0, 0))[0]), int(sums.get(name, (0, 0))[1]))
            for order, name in buckets]


def _comparison(con: duckdb.DuckDBPyConnection, marts: Marts, company_id: int, month: date) -> list[ComparisonLine]:
    rows = con.execute(f"""
        SELECT line_order, line_name, line_name_en, amount_fiscal_ytd, amount_previous_fiscal_ytd,
               amount_month, amount_same_period_previous_year
        FROM {marts['rpt_period_comparison']}
        WHERE company_id = ? AND period_start_date = ? ORDER BY line_order""", [company_id, month]).fetchall()
    return [ComparisonLine(int(o), str(n), str(en or n), _num(a), _num(b), _num(c), _num(d))
            for o, n, en, a, b, c, d in rows]


def load_report_data(duckdb_path: str, company_id: int | None = None) -> ReportData:
    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        marts = Marts(con)
        for table in REQUIRED_MARTS:
            marts[table]  # fail early with a clear message
        company = pick_company(con, marts, company_id)
        (last_month,) = con.execute(f"SELECT max(accounting_month) FROM {marts['fct_general_ledger']} "
                                    "WHERE company_id = ?", [company]).fetchone()
        fy_row = con.execute(f"""
            SELECT fiscal_year_id, fiscal_year_label FROM {marts['rpt_profit_and_loss']}
            WHERE company_id = ? AND NOT is_consolidated AND period_start_date = ? LIMIT 1""",
                             [company, last_month]).fetchone()
        if fy_row is None:
            raise ConfigError(f"rpt_profit_and_loss has no row for {last_month}: rebuild the marts")
        fy, fy_label = fy_row
        months = [r[0] for r in con.execute(f"""
            SELECT DISTINCT period_start_date FROM {marts['rpt_profit_and_loss']}
            WHERE company_id = ? AND fiscal_year_id = ? AND period_start_date <= ? ORDER BY 1""",
                                            [company, fy, last_month]).fetchall()]
        month_end = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
        name, currency = _company_name(con, marts, company)
        return ReportData(
            company_id=company, company_name=name, currency=currency, fiscal_year_label=str(fy_label),
            as_of_month=last_month.strftime("%Y-%m"), as_of_date=month_end.isoformat(),
            months=[m.strftime("%Y-%m") for m in months],
            pnl=_pnl(con, marts, company, fy, months),
            cash_flow=_cash_flow(con, marts, company, months),
            ar_aging=_aging(con, marts, "rpt_ar_aging", company, month_end),
            ap_aging=_aging(con, marts, "rpt_ap_aging", company, month_end),
            comparison=_comparison(con, marts, company, last_month),
        )
    finally:
        con.close()
