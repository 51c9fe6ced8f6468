"""Column descriptions teach something and do not contradict their own tests.

A lint over the dbt yml files (models, sources, seeds): it proves consistency between a description
and the column's name and tests, not that the description is true of the data (reviewers check that
against the SQL). No dbt run is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
YML_FILES = sorted([*REPO.glob("models/**/*.yml"), *REPO.glob("seeds/*.yml")])

# Words that carry nothing a column name does not already say.
FILLER = frozenset({
    "a", "an", "the", "of", "for", "in", "on", "to", "is", "it", "its", "this", "that", "as", "and", "or",
    "by", "with", "flag", "value", "number", "code", "id", "key", "date", "timestamp", "text", "name",
    "column", "field", "row", "record", "true", "false",
})
# How a name's abbreviations are spelled out in prose.
EXPANSIONS = {
    "at": {"timestamp", "time", "when"}, "fi": {"finnish"}, "en": {"english"}, "sv": {"swedish"},
    "pct": {"percent", "percentage"}, "qty": {"quantity"}, "amt": {"amount"}, "desc": {"description"},
    "ytd": {"year", "date"}, "gl": {"general", "ledger"}, "ar": {"receivable"}, "ap": {"payable"},
}
# The old generated boilerplate that says only "money": a description made of it still restates the name.
BOILERPLATE = "exact decimal, company currency unless suffixed _doc = document currency"
NULL_CLAIM = re.compile(r"(?<!never )(?<!not )(?<!non-)\bnull\b", re.IGNORECASE)
UNIQUE_CLAIM = re.compile(r"(?<!not )\bunique\b(?! (?:within|per|across))", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    file: str
    model: str
    name: str
    description: str
    tests: frozenset[str] = frozenset()
    unique_sets: tuple[frozenset[str], ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}: {self.model}.{self.name}"


def _test_names(tests: list[object] | None) -> frozenset[str]:
    names = set()
    for t in tests or []:
        names.add(t if isinstance(t, str) else next(iter(t)))  # type: ignore[arg-type]
    return frozenset(names)


def _unique_sets(node: dict) -> tuple[frozenset[str], ...]:
    sets = []
    for t in node.get("data_tests") or node.get("tests") or []:
        if isinstance(t, dict) and "unique_combination_of_columns" in t:
            spec = t["unique_combination_of_columns"]
            cols = (spec.get("arguments") or spec).get("combination_of_columns") or []
            sets.append(frozenset(cols))
    return tuple(sets)


def columns() -> Iterator[Column]:
    for path in YML_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        nodes = [*doc.get("models", []), *doc.get("seeds", [])]
        nodes += [t for s in doc.get("sources", []) for t in s.get("tables", [])]
        for node in nodes:
            sets = _unique_sets(node)
            for col in node.get("columns") or []:
                yield Column(str(path.relative_to(REPO)), node["name"], col["name"],
                             " ".join(str(col.get("description") or "").split()),
                             _test_names(col.get("data_tests") or col.get("tests")), sets)


def _words(text: str) -> set[str]:
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", text.lower())}


def restates_name(column_name: str, description: str) -> bool:
    """True when every word of the description is a word of the name, its expansion, or filler."""
    name_words = _words(column_name.replace("_", " "))
    for w in list(name_words):
        name_words |= EXPANSIONS.get(w, set())
    rest = _words(description.replace(BOILERPLATE, "")) - name_words - FILLER
    return not rest


ALL = list(columns())


def test_the_lint_sees_every_yml_column() -> None:
    assert len(ALL) > 500, "the yml files moved: point YML_FILES at them"
    assert {c.model for c in ALL} >= {"stg_procountor__invoices", "fct_general_ledger", "invoices"}


@pytest.mark.parametrize(("name", "description", "weak"), [
    ("report_type", "Report type.", True),
    ("is_credit_note", "Flag: credit note.", True),
    ("modified_at", "Modified timestamp.", True),
    ("account_name_fi", "Account name fi.", True),
    ("net_amount", f"Net amount ({BOILERPLATE}).", True),
    ("is_credit_note", "True when the invoice total is negative.", False),
    ("report_type", "INCOME_STATEMENT or BALANCE_SHEET.", False),
])
def test_restates_name_tells_a_restatement_from_a_teaching(name: str, description: str, weak: bool) -> None:
    assert restates_name(name, description) is weak


def test_no_column_description_only_restates_its_name() -> None:
    weak = [f"{c.where}: {c.description!r}" for c in ALL if restates_name(c.name, c.description)]
    assert not weak, "say what the name cannot (unit, sign, source field, when null):\n" + "\n".join(weak)


def test_no_not_null_column_is_described_as_sometimes_null() -> None:
    wrong = [f"{c.where}: {c.description!r}" for c in ALL if "not_null" in c.tests and NULL_CLAIM.search(c.description)]
    assert not wrong, "description says null, test says not_null:\n" + "\n".join(wrong)


def test_a_column_described_as_unique_is_tested_unique() -> None:
    untested = [
        f"{c.where}: {c.description!r}" for c in ALL
        if UNIQUE_CLAIM.search(c.description)
        and "unique" not in c.tests and frozenset({c.name}) not in c.unique_sets
    ]
    assert not untested, "description claims uniqueness no test checks:\n" + "\n".join(untested)
