"""Generate a large sandbox company, print generation time and peak RSS, and serve a few pages.

    .venv/bin/python bench/sandbox_generate.py --documents 1000000

Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import resource
import time

import requests

from loader.sandbox import SandboxConfig, SandboxServer


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    with SandboxServer(SandboxConfig(seed=args.seed, documents=args.documents, rate_limit=0)) as sb:
        generated = time.perf_counter() - started
        print(f"documents={args.documents} generation_s={generated:.1f} peak_rss_mb={peak_rss_mb():.0f}")
        token = requests.post(sb.token_url, data={"grant_type": "client_credentials", **sb.credentials()},
                              timeout=30).json()["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"

        def timed(path: str, **params: object) -> dict:
            t0 = time.perf_counter()
            response = session.get(sb.base_url + path, params=params, timeout=120)
            response.raise_for_status()
            body = response.json()
            shown = path if len(path) < 60 else f"{path[:40]}... ({path.count(',') + 1} ids)"
            print(f"  GET {shown} {params} -> {response.status_code} in {1000 * (time.perf_counter() - t0):.0f} ms")
            return body

        first = timed("/invoices", size=200, orderById="ASC")
        print(f"  totalCount={first['meta']['totalCount']}")
        last_id = first["results"][-1]["id"]
        timed("/invoices", size=200, orderById="ASC", previousId=last_id)
        timed("/invoices", size=200, page=2000, orderById="ASC")
        page = timed("/invoices", size=200, versionStartDate="2026-11-01T00:00:00", orderByVersion="ASC")
        ids = ",".join(str(r["id"]) for r in page["results"])
        timed(f"/invoices/{ids}")
        receipts = timed("/ledgerreceipts", size=200, orderById="ASC", previousId=250000)
        timed("/ledgerreceipts/" + ",".join(str(r["id"]) for r in receipts["results"]))
        timed("/businesspartners", size=200)
        rounds = 50
        t0 = time.perf_counter()
        for n in range(rounds):
            session.get(sb.base_url + "/invoices", params={"size": 200, "orderById": "ASC",
                                                           "previousId": 10000 + n * 20000}, timeout=60)
        print(f"  {rounds} keyset pages of 200: {rounds / (time.perf_counter() - t0):.1f} req/s")
        print(f"peak_rss_mb_after_serving={peak_rss_mb():.0f}")


if __name__ == "__main__":
    main()
