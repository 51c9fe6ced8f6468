"""Commands beyond the core extract/check/state/runs: discover, reset, forget, drop-connection,
auth, and the sandbox. Kept apart so cli.py stays readable."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from loader.commands_data import discover, drop_connection, forget, reset
    from loader.commands_init import init
    from loader.commands_mapping import report_mapping
    from loader.demo import demo

    for cmd in (init, discover, reset, forget, drop_connection, demo, report_mapping):
        main.add_command(cmd)
    try:
        from loader.commands_auth import auth

        main.add_command(auth)
    except ImportError:  # pragma: no cover
        pass
    try:
        from loader.commands_user import register as register_user_commands

        register_user_commands(main)
    except ImportError:  # not written yet
        pass
    try:
        from loader.sandbox.cli import sandbox

        main.add_command(sandbox)
    except ImportError:  # the sandbox package is optional at import time
        pass
