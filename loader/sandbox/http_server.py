"""HTTP front end: routing, bearer auth, rate limiting, latency, faults and the ``Date`` header."""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import api, control, listing, oauth, rights
from .app import SandboxApp
from .jsonout import dumps_bytes
from .params import ApiError, Query

JSON = "application/json"
# reference.md §1: the version-pinned API roots, served like /api.
_PINNED_ROOT = re.compile(r"^/(v\d{4}|latest|supported)/api(/.*)?$")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self.stopping = threading.Event()
        super().__init__(address, SandboxRequestHandler)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    server_version = "ProcountorSandbox/1.0"
    sys_version = ""

    # -------------------------------------------------------------- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests make thousands of requests
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.server.app.clock.http_date()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket may have been reset on purpose by a fault
            super().finish()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def setup(self) -> None:
        super().setup()
        # Small writes must not wait for the client's delayed ACK (Nagle): that alone cost ~40 ms a response.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, body: bytes, content_type: str = JSON, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not hasattr(self, "_headers_buffer"):  # HTTP/0.9: no headers at all
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        # end_headers() without its flush, so the headers and the body leave in one write
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _send_json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, dumps_bytes(value), JSON, headers)

    def _send_error(self, error: ApiError) -> None:
        self._send_json(error.status, error.body(), error.headers)

    def _reset(self) -> None:
        """Abort the TCP connection with an RST (SO_LINGER 0) so the client sees a connection reset."""
        with contextlib.suppress(OSError):
            self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # -------------------------------------------------------------- dispatch

    def _serve(self, method: str) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        body = self._read_body()
        try:
            if path.startswith("/control"):
                query = dict(parse_qsl(parts.query))
                self._send_json(200, control.dispatch(app, method, path, body, query))
                return
            if path == "/login":
                # Procountor serves the sign-in page from the host root (contract: GET /login);
                # /api/login stays as an alias.
                path = "/api/login"
            raw_path = path
            pinned = _PINNED_ROOT.match(path)
            if pinned:
                if pinned.group(1) in app.config.retired_api_versions:
                    raise ApiError(404, f"NOT_FOUND: API version {pinned.group(1)} is no longer supported", None)
                path = "/api" + (pinned.group(2) or "")
            if path == "/api" or path.startswith("/api/"):
                self._serve_api(method, path, parts.query, body, raw_path)
                return
            raise ApiError(404, "NOT_FOUND", None)
        except ApiError as error:
            self._send_error(error)
        except Exception:  # a sandbox bug must still answer like a server error
            traceback.print_exc(file=sys.stderr)
            self._send_json(500, {"errors": [{"status": 500, "field": None, "message": "INTERNAL_ERROR"}]})

    def _serve_api(self, method: str, path: str, query_string: str, body: bytes, raw_path: str) -> None:
        app = self.server.app
        sub = path[len("/api"):] or "/"
        if sub == "/oauth/token" or sub == "/login":
            template, handler, params = sub, None, {}
        else:
            template, handler, params = api.resolve(method, sub)
        app.ops.count(f"{method} /api{template}", f"{method} {raw_path}")

        grant = None
        auth = self.headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            grant = app.tokens.access(auth[7:].strip())
        if grant is not None:
            client = grant.client_id
        elif sub == "/oauth/token":
            client = dict(parse_qsl(body.decode("utf-8", "replace"))).get("client_id") or self.client_address[0]
        else:
            client = self.client_address[0]
        wait = app.ops.throttle(client)
        if wait:
            headers = {"Retry-After": str(max(1, int(wait + 0.999)))} if app.ops.retry_after else {}
            raise ApiError(429, "TOO_MANY_REQUESTS", None, headers)
        app.ops.wait_if_held(path, self.server.stopping)
        if app.ops.latency_ms:
            time.sleep(app.ops.latency_ms / 1000)
        fault = app.ops.pick_fault(method, path)
        if fault in ("403", "404"):  # scripted only: an API user without the right, an endpoint not offered
            raise ApiError(int(fault), "User rights check failed: Insufficient user rights"
                           if fault == "403" else "NOT_FOUND", None)
        if fault in ("500", "502", "503", "429"):
            raise ApiError(int(fault), "SIMULATED_FAULT", None,
                           {"Retry-After": "1"} if fault in ("429", "503") and app.ops.retry_after else None)
        if fault == "timeout":
            self.server.stopping.wait(app.ops.timeout_fault_seconds)
            self._reset()
            return
        if fault == "reset":
            self._reset()
            return

        status, payload, content_type, headers = self._api_response(method, sub, handler, params, query_string, body,
                                                                    grant)
        if fault == "invalid_json" and status == 200:
            payload, content_type = b'{"results": [{"id": 1, "version": "2026-', JSON
        if fault == "truncated":
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: max(1, len(payload) // 2)])
            self._reset()
            return
        self._send(status, payload, content_type, headers)

    def _api_response(self, method: str, sub: str, handler: Any, params: dict[str, str], query_string: str,
                      body: bytes, grant: Any) -> tuple[int, bytes, str, dict[str, str]]:
        app = self.server.app
        try:
            if sub == "/oauth/token":
                if method != "POST":
                    raise ApiError(405, "METHOD_NOT_ALLOWED", None)
                try:
                    return 200, dumps_bytes(oauth.token_endpoint(app, body)), JSON, {"Cache-Control": "no-store"}
                except oauth.OAuthFailure as failure:
                    return failure.status, dumps_bytes(failure.body), JSON, {}
            if sub == "/login":
                try:
                    if method == "POST":
                        return 302, b"", "text/html", {"Location": oauth.login_submit(app, body)}
                    query = dict(parse_qsl(query_string, keep_blank_values=True))
                    if query.get("auto") in ("1", "true"):
                        return 302, b"", "text/html", {"Location": oauth.login_redirect(app, query)}
                    return 200, oauth.login_page(app, query).encode("utf-8"), "text/html", {}
                except oauth.OAuthFailure as failure:
                    return failure.status, dumps_bytes(failure.body), JSON, {}
            if grant is None:
                raise ApiError(401, "UNAUTHORIZED: access token missing, invalid or expired", None,
                               {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            if handler is None:
                raise ApiError(404, "NOT_FOUND", None)
            company = app.companies[grant.company_index]
            if rights.denied(company.denied_rights, sub):
                raise ApiError(403, "FORBIDDEN: the user has no rights to this resource", None)
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = Query(query_string, app.clock.stamp_zone)
            asked = listing.cap_page_size(query, app.config)
            request = api.Request(company, method, sub, query, headers, body, params)
            return 200, dumps_bytes(listing.reshape(handler(request), asked, app.config)), JSON, {}
        except ApiError as error:
            return error.status, dumps_bytes(error.body()), JSON, error.headers
