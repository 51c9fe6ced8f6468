"""The extraction engine's entry point, kept for its callers: the engine lives in loader/engine/
(see its package docstring for the map), the streams in loader/streams/registry.py."""

from __future__ import annotations

from loader.engine.context import RunSummary, StreamResult
from loader.engine.run import Extractor

__all__ = ["Extractor", "RunSummary", "StreamResult"]
