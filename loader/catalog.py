"""The data catalog: every landing table, dbt model and seed with its columns, types and meaning.

Sources of truth, in order of precedence:
- the stream registry and the API contract's field catalogs (landing tables and their `_data` fields),
- the dbt project's yml files (`models/**/*.yml`: descriptions, columns, `data_type`),
- the model SQL and dbt_project.yml (materialization, schema, direct refs),
- optionally a built DuckDB warehouse, for column types and for columns the yml does not list yet.

Nothing here runs dbt: the catalog must be cheap enough for a test to regenerate docs/catalog.md
and compare it with the committed copy.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loader.streams.contract import field_catalog
from loader.streams.registry import REGISTRY, StreamSpec

PROJECT_DIR = Path(__file__).resolve().parent.parent
LAYER_ORDER = ("mart", "intermediate", "staging", "seed", "landing")
LAYER_TITLES = {
    "mart": "Marts",
    "intermediate": "Intermediate models",
    "staging": "Staging models",
    "seed": "Seeds (mapping tables)",
    "landing": "Landing tables",
}

# docs/architecture.md, "Landing contract": identical in every landing table.
LANDING_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("_company_id", "BIGINT", "INT64", "Procountor company id (GET /company → id)."),
    ("_record_id", "VARCHAR", "STRING", "The record's original primary key, as text."),
    ("_data", "VARCHAR", "STRING", "The record's JSON, projected to the selected fields, numbers as exact text."),
    ("_record_hash", "VARCHAR", "STRING", "sha256 of `_data`."),
    ("_cursor_value", "VARCHAR", "STRING", "Replication key value (e.g. `version`), if any."),
    ("_extracted_at", "TIMESTAMP", "TIMESTAMP", "When the record was fetched (UTC)."),
    ("_loaded_at", "TIMESTAMP", "TIMESTAMP",
     "When the row was committed (UTC): the version the incremental staging models build from."),
    ("_sync_id", "VARCHAR", "STRING", "The loader run that wrote the row (joins `_loader_runs`)."),
    ("_is_deleted", "BOOLEAN", "BOOL", "Tombstone: the id vanished from the source (id sweep)."),
    ("_deleted_at", "TIMESTAMP", "TIMESTAMP", "When the tombstone was set."),
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass
class Relation:
    layer: str  # landing | staging | intermediate | mart | seed
    name: str
    schema: str  # DuckDB schema with the default profile (BigQuery: dataset `<dataset>_<suffix>`)
    description: str
    replication: str
    columns: list[Column] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    # landing tables only: the API contract's fields inside `_data`
    fields: list[Column] = field(default_factory=list)
    endpoint: str = ""


@dataclass
class Catalog:
    relations: list[Relation]

    def layer(self, layer: str) -> list[Relation]:
        return [r for r in self.relations if r.layer == layer]

    def get(self, name: str) -> Relation | None:
        return next((r for r in self.relations if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"relations": [asdict(r) for r in self.relations]}


# ---------------------------------------------------------------------------------------------
# dbt project metadata (read from files; dbt is not run)


_DOC_REF = re.compile(r"\{\{\s*doc\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\}\}")
_DOC_BLOCK = re.compile(r"\{%-?\s*docs\s+(\w+)\s*-?%\}(.*?)\{%-?\s*enddocs\s*-?%\}", re.S)
_REF = re.compile(r"\bref\(\s*['\"](\w+)['\"]\s*\)")
# models read landing tables with source(), the project's landing() macro (missing streams) or the
# landing views' landing_as_landed()
_SOURCE = re.compile(r"\b(?:source\(\s*['\"]\w+['\"]\s*,|landing\(|landing_as_landed\()\s*['\"](\w+)['\"]\s*\)")
_MATERIALIZED = re.compile(r"materialized\s*=\s*['\"](\w+)['\"]")
_UNIQUE_KEY = re.compile(r"unique_key\s*=\s*(\[[^\]]*\]|['\"][^'\"]+['\"])")
_JINJA_COMMENT = re.compile(r"\{#-?(.*?)-?#\}", re.S)


def _clean(text: Any) -> str:
    """One line of text: yml folded blocks and doc blocks become plain sentences."""
    return " ".join(str(text or "").split())


def _doc_blocks(project: Path) -> dict[str, str]:
    blocks: dict[str, str] = {}
    for md in sorted(project.glob("models/**/*.md")):
        for name, body in _DOC_BLOCK.findall(md.read_text(encoding="utf-8")):
            blocks[name] = body.strip()
    return blocks


# libyaml when available: the project's yml is thousands of lines and the pure-Python parser is slow
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yml_documents(project: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted([*project.glob("models/**/*.yml"), *project.glob("seeds/**/*.yml")]):
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # both loaders are safe
        if isinstance(loaded, dict):
            docs.append(loaded)
    return docs


@dataclass
class _Documented:
    description: str = ""
    columns: dict[str, Column] = field(default_factory=dict)


def _documented(entries: list[dict[str, Any]], blocks: dict[str, str]) -> dict[str, _Documented]:
    def text(raw: Any) -> str:
        return _clean(_DOC_REF.sub(lambda m: blocks.get(m.group(1), ""), str(raw or "")))

    out: dict[str, _Documented] = {}
    for entry in entries:
        cols = {}
        for col in entry.get("columns") or []:
            # a contract's data_type is a jinja expression per engine: the warehouse gives the type
            data_type = str(col.get("data_type") or "")
            cols[col["name"]] = Column(col["name"], "" if "{{" in data_type else data_type,
                                       text(col.get("description")))
        out[entry["name"]] = _Documented(text(entry.get("description")), cols)
    return out


def _project_config(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _folder_config(tree: dict[str, Any], parts: list[str], key: str) -> str | None:
    """The `+key` setting that applies to a model folder (the deepest folder wins, as in dbt)."""
    value = tree.get(f"+{key}")
    node = tree
    for part in parts:
        node = node.get(part) if isinstance(node.get(part), dict) else None  # type: ignore[assignment]
        if node is None:
            break
        value = node.get(f"+{key}", value)
    return value


def _schema(custom: str | None) -> str:
    # dbt's default generate_schema_name: <target schema>_<custom>; the DuckDB profile's schema is main.
    return f"main_{custom}" if custom else "main"


def _sql_comment(sql: str) -> str:
    """The model's leading Jinja comment: its description until the yml documents it."""
    match = _JINJA_COMMENT.search(sql)
    return _clean(match.group(1)) if match else ""


