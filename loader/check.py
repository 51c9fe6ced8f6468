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
from loader.paging import records_of
from loader.streams.registry import REGISTRY, StreamSpec, get_stream

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


def _request(client: ApiClient, spec: StreamSpec, today: date, parent_id: str | None,
             currency: str) -> tuple[str, Any]:
    """Make the stream's probe request; returns the endpoint asked (for the table) and the answer."""
    if spec.kind == "reports" and spec.calendar and spec.date_params:
        client.get(get_stream(spec.calendar.stream).path)
        month = today.replace(day=1)
        params = dict(spec.reports[0].params) if spec.reports else {}
        start, end = spec.date_params
        client.post(spec.path, {**params, start: month.isoformat(), end: today.isoformat()})
        return f"POST {spec.path}", None
    if spec.kind == "currency_days" and spec.lookup:
        look = spec.lookup
        params: dict[str, Any] = {**look.params, look.base_param: currency,
                                  look.currency_param: "USD" if currency != "USD" else "EUR",
                                  look.day_param: today.isoformat()}
        return f"GET {spec.path}", client.get(spec.path, params, allow_404=True)
    params = dict(spec.variants[0]) if spec.variants else {}
    path = spec.path
    if spec.kind == "fanout" and spec.fanout_param:
        # A real parent when the parent's probe found one; else an id no record has (an empty answer).
        if spec.per_parent:
            path = spec.parent_path(parent_id or "0")
        else:
            params[spec.fanout_param] = parent_id or "0"
    if spec.date_params:
        params[spec.date_params[0]] = (today - timedelta(days=30)).isoformat()
        params[spec.date_params[1]] = today.isoformat()
    if spec.paging != "none" and spec.kind != "object":
        params["size"] = 1
    return f"GET {spec.path}", client.get(path, params or None, allow_404=spec.per_parent)


def probe_streams(client: ApiClient, selection: Iterable[StreamSelection], today: date,
                  currency: str = "EUR") -> list[Probe]:
    return probe_specs(client, [sel.spec for sel in selection], today, currency)


def probe_specs(client: ApiClient, specs: Iterable[StreamSpec], today: date, currency: str = "EUR") -> list[Probe]:
    """One probe per stream (also used by `init`, before there is a config). `currency` is the
    company's own (the base of exchange rates)."""
    order = [spec.name for spec in REGISTRY]
    probes: dict[str, Probe] = {}
    first_ids: dict[str, str] = {}
    for spec in sorted(specs, key=lambda spec: order.index(spec.name)):  # parents first
        endpoint = f"{'POST' if spec.kind == 'reports' else 'GET'} {spec.path}"
        parent = probes.get(spec.parent or "")
        if parent is not None and parent.outcome == NO_RIGHTS:
            probes[spec.name] = Probe(spec.name, endpoint, NO_RIGHTS,
                                      f"needs its parent stream {parent.stream}: {parent.advice}")
            continue
        try:
            endpoint, answer = _request(client, spec, today, first_ids.get(spec.parent or ""), currency)
            probes[spec.name] = Probe(spec.name, endpoint, READABLE)
            records = records_of(spec, answer) if spec.kind == "list" else []
            if records and records[0].get(spec.primary_key) is not None:
                first_ids[spec.name] = str(records[0][spec.primary_key])
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
