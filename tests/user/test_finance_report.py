"""The HTML report, opened in a real headless Chromium, draws the figures the marts hold."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.user.warehouse import CLI, Warehouse, clean_env

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


class Marks(HTMLParser):
    """Collects every element carrying figures (data-value) the report's JavaScript drew."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[dict[str, str]] = []
        self.rendered = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body" and a.get("data-rendered") == "true":
            self.rendered = True
        if "data-value" in a:
            self.marks.append({"tag": tag, **a})

    def values(self, tag: str, chart: str) -> dict[tuple[str, str], float]:
        return {(m["data-series"], m["data-category"]): float(m["data-value"])
                for m in self.marks if m["tag"] == tag and m.get("data-chart") == chart}


@pytest.fixture(scope="module")
def report(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Marks]:
    out = tmp_path_factory.mktemp("report")
    proc = subprocess.run([*CLI, "report", "--duckdb", str(warehouse.path), "--output", str(out)], cwd=out,
                          env=clean_env(), text=True, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    profile = tmp_path_factory.mktemp("chromium-profile")
    dom = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                          "--dump-dom", (out / "report.html").as_uri()],
                         text=True, capture_output=True, timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    marks = Marks()
    marks.feed(dom.stdout)
    return out, marks


def _company_and_month(warehouse: Warehouse) -> tuple[int, object]:
    (company,) = warehouse.sql("SELECT min(company_id) FROM main_finance.fct_general_ledger")[0]
    (month,) = warehouse.sql("SELECT max(accounting_month) FROM main_finance.fct_general_ledger "
                             "WHERE company_id = ?", [company])[0]
    return company, month


def test_report_is_self_contained(report: tuple[Path, Marks]) -> None:
    out, marks = report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert marks.rendered, "the report's script did not run to the end"
    for needle in ("http://", "https://", "<link", "src="):
        assert needle not in page.replace("http://www.w3.org/2000/svg", ""), needle


def test_pnl_chart_shows_the_marts_monthly_figures(warehouse: Warehouse, report: tuple[Path, Marks]) -> None:
    _out, marks = report
    company, month = _company_and_month(warehouse)
    expected = {(name, m.strftime("%Y-%m")): float(v) for name, m, v in warehouse.sql("""
        SELECT line_name, period_start_date, amount_month FROM main_finance.rpt_profit_and_loss
        WHERE company_id = ? AND NOT is_consolidated AND line_kind <> 'subtotal' AND period_start_date <= ?
          AND fiscal_year_id = (SELECT fiscal_year_id FROM main_finance.dim_fiscal_periods
                                WHERE company_id = ? AND period_start_date = ?)""", [company, month, company, month])}
    drawn = marks.values("rect", "pnl")
    assert drawn and drawn == pytest.approx(expected, abs=0.005)
    # the result line: one point per month, equal to the statutory result
    result = {m.strftime("%Y-%m"): float(v) for m, v in warehouse.sql("""
        SELECT period_start_date, amount_month FROM main_finance.rpt_profit_and_loss
        WHERE company_id = ? AND NOT is_consolidated AND line_order = (SELECT max(line_order)
              FROM main_finance.rpt_profit_and_loss) AND period_start_date <= ?
          AND fiscal_year_id = (SELECT fiscal_year_id FROM main_finance.dim_fiscal_periods
                                WHERE company_id = ? AND period_start_date = ?)""", [company, month, company, month])}
    points = {cat: v for (_s, cat), v in marks.values("circle", "pnl").items()}
    assert points == pytest.approx(result, abs=0.005)
    assert any(v != 0 for v in points.values())


def test_cash_flow_and_aging_charts_match_the_marts(warehouse: Warehouse, report: tuple[Path, Marks]) -> None:
    _out, marks = report
    company, month = _company_and_month(warehouse)
    cash = {m.strftime("%Y-%m"): float(v) for m, v in warehouse.sql("""
        SELECT period_start_date, max(cash_closing_balance) FROM main_finance.rpt_cash_flow
        WHERE company_id = ? AND NOT is_consolidated AND period_start_date <= ?
          AND fiscal_year_id = (SELECT fiscal_year_id FROM main_finance.dim_fiscal_periods
                                WHERE company_id = ? AND period_start_date = ?)
        GROUP BY 1""", [company, month, company, month])}
    drawn_cash = {cat: v for (_s, cat), v in marks.values("circle", "cash_balance").items()}
    assert drawn_cash == pytest.approx(cash, abs=0.005)
    operating = {m.strftime("%Y-%m"): float(v) for m, v in warehouse.sql("""
        SELECT period_start_date, sum(amount) FROM main_finance.rpt_cash_flow
        WHERE company_id = ? AND NOT is_consolidated AND cash_flow_section = 'operating'
          AND strftime(period_start_date, '%Y-%m') IN (SELECT unnest(?::varchar[]))
        GROUP BY 1""", [company, list(cash)])}
    drawn_operating = {cat: v for (s, cat), v in marks.values("rect", "cash_flow").items() if s == "operating"}
    assert drawn_operating == pytest.approx(operating, abs=0.005)

    for table, chart in (("rpt_ar_aging", "ar_aging"), ("rpt_ap_aging", "ap_aging")):
        buckets = warehouse.sql(f"SELECT DISTINCT aging_bucket FROM main_finance.{table}")
        expected = dict.fromkeys((b for (b,) in buckets), 0.0)
        expected.update({b: float(v) for b, v in warehouse.sql(f"""
            SELECT aging_bucket, sum(open_amount) FROM main_finance.{table}
            WHERE company_id = ? AND as_of_date = last_day(?::date) GROUP BY 1""", [company, month])})
        drawn = {cat: v for (_s, cat), v in marks.values("rect", chart).items()}
        assert drawn == pytest.approx(expected, abs=0.005), table
    assert sum(marks.values("rect", "ar_aging").values()) > 0


def test_period_comparison_and_kpis(warehouse: Warehouse, report: tuple[Path, Marks]) -> None:
    _out, marks = report
    company, month = _company_and_month(warehouse)
    rows = warehouse.sql("""SELECT line_name, amount_fiscal_ytd, amount_previous_fiscal_ytd
        FROM main_finance.rpt_period_comparison WHERE company_id = ? AND period_start_date = ?""", [company, month])
    expected = {**{(n, "fiscal YTD"): float(a) for n, a, _ in rows},
                **{(n, "previous fiscal YTD"): float(b) for n, _, b in rows}}
    drawn = {(cat, series): v for (series, cat), v in marks.values("rect", "comparison").items()}
    assert drawn == pytest.approx(expected, abs=0.005)
    kpis = {m["data-kpi"]: float(m["data-value"]) for m in marks.marks if "data-kpi" in m}
    (revenue,) = warehouse.sql("""SELECT amount_fiscal_ytd FROM main_finance.rpt_profit_and_loss
        WHERE company_id = ? AND NOT is_consolidated AND period_start_date = ? AND line_order = 10""",
                               [company, month])[0]
    assert kpis["revenue_ytd"] == pytest.approx(float(revenue), abs=0.01)


def test_png_charts_are_written(report: tuple[Path, Marks]) -> None:
    from PIL import Image

    out, _marks = report
    for name in ("pnl.png", "cash_flow.png", "aging.png", "comparison.png"):
        with Image.open(out / name) as img:
            assert img.format == "PNG" and img.width >= 800 and img.height >= 300, name
            # not a blank canvas: a chart has many colours
            assert len(img.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50, name