def _model_replication(sql: str, default: str) -> str:
    found = _MATERIALIZED.search(sql)
    materialized = found.group(1) if found else default
    if materialized == "incremental":
        key = _UNIQUE_KEY.search(sql)
        unique = key.group(1).strip("'\"") if key else ""
        return f"incremental (merge on {unique})" if unique else "incremental"
    if materialized == "table":
        return "table (rebuilt every run)"
    return str(materialized)


def _dbt_relations(project: Path, documents: list[dict[str, Any]]) -> list[Relation]:
    cfg = _project_config(project)
    name = cfg.get("name", "")
    models_tree = (cfg.get("models") or {}).get(name, {})
    seeds_tree = (cfg.get("seeds") or {}).get(name, {})
    blocks = _doc_blocks(project)
    models_doc = _documented([m for d in documents for m in d.get("models") or []], blocks)
    seeds_doc = _documented([s for d in documents for s in d.get("seeds") or []], blocks)

    out: list[Relation] = []
    for path in sorted(project.glob("models/**/*.sql")):
        parts = list(path.relative_to(project / "models").parts[:-1])
        layer = {"staging": "staging", "intermediate": "intermediate", "marts": "mart"}.get(parts[0], parts[0])
        sql = path.read_text(encoding="utf-8")
        doc = models_doc.get(path.stem, _Documented())
        default_mat = _folder_config(models_tree, parts, "materialized") or "view"
        reads = sorted({*(f"raw_procountor.{s}" for s in _SOURCE.findall(sql)), *_REF.findall(sql)})
        out.append(Relation(layer, path.stem, _schema(_folder_config(models_tree, parts, "schema")),
                            doc.description or _sql_comment(sql), _model_replication(sql, default_mat),
                            list(doc.columns.values()), reads))
    for path in sorted(project.glob("seeds/**/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        doc = seeds_doc.get(path.stem, _Documented())
        cols = [doc.columns.get(h, Column(h, "", "")) for h in header]
        out.append(Relation("seed", path.stem, _schema(_folder_config(seeds_tree, [], "schema")),
                            doc.description, "seed (reloaded by dbt build)", cols))
    return out


def _source_descriptions(documents: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for document in documents:
        for source in document.get("sources") or []:
            for table in source.get("tables") or []:
                out[table["name"]] = _clean(table.get("description"))
    return out


# ---------------------------------------------------------------------------------------------
# landing tables (stream registry + API contract)


def _stream_replication(spec: StreamSpec) -> str:
    if spec.replication == "incremental" and spec.cursor_field:
        text = f"incremental on `{spec.cursor_field}`"
    elif spec.replication == "incremental" and spec.parent:
        text = f"incremental, re-read for changed `{spec.parent}`"
    elif spec.replication == "windowed":
        text = "windowed (trailing re-read by date)"
    else:
        text = "full table (every run)"
    if spec.sweep != "none":
        text += f"; deletions swept ({spec.sweep})"
    return text


def _landing_relations(documents: list[dict[str, Any]]) -> list[Relation]:
    described = _source_descriptions(documents)
    columns = [Column(n, f"{duck} / {bq}", d) for n, duck, bq, d in LANDING_COLUMNS]
    out = []
    for spec in REGISTRY:
        fields = [Column(f.path, f.type if f.recursive_of is None else
                         f"{f.type}, recursive: the fields of `{f.recursive_of or 'the record'}`",
                         _clean(f.description)) for f in field_catalog(spec.record_schema)]
        description = spec.description
        if described.get(spec.name):
            description += f" {described[spec.name]}"
        out.append(Relation("landing", spec.name, "raw_procountor", description, _stream_replication(spec),
                            list(columns), [], fields, f"GET {spec.path}"))
    return out


# ---------------------------------------------------------------------------------------------
# warehouse types


def _apply_warehouse_types(relations: list[Relation], duckdb_path: str) -> None:
    """Column types (and columns the yml does not list) from a built DuckDB warehouse, which wins over
    a yml data_type: it is what a reader queries."""
    import duckdb

    con = duckdb.connect(duckdb_path, read_only=True)
    try:
        rows = con.execute("""SELECT table_schema, table_name, column_name, data_type
            FROM information_schema.columns ORDER BY table_schema, table_name, ordinal_position""").fetchall()
    finally:
        con.close()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        found.setdefault((schema, table), []).append((column, data_type))
    for rel in relations:
        if rel.layer == "landing":
            continue
        actual = found.get((rel.schema, rel.name))
        if actual is None:
            continue
        documented = {c.name: c for c in rel.columns}
        merged = [Column(name, dtype,
                         documented[name].description if name in documented else "")
                  for name, dtype in actual]
        # keep documented columns the warehouse lacks: the yml may be ahead of the build
        merged += [c for name, c in documented.items() if name not in {n for n, _ in actual}]
        rel.columns = merged


def build_catalog(duckdb_path: str | None = None, project: Path = PROJECT_DIR) -> Catalog:
    documents = _yml_documents(project)
    relations = [*_dbt_relations(project, documents), *_landing_relations(documents)]
    if duckdb_path:
        _apply_warehouse_types(relations, duckdb_path)
    relations.sort(key=lambda r: (LAYER_ORDER.index(r.layer) if r.layer in LAYER_ORDER else 99, r.name))
    return Catalog(relations)


# ---------------------------------------------------------------------------------------------
# rendering


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def _column_table(columns: list[Column], first: str = "column") -> list[str]:
    lines = [f"| {first} | type | description |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {_cell(c.type)} | {_cell(c.description)} |" for c in columns]
    return lines


def render_markdown(catalog: Catalog) -> str:
    out = [
        "# Data catalog",
        "",
        "<!-- Generated by `procountor-loader catalog --duckdb warehouse.duckdb --output docs/catalog.md`"
        " from the stream registry, the API contract and the dbt yml. Do not edit by hand. -->",
        "",
        "Every relation the pipeline writes, from the marts you query down to the raw landing tables. "
        "Schemas are those of the default DuckDB profile; on BigQuery, `main_<x>` is the dataset "
        "`<your dataset>_<x>` and `raw_procountor` is the loader's landing dataset.",
        "",
        "| layer | relation | replication | description |",
        "|---|---|---|---|",
    ]
    for rel in catalog.relations:
        out.append(f"| {rel.layer} | [`{rel.schema}.{rel.name}`](#{rel.name}) | {_cell(rel.replication)} "
                   f"| {_cell(rel.description)} |")
    for layer in LAYER_ORDER:
        relations = catalog.layer(layer)
        if not relations:
            continue
        out += ["", f"## {LAYER_TITLES[layer]}"]
        if layer == "landing":
            out += ["", "Every landing table has the same columns (docs/architecture.md, \"Landing contract\"); "
                    "the record itself is the JSON text in `_data`, whose fields come from the API contract.", "",
                    *_column_table([Column(n, f"{d} / {b}", t) for n, d, b, t in LANDING_COLUMNS])]
        for rel in relations:
            out += ["", f"### {rel.name}", ""]
            if rel.description:
                out += [rel.description, ""]
            out.append(f"- relation: `{rel.schema}.{rel.name}`")
            if rel.endpoint:
                out.append(f"- source: `{rel.endpoint}`")
            out.append(f"- replication: {rel.replication}")
            if rel.reads:
                out.append("- reads: " + ", ".join(f"`{r}`" for r in rel.reads))
            if layer == "landing":
                out += ["", f"<details><summary>{len(rel.fields)} fields in <code>_data</code></summary>", "",
                        *_column_table(rel.fields, "field"), "", "</details>"]
            elif rel.columns:
                out += ["", *_column_table(rel.columns)]
            else:
                out += ["", "_No columns documented yet._"]
    return "\n".join(out) + "\n"


def render_json(catalog: Catalog) -> str:
    return json.dumps(catalog.to_dict(), indent=2, ensure_ascii=False) + "\n"
