"""Session-scoped BigQuery emulators and a destination per test (its own dataset).

The emulators are installed on first use (scripts/emulators/install.sh, about a minute). If the
install is impossible (no package registry), the tests are skipped with the reason, except when
`CI` is set: there the harness must run, so it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from bq_emulators import PROJECT, Emulator, EmulatorUnavailable, make_client, start
from google.cloud import bigquery

from loader.destinations.bigquery import BigQueryDestination


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator_gap: documents a BigQuery feature the emulator lacks (strict xfail)"
    )


def _start_or_skip(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    try:
        emulator = start(name, tmp_path_factory.mktemp(f"{name}-log"))
    except EmulatorUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{name} emulator unavailable (install or start failed): {exc}")
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def bqemulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    yield from _start_or_skip("bqemulator", tmp_path_factory)


@pytest.fixture(scope="session")
def crucible(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    yield from _start_or_skip("crucible", tmp_path_factory)


@pytest.fixture
def bq_client(bqemulator: Emulator) -> Iterator[bigquery.Client]:
    client = make_client(bqemulator.endpoint)
    yield client
    client.close()


@pytest.fixture
def dataset_name() -> str:
    return f"raw_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def destination(bqemulator: Emulator, dataset_name: str) -> Iterator[BigQueryDestination]:
    dest = BigQueryDestination(
        PROJECT, dataset_name, location="EU", api_endpoint=bqemulator.endpoint,
        labels={"env": "test"},
    )
    dest.setup()
    yield dest
    dest.close()


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    path = tmp_path / "spool"
    path.mkdir()
    return path
