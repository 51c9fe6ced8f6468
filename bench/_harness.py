"""Shared machinery of the sync benchmarks (not a test).

The sandbox runs in its own process (`python -m loader.sandbox serve`), the loader in another
(`procountor-loader extract`), and this process only watches: the RSS of the loader's whole process
tree and its CPU time every 0.25 s (psutil), the sandbox's CPU time and request counters. Everything talks to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests
import yaml

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOADER = str(Path(PYTHON).parent / "procountor-loader")


@dataclass
class Sandbox:
    proc: subprocess.Popen  # type: ignore[type-arg]
    base_url: str
    started_in: float

    @property
    def root(self) -> str:
        return self.base_url[: -len("/api")]

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = requests.request(method, f"{self.root}/control{path}", json=body, timeout=600)
        resp.raise_for_status()
        return resp.json()

    def requests_total(self) -> int:
        return sum(self.control("GET", "/counters").values())

    def cpu_seconds(self) -> float:
        t = psutil.Process(self.proc.pid).cpu_times()
        return t.user + t.system

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_sandbox(documents: int, *, rate: float, latency_ms: float, seed: int = 1, db_dir: Path | None = None,
                  timeout: float = 1800, companies: int = 1, precompute: bool = False) -> Sandbox:
    """``precompute``: the sandbox derives every invoice and receipt body before it listens, so the
    run that follows measures the loader, not the sandbox deriving bodies on demand."""
    argv = [PYTHON, "-m", "loader.sandbox", "serve", "--documents", str(documents), "--seed", str(seed),
            "--rate-limit", str(rate), "--latency-ms", str(latency_ms), "--port", "0",
            "--companies", str(companies)]
    if precompute:
        argv.append("--precompute-bodies")
    if db_dir is not None:
        db_dir.mkdir(parents=True, exist_ok=True)
        argv += ["--db-dir", str(db_dir)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("SANDBOX_URL="):
            return Sandbox(proc, line.strip().split("=", 1)[1], time.perf_counter() - t0)
        if not line and proc.poll() is not None:
            raise RuntimeError(f"the sandbox exited with {proc.returncode}")
    proc.kill()
    raise RuntimeError("the sandbox did not start in time")


def write_config(path: Path, sb: Sandbox, db: Path, *, streams: list[str], rate_limit: float, workers: int,
                 spool_dir: Path) -> Path:
    cfg = {
        "connections": [{"name": "bench", "base_url": sb.base_url, "auth": "api_key",
                         "client_id": "sandbox-client", "client_secret": "sandbox-secret",
                         "api_key": "sandbox-api-key"}],
        # The loader's own memory_limit unless BENCH_DUCKDB_MEMORY says otherwise.
        "destination": {"type": "duckdb", "path": str(db), "schema": "raw_procountor",
                        **({"memory_limit": os.environ["BENCH_DUCKDB_MEMORY"]}
                           if os.environ.get("BENCH_DUCKDB_MEMORY") else {})},
        "extract": {"rate_limit": rate_limit, "workers": workers, "spool_dir": str(spool_dir),
                    "timeout_seconds": 120.0},
        "streams": {s: {"fields": "all"} if s in ("invoices", "ledger_receipts") else {} for s in streams},
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@dataclass
class LoaderRun:
    exit_code: int
    wall: float
    cpu_user: float
    cpu_system: float
    peak_rss_mb: float
    rss_samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    requests: int = 0  # as counted by the sandbox
    sandbox_cpu: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # one per company (extract --json)

    def records(self, stream: str | None = None) -> int:
        return sum(s["records"] for s in self.summary.get("streams", []) if stream in (None, s["stream"]))

    def rss_profile(self) -> str:
        """RSS at 10 %, 25 %, 50 %, 75 % and 100 % of the run (MB)."""
        if not self.rss_samples:
            return "-"
        out = []
        for q in (0.10, 0.25, 0.50, 0.75, 1.0):
            t = self.wall * q
            mb = min(self.rss_samples, key=lambda s: abs(s[0] - t))[1]
            out.append(f"{int(q * 100)}%:{mb:.0f}")
        return " ".join(out)


def run_loader(cfg: Path, sb: Sandbox, *args: str, time_limit: float | None = None) -> LoaderRun:
    """`procountor-loader --config CFG extract --json ARGS`, watched from outside."""
    # Output goes to files, not pipes: a run over many companies writes more than a pipe buffer
    # holds, and this loop only reads at the end.
    with tempfile.TemporaryFile(mode="w+") as out_file, tempfile.TemporaryFile(mode="w+") as err_file:
        req0 = sb.requests_total()
        cpu0 = sb.cpu_seconds()
        t0 = time.perf_counter()
        proc = subprocess.Popen([LOADER, "--config", str(cfg), "extract", "--json", *args], cwd=cfg.parent,
                                stdout=out_file, stderr=err_file, text=True)
        ps = psutil.Process(proc.pid)
        samples: list[tuple[float, float]] = []
        peak = 0.0
        cpu = (0.0, 0.0)
        while proc.poll() is None:
            try:
                rss = tree_rss_mb(ps)
                t = ps.cpu_times()
                cpu = (t.user + t.children_user, t.system + t.children_system)
            except psutil.NoSuchProcess:
                break
            peak = max(peak, rss)
            samples.append((time.perf_counter() - t0, rss))
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                proc.terminate()  # SIGTERM: the loader stops; nothing partial is committed
                break
            time.sleep(0.25)
        proc.wait()
        wall = time.perf_counter() - t0
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    outcomes: list[dict[str, Any]] = json.loads(out[out.index("["):]) if "[" in out else []
    summary = outcomes[0] if outcomes else {}
    return LoaderRun(proc.returncode, wall, cpu[0], cpu[1], peak, samples, sb.requests_total() - req0,
                     sb.cpu_seconds() - cpu0, summary, err, outcomes)


def tree_rss_mb(ps: psutil.Process) -> float:
    """RSS of a process and all its descendants (MB): the loader's figure covers anything it starts."""
    total = ps.memory_info().rss
    for child in ps.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total / 2**20


