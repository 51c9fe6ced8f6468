"""--config, --duckdb and -v work before or after the subcommand (issue 12).

Correctness against the CLI's documented behaviour: the file the option names is the one used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.cli import main


@pytest.mark.parametrize("argv", [
    ["--duckdb", "{db}", "runs"],
    ["runs", "--duckdb", "{db}"],
    ["state", "show", "--duckdb", "{db}"],
    ["state", "--duckdb", "{db}", "show"],
])
def test_duckdb_anywhere(cli, tmp_path: Path, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "placed.duckdb"
    result = cli(*[a.format(db=db) for a in argv])
    assert result.exit_code == 0, result.output
    assert db.exists(), "the warehouse named by --duckdb was not the one opened"
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.mark.parametrize("before", [True, False])
def test_config_anywhere(cli, tmp_path: Path, before: bool) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "mine.yml").write_text("destination: {type: duckdb, path: from-config.duckdb}\n")
    argv = ["--config", "mine.yml", "runs"] if before else ["runs", "--config", "mine.yml"]
    result = cli(*argv)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-config.duckdb").exists()


def test_missing_config_after_subcommand_is_a_config_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("runs", "--config", "nowhere.yml")
    assert result.exit_code == 2
    assert "nowhere.yml" in result.output


def test_duckdb_after_overrides_the_config(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "procountor.yml").write_text("destination: {type: duckdb, path: from-config.duckdb}\n")
    result = cli("runs", "--duckdb", "flag.duckdb")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flag.duckdb").exists() and not (tmp_path / "from-config.duckdb").exists()


def test_verbose_after_subcommand_turns_on_logging(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import logging

    result = cli("runs", "--duckdb", str(tmp_path / "v.duckdb"), "-vv")
    assert result.exit_code == 0, result.output
    assert logging.getLogger().level == logging.DEBUG


def test_own_option_still_wins(cli) -> None:  # type: ignore[no-untyped-def]
    """catalog declares its own --duckdb: the shared one is not added twice."""
    result = cli("catalog", "--duckdb", "absent.duckdb")
    assert result.exit_code == 2 and "absent.duckdb" in result.output
    params = [p.opts for p in main.commands["catalog"].params]
    assert sum("--duckdb" in opts for opts in params) == 1
