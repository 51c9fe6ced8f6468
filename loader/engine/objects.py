"""Kind "object": one object per company. The identity stream's object was read at the start of
the run (it named the company) and is landed as read then."""

from __future__ import annotations

from loader.engine.context import RunContext, StreamJob


def read_object(rc: RunContext, job: StreamJob) -> list[str]:
    spec = job.spec
    body = rc.company if spec.identity is not None else rc.client.get(spec.path)
    if isinstance(body, dict):
        job.writer.write(body, None if spec.primary_key else "current")
    return []
