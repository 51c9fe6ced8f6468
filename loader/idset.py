"""A set of record ids that stays small at a million records.

A stream's run remembers which ids it listed and wrote (to read each record once, to tell deleted
ones, to hand a parent's ids to its children). As Python `set`s of strings that costs ≈ 90 bytes an
id, several hundred MB for a 1 M-document account. Procountor's ids are integers: `IdSet` keeps
those in a sorted NumPy array (8 bytes an id) with a small Python set in front for the newest, and
anything else (composite keys, text ids) in a plain set. It behaves like a `set[str]` for what the
engine does with it: add, `in`, iterate (as the same strings), len, and `other_set - ids`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

_FLUSH = 65_536  # newest ids kept as Python ints before they join the array
_MAX_DIGITS = 18  # fits int64 whatever the digits


def _as_int(value: str) -> int | None:
    """The integer an id string spells in canonical form (no sign, no leading zero), else None, so
    that str(int) gives back the very same string."""
    if value.isdigit() and value.isascii() and len(value) <= _MAX_DIGITS and (value[0] != "0" or value == "0"):
        return int(value)
    return None


class IdSet:
    def __init__(self, values: Iterable[str] = ()) -> None:
        self._array = np.empty(0, dtype=np.int64)
        self._recent: set[int] = set()
        self._other: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        number = _as_int(value)
        if number is None:
            self._other.add(value)
            return
        # No look-up in the array: a repeat is merged away at the next flush (len() flushes).
        self._recent.add(number)
        if len(self._recent) >= _FLUSH:
            self._flush()

    def add_new(self, values: list[str]) -> list[bool]:
        """Add each value; True where it was not in the set before (the first of a value twice in
        `values` only). One vectorised look-up for the lot, for listing pages."""
        numbers = [_as_int(v) for v in values]
        in_array: set[int] = set()
        ints = [n for n in numbers if n is not None]
        if ints and self._array.size:
            wanted = np.array(ints, dtype=np.int64)
            at = np.minimum(np.searchsorted(self._array, wanted), self._array.size - 1)
            in_array = set(wanted[self._array[at] == wanted].tolist())
        out = []
        for value, number in zip(values, numbers, strict=True):
            if number is None:
                out.append(value not in self._other)
                self._other.add(value)
            else:
                out.append(number not in self._recent and number not in in_array)
                self._recent.add(number)
                in_array.add(number)  # a repeat later in `values` is not new
        if len(self._recent) >= _FLUSH:
            self._flush()
        return out

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add(value)

    def _flush(self) -> None:
        """Merge the newest ids into the sorted array. Not `np.union1d`: since NumPy 2.3 it builds a
        hash set of every id (≈ 70 bytes an id outside NumPy's own arrays), so each flush of a
        1.5 M-id set briefly took ≈ 100 MB, two sets flushing at once ≈ 270 MB. A binary search and
        one insert need the old and the new array and a few arrays the size of the batch."""
        if not self._recent:
            return
        fresh = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
        self._recent = set()
        fresh.sort()
        array = self._array
        at = np.searchsorted(array, fresh)
        if array.size:
            new = array[np.minimum(at, array.size - 1)] != fresh  # a repeat of an id already kept
            fresh, at = fresh[new], at[new]
        self._array = np.insert(array, at, fresh)  # sorted, each id once

    def _in_array(self, number: int) -> bool:
        array = self._array
        if not array.size:
            return False
        i = int(np.searchsorted(array, number))
        return i < array.size and int(array[i]) == number

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        number = _as_int(value)
        if number is None:
            return value in self._other
        return number in self._recent or self._in_array(number)

    def __len__(self) -> int:
        self._flush()
        return int(self._array.size) + len(self._other)

    def __iter__(self) -> Iterator[str]:
        self._flush()
        array = self._array
        for chunk in range(0, int(array.size), 10_000):
            yield from (str(n) for n in array[chunk: chunk + 10_000].tolist())
        yield from list(self._other)

    def __rsub__(self, other: Iterable[str]) -> set[str]:
        """`a_set - ids`: the members of `a_set` not in this one."""
        return {value for value in other if value not in self}

    def __bool__(self) -> bool:
        return len(self) > 0
