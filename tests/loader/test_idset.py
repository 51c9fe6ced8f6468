"""IdSet behaves like the set of strings it replaces (correctness against Python's set, the
reference), for the id shapes an API may send: canonical integers, leading zeros, text, huge."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from loader import idset
from loader.idset import IdSet


def _ids(rng: random.Random, n: int) -> list[str]:
    shapes = [lambda: str(rng.randrange(1, 10**9)), lambda: str(rng.randrange(0, 50)),
              lambda: "0" + str(rng.randrange(1, 99)), lambda: f"{rng.randrange(10)}:{rng.randrange(10)}",
              lambda: str(rng.randrange(10**18, 10**20)), lambda: "x" + str(rng.randrange(9)), lambda: "0"]
    return [rng.choice(shapes)() for _ in range(n)]


@pytest.mark.parametrize("seed", range(20))
def test_idset_equals_a_python_set(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idset, "_FLUSH", 16)  # many flushes into the array
    rng = random.Random(seed)
    ref: set[str] = set()
    ids = IdSet()
    for _ in range(30):
        batch = _ids(rng, rng.randrange(0, 40))
        if rng.random() < 0.5:
            expected = []
            for value in batch:
                expected.append(value not in ref)
                ref.add(value)
            assert ids.add_new(batch) == expected
        else:
            for value in batch:
                ids.add(value)
                ref.add(value)
        probe = _ids(rng, 20) + batch
        assert [p in ids for p in probe] == [p in ref for p in probe]
        assert len(ids) == len(ref)
    assert sorted(ids) == sorted(ref)
    other = set(_ids(rng, 50)) | set(list(ref)[:10])
    assert other - ids == other - ref
    assert set(IdSet(ref)) == ref


def test_idset_stays_small_for_a_million_integer_ids() -> None:
    ids = IdSet(str(i) for i in range(10_000_000, 11_000_000))
    assert len(ids) == 1_000_000
    assert ids._array.nbytes <= 8_000_000 and not ids._recent
    assert "10500000" in ids and "9999999" not in ids and "010500000" not in ids


_FLUSH_PEAK = """
import numpy as np
from loader.idset import IdSet

def status_kb(key):  # VmHWM, not getrusage: ru_maxrss survives exec and would count pytest's own
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key))

ids = IdSet()
ids._array = np.arange(10_000_000, 10_000_000 + 3 * 1_500_000, 3, dtype=np.int64)
for n in range(65_535):
    ids.add(str(20_000_000 + n))
before = status_kb("VmRSS")
ids.add("30000000")  # the 65 536th: the flush
assert not ids._recent and ids._array.size == 1_565_536
print((status_kb("VmHWM") - before) // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_merging_new_ids_into_a_large_set_needs_little_more_than_the_array() -> None:
    """Memory, not speed: merging 65 536 new ids into 1.5 M (a 12 MB array) may take the new array
    and a few batch-sized ones, not a hash set of every id (np.union1d since NumPy 2.3: +100 MB,
    twice at once in a run, the 1 M-document run's RSS spike). Measured in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _FLUSH_PEAK], capture_output=True, text=True, check=True)
    assert int(out.stdout) < 40, f"the flush raised peak RSS by {out.stdout.strip()} MB"
