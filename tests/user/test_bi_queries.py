"""Every SQL example in docs/bi/*.md runs on a freshly built warehouse and returns rows."""

from __future__ import annotations

import re

import pytest

from loader.catalog import build_catalog
from tests.user.warehouse import REPO, Warehouse

GUIDES = sorted((REPO / "docs" / "bi").glob("*.md"))
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)
TOOLS = ("power-bi", "looker-studio", "tableau", "google-sheets", "excel", "metabase")


def _examples() -> list[tuple[str, str]]:
    return [(f"{g.stem}#{i}", sql) for g in GUIDES for i, sql in enumerate(SQL_BLOCK.findall(g.read_text("utf-8")))]


def test_there_is_a_guide_per_tool_with_examples() -> None:
    stems = {g.stem for g in GUIDES}
    assert set(TOOLS) <= stems
    for tool in TOOLS:
        assert len(SQL_BLOCK.findall((REPO / "docs" / "bi" / f"{tool}.md").read_text("utf-8"))) >= 2, tool


@pytest.mark.parametrize(("name", "sql"), _examples(), ids=[n for n, _ in _examples()])
def test_example_query_runs_on_the_marts(name: str, sql: str, warehouse: Warehouse) -> None:
    # BigQuery guides name the dataset procountor_finance; on DuckDB the marts are in main_finance
    rows = warehouse.sql(sql.replace("procountor_finance.", "main_finance."))
    assert rows, f"{name} returned no rows"


def test_guides_name_only_marts_that_exist() -> None:
    marts = {r.name for r in build_catalog().layer("mart")}
    for guide in GUIDES:
        named = set(re.findall(r"\b((?:rpt|fct|dim)_[a-z_]+)\b", guide.read_text("utf-8")))
        assert named <= marts, (guide.name, named - marts)


def test_readme_style_links_resolve() -> None:
    for guide in GUIDES:
        for target in re.findall(r"\]\(([^)#]+\.md)\)", guide.read_text("utf-8")):
            assert (guide.parent / target).resolve().exists(), (guide.name, target)


