"""A run stopped during a big listing ends promptly, with its documented exit code and a true message.

The listing is 20 000 invoices read by four listing threads side by side: far more id batches than
the detail pool holds, so listing threads are waiting for room when the stop comes. Before the
bounded hand-off, a full spool disk hung the process here for good. The bound asserted below (30 s
after the stop) is a bound on a hang, not a speed figure: a healthy stop takes about a second.
These tests prove correctness against the sandbox's truth (the committed stream equals it) and the
exit-code contract of README "Exit codes".
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loader.sandbox import SandboxConfig, SandboxServer
from tests.reliability.harness import (
    Run,
    assert_matches_truth,
    landed,
    leases,
    loader_argv,
    run_inprocess,
    runs,
    state_rows,
    subprocess_env,
    tmpfs,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.timeout(240)

STREAMS = {"accounts": {}, "invoices": {}}
HANG_BOUND = 30.0


@pytest.fixture(scope="module")
def big() -> Iterator[SandboxServer]:
    """20 000 invoices; a little latency keeps the run inside the listing when the stop comes."""
    with SandboxServer(SandboxConfig(seed=5, documents=20_000, rate_limit=0, latency_ms=5)) as server:
        yield server


def _detail_requests(sb: SandboxServer) -> int:
    return sb.request_counts().get("GET /api/invoices/{invoiceId}", 0)


def _start(cfg: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(loader_argv("--config", str(cfg), "extract"), cwd=cwd, env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], bound: float = HANG_BOUND) -> tuple[int, str]:
    try:
        _out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail(f"the process still ran {bound:.0f} s after the stop; stderr tail: {err[-800:]}")
    return proc.returncode, err


def _assert_committed_accounts_only(db: Path, sb: SandboxServer, err: str) -> None:
    states = state_rows(db)
    assert "accounts" in states and "invoices" not in states, states
    assert_matches_truth(db, sb, ["accounts"])
    assert landed(db, "invoices") == {}
    assert leases(db) == [], "the stopped run kept its lease"
    assert runs(db)[-1][1] == "failed", runs(db)
    assert "committed before the stop and kept: accounts" in err, err[-800:]
    assert "nothing partial was committed" not in err


@pytest.mark.parametrize("sig, code, name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")])
def test_a_signal_during_a_big_listing_ends_the_run_with_its_code(big: SandboxServer, tmp_path: Path,
                                                                   sig: signal.Signals, code: int, name: str) -> None:
    db = tmp_path / "warehouse.duckdb"
    cfg = write_config(tmp_path / "procountor.yml", big, db, streams=STREAMS)
    base = _detail_requests(big)
    proc = _start(cfg, tmp_path)
    try:
        assert wait_until(lambda: proc.poll() is not None or _detail_requests(big) - base >= 3, timeout=120)
        assert proc.poll() is None, "the run ended before the signal could be sent"
        proc.send_signal(sig)
        rc, err = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == code, (rc, err[-800:])
    assert f"error (interrupted): interrupted by {name if name == 'SIGTERM' else 'Ctrl-C (SIGINT)'}" in err, err[-800:]
    _assert_committed_accounts_only(db, big, err)




def test_a_full_spool_disk_during_a_big_listing_exits_5_without_hanging(big: SandboxServer, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with tmpfs(tmp_path / "spool", "512k") as spool:
        cfg = write_config(tmp_path / "procountor.yml", big, db, streams=STREAMS, spool_dir=spool)
        proc = _start(cfg, tmp_path)
        try:
            # The disk fills within seconds of the start; the bound covers the start-up too.
            rc, err = _finish(proc, 4 * HANG_BOUND)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert rc == 5, (rc, err[-800:])
        assert "No space left on device" in err, err[-800:]
        _assert_committed_accounts_only(db, big, err)
        assert not any(spool.rglob("*.jsonl")), "the failed run left spool files behind"


def test_a_simulated_full_disk_during_a_big_listing_exits_5_without_root(big: SandboxServer, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The same without a tmpfs (no root needed): the spool file refuses bytes past 256 KiB."""
    from tests.reliability.test_kill_and_rerun import _simulated_full_disk

    _simulated_full_disk(monkeypatch, limit=256 * 1024)
    db = tmp_path / "warehouse.duckdb"
    cfg = write_config(tmp_path / "procountor.yml", big, db, streams=STREAMS, spool_dir=tmp_path / "spool")
    outcome: list[Run] = []
    worker = threading.Thread(target=lambda: outcome.append(run_inprocess("--config", str(cfg), "extract")),
                              daemon=True)
    worker.start()
    worker.join(4 * HANG_BOUND)
    assert not worker.is_alive(), f"the run still ran {4 * HANG_BOUND:.0f} s after its start (a hang)"
    run = outcome[0]
    assert run.exit_code == 5, run.output[-800:]
    assert "No space left on device" in run.stderr, run.stderr[-800:]
    monkeypatch.undo()
    _assert_committed_accounts_only(db, big, run.stderr)
