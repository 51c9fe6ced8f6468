"""IdSet behaves like the set of strings it replaces (correctness against Python's set, the
reference), for the id shapes an API may send: canonical integers, leading zeros, text, huge."""

from __future__ import annotations

import random

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
