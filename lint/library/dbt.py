"""Lint-only stand-in for dbt's `dbt` namespace (sqlfluff jinja templater)."""


def type_int():
    return "int64"


def type_string():
    return "string"
