"""`check`: one cheap request per selected stream, and what to do about each that cannot be read.

The probe is the kind of request the stream's engine makes first (a listing of one record, the
single object, one report), so a stream marked readable here is one whose extract gets past its
first request. Outcomes: readable · no rights (HTTP 403: the API user lacks the right) · not
available (404 or another refusal: this server does not offer it) · failing (the API kept failing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import click

from loader.client.http import ApiClient
from loader.config import StreamSelection
from loader.errors import ApiError, LoaderError, MissingRightsError
from loader.streams.registry import REGISTRY, StreamSpec

READABLE = "readable"
NO_RIGHTS = "no rights (403)"
NOT_AVAILABLE = "not available"
FAILING = "failing"


@dataclass
class Probe:
    stream: str
    endpoint: str
    outcome: str
    advice: str = ""


def _request(client: ApiClient, spec: StreamSpec, today: date) -> tuple[str, Any]:
    """Make the stream's probe request; returns the endpoint asked (for the table)."""
    if spec.kind == "reports":
        client.get("/fiscalyears")
        month = today.replace(day=1)
        client.post(spec.path, {"type": "INCOME_STATEMENT", "startDate": month.isoformat(),
                                "endDate": today.isoformat()})
        return f"POST {spec.path}", None
    if spec.kind == "exchange_rates":
        params: dict[str, Any] = {"baseCurrency": "EUR", "currency": "USD", "day": today.isoformat(),
                                  "rateType": "PROCOUNTOR_ACCOUNTING_EXCHANGE_RATE"}
        return f"GET {spec.path}", client.get(spec.path, params, allow_404=True)
    params = dict(spec.variants[0]) if spec.variants else {}
    if spec.kind == "fanout" and spec.fanout_param:
        params[spec.fanout_param] = "0"  # no such parent: an empty answer proves the right
    if spec.date_params:
        params[spec.date_params[0]] = (today - timedelta(days=30)).isoformat()
        params[spec.date_params[1]] = today.isoformat()
    if spec.paging != "none" and spec.kind != "object":
        params["size"] = 1
    return f"GET {spec.path}", client.get(spec.path, params or None)


def probe_streams(client: ApiClient, selection: Iterable[StreamSelection], today: date) -> list[Probe]:
    return probe_specs(client, [sel.spec for sel in selection], today)


def probe_specs(client: ApiClient, specs: Iterable[StreamSpec], today: date) -> list[Probe]:
    """One probe per stream (also used by `init`, before there is a config)."""
    order = [spec.name for spec in REGISTRY]
    probes: dict[str, Probe] = {}
    for spec in sorted(specs, key=lambda spec: order.index(spec.name)):  # parents first
        endpoint = f"{'POST' if spec.kind == 'reports' else 'GET'} {spec.path}"
        parent = probes.get(spec.parent or "")
        if parent is not None and parent.outcome == NO_RIGHTS:
            probes[spec.name] = Probe(spec.name, endpoint, NO_RIGHTS,
                                      f"needs its parent stream {parent.stream}: {parent.advice}")
            continue
        try:
            endpoint, _ = _request(client, spec, today)
            probes[spec.name] = Probe(spec.name, endpoint, READABLE)
        except MissingRightsError as exc:
            where = f"{exc.method} {exc.path}" if exc.path else endpoint
            probes[spec.name] = Probe(
                spec.name, where, NO_RIGHTS,
                f"ask the company's Procountor admin to give the API user the right to read {where.split()[-1]}, "
                f"or remove {spec.name} from the config's streams (or set extract.on_missing_rights: skip)")
        except ApiError as exc:
            text = str(exc)
            if "failed with HTTP" in text:
                probes[spec.name] = Probe(
                    spec.name, endpoint, NOT_AVAILABLE,
                    f"this server does not offer it ({_short(text)}): remove {spec.name} from the config's streams")
            else:
                probes[spec.name] = Probe(spec.name, endpoint, FAILING,
                                          f"the API kept failing ({_short(text)}): try again later")
        except LoaderError as exc:
            probes[spec.name] = Probe(spec.name, endpoint, FAILING, _short(str(exc)))
    return list(probes.values())


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(probes: list[Probe]) -> list[str]:
    width = max([len(p.stream) for p in probes] + [6])
    ep_width = max([len(p.endpoint) for p in probes] + [8])
    lines = [f"  {'stream':<{width}}  {'endpoint':<{ep_width}}  {'status':<15}  what to do"]
    for p in probes:
        lines.append(f"  {p.stream:<{width}}  {p.endpoint:<{ep_width}}  {p.outcome:<15}  {p.advice or '-'}")
    return lines


def report_unreadable(unreadable: list[str], policy: str) -> None:
    """One stderr line naming every stream not read for missing rights; exit 9 unless skipped."""
    if not unreadable:
        return
    text = (f"{len(unreadable)} stream(s) not read for missing rights: {'; '.join(unreadable)}. Every other "
            "stream landed. Ask the company's Procountor admin to give the API user these rights, or remove "
            "the streams from the config")
    if policy == "skip":
        click.echo(f"warning (rights): {text} (skipped: extract.on_missing_rights is skip)", err=True)
        return
    raise MissingRightsError(f"partial run: {text}, or set extract.on_missing_rights: skip")
