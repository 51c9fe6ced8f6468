"""The stream registry: every table the loader can land, declared as data."""

from loader.streams.registry import REGISTRY, StreamSpec, get_stream

__all__ = ["REGISTRY", "StreamSpec", "get_stream"]
