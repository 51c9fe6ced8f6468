"""Kind "reports": the stream's declared report requests at every month-end of every period of
its calendar up to today (Procountor's own figures, to reconcile the marts with).

A report whose period lies in closed periods cannot change any more (Procountor refuses postings
there), so once landed it is not asked for again -- unless a period it depends on was reopened
since (its `modified` moved). A cumulative report (a balance sheet) depends on every period up to
its end date: reopening March moves April's balance sheet although April itself stays closed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from loader.engine.context import RunContext, StreamJob
from loader.paging import records_of
from loader.streams.registry import Calendar, StreamSpec, get_stream


def read_reports(rc: RunContext, job: StreamJob) -> list[str]:
    spec, state, full = job.spec, job.state, job.full
    cal = spec.calendar
    assert cal is not None and spec.date_params, f"{spec.name}: kind reports needs a calendar and date_params"
    calendar_spec = get_stream(cal.stream)
    years = records_of(calendar_spec, rc.client.get(calendar_spec.path))
    have = set() if (full and state is None) or rc.dry_run else set(rc.dest.live_ids(rc.company_id, spec.name))
    if spec.name in rc.full_refresh:
        have = set()
    # A closed period is settled only as long as nobody reopened it: remember each closed
    # period's `modified` and ask again when it differs.
    settled_before: dict[str, str] = dict((state or {}).get("closed_periods") or {})
    settled_now = _closed_periods(cal, years)
    unsettled = [e for e in _period_ends(cal, years)
                 if not (e in settled_now and settled_before.get(e) == settled_now[e])]
    first_unsettled = min(unsettled, default="9999-12-31")
    requests = _requests(rc, spec, cal, years, have, settled_before, settled_now, first_unsettled)
    job.new_state["closed_periods"] = settled_now
    if rc.dry_run:
        requests = requests[:2]

    def fetch(req: dict[str, str]) -> list[dict[str, Any]]:
        answer = rc.client.post(spec.path, req)
        return [{**req, **(answer if isinstance(answer, dict) else {})}]

    for records in rc.map(fetch, requests):
        for record in records:
            job.writer.write(record)
    return []


def _period_ends(cal: Calendar, years: list[dict[str, Any]]) -> list[str]:
    return [str(p[cal.end_field]) for fy in years for p in fy.get(cal.periods_field) or [] if p.get(cal.end_field)]


def _closed_periods(cal: Calendar, years: list[dict[str, Any]]) -> dict[str, str]:
    """End date → `modified` of every closed period."""
    return {str(p[cal.end_field]): str(p.get(cal.modified_field) or "")
            for fy in years for p in fy.get(cal.periods_field) or []
            if p.get(cal.end_field) and p.get(cal.status_field) == cal.closed_status}


def _requests(rc: RunContext, spec: StreamSpec, cal: Calendar, years: list[dict[str, Any]], have: set[str],
              settled_before: dict[str, str], settled_now: dict[str, str],
              first_unsettled: str) -> list[dict[str, str]]:
    """Every month-end request not landed yet or not settled."""
    start_param, end_param = spec.date_params or ("", "")
    today = rc.signpost.date()
    requests: list[dict[str, str]] = []
    for fy in years:
        start, end = fy.get(cal.start_field), fy.get(cal.end_field)
        if not start or not end or date.fromisoformat(start) > today:
            continue
        fy_start, fy_end = date.fromisoformat(start), date.fromisoformat(end)
        month = fy_start.replace(day=1)
        while month <= min(fy_end, month_end(today)):
            m_start, m_end = max(month, fy_start), min(month_end(month), fy_end)
            end_text = m_end.isoformat()
            own_settled = end_text in settled_now and settled_before.get(end_text) == settled_now[end_text]
            for report in spec.reports:
                r_start = m_start if report.start == "month" else fy_start
                req = {**report.params, start_param: r_start.isoformat(), end_param: end_text}
                settled = end_text < first_unsettled if report.cumulative else own_settled
                if not (settled and report_key(spec, req) in have):
                    requests.append(req)
            month = month_end(month) + timedelta(days=1)
    return requests


def report_key(spec: StreamSpec, request: dict[str, str]) -> str:
    """The landed record id of a report request (the stream's `key_fields` joined by ':')."""
    return ":".join(request[f] for f in spec.key_fields)


def month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)