def token(sb: Sandbox) -> str:
    return requests.post(f"{sb.base_url}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
        "api_key": "sandbox-api-key"}, timeout=60).json()["access_token"]


def get(session: requests.Session, url: str, **params: Any) -> Any:
    """GET with 429 handling (Retry-After), for the naive baseline and the probes."""
    return fetch(session, url, **params)[1].json()


def fetch(session: requests.Session, url: str, **params: Any) -> tuple[float, requests.Response]:
    """GET with 429 handling: (seconds until the whole body arrived, response). The client's JSON
    parse is not in the time, so the probes time the server, not this process."""
    for _attempt in range(20):
        t0 = time.perf_counter()
        resp = session.get(url, params=params or None, timeout=600)
        _ = resp.content
        seconds = time.perf_counter() - t0
        if resp.status_code == 429:
            time.sleep(float(resp.headers.get("Retry-After") or 1))
            continue
        resp.raise_for_status()
        return seconds, resp
    raise RuntimeError(f"{url}: still 429 after 20 attempts")


LIST_PATHS = {"invoices": "/invoices", "ledger_receipts": "/ledgerreceipts"}


def totals(sb: Sandbox, streams: list[str]) -> dict[str, int]:
    """Records each listed stream holds (`meta.totalCount` of a one-row page): what the ceiling counts."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token(sb)}"
    return {s: int(get(session, sb.base_url + LIST_PATHS[s], size=1)["meta"]["totalCount"])
            for s in streams if s in LIST_PATHS}


def fewest_requests(counts: dict[str, int], page: int = 200) -> int:
    """The fewest requests that can read these records: one list page and one detail batch per 200."""
    return sum(2 * -(-n // page) for n in counts.values())


def naive_baseline(sb: Sandbox, seconds: float) -> dict[str, float]:
    """One request per document, sequential: list invoice ids, then GET /invoices/{id} one by one,
    then the same for ledger receipts, for at most `seconds`. Returns records/s and requests/s."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token(sb)}"
    t0 = time.perf_counter()
    records = requests_made = 0
    share = seconds / 2  # half the budget for invoices, half for receipts
    for path in ("/invoices", "/ledgerreceipts"):
        stop = time.perf_counter() + share
        previous = None
        while time.perf_counter() < stop:
            params: dict[str, Any] = {"size": 200, "orderById": "ASC"}
            if previous is not None:
                params["previousId"] = previous
            page = get(session, sb.base_url + path, **params)["results"]
            requests_made += 1
            if not page:
                break
            for rec in page:
                if time.perf_counter() >= stop:
                    break
                get(session, f"{sb.base_url}{path}/{rec['id']}")
                requests_made += 1
                records += 1
            previous = page[-1]["id"]
    wall = time.perf_counter() - t0
    return {"records": records, "requests": requests_made, "seconds": wall,
            "records_per_s": records / wall, "requests_per_s": requests_made / wall}


def probe_sandbox(sb: Sandbox, rounds: int = 10) -> dict[str, float]:
    """The sandbox's own service time per request kind (latency and rate limit switched off for the
    probe, then restored): sequential requests timed from this process until each body has arrived
    (its JSON parse here not included)."""
    state = sb.control("GET", "/faults")
    sb.control("POST", "/faults", {"latencyMs": 0})
    sb.control("POST", "/ratelimit", {"rate": 0})
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token(sb)}"
    out: dict[str, float] = {}
    try:
        for path, label in (("/invoices", "invoice list page (200)"), ("/ledgerreceipts", "receipt list page (200)")):
            first = get(session, sb.base_url + path, size=200, orderById="ASC")
            total = first["meta"]["totalCount"]
            ids_pages = []
            spent = 0.0
            for n in range(rounds):
                prev = first["results"][0]["id"] - 1 + (n * total // rounds)
                seconds, page = fetch(session, sb.base_url + path, size=200, orderById="ASC", previousId=prev)
                spent += seconds
                ids_pages.append([r["id"] for r in page.json()["results"]])
            out[label] = spent / rounds * 1000
            spent = sum(fetch(session, f"{sb.base_url}{path}/{','.join(map(str, ids))}")[0] for ids in ids_pages)
            out[label.replace("list page", "detail batch")] = spent / rounds * 1000
    finally:
        sb.control("POST", "/faults", {"latencyMs": state["latencyMs"]})
        sb.control("POST", "/ratelimit", {"rate": state["rateLimit"], "burst": state["rateBurst"]})
    return out


def mb(x: float) -> str:
    return f"{x:.0f} MB"
