"""Local Procountor API simulator: a generated Finnish company behind a faithful HTTP API.

See docs/sandbox.md. Typical use::

    from loader.sandbox import SandboxServer, SandboxConfig
    with SandboxServer(SandboxConfig(seed=1, documents=500)) as sb:
        ...  # sb.base_url, sb.credentials(), sb.truth.records("invoices")
"""

from .app import STREAMS
from .config import FaultRule, SandboxConfig
from .server import SandboxServer

__all__ = ["STREAMS", "FaultRule", "SandboxConfig", "SandboxServer"]
