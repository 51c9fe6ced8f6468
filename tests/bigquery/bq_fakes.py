"""A thin wrapper around a real (emulator) client that behaves like BigQuery where bqemulator does not.

bqemulator ignores the job id a client asks for on upload-based load jobs and never answers 409 for
a duplicate id, so the destination's re-attach logic cannot be exercised against it directly. This
wrapper keeps BigQuery's rules for load jobs: a requested id maps to the job it created, `get_job`
finds it, and a second insert with the same id raises Conflict. Everything else is passed through.
"""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery


class JobIdClient:
    def __init__(self, client: bigquery.Client) -> None:
        self._client = client
        self.jobs: dict[str, Any] = {}
        self.load_requests: list[str] = []  # every load_table_from_file call, by requested id
        self.real_loads = 0  # loads that reached the emulator
        self.hidden_once: set[str] = set()  # ids get_job reports missing once (eventual consistency)
        self.lose_response_once: set[str] = set()  # ids whose insert "times out" after creating
        self.query_configs: list[bigquery.QueryJobConfig] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def load_table_from_file(self, file_obj: Any, destination: Any, *, job_id: str, **kwargs: Any) -> Any:
        self.load_requests.append(job_id)
        if job_id in self.jobs:
            raise gexc.Conflict(f"Already Exists: Job local-project:EU.{job_id}")
        job = self._client.load_table_from_file(file_obj, destination, job_id=job_id, **kwargs)
        self.real_loads += 1
        job.result()
        self.jobs[job_id] = job
        if job_id in self.lose_response_once:
            self.lose_response_once.discard(job_id)
            raise gexc.ServiceUnavailable("simulated: connection lost after the job was created")
        return job

    def get_job(self, job_id: str, **kwargs: Any) -> Any:
        if job_id in self.hidden_once:
            self.hidden_once.discard(job_id)
            raise gexc.NotFound(f"Not found: Job local-project:{job_id}")
        if job_id in self.jobs:
            return self.jobs[job_id]
        raise gexc.NotFound(f"Not found: Job local-project:{job_id}")

    def query(self, sql: str, job_config: bigquery.QueryJobConfig | None = None, **kwargs: Any) -> Any:
        if job_config is not None:
            self.query_configs.append(job_config)
        return self._client.query(sql, job_config=job_config, **kwargs)
