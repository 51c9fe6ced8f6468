"""Service time of the sandbox itself: generation time, RSS, and sequential per-request times of list
pages and detail batches (no latency, no rate limit), with the sandbox in its own process.

    .venv/bin/python bench/sandbox_service.py --documents 100000
    .venv/bin/python bench/sandbox_service.py --documents 1000000 --rounds 20
    .venv/bin/python bench/sandbox_service.py --documents 100000 --precompute   # bodies stored before listening

Prints figures; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import fetch, get, start_sandbox, token


def _timed(session: requests.Session, url: str, **params: Any) -> tuple[float, Any]:
    """Milliseconds until the body arrived (this process's JSON parse excluded), and the body."""
    seconds, response = fetch(session, url, **params)
    return seconds * 1000, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", default="100000", help="comma list")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--precompute", action="store_true",
                        help="the sandbox derives every invoice and receipt body before it listens")
    parser.add_argument("--first-calls", action="store_true",
                        help="also time the first report, bank-statement page and truth P&L call")
    args = parser.parse_args()
    for documents in (int(d) for d in args.documents.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as work:
            sb = start_sandbox(documents, rate=0, latency_ms=0, db_dir=Path(work) / "db", precompute=args.precompute)
            try:
                run(sb, documents, args)
            finally:
                sb.stop()


def run(sb: Any, documents: int, args: argparse.Namespace) -> None:
    proc = psutil.Process(sb.proc.pid)
    print(f"== {documents:,} documents: generated and listening in {sb.started_in:.1f} s, "
          f"RSS {proc.memory_info().rss / 2**20:.0f} MB")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token(sb)}"
    for path, label in (("/invoices", "invoice"), ("/ledgerreceipts", "receipt")):
        first = get(session, sb.base_url + path, size=200, orderById="ASC")
        total = first["meta"]["totalCount"]
        lists, batches, pages = [], [], []
        for n in range(args.rounds):
            prev = first["results"][0]["id"] - 1 + (n * total // args.rounds)
            ms, page = _timed(session, sb.base_url + path, size=200, orderById="ASC", previousId=prev)
            lists.append(ms)
            pages.append([r["id"] for r in page["results"]])
        for ids in pages:
            ms, _ = _timed(session, f"{sb.base_url}{path}/{','.join(map(str, ids))}")
            batches.append(ms)
        # the loader's pattern: list pages by date part, newest first, page numbers
        paged = [_timed(session, sb.base_url + path, size=200, page=n, orderById="ASC")[0]
                 for n in range(0, min(args.rounds, total // 200))]
        print(f"   {label} list page (200, previousId): median {statistics.median(lists):.1f} ms, "
              f"max {max(lists):.1f} ms; by page number: median {statistics.median(paged):.1f} ms; "
              f"detail batch (200): median {statistics.median(batches):.1f} ms, max {max(batches):.1f} ms")
    if args.first_calls:
        report = {"endDate": "2026-06-30", "type": "INCOME_STATEMENT"}
        for label, call in (
            ("first income statement", lambda: session.post(sb.base_url + "/reports/accounting", timeout=3600,
                                                            json=report)),
            ("bank statements page", lambda: session.get(sb.base_url + "/bankstatements", timeout=3600,
                                                         params={"size": 200})),
            ("truth pl-by-month", lambda: requests.get(f"{sb.root}/control/truth/0/pl-by-month", timeout=3600)),
        ):
            t0 = time.perf_counter()
            call().raise_for_status()
            print(f"   {label}: {(time.perf_counter() - t0) * 1000:.0f} ms")
    print(f"   sandbox RSS after serving {proc.memory_info().rss / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
