"""The MCP server through a real MCP client session (the SDK's stdio client spawns the server)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest

from loader.catalog import build_catalog
from loader.mcp.sql_guard import UnsafeQuery, check_select
from tests.user.warehouse import REPO, Warehouse, clean_env

WRITES = [
    "DROP TABLE main_finance.rpt_profit_and_loss",
    "DELETE FROM main_finance.rpt_profit_and_loss",
    "UPDATE main_finance.rpt_profit_and_loss SET amount_month = 0",
    "INSERT INTO main_finance.rpt_profit_and_loss SELECT * FROM main_finance.rpt_profit_and_loss",
    "CREATE TABLE main.x AS SELECT 1",
    "SELECT 1; DROP TABLE main_finance.rpt_profit_and_loss",
    "WITH x AS (SELECT 1) DELETE FROM main_finance.rpt_profit_and_loss",
    "SELECT * INTO main.copy FROM main_finance.rpt_profit_and_loss",
    "COPY main_finance.rpt_profit_and_loss TO '/tmp/leak.csv'",
    "ATTACH '/tmp/other.duckdb'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "PRAGMA database_list",
    "SET search_path = 'main'",
]


def _is_error(result: Any) -> bool:
    # mcp 2.x uses snake_case, 1.x camelCase
    return bool(getattr(result, "is_error", getattr(result, "isError", False)))


async def _session(db: str, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[tuple[bool, str]]]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable,
                                   args=["-c", "from loader.cli import main; main()", "mcp", "--duckdb", db],
                                   env=clean_env(), cwd=str(REPO))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = [t.name for t in (await session.list_tools()).tools]
        answers = []
        for name, args in calls:
            result = await session.call_tool(name, args)
            answers.append((_is_error(result), result.content[0].text))
        return tools, answers


@pytest.fixture(scope="module")
def session_answers(warehouse: Warehouse) -> tuple[list[str], list[tuple[bool, str]]]:
    calls = [("list_marts", {}), ("describe_table", {"table": "rpt_profit_and_loss"}),
             ("query", {"sql": """SELECT line_name, sum(amount_month) AS total FROM main_finance.rpt_profit_and_loss
                                  WHERE NOT is_consolidated GROUP BY line_name ORDER BY line_name"""}),
             ("query", {"sql": "SELECT * FROM main_finance.fct_general_ledger", "limit": 3}),
             *[("query", {"sql": sql}) for sql in WRITES]]
    return asyncio.run(asyncio.wait_for(_session(str(warehouse.path), calls), timeout=120))


def test_lists_the_marts_with_their_documented_columns(session_answers: Any) -> None:
    tools, answers = session_answers
    assert set(tools) == {"list_marts", "describe_table", "query"}
    error, text = answers[0]
    assert not error
    listed = {t["table"].split(".")[-1]: t for t in json.loads(text)}
    marts = build_catalog().layer("mart")
    assert {m.name for m in marts} <= set(listed)
    pnl = next(m for m in marts if m.name == "rpt_profit_and_loss")
    assert listed["rpt_profit_and_loss"]["description"] == pnl.description
    documented = {c.name for c in pnl.columns}
    assert documented and documented <= set(listed["rpt_profit_and_loss"]["columns"])

    error, text = answers[1]
    described = {c["name"]: c for c in json.loads(text)["columns"]}
    assert not error and described["amount_month"]["type"].startswith("DECIMAL")
    assert described["amount_month"]["description"] == next(c.description for c in pnl.columns
                                                           if c.name == "amount_month")


def test_answers_read_only_sql_with_the_warehouse_figures(warehouse: Warehouse, session_answers: Any) -> None:
    _tools, answers = session_answers
    error, text = answers[2]
    assert not error, text
    got = {name: total for name, total in json.loads(text)["rows"]}
    expected = {name: str(total) for name, total in warehouse.sql("""
        SELECT line_name, sum(amount_month) FROM main_finance.rpt_profit_and_loss
        WHERE NOT is_consolidated GROUP BY line_name""")}
    assert got == expected
    error, text = answers[3]
    capped = json.loads(text)
    assert not error and capped["row_count"] == 3 and capped["truncated"] is True


def test_refuses_every_write_and_leaves_the_warehouse_unchanged(warehouse: Warehouse, session_answers: Any) -> None:
    _tools, answers = session_answers
    for sql, (error, text) in zip(WRITES, answers[4:], strict=True):
        assert error and "refused" in text, (sql, text)
    assert warehouse.sql("SELECT count(*) FROM main_finance.rpt_profit_and_loss")[0][0] > 0
    assert not warehouse.sql("SELECT * FROM information_schema.tables WHERE table_name IN ('x', 'copy')")


@pytest.mark.parametrize("sql", WRITES)
def test_guard_refuses_writes(sql: str) -> None:
    with pytest.raises(UnsafeQuery):
        check_select(sql)


@pytest.mark.parametrize("sql", ["SELECT 1", "with a as (select 1 as x) select x from a;",
                                 "SELECT ';DROP TABLE t' AS s -- ; delete", "(SELECT 1) UNION ALL (SELECT 2)"])
def test_guard_allows_single_selects(sql: str) -> None:
    assert check_select(sql)


def test_duckdb_read_only_connection_is_a_second_guard(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if the parser let a write through, the read-only connection refuses it."""
    from loader.mcp import warehouse as backend

    monkeypatch.setattr(backend, "check_select", lambda sql, dialect: sql)
    wh = backend.DuckDBWarehouse(str(warehouse.path))
    for sql in ("CREATE TABLE main.y AS SELECT 1", "DELETE FROM main_finance.rpt_profit_and_loss",
                "SELECT * FROM read_csv('/etc/passwd')"):
        with pytest.raises(Exception, match=r"(?i)read-only|read only|permission|cannot"):
            wh.query(sql, 10)
    assert warehouse.sql("SELECT count(*) FROM main_finance.rpt_profit_and_loss")[0][0] > 0
