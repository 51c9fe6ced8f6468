"""`procountor-loader init`: a first procountor.yml from a few questions (or flags, for scripts)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from loader import secrets
from loader.client.http import check_base_url
from loader.context import Ctx, handle_errors, pass_ctx
from loader.errors import ConfigError
from loader.init_wizard import (
    PINS,
    READABLE,
    InitAnswers,
    StreamAccess,
    base_url,
    render_config,
    secret_vars,
    slug,
    stream_access,
    unified_diff,
)
from loader.streams.registry import REGISTRY


def _ask(value: str | None, yes: bool, text: str, default: str, **kw: object) -> str:
    """A flag's value, else the default with --yes, else a prompt."""
    if value is not None:
        return value
    if yes:
        return default
    return str(click.prompt(text, default=default, **kw))


def _secret(var: str, label: str, yes: bool) -> str:
    """The secret from its variable; asked for (hidden, used for this sign-in only) when unset."""
    value = os.environ.get(var)
    if value is None and not yes:
        value = click.prompt(f"{var} is not set: paste the {label} to sign in now (it is not saved)",
                             default="", hide_input=True, show_default=False) or None
    secrets.register(value)
    return value or ""


def _sign_in_and_probe(answers: InitAnswers, yes: bool) -> list[StreamAccess] | None:
    """Signs in with the answers; None when it cannot (OAuth without a stored token)."""
    from loader.config import Config, ConnectionConfig, DestinationConfig, ExtractConfig
    from loader.connect import api_client, token_store

    names = secret_vars(answers.env_prefix, answers.auth)
    values = {key: _secret(var, key.replace("_", " "), yes) for key, var in names.items()}
    conn = ConnectionConfig(name=answers.connection_name or "init", base_url=answers.base_url, auth=answers.auth,
                            client_id=values["client_id"], client_secret=values["client_secret"],
                            api_key=values.get("api_key"), token_store=answers.token_store)
    if answers.auth == "oauth" and token_store(conn).load() is None:
        click.echo("Sign in with Procountor has no stored refresh token yet: the streams are not probed. "
                   "After writing, run `procountor-loader auth login`, then `procountor-loader check`.", err=True)
        return None
    if not all(values.values()):
        missing = [names[k] for k, v in values.items() if not v]
        raise ConfigError(f"cannot sign in: {', '.join(missing)} not set (or pass --no-sign-in to write "
                          "the file without checking)")
    cfg = Config([conn], DestinationConfig(), ExtractConfig(), {})
    client = api_client(cfg, conn)
    company = client.get("/company")
    answers.company = f"{company.get('name')} ({company.get('id')})"
    click.echo(f"signed in to company {answers.company} at {answers.base_url}", err=True)
    if not answers.connection_name:
        answers.connection_name = slug(str(company.get("name") or "company"))
    return stream_access(client)


def _choose_streams(access: list[StreamAccess] | None, flag: str | None, yes: bool) -> list[str]:
    known = {s.name: s for s in REGISTRY}
    if access is None:
        offered = [s.name for s in REGISTRY if s.default_selected]
    else:
        click.echo(f"\n{'stream':<26}{'access':<15}replication", err=True)
        for a in access:
            click.echo(f"  {a.stream:<24}{a.status:<15}{known[a.stream].replication}", err=True)
        offered = [a.stream for a in access if a.status == READABLE and known[a.stream].default_selected]
    default = ",".join(offered)
    text = _ask(flag, yes, "Streams to sync (comma-separated)", default) if default or flag else ""
    if text.strip() in ("all", "readable"):
        text = default
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ConfigError(f"unknown stream(s) {unknown}; known: {', '.join(known)}")
    if access is not None:
        unreadable = [a.stream for a in access if a.stream in chosen and a.status != READABLE]
        if unreadable:
            click.echo(f"warning: {unreadable} are not readable by this API user; they stay in the file "
                       "and `check` will name them until the rights are granted", err=True)
    return [s.name for s in REGISTRY if s.name in chosen]


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="File to write (default: --config, else ./procountor.yml).")
@click.option("--environment", type=click.Choice(["production", "test"]), help="Procountor or its test server (PTS).")
@click.option("--api-version", "pin", help=f"Version pin: vYYMM (e.g. v2502), {', '.join(PINS)}.")
@click.option("--base-url", "base_url_flag",
              help="Another Procountor-compatible server (overrides --environment/--api-version).")
