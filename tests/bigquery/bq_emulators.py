"""Start and stop the offline BigQuery emulators for tests (scripts/emulators/run.sh does the work).

Helper modules here are named bq_* because tests/ has no packages: pytest puts this folder on
sys.path, so the names must not clash with other suites.."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "scripts" / "emulators" / "install.sh"
RUN = REPO / "scripts" / "emulators" / "run.sh"
EMULATORS_DIR = Path(os.environ.get("EMULATORS_DIR", REPO / ".emulators"))
HEALTH_PATHS = {"bqemulator": "/readyz", "crucible": "/_crucible/health"}
PROJECT = "local-project"


class EmulatorUnavailable(RuntimeError):
    """The emulator could not be installed or started."""


@dataclass
class Emulator:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            # run.sh execs the emulator in its own session, so its pid leads the process group.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install(name: str, timeout: float = 600) -> None:
    proc = subprocess.run(
        [str(INSTALL), name], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise EmulatorUnavailable(f"installing {name} failed:\n{proc.stderr[-3000:]}")


def start(name: str, log_dir: Path, timeout: float = 90) -> Emulator:
    install(name)
    port = free_port()
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [str(RUN), name, str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    emulator = Emulator(name, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    url = emulator.endpoint + HEALTH_PATHS[name]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorUnavailable(
                f"{name} exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return emulator
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    emulator.stop()
    raise EmulatorUnavailable(f"{name} did not become healthy within {timeout:.0f}s (log: {log_path})")


def make_client(endpoint: str, location: str = "EU") -> bigquery.Client:
    """A real google-cloud-bigquery client pointed at an emulator."""
    return bigquery.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),
        location=location,
        client_options={"api_endpoint": endpoint},
    )
