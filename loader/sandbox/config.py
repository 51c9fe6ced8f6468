"""Configuration of one sandbox server (shared by the CLI and the Python API)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_CLOCK_START = "2026-11-30T12:00:00"


@dataclass
class FaultRule:
    """A scripted fault: the ``nth`` request (1-based) matching ``path`` (fnmatch glob) gets ``fault``.

    ``repeat`` > 1 also hits the following ``repeat - 1`` matching requests (``0`` = every one from nth on).
    Fault kinds: ``500``, ``502``, ``503``, ``429``, ``timeout``, ``reset``, ``truncated``, ``invalid_json``;
    scripted rules also take ``403`` (no rights) and ``404`` (endpoint not offered).
    """

    path: str
    fault: str
    nth: int = 1
    repeat: int = 1
    method: str = "*"


REPORT_LAYOUTS = ("statutory", "accounts", "english")
LEDGER_ACCOUNT_VALUES = ("movement", "closing", "mixed")
FAULT_KINDS = ("500", "502", "503", "timeout", "reset", "truncated", "invalid_json")


@dataclass
class SandboxConfig:
    """Every knob of the simulator. Defaults give a small deterministic company."""

    seed: int = 1
    documents: int = 500
    companies: int = 1
    host: str = "127.0.0.1"
    port: int = 0
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    # api_key of company i (0-based) is api_key for i == 0 and f"{api_key}-{i + 1}" after that.
    api_key: str = "sandbox-api-key"
    redirect_uri: str | None = None  # registered redirect URI; None accepts any http(s) URI
    token_lifetime: int = 3600
    token_max_uses: int = 0  # an access token expires after this many API requests too (0: never)
    invoiceable_api_disabled: bool = False  # applies to every company; see also per-company control
    rate_limit: float = 60.0  # requests per second per client; 0 disables
    rate_burst: float | None = None  # bucket size; defaults to rate_limit
    retry_after: bool = True  # send Retry-After on 429
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    fault_seed: int | None = None  # defaults to seed
    fault_rules: list[FaultRule] = field(default_factory=list)
    timeout_fault_seconds: float = 15.0  # how long a "timeout" fault stalls before closing
    clock_start: str = DEFAULT_CLOCK_START  # naive Europe/Helsinki local time (or ISO with an offset)
    # The zone `version`/`created` are written in, and version/created filters read in (the API
    # documents none): "Europe/Helsinki" or "UTC". SANDBOX_VERSION_ZONE sets the default, so a
    # whole test suite can run against a UTC-stamping server.
    version_zone: str = field(default_factory=lambda: os.environ.get("SANDBOX_VERSION_ZONE") or "Europe/Helsinki")
    clock_running: bool = False  # False: time stands still unless advanced (deterministic)
    db_dir: str | None = None  # where the per-company SQLite index lives; None = a temp dir
    # Derive and store every invoice's and ledger receipt's body before listening (bodies.py), so a
    # benchmark's sync measures the loader rather than the sandbox deriving bodies on demand.
    precompute_bodies: bool = False
    precompute_processes: int = 1  # processes that precompute (forked; the CLI defaults to the CPU count)
    # Listing variants of servers other than Procountor's documented one (see docs/sandbox.md):
    page_size_cap: int = 0  # serve at most this many rows a page, whatever `size` asked; meta echoes `size`
    omit_total_count: bool = False  # no `meta.totalCount` in paged answers (older API versions)
    listing_drop_every: int = 0  # N > 0: paged listings leave out every record whose id is a multiple of N
    # The API is served at /api and at the pinned roots /vYYMM/api, /latest/api, /supported/api;
    # numbered versions listed here answer 404 (a pin past its ~9 months of support).
    retired_api_versions: tuple[str, ...] = ()
    # What GET /products/groups answers without `type` (the API documents no default; for
    # /products it is SALES and PURCHASE). With `type` it answers that register's groups.
    product_groups_without_type: tuple[str, ...] = ("SALES", "PURCHASE")
    product_groups_ignore_type: bool = False  # a server that answers every group whatever `type` says
    # company index → endpoints (or right groups, see rights.py) its API user may not read: 403
    denied_rights: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # How each company's reports look where the contract leaves it open (company i takes entry
    # i % len): the /reports/accounting layout ("statutory", "accounts": account rows plus totals
    # named otherwise, "english": statutory lines with English names), and what /reports/ledgeraccounts
    # values are ("movement" in the period, "closing" balances, "mixed": closing for balance-sheet
    # accounts, movement for income-statement ones).
    report_layouts: tuple[str, ...] = ("statutory",)
    ledger_account_values: tuple[str, ...] = ("movement",)

    def report_layout_for(self, company_index: int) -> str:
        return self.report_layouts[company_index % len(self.report_layouts)]

    def ledger_account_values_for(self, company_index: int) -> str:
        return self.ledger_account_values[company_index % len(self.ledger_account_values)]

    def api_key_for(self, company_index: int) -> str:
        return self.api_key if company_index == 0 else f"{self.api_key}-{company_index + 1}"
