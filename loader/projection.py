"""Projection of nested JSON records to the selected field paths, and discovery of field paths.

A field path is dotted (`counterParty.counterPartyAddress.city`); arrays are transparent, so
`invoiceRows.unitPrice` selects `unitPrice` inside every element of `invoiceRows`. Selecting a
path selects its whole subtree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from loader.streams.contract import canonical_path

# A selection trie: {key: subtrie}. `None` at a key selects its whole subtree; a dict keeps only
# the keys it names, so `{}` is an object of which nothing is selected (an opaque object: every key
# the API sends in it is dropped and reported). A recursive field points back at its anchor's node,
# so the trie may contain cycles; projection walks the data, which is finite.
Trie = dict[str, "Trie | None"]


def build_trie(paths: Iterable[str], recursive: dict[str, str] | None = None,
               opaque: Iterable[str] = ()) -> Trie:
    """`recursive`: recursive field path → anchor path (contract.recursive_links); `opaque`:
    object fields the catalog declares without fields of their own."""
    links = recursive or {}
    closed = set(opaque)
    root: Trie = {}
    whole: set[tuple[str, ...]] = set()
    wanted_links: list[tuple[Trie, str, str]] = []
    for path in sorted({canonical_path(p, links) for p in paths}, key=lambda p: p.count(".")):
        parts = tuple(path.split("."))
        if any(parts[:i] in whole for i in range(1, len(parts))):
            continue  # an ancestor is already selected whole
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        if path in links:
            wanted_links.append((node, parts[-1], links[path]))
            continue
        node[parts[-1]] = {} if path in closed else None
        if path not in closed:
            whole.add(parts)
    for node, key, anchor in wanted_links:
        target: Trie = root
        for part in anchor.split(".") if anchor else ():
            nxt = target.get(part)
            if nxt is None:
                break  # the anchor is selected whole, and so is this field with it
            target = nxt
        else:
            node[key] = target
            continue
        node[key] = None
    return root


def project(value: Any, trie: Trie | None) -> Any:
    """Keep only the selected parts of `value` (dicts filtered, lists projected element-wise)."""
    if trie is None:
        return value
    if isinstance(value, dict):
        return {key: project(value[key], sub) for key, sub in trie.items() if key in value}
    if isinstance(value, list):
        return [project(item, trie) for item in value]
    return value  # a scalar where the catalog expects an object: keep it, the path said so


def project_collect(value: Any, trie: Trie | None, prefix: str, dropped: set[str],
                    _where: dict[int, str] | None = None) -> Any:
    """`project`, also noting the path of every key it drops (to report fields not loaded).
    Paths are canonical: a key dropped inside a recursive field is reported at its anchor's path,
    where the catalog lists it."""
    if trie is None:
        return value
    where = {} if _where is None else _where
    prefix = where.setdefault(id(trie), prefix)  # the first, shallowest visit names the node
    if isinstance(value, dict):
        out = {}
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if key not in trie:
                dropped.add(path)
                continue
            node = trie[key]
            if node is None or not isinstance(sub, dict | list):
                out[key] = sub  # a selected leaf, or a scalar: nothing below to filter
            else:
                out[key] = project_collect(sub, node, path, dropped, where)
        return out
    if isinstance(value, list):
        return [project_collect(item, trie, prefix, dropped, where) if isinstance(item, dict | list) else item
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
