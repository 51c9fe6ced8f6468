"""The catalog covers every stream, model and seed, and docs/catalog.md is what the generator writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from loader.catalog import build_catalog, render_markdown
from loader.streams.registry import REGISTRY
from tests.user.warehouse import CLI, REPO, Warehouse, clean_env


def test_docs_catalog_md_is_up_to_date(warehouse: Warehouse) -> None:
    committed = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    generated = render_markdown(build_catalog(str(warehouse.path)))
    assert committed == generated, (
        "docs/catalog.md is stale: run `procountor-loader demo --duckdb warehouse.duckdb` and "
        "`procountor-loader catalog --duckdb warehouse.duckdb --output docs/catalog.md`")


def test_catalog_lists_every_stream_model_and_seed(warehouse: Warehouse) -> None:
    catalog = build_catalog(str(warehouse.path))
    names = {(r.layer, r.name) for r in catalog.relations}
    assert {("landing", s.name) for s in REGISTRY} <= names
    for sql in REPO.glob("models/**/*.sql"):
        assert any(n == sql.stem for _, n in names), sql
    for csv in REPO.glob("seeds/*.csv"):
        assert ("seed", csv.stem) in names, csv
    invoices = catalog.get("invoices")
    assert invoices is not None and invoices.replication.startswith("incremental on `version`")
    assert any(f.path == "invoiceRows.quantity" if hasattr(f, "path") else f.name == "invoiceRows.quantity"
               for f in invoices.fields)


def test_mart_columns_and_types_match_the_warehouse(warehouse: Warehouse) -> None:
    catalog = build_catalog(str(warehouse.path))
    for rel in catalog.layer("mart"):
        actual = warehouse.sql("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                               [rel.schema, rel.name])
        assert actual, f"{rel.schema}.{rel.name} is not in the warehouse"
        assert [(c.name, c.type) for c in rel.columns][:len(actual)] == [(n, t) for n, t in actual], rel.name


def test_cli_json_and_output_file(warehouse: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    proc = subprocess.run([*CLI, "catalog", "--format", "json", "--duckdb", str(warehouse.path), "--output", str(out)],
                          cwd=tmp_path, env=clean_env(), text=True, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in data["relations"]}
    assert by_name["rpt_profit_and_loss"]["layer"] == "mart"
    assert "amount_month" in {c["name"] for c in by_name["rpt_profit_and_loss"]["columns"]}
    assert by_name["ledger_receipts"]["layer"] == "landing"
