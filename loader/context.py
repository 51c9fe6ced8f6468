"""What every `procountor-loader` command shares: the context object (config, DuckDB override,
verbosity), the error handler that turns loader errors into one line and a documented exit code, and
the group that accepts the global options before or after the subcommand.

Commands import this module, never `loader.cli`; `cli.py` only assembles the commands.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from loader import secrets
from loader.config import Config, load_config
from loader.errors import LoaderError

log = logging.getLogger("loader")


def setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(secrets.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn loader errors into one clear line on stderr and a documented exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LoaderError as exc:
            click.echo(f"error ({exc.kind}): {secrets.redact(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; streams committed before the interruption stay committed, "
                       "the others are as they were", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:
            click.echo(f"unexpected error: {type(exc).__name__}: {secrets.redact(str(exc))}", err=True)
            if logging.getLogger().level <= logging.DEBUG:
                raise
            sys.exit(1)

    return wrapper


class Ctx:
    def __init__(self, config_path: str | None, duckdb_path: str | None, verbose: int) -> None:
        self.config_path = config_path
        self.duckdb_path = duckdb_path
        self.verbose = verbose
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = load_config(self.config_path)
            if self.duckdb_path:
                cfg.destination.type = "duckdb"
                cfg.destination.path = self.duckdb_path
            self._config = cfg
        return self._config


pass_ctx = click.make_pass_decorator(Ctx)


def _lifted_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        obj = ctx.find_object(Ctx)
        if obj is not None:
            obj.config_path, obj._config = value, None


def _lifted_duckdb(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        obj = ctx.find_object(Ctx)
        if obj is not None:
            obj.duckdb_path, obj._config = value, None


def _lifted_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    obj = ctx.find_object(Ctx)
    if value and obj is not None:
        obj.verbose += value
        setup_logging(obj.verbose)


def _shared_options() -> list[click.Option]:
    """The group's options again, for after the subcommand: people type `runs --duckdb x.duckdb`."""
    return [
        click.Option(["--config"], type=click.Path(dir_okay=False), expose_value=False,
                     callback=_lifted_config, help="Config file (same as before the subcommand)."),
        click.Option(["--duckdb"], type=click.Path(dir_okay=False), expose_value=False,
                     callback=_lifted_duckdb, help="DuckDB file (same as before the subcommand)."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_lifted_verbose,
                     help="More log output (same as before the subcommand)."),
    ]


def attach_shared_options(cmd: click.Command) -> None:
    """Give `cmd` (and its subcommands) the group's options, unless it declares the same flag itself
    (then its own option wins: catalog/report/docs/mcp/demo read `--duckdb`, sync reads `--config`)."""
    if getattr(cmd, "_shared_options_attached", False):
        return
    taken = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    for option in _shared_options():
        if not taken.intersection(option.opts):
            cmd.params.append(option)
    cmd._shared_options_attached = True  # type: ignore[attr-defined]
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            attach_shared_options(sub)


class LoaderGroup(click.Group):
    """Accepts --config, --duckdb and -v before or after the subcommand."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None:
            attach_shared_options(cmd)
        return cmd


def echo(msg: str) -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)  # clear a progress line
    click.echo(secrets.redact(msg), err=True)


def progress(stream: str, records: int) -> None:
    """A live counter on a terminal; nothing in logs and pipes (they get one line per stream)."""
    click.echo(f"\r\033[K  {stream:<24} {records:>10,} records …", nl=False, err=True)


def progress_callback() -> Callable[[str, int], None] | None:
    return progress if sys.stderr.isatty() else None
