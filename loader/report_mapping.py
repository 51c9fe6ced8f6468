"""Drafting a company's procountor_report_row_mapping rows from its landed report layout.

Procountor's /reports/accounting follows each company's own layout (names, language, granularity),
so rows without an account number need a mapping to our statement lines. The draft proposes, for
every row that `dbt build` found unmapped (and the key figures it found by position, which help
to tell apart rows with equal figures), the one line of ours whose figures equal the row's in
every landed month; rows with the same figures as several lines are paired in order (the k-th such
row with the k-th such line); the rest are left empty for the user. It writes the seed CSV for the
user to review: a proposal, never a silent mapping (the reconciliation still checks every mapping).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from loader.errors import ConfigError

SEED_NAME = "procountor_report_row_mapping.csv"
COLUMNS = ("company_id", "report_type", "row_name", "maps_to", "note")

Signature = tuple[tuple[str, Decimal], ...]


@dataclass
class Draft:
    company_id: int
    report_type: str
    row_name: str
    maps_to: str
    note: str


def _schema_of(con: duckdb.DuckDBPyConnection, table: str) -> str:
    found = con.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = ? LIMIT 1",
                        [table]).fetchone()
    if not found:
        raise ConfigError(f"{table} is not in the warehouse: run `dbt build` (or `procountor-loader sync`) first, "
                          "then draft the mapping from what it warned about")
    return str(found[0])


def _signature(points: dict[str, Decimal]) -> Signature:
    return tuple(sorted(points.items()))


def draft_rows(duckdb_path: str, company_id: int | None = None) -> list[Draft]:
    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        recon = f"{_schema_of(con, 'rpt_statement_reconciliation')}.rpt_statement_reconciliation"
        pnl = f"{_schema_of(con, 'rpt_profit_and_loss')}.rpt_profit_and_loss"
        bs = f"{_schema_of(con, 'rpt_balance_sheet')}.rpt_balance_sheet"
        where, params = ("AND company_id = ?", [company_id]) if company_id is not None else ("", [])
        unmapped = con.execute(f"""
            SELECT company_id, report_type, row_name, min(row_number) AS position,
                   list(CAST(period_end_date AS VARCHAR)), list(procountor_amount)
            FROM {recon} WHERE match_kind IN ('unmapped', 'key_figure') {where}
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 4""", params).fetchall()
        lines = con.execute(f"""
            SELECT company_id, 'INCOME_STATEMENT', line_order, line_name, CAST(period_end_date AS VARCHAR), amount_month
            FROM {pnl} WHERE NOT is_consolidated {where}
            UNION ALL
            SELECT company_id, 'BALANCE_SHEET', line_order, line_name, CAST(balance_date AS VARCHAR), amount
            FROM {bs} WHERE NOT is_consolidated {where}""", params + params).fetchall()
    finally:
        con.close()

    ours: dict[tuple[int, str], dict[tuple[int, str], dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for cid, rtype, order, name, end, amount in lines:
        ours[(cid, rtype)][(order, name)][end] = Decimal(amount or 0)

    drafts: list[Draft] = []
    # (company, report type, figures) -> the rows and the lines that share them, in order
    groups: dict[tuple[int, str, Signature], tuple[list[str], list[str]]] = {}
    for cid, rtype, name, _position, ends, amounts in unmapped:
        points = {end: Decimal(a or 0) for end, a in zip(ends, amounts, strict=True)}
        if not any(points.values()):
            drafts.append(Draft(cid, rtype, name, "", "0 in every month so far: nothing to compare yet"))
            continue
        sig = _signature(points)
        if (cid, rtype, sig) not in groups:
            candidates = [line for (order, line), figures in sorted(ours[(cid, rtype)].items())
                          if all(figures.get(end, Decimal(0)) == value for end, value in points.items())]
            groups[(cid, rtype, sig)] = ([], candidates)
        groups[(cid, rtype, sig)][0].append(name)
    for (cid, rtype, sig), (names, candidates) in groups.items():
        months = len(sig)
        if len(candidates) == len(names):
            for name, line in zip(names, candidates, strict=True):
                how = "in order among rows with the same figures" if len(names) > 1 else "the only line"
                drafts.append(Draft(cid, rtype, name, line, f"drafted: equals {how} in all {months} months"))
        else:
            for name in names:
                note = ("no line of ours has these figures: a line_name, or ignore" if not candidates else
                        f"same figures as {', '.join(candidates)}: choose one, or ignore")
                drafts.append(Draft(cid, rtype, name, "", note))
    return sorted(drafts, key=lambda d: (d.company_id, d.report_type, d.row_name))


def write_seed(path: Path, drafts: list[Draft]) -> int:
    """Merge the drafts into the seed at `path`: defaults and decided rows stay, undecided rows of the
    drafted names are replaced. Returns the number of rows written for the drafts."""
    existing: list[dict[str, str]] = []
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            existing = list(csv.DictReader(f))
    drafted = {(str(d.company_id), d.report_type, d.row_name) for d in drafts}
    keep = [r for r in existing if (r.get("company_id", ""), r["report_type"], r["row_name"]) not in drafted
            or r.get("maps_to")]
    decided = {(r.get("company_id", ""), r["report_type"], r["row_name"]) for r in keep}
    new = [{"company_id": str(d.company_id), "report_type": d.report_type, "row_name": d.row_name,
            "maps_to": d.maps_to, "note": d.note}
           for d in drafts if (str(d.company_id), d.report_type, d.row_name) not in decided]
    rows = keep + new
    rows.sort(key=lambda r: (r.get("company_id") != "", r.get("company_id", ""),
                             r["report_type"] != "INCOME_STATEMENT"))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in COLUMNS})
    return len(new)
