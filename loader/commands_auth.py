"""`procountor-loader auth login|logout|status`: Sign in with Procountor."""

from __future__ import annotations

import contextlib
import webbrowser

import click

from loader.context import Ctx, handle_errors, pass_ctx
from loader.errors import AuthError, ConfigError


@click.group()
def auth() -> None:
    """Sign in with Procountor (authorization code + refresh token)."""


def _oauth_connection(ctx: Ctx, name: str | None):  # type: ignore[no-untyped-def]
    from loader.connect import pick_connection

    conns = pick_connection(ctx.config, name)
    if len(conns) != 1:
        raise ConfigError("several connections are configured: choose one with --connection")
    conn = conns[0]
    if not conn.client_id or not conn.client_secret:
        raise ConfigError("Sign in with Procountor needs client_id and client_secret "
                          "(PROCOUNTOR_CLIENT_ID / PROCOUNTOR_CLIENT_SECRET or the config file)")
    return conn


@auth.command()
@click.option("--connection")
@click.option("--no-browser", is_flag=True, help="Only print the sign-in URL.")
@click.option("--timeout", default=300, show_default=True, help="Seconds to wait for the redirect.")
@pass_ctx
@handle_errors
def login(ctx: Ctx, connection: str | None, no_browser: bool, timeout: int) -> None:
    """Open Procountor's sign-in page and store the refresh token it gives."""
    from loader.client.auth import exchange_code
    from loader.client.http import check_base_url
    from loader.connect import token_store
    from loader.oauth_login import authorize_url, new_state, wait_for_redirect

    conn = _oauth_connection(ctx, connection)
    base = check_base_url(conn.base_url)
    state = new_state()
    url = authorize_url(base, conn.client_id, conn.redirect_uri, state)

    def show() -> None:
        click.echo("Open this address in a browser and sign in to Procountor:", err=True)
        click.echo(url)
        if not no_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(url)

    redirect = wait_for_redirect(conn.redirect_uri, timeout, on_listening=show)
    if redirect.error:
        raise AuthError(f"Procountor answered the sign-in with error {redirect.error!r}")
    if redirect.state != state:
        raise AuthError("the redirect's state does not match this sign-in (possible CSRF); try again")
    if not redirect.code:
        raise AuthError("the redirect carried no authorization code")
    body = exchange_code(f"{base}/oauth/token", conn.client_id, conn.client_secret, redirect.code,
                         conn.redirect_uri)
    refresh = body.get("refresh_token")
    if not refresh:
        raise AuthError("the token endpoint gave no refresh token for the authorization code")
    store = token_store(conn)
    store.save(refresh)
    where = getattr(store, "path", "the OS keyring")
    click.echo(f"signed in; refresh token stored in {where} (connection {conn.name}, auth: oauth)")


@auth.command()
@click.option("--connection")
@pass_ctx
@handle_errors
def logout(ctx: Ctx, connection: str | None) -> None:
    """Delete the stored refresh token."""
    from loader.connect import token_store

    conn = _oauth_connection(ctx, connection)
    token_store(conn).delete()
    click.echo(f"refresh token of connection {conn.name} deleted")
