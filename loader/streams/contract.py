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
    type: str  # string | integer | number | boolean | object | array<...>
    description: str


@cache
def openapi() -> dict[str, Any]:
    text = resources.files("loader.contract").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def schema(name: str) -> dict[str, Any]:
    return openapi()["components"]["schemas"][name]


def _resolve(node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
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

    def walk(node: dict[str, Any], prefix: str, seen: tuple[str, ...]) -> None:
        name, node = _resolve(node)
        if name and name in seen:
            return  # recursive types (child events) stop at one level
        if name:
            seen = (*seen, name)
        if node.get("type") == "array":
            walk(node.get("items", {}), prefix, seen)
            return
        for key, sub in (node.get("properties") or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            _, resolved = _resolve(sub)
            desc = sub.get("description") or resolved.get("description") or ""
            out.append(FieldInfo(path, _type_of(sub), desc))
            walk(sub, path, seen)

    walk({"$ref": f"#/components/schemas/{schema_name}"}, "", ())
    return tuple(out)
