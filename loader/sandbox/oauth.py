"""``POST /api/oauth/token`` and ``GET /api/login`` ("Sign in with Procountor")."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

if TYPE_CHECKING:
    from .app import SandboxApp

# Answer when the company has "Allow the usage of invoiceable API clients" switched off.
INVOICEABLE_API_DISABLED = {
    "error": "unauthorized_client",
    "error_description": "The company does not allow the usage of invoiceable API clients "
                         "(Management > Company info > Usage settings > Integration settings).",
}


class OAuthFailure(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {"error": error, "error_description": description}


def token_endpoint(app: SandboxApp, form_body: bytes) -> dict[str, Any]:
    form = dict(parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True))
    grant = form.get("grant_type")
    if grant not in ("client_credentials", "authorization_code", "refresh_token"):
        raise OAuthFailure(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
    required = {"client_credentials": ("client_id", "client_secret", "api_key"),
                "authorization_code": ("code", "client_id", "client_secret", "redirect_uri"),
                "refresh_token": ("refresh_token", "client_id", "client_secret")}[grant]
    missing = [name for name in required if not form.get(name)]
    if missing:
        raise OAuthFailure(400, "invalid_request", f"missing parameter(s): {', '.join(missing)}")
    cfg = app.config
    if form["client_id"] != cfg.client_id or form["client_secret"] != cfg.client_secret:
        raise OAuthFailure(401, "invalid_client", "Client authentication failed")
    tokens = app.tokens
    if grant == "client_credentials":
        index = app.company_by_api_key(form["api_key"])
        if index is None:
            raise OAuthFailure(401, "invalid_grant", "Invalid API key")
        _require_invoiceable(app, index)
        return _token_body(app, tokens.issue_access(index, form["client_id"]), None)
    if grant == "authorization_code":
        code_grant = tokens.redeem_code(form["code"], form["client_id"], form["redirect_uri"])
        if code_grant is None:
            raise OAuthFailure(400, "invalid_grant", "Invalid, expired or already used authorization code")
        _require_invoiceable(app, code_grant.company_index)
        return _token_body(app, tokens.issue_access(code_grant.company_index, form["client_id"]),
                           tokens.issue_refresh(code_grant.company_index, form["client_id"]))
    refresh_grant = tokens.rotate_refresh(form["refresh_token"], form["client_id"])
    if refresh_grant is None:
        raise OAuthFailure(400, "invalid_grant", "Invalid or revoked refresh token")
    _require_invoiceable(app, refresh_grant.company_index)
    return _token_body(app, tokens.issue_access(refresh_grant.company_index, form["client_id"]),
                       tokens.issue_refresh(refresh_grant.company_index, form["client_id"]))


def _require_invoiceable(app: SandboxApp, index: int) -> None:
    if not app.companies[index].invoiceable_api_enabled:
        raise OAuthFailure(403, INVOICEABLE_API_DISABLED["error"], INVOICEABLE_API_DISABLED["error_description"])


def _token_body(app: SandboxApp, access: str, refresh: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": app.tokens.lifetime}
    if refresh is not None:
        body["refresh_token"] = refresh
    return body


def _check_login_request(app: SandboxApp, params: dict[str, str]) -> None:
    if params.get("response_type") != "code":
        raise OAuthFailure(400, "unsupported_response_type", "response_type must be code")
    if params.get("client_id") != app.config.client_id:
        raise OAuthFailure(400, "invalid_client", "Unknown client_id")
    uri = params.get("redirect_uri") or ""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise OAuthFailure(400, "invalid_request", "redirect_uri must be a clean http(s) URL without a query")
    if app.config.redirect_uri and uri != app.config.redirect_uri:
        raise OAuthFailure(400, "invalid_request", "redirect_uri does not match the registered one")


def login_redirect(app: SandboxApp, params: dict[str, str]) -> str:
    """Issue a code and return the Location for the 302 back to the client."""
    _check_login_request(app, params)
    company = params.get("company", "0")
    index = app.company_index_of(company)
    if index is None:
        raise OAuthFailure(400, "invalid_request", f"unknown company {company!r}")
    code = app.tokens.issue_code(index, params["client_id"], params["redirect_uri"])
    query = {"code": code}
    if params.get("state") is not None:
        query["state"] = params["state"]
    return f"{params['redirect_uri']}?{urlencode(query)}"


def login_page(app: SandboxApp, params: dict[str, str]) -> str:
    _check_login_request(app, params)
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in params.items() if k in ("response_type", "client_id", "redirect_uri", "state"))
    options = "".join(f'<option value="{c.id}">{html.escape(c.regs.company["name"])} ({c.id})</option>'
                      for c in app.companies)
    return (
        "<!doctype html><html lang=\"fi\"><head><meta charset=\"utf-8\"><title>Procountor - kirjaudu</title></head>"
        "<body><h1>Kirjaudu Procountoriin (sandbox)</h1>"
        "<form method=\"post\" action=\"login\">"
        f"{hidden}"
        "<label>Käyttäjätunnus <input name=\"username\" value=\"sandbox-user\"></label><br>"
        "<label>Salasana <input name=\"password\" type=\"password\" value=\"sandbox-password\"></label><br>"
        f"<label>Ympäristö <select name=\"company\">{options}</select></label><br>"
        "<button type=\"submit\">Kirjaudu</button></form></body></html>"
    )


def login_submit(app: SandboxApp, form_body: bytes) -> str:
    form = dict(parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True))
    if not form.get("username") or not form.get("password"):
        raise OAuthFailure(401, "access_denied", "username and password are required")
    return login_redirect(app, form)
