"""Errors the CLI turns into documented exit codes (see README, "Exit codes")."""

from __future__ import annotations


class LoaderError(Exception):
    exit_code = 1
    kind = "error"


class ConfigError(LoaderError):
    """The config or selection file, a flag or an environment variable is wrong."""

    exit_code = 2
    kind = "config"


class AuthError(LoaderError):
    """Sign-in failed (the token endpoint refused, or a token was refused even after renewal)."""

    exit_code = 3
    kind = "auth"


class ApiError(LoaderError):
    """The API kept failing (after retries) or answered something we cannot read."""

    exit_code = 4
    kind = "api"


class DestinationError(LoaderError):
    exit_code = 5
    kind = "destination"


class SpoolError(LoaderError):
    """The local spool directory cannot be written (disk full, no permission)."""

    exit_code = 5
    kind = "spool"


class SchemaDriftError(LoaderError):
    """New fields appeared and `--fail-on-drift` was given."""

    exit_code = 6
    kind = "schema-drift"


class LeaseError(LoaderError):
    """Another run of the same connection is in progress."""

    exit_code = 7
    kind = "lease"


class DbtError(LoaderError):
    exit_code = 8
    kind = "dbt"


class InterruptedRun(LoaderError):
    """Ctrl-C (exit 130) or SIGTERM (exit 143) stopped a run; streams committed before it stay."""

    kind = "interrupted"

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class MissingRightsError(LoaderError):
    """Signed in, but the API user may not read an endpoint (HTTP 403).

    `extract` lands every other stream and exits with this code (a partial run), unless
    `extract.on_missing_rights: skip`."""

    exit_code = 9
    kind = "rights"

    def __init__(self, message: str, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path
