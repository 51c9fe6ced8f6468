"""Writes the report: one self-contained report.html (inline CSS, JS and SVG) plus PNG charts."""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

from loader.report.data import ReportData, load_report_data


def render_html(data: ReportData) -> str:
    template = resources.files("loader.report").joinpath("template.html").read_text(encoding="utf-8")
    # "</" would end the <script> element early; JSON allows the escaped form "<\/".
    payload = json.dumps(data.to_dict(), ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(f"{data.company_name}: finance report {data.as_of_month}")
    return template.replace("__TITLE__", title).replace("__REPORT_DATA__", payload)


def build_report(duckdb_path: str, out_dir: Path, *, company_id: int | None = None, png: bool = True) -> list[Path]:
    data = load_report_data(duckdb_path, company_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "report.html"
    page.write_text(render_html(data), encoding="utf-8")
    written = [page]
    if png:
        from loader.report.png import write_pngs

        written += write_pngs(data, out_dir)
    return written
