"""The JSON control interface under ``/control`` (outside ``/api``, no authentication)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import rights
from .config import FaultRule
from .params import ApiError

if TYPE_CHECKING:
    from .app import SandboxApp

ControlHandler = Callable[["SandboxApp", dict[str, str], dict[str, Any], dict[str, str]], Any]


def _company(app: SandboxApp, params: dict[str, str]) -> Any:
    index = app.company_index_of(params["company"])
    if index is None:
        raise ApiError(404, "unknown company", "company")
    return app.companies[index]


def state(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return {"now": app.clock.now_str(), "httpDate": app.clock.http_date(), "stamp": app.clock.stamp(),
            "versionZone": app.clock.version_zone,
            "companies": [{"index": n, "id": c.id, "name": c.regs.company["name"], "apiKey": c.api_key,
                           "invoiceableApiEnabled": c.invoiceable_api_enabled} for n, c in enumerate(app.companies)],
            "clientId": app.config.client_id, "tokenLifetime": app.tokens.lifetime,
            "operations": app.ops.describe()}


def advance(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return {"now": app.clock.now_str() if not body.get("seconds") else
            app.clock.advance(float(body["seconds"])).isoformat()}


def set_clock(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return {"now": app.clock.set(body["to"]).isoformat()}


def edit_invoice(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).edit_invoice(int(p["id"]), bool(body.get("changeAmounts", True)))


def recreate_receipt(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).recreate_receipt(int(p["id"]))


def invalidate(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).invalidate_invoice(int(p["id"]))


def set_status(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).set_invoice_status(int(p["id"]), str(body["status"]))


def deactivate_partner(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).deactivate_partner(int(p["id"]), bool(body.get("active", False)))


def delete_product(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).delete_product(int(p["id"]))


def add_documents(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).add_documents(int(body.get("count", 1)), str(body.get("kind", "mixed")))


def rename_account(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).rename_account(p["id"], str(body["name"]))


def add_field(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return _company(app, p).add_field(str(body["stream"]), str(body.get("name", "newField")), body.get("value", "x"))


def settings(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    company = _company(app, p)
    if "invoiceableApiEnabled" in body:
        company.invoiceable_api_enabled = bool(body["invoiceableApiEnabled"])
        if not company.invoiceable_api_enabled:
            app.tokens.revoke(company_index=company.index_no)
    return {"invoiceableApiEnabled": company.invoiceable_api_enabled}


def deny_rights(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    company = _company(app, p)
    try:
        company.denied_rights = rights.expand(body.get("deny") or [])
    except ValueError as exc:
        raise ApiError(400, str(exc), "deny") from None
    return {"denied": sorted(company.denied_rights)}


def hold(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    app.ops.hold(str(body["path"]), int(body.get("after", 0)))
    return {"hold": app.ops.hold_glob}


def release(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    held = app.ops.held
    app.ops.release()
    return {"released": held}


def revoke(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    index = body.get("companyIndex")
    return {"revoked": app.tokens.revoke(body.get("token"), int(index) if index is not None else None)}


def expire_tokens(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    app.tokens.expire_all()
    return {"expired": True}


def token_lifetime(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    if "seconds" in body:
        app.tokens.lifetime = int(body["seconds"])
    if "maxUses" in body:
        app.tokens.max_uses = int(body["maxUses"])
    return {"tokenLifetime": app.tokens.lifetime, "tokenMaxUses": app.tokens.max_uses}


def faults(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    rules = None
    if "rules" in body:
        rules = [FaultRule(path=r["path"], fault=str(r["fault"]), nth=int(r.get("nth", 1)),
                           repeat=int(r.get("repeat", 1)), method=r.get("method", "*")) for r in body["rules"]]
    try:
        app.ops.set_faults(rate=body.get("rate"), kinds=body.get("kinds"), rules=rules, seed=body.get("seed"),
                           latency_ms=body.get("latencyMs"), timeout_seconds=body.get("timeoutSeconds"))
    except ValueError as exc:
        raise ApiError(400, str(exc), "kinds") from None
    return app.ops.describe()


def clear_faults(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    app.ops.set_faults(rate=0.0, rules=[], latency_ms=0.0)
    return app.ops.describe()


def get_faults(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return app.ops.describe()


def rate_limit(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    app.ops.set_rate_limit(float(body.get("rate", 0)), body.get("burst"), body.get("retryAfter"))
    return app.ops.describe()


def counters(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    return dict(app.ops.raw_counts if q.get("raw") else app.ops.counts)


def reset_counters(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    app.ops.reset_counts()
    return {"reset": True}


def truth(app: SandboxApp, p: dict[str, str], body: dict[str, Any], q: dict[str, str]) -> Any:
    index = app.company_index_of(p["company"])
    if index is None:
        raise ApiError(404, "unknown company", "company")
    stream = p["stream"]
    if stream == "ledger":
        return app.truth.ledger(index)
    if stream == "pl-by-month":
        return app.truth.pl_by_month(index)
    if stream == "balances-by-month":
        return app.truth.balances_by_month(index)
    try:
        records = app.truth.records(stream, index)
    except KeyError as exc:
        raise ApiError(404, str(exc), "stream") from None
    return {str(k): v for k, v in records.items()}


CONTROL_ROUTES: list[tuple[str, str, ControlHandler]] = [
    ("GET", "/control/state", state),
    ("POST", "/control/clock/advance", advance),
    ("POST", "/control/clock/set", set_clock),
    ("POST", "/control/companies/{company}/invoices/{id}/edit", edit_invoice),
    ("POST", "/control/companies/{company}/invoices/{id}/recreate-receipt", recreate_receipt),
    ("POST", "/control/companies/{company}/invoices/{id}/invalidate", invalidate),
    ("POST", "/control/companies/{company}/invoices/{id}/status", set_status),
    ("POST", "/control/companies/{company}/partners/{id}/deactivate", deactivate_partner),
    ("POST", "/control/companies/{company}/products/{id}/delete", delete_product),
    ("POST", "/control/companies/{company}/documents", add_documents),
    ("POST", "/control/companies/{company}/accounts/{id}/rename", rename_account),
    ("POST", "/control/companies/{company}/fields", add_field),
    ("POST", "/control/companies/{company}/settings", settings),
    ("POST", "/control/companies/{company}/rights", deny_rights),
    ("POST", "/control/tokens/revoke", revoke),
    ("POST", "/control/tokens/expire", expire_tokens),
    ("POST", "/control/tokens/lifetime", token_lifetime),
    ("POST", "/control/hold", hold),
    ("POST", "/control/release", release),
    ("GET", "/control/faults", get_faults),
    ("POST", "/control/faults", faults),
    ("POST", "/control/faults/clear", clear_faults),
    ("POST", "/control/ratelimit", rate_limit),
    ("GET", "/control/counters", counters),
    ("POST", "/control/counters/reset", reset_counters),
    ("GET", "/control/truth/{company}/{stream}", truth),
]
_COMPILED = [(m, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", t) + "$"), h) for m, t, h in CONTROL_ROUTES]


def dispatch(app: SandboxApp, method: str, path: str, raw_body: bytes, query: dict[str, str]) -> Any:
    for route_method, pattern, handler in _COMPILED:
        match = pattern.match(path)
        if match and route_method == method:
            try:
                body = json.loads(raw_body) if raw_body.strip() else {}
            except ValueError:
                raise ApiError(400, "invalid JSON body", None) from None
            try:
                return handler(app, match.groupdict(), body, query)
            except KeyError as exc:
                raise ApiError(404, str(exc).strip("'\""), None) from None
            except (TypeError, ValueError) as exc:
                raise ApiError(400, str(exc), None) from None
    raise ApiError(404, "unknown control endpoint", None)
