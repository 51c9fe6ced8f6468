"""Decides whether a query an AI client sends may run: exactly one SELECT (or WITH ... SELECT).

This is the first of two guards; the second is the warehouse itself (DuckDB opened read_only with
external access off; on BigQuery a dry run must report statement type SELECT). The parser, not a
regular expression, decides, so comments, string literals and `;` inside strings cannot fool it.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns on stderr about fallbacks

# Anything that writes, changes settings, or reaches outside the database, wherever it is nested.
_FORBIDDEN_NODES = tuple(getattr(exp, name) for name in (
    "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command", "Pragma", "Set",
    "Attach", "Detach", "Copy", "Use", "Transaction", "Commit", "Rollback", "Install", "LoadData", "Export", "Into",
    "Grant", "Revoke", "Analyze", "Describe", "Summarize", "Show",
) if hasattr(exp, name))
# Table functions that read files or URLs (DuckDB's external-access switch blocks them too).
_FILE_FUNCTIONS = re.compile(r"^(read_\w+|\w+_scan|glob|sniff_csv|parquet_\w+|iceberg_\w+|delta_\w+|http\w*)$", re.I)
_LEADING = re.compile(r"^\s*(select|with|\()", re.I)


class UnsafeQuery(ValueError):
    """The query is not a single read-only SELECT."""


def check_select(sql: str, dialect: str = "duckdb") -> str:
    """Return the statement (without a trailing `;`) or raise UnsafeQuery saying why not."""
    text = sql.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise UnsafeQuery("the query is empty")
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise UnsafeQuery(f"the query could not be parsed: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise UnsafeQuery(f"send exactly one statement (got {len(statements)})")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise UnsafeQuery(f"only SELECT / WITH queries are allowed (got {statement.key.upper()})")
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeQuery(f"{node.key.upper()} is not allowed: this server is read-only")
        if isinstance(node, exp.Func):
            # typed functions (ReadCSV) know their SQL name; unknown ones (glob) keep it in `name`
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            if _FILE_FUNCTIONS.match(name or ""):
                raise UnsafeQuery(f"{name.lower()}() reads outside the warehouse and is not allowed")
    if not _LEADING.match(_strip_comments(text)):
        raise UnsafeQuery("the query must start with SELECT or WITH")
    return text


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())
