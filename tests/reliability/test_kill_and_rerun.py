"""Crashes: SIGKILL at seeded random points of a real `procountor-loader extract` process, the
re-run after it, the lease between concurrent runs, and a spool disk that fills up.

The invariant after every kill, per stream: either its state moved (the killed run committed it)
and its rows equal the sandbox's truth, or its state did not move and its rows are exactly what
they were before the run. "State ahead of data" or a half-committed stream fails the test.
"""

from __future__ import annotations

import contextlib
import errno
import random
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.harness import (
    STREAMS,
    assert_matches_truth,
    duplicates,
    extract_ok,
    landed,
    leases,
    loader_argv,
    mismatches,
    row_hashes,
    run_inprocess,
    run_subprocess,
    runs,
    snapshot,
    state_rows,
    subprocess_env,
    tmpfs,
    total_requests,
    truth,
    wait_until,
)

pytestmark = pytest.mark.timeout(170)

KILL_SEED = 20260501
KILL_POINTS = 12  # at least 10 must land while the run is still going


def _change_the_books(sb, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """A few realistic changes between runs: edits, a recreated receipt, new documents."""
    invoices = sorted(int(i) for i, r in truth(sb, "invoices").items()
                      if r.get("status") not in ("INVALIDATED",) and r.get("ledgerReceiptId"))
    for invoice in rng.sample(invoices, 3):
        sb.edit_invoice(invoice)
    sb.recreate_receipt(rng.choice(invoices))
    sb.add_documents(4)
    sb.advance_clock(120)  # past the loader's signpost skew


def _check_after_kill(db: Path, sb, before_rows: dict, before_states: dict, point: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The per-stream invariant; returns the streams the killed run had committed."""
    after_states = state_rows(db)
    committed = []
    for stream in STREAMS:
        moved = after_states.get(stream) != before_states.get(stream)
        if moved:
            committed.append(stream)
            diff = mismatches(db, sb, stream)
            assert not (diff["n_missing"] or diff["extra"] or diff["changed"]), (point, stream, diff)
        else:
            assert row_hashes(db, stream) == before_rows[stream], (point, stream, "rows moved without state")
    assert duplicates(db) == {}, point
    return committed


def _kill_at(cfg: Path, cwd: Path, sb, after_requests: int, delay: float) -> int:  # type: ignore[no-untyped-def]
    """Start an extract subprocess; the sandbox answers its first `after_requests` requests and
    holds the rest unanswered; SIGKILL it `delay` s after the first held one (commits and spool
    writes still move meanwhile). The kill lands mid-run however fast this machine is; only a
    point at or past the run's last request lets it finish."""
    sb.hold("/api/*", after=after_requests)
    proc = subprocess.Popen(loader_argv("--config", str(cfg), "extract"), cwd=cwd, env=subprocess_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proc.poll() is not None or sb.held_requests() >= 1, timeout=60)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30)
    finally:
        sb.release()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _requests_of_a_run(cfg: Path, sb) -> int:  # type: ignore[no-untyped-def]
    base = total_requests(sb)
    extract_ok(cfg)
    return total_requests(sb) - base


def test_sigkill_at_random_points_then_rerun_loses_nothing(sb, config, db, tmp_path: Path) -> None:
    """12 seeded kill points over two starting states: an empty warehouse (initial sync) and a complete
    one after changes in the books (incremental sync with edits, a recreated receipt, new documents).
    Each kill starts from a fresh copy of its starting state and lands mid-run (the sandbox holds
    every request after the kill point), and each is followed at once (no sleep, lease TTL 10 min)
    by a complete re-run that must exit 0 and equal the truth (correctness: compared with the
    sandbox's own records), with no duplicate rows."""
    sb.set_faults(latency_ms=15)
    # A 10-minute TTL: the re-runs below start at once, so they get in only because the killed
    # run's process is known dead, never because its lease expired. A long HTTP timeout: a held
    # request must stay in flight, not be retried.
    cfg = config(extract={"lease_ttl_seconds": 600, "timeout_seconds": 120})
    calib_db = tmp_path / "calibration.duckdb"
    calib = config("calibration.yml", extract={"lease_ttl_seconds": 600})
    calib.write_text(calib.read_text().replace(str(db), str(calib_db)))

    # Starting state A: empty. Starting state B: complete, then the books change.
    full_requests = _requests_of_a_run(calib, sb)
    base_b = tmp_path / "base-b.duckdb"
    shutil.copy(calib_db, base_b)
    rng = random.Random(KILL_SEED)
    _change_the_books(sb, rng)
    incremental_requests = _requests_of_a_run(calib, sb)
    starts = {"empty": (None, full_requests), "incremental": (base_b, incremental_requests)}

    killed = 0
    log = []
    for n in range(KILL_POINTS):
        start = "empty" if n % 2 == 0 else "incremental"
        base, requests_of_run = starts[start]
        db.unlink(missing_ok=True)
        db.with_name(db.name + ".wal").unlink(missing_ok=True)  # the previous kill's write-ahead log
        if base is not None:
            shutil.copy(base, db)
        # Kill once the sandbox has seen `after` requests of the run, `delay` seconds later (the
        # last point, after every request, falls into the final commits).
        after = rng.randint(1, requests_of_run)
        delay = rng.uniform(0, 0.3)
        before_rows = {s: row_hashes(db, s) for s in STREAMS}
        before_states = state_rows(db)
        code = _kill_at(cfg, tmp_path, sb, after, delay)
        point = f"kill #{n} ({start}) after request {after}/{requests_of_run} + {delay:.3f}s (exit {code})"
        killed += code == -signal.SIGKILL
        committed = _check_after_kill(db, sb, before_rows, before_states, point)
        log.append(f"{point}: committed {committed}")
        extract_ok(cfg)  # at once: no waiting for the killed run's lease
        assert_matches_truth(db, sb)
        assert duplicates(db) == {}, point
    print("\n".join(log))
    assert killed >= 10, log


def test_spool_files_of_a_killed_run_are_cleaned_up_by_the_next_run(sb, config, db, tmp_path: Path) -> None:
    cfg = config(extract={"timeout_seconds": 120})
    # Kill while ledger receipts are being fetched: the invoices spool is on disk by then.
    base = total_requests(sb)
    assert _kill_while_held(cfg, tmp_path, sb, "/api/ledgerreceipts/*") == -signal.SIGKILL
    assert total_requests(sb) > base
    spool = tmp_path / "spool"
    assert any(spool.rglob("*.jsonl")), "the kill landed too late to leave a spool behind"
    extract_ok(cfg)
    assert_matches_truth(db, sb)
    assert list(spool.rglob("*.jsonl")) == []


def _kill_while_held(cfg: Path, cwd: Path, sb, path_glob: str) -> int:  # type: ignore[no-untyped-def]
    """Start an extract subprocess, let the sandbox hold its first request matching `path_glob`
    (unanswered), SIGKILL it there: a kill point that does not depend on this machine's speed."""
    sb.hold(path_glob)
    proc = subprocess.Popen(loader_argv("--config", str(cfg), "extract"), cwd=cwd, env=subprocess_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: sb.held_requests() >= 1 or proc.poll() is not None, timeout=60)
        proc.send_signal(signal.SIGKILL)
    finally:
        code = proc.wait(timeout=30)
        sb.release()
    return code


@pytest.mark.parametrize("path_glob", ["/api/invoices", "/api/ledgerreceipts/*"])
def test_rerun_right_after_a_kill_takes_over_the_dead_runs_lease(sb, config, db, tmp_path: Path,
                                                                 path_glob: str) -> None:
    """Killed while listing invoices, or while fetching ledger receipts (after commits): the killed
    run's lease row is still there (10-minute TTL), naming a process that is gone. The re-run takes
    it over at once, completes, equals the truth and marks the killed run abandoned in `runs`."""
    cfg = config(extract={"lease_ttl_seconds": 600, "timeout_seconds": 120})
    code = _kill_while_held(cfg, tmp_path, sb, path_glob)
    assert code == -signal.SIGKILL
    assert len(leases(db)) == 1, "the killed run left no lease behind: nothing was proven"
    killed_id = runs(db)[-1][0]
    run = run_inprocess("--config", str(cfg), "extract")
    assert run.exit_code == 0, run.output
    assert_matches_truth(db, sb)
    assert duplicates(db) == {}
    statuses = {sync_id: status for sync_id, status, _e in runs(db)}
    assert statuses[killed_id] == "abandoned", statuses
    assert sorted(statuses.values()) == ["abandoned", "succeeded"], statuses
    assert leases(db) == []


def test_a_lease_held_by_a_live_process_is_refused_naming_it(sb, config, db, tmp_path: Path) -> None:
    """A lease whose owner is a running process on this host (here pid 1) is refused even after it
    expired: exit 7, and the message names the holding run, host, pid and since when."""
    import json
    import socket

    from loader import lease

    extract_ok(config())
    me = lease.current_owner()
    init = json.dumps({"host": me.host, "boot_id": me.boot_id, "pid": 1, "started": lease._process_start(1)})
    con = _rw(db)
    con.execute("INSERT INTO raw_procountor._loader_leases (_company_id, sync_id, expires_at, owner, acquired_at) "
                "SELECT DISTINCT _company_id, 'other-run', TIMESTAMP '2000-01-01', ?, TIMESTAMP '1999-12-31 23:00' "
                "FROM raw_procountor._loader_state", [init])
    con.close()
    before = snapshot(db)
    run = run_inprocess("--config", str(config()), "extract")
    assert run.exit_code == 7, run.output
    line = run.error_line
    assert line.startswith("error (lease): another run of this connection is in progress"), run.stderr
    assert "other-run" in line and f"host {socket.gethostname()}, pid 1" in line, line
    assert "since 1999-12-31 23:00:00" in line, line
    assert snapshot(db) == before


def test_a_lease_of_another_host_blocks_until_it_expires(sb, config, db, tmp_path: Path) -> None:
    """Across hosts nobody can see the holder's process: only the lease's expiry frees it."""
    import json

    extract_ok(config())
    other = json.dumps({"host": "elsewhere", "boot_id": "b", "pid": 4242, "started": "1"})
    con = _rw(db)
    con.execute("INSERT INTO raw_procountor._loader_leases (_company_id, sync_id, expires_at, owner, acquired_at) "
                "SELECT DISTINCT _company_id, 'remote-run', now()::TIMESTAMP + INTERVAL 1 HOUR, ?, now()::TIMESTAMP "
                "FROM raw_procountor._loader_state", [other])
    con.close()
    refused = run_inprocess("--config", str(config()), "extract")
    assert refused.exit_code == 7, refused.output
    assert "remote-run (host elsewhere, pid 4242)" in refused.error_line, refused.stderr
    con = _rw(db)
    con.execute("UPDATE raw_procountor._loader_leases SET expires_at = TIMESTAMP '2000-01-01'")
    con.close()
    extract_ok(config())
    assert leases(db) == []


def _rw(db: Path):  # type: ignore[no-untyped-def]
    """A read-write connection; inside this process it shares the running loader's database."""
    import duckdb

    return duckdb.connect(str(db))


def _lease_rows(db: Path) -> list[tuple]:  # type: ignore[type-arg]
    con = _rw(db)
    try:
        return con.execute("SELECT _company_id, sync_id, expires_at FROM raw_procountor._loader_leases").fetchall()
    finally:
        con.close()


def test_a_second_concurrent_run_in_another_process_exits_7(sb, config, db, tmp_path: Path) -> None:
    """The first run is held mid-run by the sandbox (its partner listing waits unanswered until the
    test releases it), so the second starts while the first certainly runs, however fast this
    machine is. DuckDB lets one process write the file: the second exits 7 naming the first's pid."""
    cfg = config(extract={"timeout_seconds": 120})  # the held request must not time out
    sb.hold("/api/businesspartners*")
    first = subprocess.Popen(loader_argv("--config", str(cfg), "extract"), cwd=tmp_path, env=subprocess_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: sb.held_requests() >= 1 or first.poll() is not None, timeout=60)
        assert first.poll() is None, "the first run ended before it reached the hold"
        second = run_subprocess("--config", str(cfg), "extract", cwd=tmp_path)
    finally:
        sb.release()
        _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.exit_code == 7, second.output
    assert second.error_line.startswith("error (lease):"), second.stderr
    assert f"process {first.pid} on this host" in second.error_line, second.error_line
    assert_matches_truth(db, sb)


def test_a_second_concurrent_run_in_the_same_process_exits_7(sb, config, db, tmp_path: Path) -> None:
    """The lease itself works: a run sharing the DuckDB instance (same process) is refused while
    the first is held mid-run by the sandbox."""
    from loader.config import load_config
    from loader.connect import api_client, destination
    from loader.extract import Extractor

    cfg_path = config(extract={"timeout_seconds": 120})
    cfg = load_config(cfg_path)
    outcome: dict[str, object] = {}

    def first_run() -> None:
        dest = destination(cfg)
        try:
            outcome["summary"] = Extractor(cfg, api_client(cfg, cfg.connections[0]), dest).run()
        except BaseException as exc:  # pragma: no cover - reported below
            outcome["error"] = exc
        finally:
            dest.close()

    sb.hold("/api/businesspartners*")
    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert wait_until(lambda: sb.held_requests() >= 1 or not thread.is_alive(), timeout=60)
        assert thread.is_alive(), outcome
        second = run_inprocess("--config", str(cfg_path), "extract")
    finally:
        sb.release()
        thread.join(120)
    assert "error" not in outcome, outcome
    assert second.exit_code == 7, second.output
    assert second.error_line.startswith("error (lease): another run of this connection is in progress")
    assert "(host " in second.error_line and "holds it since" in second.error_line, second.error_line
    assert [status for _id, status, _e in runs(db)] == ["succeeded"]  # the refused run left no trace
    assert_matches_truth(db, sb)
    assert leases(db) == []


def _paused_run(cfg, outcome: dict[str, object], resume: threading.Event,
                paused: threading.Event) -> threading.Thread:  # type: ignore[no-untyped-def]
    """An in-process run that stops after its first stream's commit until `resume` is set."""
    from loader.connect import api_client, destination
    from loader.extract import Extractor

    def echo(message: str) -> None:
        if message.startswith("  accounts ") and not paused.is_set():
            paused.set()
            resume.wait(60)

    def first_run() -> None:
        dest = destination(cfg)
        try:
            outcome["summary"] = Extractor(cfg, api_client(cfg, cfg.connections[0]), dest, echo=echo).run()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            dest.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    return thread


def test_a_live_run_keeps_its_lease_past_the_ttl(sb, config, db, tmp_path: Path) -> None:
    """The run is held still after its first commit (no race with the machine's speed) for longer
    than its 1 s TTL: its heartbeat has moved the expiry forward, and a second run is refused."""
    from loader.config import load_config

    cfg_path = config(extract={"lease_ttl_seconds": 1})
    cfg = load_config(cfg_path)
    outcome: dict[str, object] = {}
    resume, paused = threading.Event(), threading.Event()
    thread = _paused_run(cfg, outcome, resume, paused)
    try:
        assert paused.wait(60)
        (first,) = _lease_rows(db)
        time.sleep(1.5)  # at least the TTL: without a heartbeat the lease would have expired
        assert wait_until(lambda: _lease_rows(db)[0][2] > first[2], timeout=30), "the heartbeat never renewed"
        second = run_inprocess("--config", str(cfg_path), "extract", "--stream", "accounts")
    finally:
        resume.set()
        thread.join(120)
    assert "error" not in outcome, outcome
    assert second.exit_code == 7, second.output
    assert_matches_truth(db, sb)
    assert leases(db) == []


def test_a_commit_after_the_lease_was_taken_over_fails_with_exit_7(sb, config, db, tmp_path: Path) -> None:
    """If another run took the lease (say this host was suspended past the TTL and a run on
    another host went ahead), this run's next commit is refused inside its transaction: exit 7,
    the stream is not written, and what was committed before stays."""
    import json

    from loader.config import load_config
    from loader.errors import LeaseError

    cfg = load_config(config())
    outcome: dict[str, object] = {}
    resume, paused = threading.Event(), threading.Event()
    thread = _paused_run(cfg, outcome, resume, paused)
    try:
        assert paused.wait(60)
        other = json.dumps({"host": "elsewhere", "boot_id": "b", "pid": 4242, "started": "1"})
        con = _rw(db)
        con.execute("UPDATE raw_procountor._loader_leases SET sync_id = 'intruder', owner = ?", [other])
        con.close()
    finally:
        resume.set()
        thread.join(120)
    error = outcome.get("error")
    assert isinstance(error, LeaseError) and error.exit_code == 7, outcome
    assert "lost the run lease" in str(error) and "intruder (host elsewhere, pid 4242)" in str(error), error
    states = state_rows(db)
    assert "accounts" in states and "invoices" not in states, states
    assert_matches_truth(db, sb, ["accounts"])
    assert landed(db, "invoices") == {}
    assert [lease[1] for lease in leases(db)] == ["intruder"]  # not released: it is not ours


def test_python_dash_m_loader_cli_starts(tmp_path: Path) -> None:
    from tests.reliability.harness import PYTHON

    proc = subprocess.run([PYTHON, "-m", "loader.cli", "--help"], cwd=tmp_path, env=subprocess_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-500:]


# -- a full spool disk -------------------------------------------------------------------------



def _simulated_full_disk(monkeypatch: pytest.MonkeyPatch, limit: int = 64 * 1024) -> None:
    """ENOSPC in-process: the spool writer's file handle refuses bytes past `limit` per file."""
    from loader import spool

    real_open = open

    class FullDisk:
        def __init__(self, fh) -> None:  # type: ignore[no-untyped-def]
            self._fh, self._written = fh, 0

        def write(self, text: str) -> int:
            self._written += len(text.encode())
            if self._written > limit:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self._fh.write(text)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self._fh, name)

    def fake_open(path, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        fh = real_open(path, mode, *args, **kwargs)
        return FullDisk(fh) if "w" in mode and str(path).endswith(".jsonl") else fh

    monkeypatch.setattr(spool, "open", fake_open, raising=False)


@pytest.mark.parametrize("how", ["tmpfs-64k", "simulated-enospc"])
def test_a_full_spool_disk_fails_cleanly_and_the_rerun_completes(sb, config, db, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    with contextlib.ExitStack() as stack:
        if how == "tmpfs-64k":
            spool_dir = stack.enter_context(tmpfs(tmp_path / "tiny", "64k"))
        else:
            spool_dir = tmp_path / "spool-sim"
            _simulated_full_disk(monkeypatch)
        cfg = config(spool_dir=spool_dir)
        run = run_inprocess("--config", str(cfg), "extract")
        assert run.exit_code != 0, run.output
        assert "No space left on device" in run.stderr, run.stderr
        states = state_rows(db)
        # accounts (small) fit and were committed; invoices did not and left no trace.
        assert "accounts" in states and "invoices" not in states, states
        assert_matches_truth(db, sb, ["accounts"])
        assert landed(db, "invoices") == {}
        assert leases(db) == [] and runs(db)[-1][1] == "failed"
        assert not any(spool_dir.rglob("*.jsonl")), "the failed run left spool files behind"
        monkeypatch.undo()
    shutil.rmtree(tmp_path / "spool-sim", ignore_errors=True)
    extract_ok(config(spool_dir=tmp_path / "spool-big"))
    assert_matches_truth(db, sb)


def test_a_full_spool_disk_names_the_spool_dir(sb, config, db, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _simulated_full_disk(monkeypatch)
    spool_dir = tmp_path / "spool-sim"
    run = run_inprocess("--config", str(config(spool_dir=spool_dir)), "extract")
    assert run.error_line.startswith("error ("), run.stderr
    assert str(spool_dir) in run.error_line or "spool_dir" in run.error_line, run.stderr
