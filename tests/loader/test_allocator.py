"""The loader caps glibc's malloc arenas before it starts threads (loader.allocator): a process that
runs eight threads which all allocate has at most two heaps. Counted from glibc's own report
(malloc_info), in a fresh process each, since arenas cannot be undone. Linux with glibc only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
                                reason="glibc malloc arenas")

# Starts eight threads that each malloc while the others hold theirs, then prints how many heaps
# (arenas) glibc reports. `setup` runs first, before any thread.
PROBE = """
import ctypes, threading, sys
{setup}
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    blocks = [libc.malloc(4096) for _ in range(100)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
out = libc.fopen(b"{path}", b"w")
libc.malloc_info(0, ctypes.c_void_p(out))
libc.fclose(ctypes.c_void_p(out))
print(open("{path}").read().count("<heap nr="))
"""


def _heaps(tmp_path: Path, setup: str, env: dict[str, str] | None = None) -> int:
    code = PROBE.format(setup=setup, path=tmp_path / "malloc_info.xml")
    environ = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    out = subprocess.run([sys.executable, "-c", code], env={**environ, **(env or {})}, capture_output=True,
                         text=True, check=True)
    return int(out.stdout.strip())


def test_without_the_cap_eight_threads_make_more_than_two_heaps(tmp_path: Path) -> None:
    """The control: shows the probe can tell (glibc's default allows 8 arenas per core)."""
    assert _heaps(tmp_path, "") > 2


def test_the_command_line_caps_malloc_arenas_at_two(tmp_path: Path) -> None:
    setup = ("from click.testing import CliRunner\nfrom loader.cli import main\n"
             "assert CliRunner().invoke(main, ['runs', '--help']).exit_code == 0")
    assert _heaps(tmp_path, setup) <= 2


def test_an_arena_setting_from_the_environment_is_kept(tmp_path: Path) -> None:
    setup = "from loader.allocator import limit_malloc_arenas\nassert limit_malloc_arenas() is False"
    # The environment's four arenas, not the loader's two.
    assert 2 < _heaps(tmp_path, setup, {"MALLOC_ARENA_MAX": "4"}) <= 4
