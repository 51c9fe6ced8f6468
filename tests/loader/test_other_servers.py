"""The loader against a Procountor-compatible server that is not our sandbox.

This stub server answers the way the contract allows but our sandbox does not: it ignores
`previousId` (so keyset paging must fall back to page numbers), orders by id DESC by default,
returns `results: null` for an empty page, caps page size at 50 whatever `size` says, and answers
a one-id batch with an array. The loader must land exactly the right records anyway.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

INVOICES = {i: {"id": i, "type": "SALES_INVOICE", "status": "SENT", "version": f"2026-01-{1 + i % 27:02d}T10:00:00",
                "date": "2026-01-05", "invoiceRows": [{"product": f"P{i}", "unitPrice": 10.10 + i}],
                "paymentInfo": {"currency": "EUR"}}
            for i in range(1, 138)}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._send(200, {"access_token": "stub-token", "expires_in": 3600})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.headers.get("Authorization") != "Bearer stub-token":
            return self._send(401, {"errors": [{"status": 401, "message": "UNAUTHORIZED"}]})
        if url.path == "/api/company":
            return self._send(200, {"id": 777, "name": "Stub Oy"})
        if url.path == "/api/invoices":
            ids = sorted(INVOICES, reverse=q.get("orderById", "DESC") == "DESC")
            page, size = int(q.get("page", 0)), min(int(q.get("size", 50)), 50)
            chunk = ids[page * size:(page + 1) * size]
            results = [{k: INVOICES[i][k] for k in ("id", "type", "status", "version")} for i in chunk]
            return self._send(200, {"results": results or None,
                                    "meta": {"pageNumber": page, "pageSize": size, "resultCount": len(chunk)}})
        if url.path.startswith("/api/invoices/"):
            wanted = [int(x) for x in url.path.rsplit("/", 1)[1].split(",")]
            return self._send(200, [INVOICES[i] for i in sorted(set(wanted)) if i in INVOICES])
        return self._send(404, {"errors": [{"status": 404, "message": "NOT_FOUND"}]})


@pytest.fixture
def stub_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_keyset_ignored_page_capped_array_batches(cli, stub_server: str, tmp_path) -> None:
    env = {"PROCOUNTOR_BASE_URL": stub_server, "PROCOUNTOR_CLIENT_ID": "c", "PROCOUNTOR_CLIENT_SECRET": "s",
           "PROCOUNTOR_API_KEY": "k"}
    db = tmp_path / "w.duckdb"
    result = cli("--duckdb", str(db), "extract", "--stream", "invoices", env=env)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db))
    rows = con.execute("SELECT _record_id, _data FROM raw_procountor.invoices WHERE _company_id = 777").fetchall()
    assert sorted(int(r[0]) for r in rows) == sorted(INVOICES)
    by_id = {int(r[0]): json.loads(r[1]) for r in rows}
    assert by_id[5]["invoiceRows"][0]["unitPrice"] == pytest.approx(15.1)
    assert '"unitPrice":15.1' in dict(rows)["5"]  # the exact text the server sent
