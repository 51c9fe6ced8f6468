"""How the C heap of a loader process is laid out, so its memory stays flat (issue 11).

The loader reads the API on several threads while DuckDB, which in its Python wheel allocates with
the C library's malloc, parses and commits on others. glibc gives new threads arenas of their own,
up to 8 per core, and memory freed in one arena is reused only by allocations made there. A
stream's commit allocates a lot in one arena and frees it; the next burst lands in another, and
the process keeps both. Two arenas kept the peak RSS of a 300 k-document initial sync 24 MB lower
(241 → 217 MB) at the same CPU time; one arena did no better, a fixed mmap threshold cost 13 % more
CPU for nothing, and malloc_trim after each commit changed nothing (docs/performance.md).

A user who tunes glibc through the environment (MALLOC_ARENA_MAX, GLIBC_TUNABLES) keeps that.
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def _tuned_by_environment() -> bool:
    return "MALLOC_ARENA_MAX" in os.environ or "malloc.arena_max" in os.environ.get("GLIBC_TUNABLES", "")


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas`; True if done. Call it before the process starts threads:
    arenas made before stay. A no-op off Linux, on a C library without mallopt (musl) or when the
    environment already says how many arenas to use."""
    if not sys.platform.startswith("linux") or _tuned_by_environment():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas) == 1)

