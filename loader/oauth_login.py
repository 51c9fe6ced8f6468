""""Sign in with Procountor": the interactive authorization-code flow.

Opens (or prints) Procountor's sign-in page, listens on the registered localhost redirect URI for
the one redirect that carries the code, checks `state`, and trades the code for tokens.
"""

from __future__ import annotations

import secrets as pysecrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from loader import secrets
from loader.errors import AuthError, ConfigError


@dataclass
class Redirect:
    code: str | None = None
    state: str | None = None
    error: str | None = None


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    """The sign-in page is served from the host root, not under /api (see the contract)."""
    parts = urlsplit(base_url)
    root = base_url[: len(base_url) - len(parts.path)] if parts.path else base_url
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "state": state})
    return f"{root}/login?{query}"


def wait_for_redirect(redirect_uri: str, timeout: float, on_listening: Any = None) -> Redirect:
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1"):
        raise ConfigError(f"redirect_uri {redirect_uri!r} must be http://localhost:PORT/... or "
                          "http://127.0.0.1:PORT/... for `auth login` to receive the code")
    result = Redirect()
    done = threading.Event()
    path = parts.path or "/"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != path:
                self.send_response(404)
                self.end_headers()
                return
            query = parse_qs(url.query)
            result.code = (query.get("code") or [None])[0]
            result.state = (query.get("state") or [None])[0]
            result.error = (query.get("error") or [None])[0]
            secrets.register(result.code)
            body = (b"<html><body><h1>Signed in</h1><p>You can close this window and return to the "
                    b"terminal.</p></body></html>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            done.set()

        def log_message(self, *args: Any) -> None:  # keep the code out of logs
            return

    try:
        server = HTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {parts.hostname}:{parts.port} for the redirect: {exc}") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        if on_listening:
            on_listening()
        if not done.wait(timeout):
            raise AuthError(f"no sign-in redirect arrived within {int(timeout)} s")
    finally:
        server.shutdown()
        server.server_close()
    return result


def new_state() -> str:
    return pysecrets.token_urlsafe(24)
