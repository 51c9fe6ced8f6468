"""PNG charts of the report with matplotlib's Agg backend: no display, no browser, no network.

The same figures as the HTML charts, for e-mail, slides and chat messages.
"""

from __future__ import annotations

from pathlib import Path

from loader.report.data import ReportData

PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#d69e2e", "#718096", "#e53e3e",
           "#3182ce"]


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")  # before pyplot is imported: never try to open a window
    import matplotlib.pyplot as plt

    return plt


def _money(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _style(ax, title: str, values: str = "y") -> None:  # type: ignore[no-untyped-def]
    """Title, light grid and money ticks on the value axis (y for columns, x for horizontal bars)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.grid(axis=values, color="#d9e2ec", linewidth=0.8)
    ax.set_axisbelow(True)
    (ax.axhline if values == "y" else ax.axvline)(0, color="#9aa5b1", linewidth=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    (ax.yaxis if values == "y" else ax.xaxis).set_major_formatter(FuncFormatter(_money))


def pnl_png(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    months = data.months
    up = [0.0] * len(months)
    down = [0.0] * len(months)
    for i, series in enumerate(s for s in data.pnl if s.kind == "bar"):
        if not any(series.values):
            continue
        bottoms = [up[k] if v >= 0 else down[k] for k, v in enumerate(series.values)]
        ax.bar(months, series.values, bottom=bottoms, color=PALETTE[i % len(PALETTE)], label=series.name, width=0.7)
        for k, v in enumerate(series.values):
            if v >= 0:
                up[k] += v
            else:
                down[k] += v
    result = data.pnl[-1]
    ax.plot(months, result.values, color="#1a202c", marker="o", linewidth=2.2, label=result.name)
    _style(ax, f"{data.company_name}: monthly profit and loss ({data.currency}), fiscal year {data.fiscal_year_label}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def cash_flow_png(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110)
    bars = [s for s in data.cash_flow if s.kind == "bar"]
    width = 0.8 / max(1, len(bars))
    positions = range(len(data.months))
    for i, series in enumerate(bars):
        ax.bar([p + (i - (len(bars) - 1) / 2) * width for p in positions], series.values, width=width,
               color=PALETTE[i], label=series.name)
    ax.set_xticks(list(positions), data.months)
    _style(ax, f"Cash flow by section ({data.currency})")
    ax.legend(fontsize=8, frameon=False)
    line = next(s for s in data.cash_flow if s.kind == "line")
    ax2.plot(data.months, line.values, color="#1a202c", marker="o", linewidth=2.2)
    _style(ax2, f"Cash at month end ({data.currency})")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def aging_png(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=110)
    for ax, buckets, title, color in ((axes[0], data.ar_aging, "Receivables", PALETTE[0]),
                                      (axes[1], data.ap_aging, "Payables", PALETTE[1])):
        names = [b.bucket for b in buckets][::-1]
        values = [b.open_amount for b in buckets][::-1]
        ax.barh(names, values, color=color)
        for y, v in enumerate(values):
            ax.text(v, y, f" {_money(v)}", va="center", fontsize=8)
        _style(ax, f"{title} open as of {data.as_of_date} ({data.currency})", values="x")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def comparison_png(data: ReportData, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.4), dpi=110)
    lines = data.comparison[::-1]
    ys = range(len(lines))
    ax.barh([y + 0.2 for y in ys], [c.amount_fiscal_ytd for c in lines], height=0.4, color=PALETTE[0],
            label="fiscal YTD")
    ax.barh([y - 0.2 for y in ys], [c.amount_previous_fiscal_ytd for c in lines], height=0.4, color="#a0aec0",
            label="previous fiscal YTD")
    ax.set_yticks(list(ys), [c.line_name for c in lines], fontsize=8)
    _style(ax, f"Fiscal YTD to {data.as_of_month} vs previous fiscal YTD ({data.currency})", values="x")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


CHARTS = {
    "pnl.png": pnl_png,
    "cash_flow.png": cash_flow_png,
    "aging.png": aging_png,
    "comparison.png": comparison_png,
}


def write_pngs(data: ReportData, out_dir: Path) -> list[Path]:
    written = []
    for name, draw in CHARTS.items():
        draw(data, out_dir / name)
        written.append(out_dir / name)
    return written
