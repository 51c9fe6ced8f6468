"""The engine never names a stream: no stream name, stream path or declared stream field appears
as a string in loader/engine/ (or the paging and facade modules it uses).

A stream-specific literal in the engine means a new stream of that shape needs an engine edit;
the registry (loader/streams/registry.py) is where it belongs. Docstrings may mention streams as
examples; code may not. This is a consistency check of the code against the registry.
"""

from __future__ import annotations

import ast
from pathlib import Path

from loader.streams.registry import REGISTRY, StreamSpec

LOADER = Path(__file__).resolve().parents[2] / "loader"
ENGINE_FILES = [*sorted((LOADER / "engine").glob("*.py")), LOADER / "paging.py", LOADER / "extract.py"]


def _declared(spec: StreamSpec) -> set[str]:
    """The names, paths and fields a stream's declaration holds that only that stream knows."""
    out = {spec.name, spec.path}
    out |= {v for v in (spec.detail_path, spec.fanout_param, spec.link_field) if v}
    if spec.lookup:
        out |= {*spec.lookup.currency_path, spec.lookup.day_field, spec.lookup.base_param,
                spec.lookup.currency_param, spec.lookup.day_param, *spec.lookup.params.values()}
    if spec.calendar:
        c = spec.calendar
        out |= {c.stream, c.periods_field, c.start_field, c.end_field, c.status_field, c.closed_status,
                c.modified_field}
    if spec.identity:
        out |= {spec.identity.currency_field}
    if spec.partition:
        out |= set(spec.partition)
    return out


def forbidden() -> set[str]:
    names: set[str] = set()
    for spec in REGISTRY:
        names |= _declared(spec)
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def stream_literals(source: str, names: set[str]) -> list[str]:
    """String constants in code (not docstrings) equal to a declared name, or naming a declared
    path (`"/company"`, `"/invoices/{ids}"`, `"invoices.jsonl"`)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    paths = {n for n in names if n.startswith("/")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            stem = text.split(".")[0] if text.endswith((".jsonl", ".json")) else text
            if stem in names or any(text.startswith(p) and len(p) > 1 for p in paths):
                found.append(text)
    return found


def test_no_engine_module_names_a_stream() -> None:
    names = forbidden()
    assert {"invoices", "/company", "invoiceId", "paymentInfo", "/fiscalyears"} <= names  # the registry's own
    found = {str(path.relative_to(LOADER.parent)): hits for path in ENGINE_FILES
             if (hits := stream_literals(path.read_text(encoding="utf-8"), names))}
    assert found == {}


def test_the_scanner_finds_stream_literals() -> None:
    """The scanner itself can fail: the literals the engine used to hold are each reported."""
    old_engine = '''
def f(spool, body, data):
    """Docstrings may say /invoices and invoices.jsonl."""
    body = client.get("/company")
    spool = spool / "invoices.jsonl"
    currency = (data.get("paymentInfo") or {}).get("currency")
    return client.get(f"/invoices/{1}"), "invoiceId", "trackingPeriods", "harmless"
'''
    assert sorted(stream_literals(old_engine, forbidden())) == sorted(
        ["/company", "invoices.jsonl", "paymentInfo", "currency", "/invoices/", "invoiceId", "trackingPeriods"])
