"""Work done once per object, and kept with it.

Ten thousand returns made from one template share its parsed names (one cached object), so
what is worked out from them (the map of answer cells, the cells read from each sheet...) is
worked out once. Such work is kept by the identity of the objects it comes from, not by their
equality, which would cost as much as the work; the entry holds the objects themselves, so
that their ids cannot be reused by others while it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Cache = dict[int, tuple[tuple[object, ...], Any]]


def once_per(cache: Cache, owners: tuple[object, ...], make: Callable[[], T]) -> T:
    """`make()` for these objects (the first one keys the entry), worked out once."""
    entry = cache.get(id(owners[0]))
    if entry is None or any(kept is not o for kept, o in zip(entry[0], owners, strict=True)):
        entry = cache[id(owners[0])] = (owners, make())
    result: T = entry[1]
    return result
