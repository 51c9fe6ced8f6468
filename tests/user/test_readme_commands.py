"""Every `procountor-loader …` line of README.md and docs/*.md parses, and the safe ones run.

Correctness of the documentation against the real CLI: each command line is parsed by click exactly
as the shell would pass it (an unknown option or subcommand fails), and those that only read the API
or the local warehouse are executed against a real sandbox server and must exit 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from loader.cli import main
from loader.sandbox import SandboxConfig, SandboxServer
from tests.conftest import sandbox_env
from tests.user.readme_commands import CommandLine, command_lines

# commands that only read the API or the warehouse: safe to run in a test
EXECUTED = ("init", "check", "extract", "discover", "runs", "state", "catalog")
# the order a user follows: create the config, sign in, load, then look
ORDER = {name: i for i, name in enumerate(EXECUTED)}


def parse(argv: tuple[str, ...]) -> list[str]:
    """Parse like click does before invoking; returns the subcommand path. Raises click.UsageError."""
    ctx = main.make_context("procountor-loader", list(argv))
    path: list[str] = []
    cmd: click.Command = main
    while isinstance(cmd, click.Group):
        rest = [*ctx._protected_args, *ctx.args]
        if not rest:
            break
        name, sub, rest = cmd.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        path.append(name)
        ctx = sub.make_context(name, rest, parent=ctx)
        cmd = sub
    return path


def _subcommand(line: CommandLine) -> str:
    return parse(line.argv)[0]


LINES = command_lines()


def test_the_docs_show_command_lines() -> None:
    """The extractor finds the lines a reader copies (guards against a regex that finds nothing)."""
    found = {_subcommand(line) for line in LINES}
    assert {"init", "check", "extract", "sync", "mcp", "sandbox", "catalog"} <= found, found


@pytest.mark.parametrize("line", LINES, ids=str)
def test_command_line_parses(line: CommandLine) -> None:
    try:
        parse(line.argv)
    except click.UsageError as exc:
        pytest.fail(f"{line} does not parse: {exc.format_message()}")


def test_commands_table_names_real_commands() -> None:
    """The README's command table lists only subcommands that exist."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands and exit codes", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            cell = row.split("|")[1]
            for code in cell.split("`")[1::2]:
                names.add(code.split()[0])
    assert names, "no command table found"
    missing = sorted(n for n in names if n not in main.commands)
    assert not missing, f"README lists commands that do not exist: {missing}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=5, documents=60, rate_limit=0)) as sb:
        yield sb


def test_safe_command_lines_run_against_the_sandbox(sandbox: SandboxServer, tmp_path: Path) -> None:
    """Each documented init/check/extract/discover/runs/state/catalog line exits 0, in a user's order."""
    # `init --auth oauth` is followed by `auth login` in a browser: parsed above, not run here
    # lines with shell variables ($i in a loop) depend on their script: parsed above, not run here
    runnable = sorted((line for line in LINES if _subcommand(line) in EXECUTED and "oauth" not in line.argv
                       and not any("$" in a for a in line.argv)),
                      key=lambda line: ORDER[_subcommand(line)])
    assert {_subcommand(line) for line in runnable} >= {"init", "check", "extract"}
    (tmp_path / "docs").mkdir()
    runner = CliRunner()
    env = sandbox_env(sandbox)
    for line in runnable:
        argv = list(line.argv)
        if argv[0] == "init":  # the documented flags, plus this sandbox's address and no questions
            argv += ["--base-url", sandbox.base_url, "--yes"]
            if "--env-prefix" in argv:  # the user exported the secrets under their prefix
                prefix = argv[argv.index("--env-prefix") + 1]
                env.update({k.replace("PROCOUNTOR_", f"{prefix}_"): v for k, v in sandbox_env(sandbox).items()})
        result = runner.invoke(main, argv, env=env, catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"
