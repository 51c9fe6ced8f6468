"""The MCP server (stdio): three read-only tools over the finance marts.

- list_marts: every mart and seed with its description and documented columns,
- describe_table: one table's columns, types and descriptions,
- query: one SELECT / WITH statement, answered as JSON (row-capped).
"""

from __future__ import annotations

import json
from typing import Any

from loader.mcp.sql_guard import UnsafeQuery
from loader.mcp.warehouse import Warehouse

INSTRUCTIONS = """\
Finance marts built by procountor-loader from Finago Procountor accounting data.
Start with list_marts, then describe_table, then query (one SELECT or WITH statement; nothing can be
written). Amounts are in the company currency. rpt_profit_and_loss is credit-positive (revenue
positive, costs negative); fct_general_ledger.amount_debit_positive is debit-positive. Filter
`NOT is_consolidated` in rpt_* tables for one company, and by company_id when there are several.
"""


def _server_class() -> Any:
    # mcp 2.x renamed FastMCP to MCPServer; both have the same decorator API for what we use.
    try:
        from mcp.server.mcpserver import MCPServer

        return MCPServer
    except ImportError:  # mcp 1.x
        from mcp.server.fastmcp import FastMCP

        return FastMCP


def _tool_error() -> type[Exception]:
    """The exception whose message the SDK passes to the client (others become a generic error)."""
    try:
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:  # mcp 1.x
        from mcp.server.fastmcp.exceptions import ToolError
    return ToolError  # type: ignore[no-any-return]


def build_server(warehouse: Warehouse, max_rows: int = 500) -> Any:
    server = _server_class()("procountor-warehouse", instructions=INSTRUCTIONS)
    tool_error = _tool_error()

    @server.tool()
    def list_marts() -> str:
        """List the finance marts (and mapping seeds): name to query, description and column names."""
        tables = warehouse.tables()
        return json.dumps([{"table": t.name, "layer": t.layer, "description": t.description,
                            "columns": [c["name"] for c in t.columns]} for t in tables], ensure_ascii=False)

    @server.tool()
    def describe_table(table: str) -> str:
        """Columns of one mart with type and description. `table` is a name from list_marts (with or
        without its schema)."""
        wanted = table.strip("`").split(".")[-1].lower()
        for t in warehouse.tables():
            if t.name.strip("`").split(".")[-1].lower() == wanted:
                return json.dumps({"table": t.name, "description": t.description, "columns": t.columns},
                                  ensure_ascii=False)
        raise tool_error(f"unknown table {table!r}; call list_marts for the available tables")

    @server.tool()
    def query(sql: str, limit: int = 100) -> str:
        """Run one read-only SQL query (SELECT or WITH only) and return columns and rows as JSON.
        Decimal amounts come back as exact strings. At most `limit` rows (capped by the server)."""
        try:
            result = warehouse.query(sql, max(1, min(limit, max_rows)))
        except UnsafeQuery as exc:
            raise tool_error(f"refused: {exc}") from None
        except Exception as exc:  # the warehouse's own message helps the client fix its SQL
            raise tool_error(f"query failed: {type(exc).__name__}: {exc}") from None
        return json.dumps(result.to_dict(), ensure_ascii=False, default=str)

    return server


def serve(warehouse: Warehouse, max_rows: int = 500) -> None:
    build_server(warehouse, max_rows).run("stdio")
