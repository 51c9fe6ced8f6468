"""Projection of nested JSON records to the selected field paths, and discovery of field paths.

A field path is dotted (`counterParty.counterPartyAddress.city`); arrays are transparent, so
`invoiceRows.unitPrice` selects `unitPrice` inside every element of `invoiceRows`. Selecting a
path selects its whole subtree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A selection trie: {key: subtrie}; an empty dict at a node means "the whole subtree".
Trie = dict[str, "Trie"]
ALL: Trie = {}


def build_trie(paths: Iterable[str]) -> Trie:
    root: Trie = {}
    whole: set[tuple[str, ...]] = set()
    for path in sorted(set(paths), key=lambda p: p.count(".")):
        parts = tuple(path.split("."))
        if any(parts[:i] in whole for i in range(1, len(parts))):
            continue  # an ancestor is already selected whole
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {}
        whole.add(parts)
    return root


def project(value: Any, trie: Trie) -> Any:
    """Keep only the selected parts of `value` (dicts filtered, lists projected element-wise)."""
    if not trie:
        return value
    if isinstance(value, dict):
        out = {}
        for key, sub in trie.items():
            if key in value:
                out[key] = project(value[key], sub)
        return out
    if isinstance(value, list):
        return [project(item, trie) for item in value]
    return value  # a scalar where the catalog expects an object: keep it, the path said so


def project_collect(value: Any, trie: Trie, prefix: str, dropped: set[str]) -> Any:
    """`project`, also noting the path of every key it drops (to report fields not loaded)."""
    if not trie:
        return value
    if isinstance(value, dict):
        out = {}
        for key, sub in value.items():
            node = trie.get(key)
            if node is None:
                dropped.add(f"{prefix}.{key}" if prefix else key)
            elif not node or not isinstance(sub, dict | list):
                out[key] = sub  # a selected leaf, or a scalar: nothing below to filter
            else:
                out[key] = project_collect(sub, node, f"{prefix}.{key}" if prefix else key, dropped)
        return out
    if isinstance(value, list):
        return [project_collect(item, trie, prefix, dropped) if isinstance(item, dict | list) else item
                for item in value]
    return value


def field_paths(value: Any, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """Every dotted path present in `value` (objects and leaves), arrays transparent."""
    if out is None:
        out = set()
    if isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            field_paths(sub, path, out)
    elif isinstance(value, list):
        for item in value:
            field_paths(item, prefix, out)
    return out


def is_covered(path: str, selected: Iterable[str]) -> bool:
    """True if `path` or one of its ancestors is selected."""
    return any(path == sel or path.startswith(sel + ".") for sel in selected)