@click.option("--auth", type=click.Choice(["api_key", "oauth"]),
              help="api_key: API key of a technical API user; oauth: Sign in with Procountor.")
@click.option("--env-prefix", help="Secrets come from PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET, PREFIX_API_KEY.")
@click.option("--token-store", type=click.Choice(["file", "keyring"]), help="oauth: where the refresh token lives.")
@click.option("--name", "connection_name", help="Connection name (default: from the company's name).")
@click.option("--destination", type=click.Choice(["duckdb", "bigquery"]))
@click.option("--duckdb-path", help="DuckDB file of the warehouse.")
@click.option("--bigquery-project", help="BigQuery: the GCP project.")
@click.option("--streams", "streams_flag", help="Comma-separated streams, or 'readable' for every readable one.")
@click.option("--no-sign-in", is_flag=True, help="Write the file without signing in (no rights check).")
@click.option("--yes", "-y", is_flag=True, help="No questions: flags, else defaults; overwrite after the diff.")
@pass_ctx
@handle_errors
def init(ctx: Ctx, output: str | None, environment: str | None, pin: str | None, base_url_flag: str | None,
         auth: str | None, env_prefix: str | None, token_store: str | None, connection_name: str | None,
         destination: str | None, duckdb_path: str | None, bigquery_project: str | None,
         streams_flag: str | None, no_sign_in: bool, yes: bool) -> None:
    """Write a commented procountor.yml: environment, sign-in, secrets, the readable streams."""
    path = Path(output or ctx.config_path or "procountor.yml")
    if base_url_flag:
        url, env = check_base_url(base_url_flag), "custom"
        chosen_pin = "unpinned"
    else:
        env = _ask(environment, yes, "Environment (production or test = Procountor's test server)", "production",
                   type=click.Choice(["production", "test"]))
        chosen_pin = _ask(pin, yes, "API version pin (vYYMM, supported, latest, unpinned)", "supported")
        try:
            url = base_url(env, chosen_pin)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    way = _ask(auth, yes, "Sign-in (api_key = API key of a technical API user, oauth = Sign in with Procountor)",
               "api_key", type=click.Choice(["api_key", "oauth"]))
    prefix = _ask(env_prefix, yes, "Secrets come from environment variables named PREFIX_CLIENT_ID, …; PREFIX",
                  "PROCOUNTOR").strip().upper()
    store = _ask(token_store, yes or way != "oauth", "Refresh token store (file or keyring)", "file",
                 type=click.Choice(["file", "keyring"]))
    answers = InitAnswers(connection_name=connection_name or "", base_url=url, environment=env, pin=chosen_pin,
                          auth=way, env_prefix=prefix, token_store=store)
    access = None if no_sign_in else _sign_in_and_probe(answers, yes)
    if not answers.connection_name:
        answers.connection_name = _ask(None, yes, "Connection name", "company")
    answers.access = {a.stream: a for a in access or []}
    answers.streams = _choose_streams(access, streams_flag, yes)
    answers.destination = _ask(destination, yes, "Warehouse (duckdb or bigquery)", "duckdb",
                               type=click.Choice(["duckdb", "bigquery"]))
    if answers.destination == "duckdb":
        answers.duckdb_path = _ask(duckdb_path or ctx.duckdb_path, yes, "DuckDB file", "warehouse.duckdb")
    else:
        answers.bigquery_project = _ask(bigquery_project, yes, "GCP project", "")
        if not answers.bigquery_project:
            raise ConfigError("BigQuery needs a project: pass --bigquery-project")
    text = render_config(answers)
    _write(path, text, yes)


def _write(path: Path, text: str, yes: bool) -> None:
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if old == text:
            click.echo(f"{path} is already up to date", err=True)
            return
        click.echo(unified_diff(old, text, str(path)), nl=False)
        if not yes and not click.confirm(f"Write these changes to {path}?", default=False):
            click.echo(f"{path} left unchanged", err=True)
            return
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}. Next: `procountor-loader check`, then `procountor-loader extract`; "
               "scheduling: docs/scheduling.md", err=True)
