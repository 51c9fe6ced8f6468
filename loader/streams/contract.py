"""Field catalogs read from the API contract (loader/contract/openapi.json).

The contract is the one declaration of every stream's fields: the loader projects records to
selected paths from it, `discover` lists it, and the dbt sources and docs are generated from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class FieldInfo:
    path: str
    type: str  # string | integer | number | boolean | object | any | array<...>
    description: str
    # A field whose type repeats an enclosing one (a bank statement event's child `event`s are
    # events): the path of that enclosing field. Its children are the anchor's children, one level
    # down, so the catalog lists them once, under the anchor, and projection applies the anchor's
    # selection at every depth.
    recursive_of: str | None = None


@cache
def openapi() -> dict[str, Any]:
    text = resources.files("loader.contract").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def schema(name: str) -> dict[str, Any]:
    return openapi()["components"]["schemas"][name]


def _resolve(node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    # `allOf: [{$ref}]` is how OpenAPI 3.0 puts a description or `nullable` next to a reference
    # (ledger receipts' `serialNumber`): it is that reference.
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
        node = all_of[0]
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, schema(name)
    return None, node


def _type_of(node: dict[str, Any]) -> str:
    _name, node = _resolve(node)
    kind = node.get("type") or ("object" if "properties" in node else "any")
    if kind == "array":
        return f"array<{_type_of(node.get('items', {}))}>"
    return kind


@cache
def field_catalog(schema_name: str) -> tuple[FieldInfo, ...]:
    """Every dotted field path of a schema (objects and leaves; arrays are transparent)."""
    out: list[FieldInfo] = []

    def element(node: dict[str, Any]) -> str | None:
        name, node = _resolve(node)
        return element(node.get("items", {})) if node.get("type") == "array" else name

    def walk(node: dict[str, Any], prefix: str, seen: dict[str, str]) -> None:
        name, node = _resolve(node)
        if name:
            seen = {**seen, name: prefix}
        if node.get("type") == "array":
            walk(node.get("items", {}), prefix, seen)
            return
        for key, sub in (node.get("properties") or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            _, resolved = _resolve(sub)
            desc = sub.get("description") or resolved.get("description") or ""
            anchor = seen.get(element(sub) or "")
            if anchor is not None:
                out.append(FieldInfo(path, _type_of(sub), desc, anchor))
                continue  # its fields are the anchor's, listed there
            out.append(FieldInfo(path, _type_of(sub), desc))
            walk(sub, path, seen)

    walk({"$ref": f"#/components/schemas/{schema_name}"}, "", {})
    return tuple(out)


def coded_string_paths(schema_name: str) -> frozenset[str]:
    """String fields the contract types as a date, a timestamp or an enum: codes and dates, never free
    text a person could be named in (anonymisation keeps them, so the books stay readable)."""
    out: set[str] = set()

    def walk(node: dict[str, Any], prefix: str, seen: frozenset[str]) -> None:
        name, node = _resolve(node)
        if name in seen:
            return
        seen = seen | {name} if name else seen
        if node.get("type") == "array":
            walk(node.get("items", {}), prefix, seen)
            return
        for key, sub in (node.get("properties") or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            _, leaf = _resolve(sub)
            if leaf.get("type") == "array":
                _, leaf = _resolve(leaf.get("items", {}))
            if leaf.get("type") == "string" and (leaf.get("enum") or leaf.get("format") in ("date", "date-time")):
                out.add(path)
            walk(sub, path, seen)

    walk({"$ref": f"#/components/schemas/{schema_name}"}, "", frozenset())
    return frozenset(out)


def recursive_links(schema_name: str) -> dict[str, str]:
    """Recursive field path → the enclosing field path whose type it repeats ("" = the record)."""
    return {f.path: f.recursive_of for f in field_catalog(schema_name) if f.recursive_of is not None}


def canonical_path(path: str, links: dict[str, str]) -> str:
    """A path through recursive fields, written as the path of the same field at the top level
    (`events.event.event.name` → `events.name`): one type, one selection, one catalog entry."""
    changed = True
    while changed:
        changed = False
        for link, anchor in links.items():
            if path.startswith(link + "."):
                rest = path[len(link) + 1:]
                path = f"{anchor}.{rest}" if anchor else rest
                changed = True
    return path


def query_enum(path: str, param: str) -> tuple[str, ...]:
    """The values the contract declares for a query parameter of GET `path`."""
    for parameter in openapi()["paths"][path]["get"].get("parameters", []):
        if parameter.get("name") == param and parameter.get("in") == "query":
            return tuple(parameter.get("schema", {}).get("enum") or ())
    raise KeyError(f"GET {path} declares no query parameter {param!r}")
