"""``SandboxServer``: the sandbox as a context manager for tests, benchmarks and the CLI."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .app import SandboxApp, Truth
from .config import FaultRule, SandboxConfig
from .http_server import SandboxHTTPServer


class SandboxServer:
    """A real ThreadingHTTPServer on ``config.host`` (a free port by default) in a background thread.

    >>> with SandboxServer(SandboxConfig(seed=1, documents=500)) as sb:
    ...     sb.base_url  # 'http://127.0.0.1:PORT/api'
    """

    def __init__(self, config: SandboxConfig | None = None, **overrides: Any) -> None:
        self.config = config or SandboxConfig()
        for key, value in overrides.items():
            setattr(self.config, key, value)
        self.app: SandboxApp | None = None
        self._http: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle

    def start(self) -> SandboxServer:
        self.app = SandboxApp(self.config)
        self._http = SandboxHTTPServer((self.config.host, self.config.port), self.app)
        self._thread = threading.Thread(target=self._http.serve_forever, name="procountor-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stopping.set()
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self.app is not None:
            self.app.close()
            self.app = None

    def serve_forever(self) -> None:
        """Block until ``stop`` is called from another thread or a signal handler."""
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- addresses and credentials

    @property
    def _app(self) -> SandboxApp:
        if self.app is None:
            raise RuntimeError("sandbox is not running")
        return self.app

    @property
    def port(self) -> int:
        assert self._http is not None
        return int(self._http.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api"

    @property
    def control_url(self) -> str:
        return f"{self.root_url}/control"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def login_url(self) -> str:
        return f"{self.root_url}/login"

    def credentials(self, company_index: int = 0) -> dict[str, str]:
        return {"client_id": self.config.client_id, "client_secret": self.config.client_secret,
                "api_key": self.config.api_key_for(company_index)}

    @property
    def company_ids(self) -> list[int]:
        return [c.id for c in self._app.companies]

    @property
    def truth(self) -> Truth:
        return self._app.truth

    # -------------------------------------------------------------- clock and counters

    def now(self) -> str:
        """Helsinki wall time (naive)."""
        return self._app.clock.now_str()

    def stamp(self) -> str:
        """Now as the server writes `version` (in its `version_zone`)."""
        return self._app.clock.stamp()

    @property
    def version_zone(self) -> str:
        return self._app.clock.version_zone

    def advance_clock(self, seconds: float) -> str:
        return self._app.clock.advance(seconds).isoformat()

    def set_clock(self, to: str) -> str:
        """Naive Helsinki wall time (the first of a repeated hour) or ISO with an offset."""
        return self._app.clock.set(to).isoformat()

    def request_counts(self, raw: bool = False) -> dict[str, int]:
        """Requests per operation ("GET /api/invoices/{invoiceId}"), or per literal path with ``raw``."""
        ops = self._app.ops
        return dict(ops.raw_counts if raw else ops.counts)

    def reset_request_counts(self) -> None:
        self._app.ops.reset_counts()

    def hold(self, path_glob: str, after: int = 0) -> None:
        """`/api` requests whose path matches the glob wait (unanswered) until `release()`; the
        first `after` matching ones pass (a kill point after exactly N requests)."""
        self._app.ops.hold(path_glob, after)

    def held_requests(self) -> int:
        """How many requests arrived at the hold since it was set (they wait until released)."""
        return self._app.ops.held

    def release(self) -> None:
        self._app.ops.release()

    # -------------------------------------------------------------- changes

    def edit_invoice(self, invoice_id: int, company_index: int = 0, change_amounts: bool = True) -> dict[str, Any]:
        return self._app.companies[company_index].edit_invoice(invoice_id, change_amounts)

    def recreate_receipt(self, invoice_id: int, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].recreate_receipt(invoice_id)

    def invalidate_invoice(self, invoice_id: int, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].invalidate_invoice(invoice_id)

    def set_invoice_status(self, invoice_id: int, status: str, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].set_invoice_status(invoice_id, status)

    def deactivate_partner(self, partner_id: int, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].deactivate_partner(partner_id)

    def delete_product(self, product_id: int, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].delete_product(product_id)

    def add_documents(self, count: int, company_index: int = 0, kind: str = "mixed") -> dict[str, Any]:
        return self._app.companies[company_index].add_documents(count, kind)

    def rename_account(self, code: str, name: str, company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].rename_account(code, name)

    def add_field(self, stream: str, name: str = "newField", value: Any = "x",
                  company_index: int = 0) -> dict[str, Any]:
        return self._app.companies[company_index].add_field(stream, name, value)

    def set_invoiceable_api(self, enabled: bool, company_index: int = 0) -> None:
        self._app.companies[company_index].invoiceable_api_enabled = enabled
        if not enabled:
            self._app.tokens.revoke(company_index=company_index)

    def deny_rights(self, entries: Iterable[str], company_index: int = 0) -> None:
        """The company's API user may not read these endpoints or right groups (403); [] restores."""
        from .rights import expand

        self._app.companies[company_index].denied_rights = expand(entries)

    def revoke_tokens(self, token: str | None = None, company_index: int | None = None) -> int:
        return self._app.tokens.revoke(token, company_index)

    def expire_tokens(self) -> None:
        self._app.tokens.expire_all()

    def set_token_lifetime(self, seconds: int) -> None:
        self._app.tokens.lifetime = seconds

    def set_token_max_uses(self, requests: int) -> None:
        """Access tokens (new and current) stop working after this many API requests; 0 = no limit."""
        self._app.tokens.max_uses = requests

    # -------------------------------------------------------------- operations

    def set_faults(self, rate: float | None = None, kinds: Iterable[str] | None = None,
                   rules: Iterable[FaultRule | dict[str, Any]] | None = None, seed: int | None = None,
                   latency_ms: float | None = None, timeout_seconds: float | None = None) -> None:
        parsed = None if rules is None else [r if isinstance(r, FaultRule) else FaultRule(**r) for r in rules]
        self._app.ops.set_faults(rate, list(kinds) if kinds is not None else None, parsed, seed, latency_ms,
                                 timeout_seconds)

    def set_listing(self, page_size_cap: int | None = None, omit_total_count: bool | None = None,
                    drop_every: int | None = None) -> None:
        """Change the listing variants at run time (see SandboxConfig)."""
        config = self._app.config
        if page_size_cap is not None:
            config.page_size_cap = page_size_cap
        if omit_total_count is not None:
            config.omit_total_count = omit_total_count
        if drop_every is not None:
            config.listing_drop_every = drop_every

    def clear_faults(self) -> None:
        self._app.ops.set_faults(rate=0.0, rules=[], latency_ms=0.0)

    def set_rate_limit(self, rate: float, burst: float | None = None, retry_after: bool | None = None) -> None:
        self._app.ops.set_rate_limit(rate, burst, retry_after)
