"""Compare the marts of two DuckDB warehouses row by row: a refactor of the dbt graph must not move a figure.

    python scripts/compare_marts.py BEFORE.duckdb AFTER.duckdb

Build both with `procountor-loader demo --duckdb PATH` (one before, one after the change). Every table of
the marts schema is compared as a multiset of rows over the columns both sides have; the lineage columns
(`_source_changed_at`, `_dependencies_fingerprint`: the time of each build, not a figure) are left out.
Exit 0 when every table holds the same rows, 1 otherwise. A consistency check (the same project on the
same data before and after), not a proof that the figures are right.
"""

from __future__ import annotations

import sys

import duckdb

SCHEMA = "main_finance"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def compare(before: str, after: str) -> int:
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")

    def tables(db: str) -> set[str]:
        return {r[0] for r in _rows(con, "SELECT table_name FROM information_schema.tables "
                                         f"WHERE table_catalog = '{db}' AND table_schema = '{SCHEMA}'")}

    def columns(db: str, table: str) -> list[str]:
        return [r[0] for r in _rows(con, "SELECT column_name FROM information_schema.columns "
                                         f"WHERE table_catalog = '{db}' AND table_schema = '{SCHEMA}' "
                                         f"AND table_name = '{table}' ORDER BY ordinal_position")]

    differing = 0
    only = tables("a") ^ tables("b")
    if only:
        print(f"tables on one side only: {sorted(only)}")
        differing += len(only)
    for table in sorted(tables("a") & tables("b")):
        cols_a, cols_b = columns("a", table), columns("b", table)
        if cols_a != cols_b:
            print(f"{table}: columns differ: {sorted(set(cols_a) ^ set(cols_b))}")
            differing += 1
        common = ", ".join(f'"{c}"' for c in cols_a if c in cols_b and not c.startswith("_"))
        count = _rows(con, f"SELECT count(*) FROM a.{SCHEMA}.{table}")[0][0]
        gone = _rows(con, f"SELECT count(*) FROM (SELECT {common} FROM a.{SCHEMA}.{table} "
                          f"EXCEPT ALL SELECT {common} FROM b.{SCHEMA}.{table})")[0][0]
        new = _rows(con, f"SELECT count(*) FROM (SELECT {common} FROM b.{SCHEMA}.{table} "
                         f"EXCEPT ALL SELECT {common} FROM a.{SCHEMA}.{table})")[0][0]
        print(f"{table}: {count} rows, {gone} only before, {new} only after")
        differing += bool(gone or new)
    print("identical" if not differing else f"{differing} tables differ")
    return 1 if differing else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(compare(sys.argv[1], sys.argv[2]))
