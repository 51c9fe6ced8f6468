"""Fixtures shared by the loader and end-to-end suites: a real sandbox server and CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent

# dbt writes manifest, partial-parse cache and logs under the project by default; parallel workers
# (pytest-xdist) would overwrite each other's, so each worker keeps its own. Subprocesses inherit it.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("DBT_TARGET_PATH", str(REPO / "target" / f"pytest-{_WORKER}"))
os.environ.setdefault("DBT_LOG_PATH", str(REPO / "logs" / f"pytest-{_WORKER}"))

# Suites built around one expensive session fixture run on one worker each (make test uses
# --dist loadgroup), so the fixture is built once, not once per worker.
_SESSION_GROUPS = {"user": "user-warehouse", "bigquery": "bigquery-emulators"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO).parts
        if len(parts) > 1 and parts[0] == "tests" and parts[1] in _SESSION_GROUPS:
            item.add_marker(pytest.mark.xdist_group(_SESSION_GROUPS[parts[1]]))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own Procountor settings or writes into the checkout."""
    for key in list(os.environ):
        if key.startswith("PROCOUNTOR_") or key == "DBT_PROFILES_DIR":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)


def sandbox_env(sb, company_index: int = 0) -> dict[str, str]:  # type: ignore[no-untyped-def]
    creds = sb.credentials(company_index)
    return {
        "PROCOUNTOR_BASE_URL": sb.base_url,
        "PROCOUNTOR_CLIENT_ID": creds["client_id"],
        "PROCOUNTOR_CLIENT_SECRET": creds["client_secret"],
        "PROCOUNTOR_API_KEY": creds["api_key"],
    }


@pytest.fixture
def cli() -> Iterator[callable]:  # type: ignore[valid-type]
    """Invoke `procountor-loader` in-process; returns the click Result."""
    from loader.cli import main

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    yield invoke
