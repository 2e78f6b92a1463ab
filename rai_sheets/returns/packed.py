"""A returned file's answers and scores, kept in little memory.

Ten thousand returns hold millions of answers and scores. As dicts, each file carries its own
copy of every key (a risk assessment has 567 inputs and 242 metrics) and a hash table per
mapping: about 60 KB a file in the process that consolidates them. `Packed` is a read-only
mapping over one tuple of names, shared by every file of a questionnaire, and a tuple of
values in the same order: a few KB a file. It reads like the dict it replaces; an entry the
dict did not have (a blank answer) is simply not there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .per_object import Cache, once_per

_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple of names per layout
_INDEX: Cache = {}  # names -> their index


class _Absent:
    """Marks a name the mapping does not hold (pickled by name: one object in any process)."""

    def __reduce__(self) -> str:
        return "ABSENT"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


class Packed(Mapping[str, Any]):
    __slots__ = ("_index", "_names", "_values")

    def __init__(self, names: tuple[str, ...], values: tuple[Any, ...]):
        self._names = _NAMES.setdefault(names, names)
        self._index = once_per(
            _INDEX, (self._names,), lambda: {n: i for i, n in enumerate(self._names)}
        )
        self._values = values

    @classmethod
    def of(cls, names: tuple[str, ...], mapping: Mapping[str, Any]) -> Mapping[str, Any]:
        """The mapping packed over `names`; unchanged if it holds a name not among them."""
        if not mapping.keys() <= set(names):
            return mapping
        return cls(names, tuple(mapping.get(n, ABSENT) for n in names))

    def __getitem__(self, key: str) -> Any:
        at = self._index.get(key)
        value = ABSENT if at is None else self._values[at]
        if value is ABSENT:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        at = self._index.get(key)
        value = ABSENT if at is None else self._values[at]
        return default if value is ABSENT else value

    def __contains__(self, key: object) -> bool:
        at = self._index.get(key) if isinstance(key, str) else None
        return at is not None and self._values[at] is not ABSENT

    def __iter__(self) -> Iterator[str]:
        return (n for n, v in zip(self._names, self._values, strict=True) if v is not ABSENT)

    def __len__(self) -> int:
        return len(self._values) - self._values.count(ABSENT)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((n, v) for n, v in zip(self._names, self._values, strict=True) if v is not ABSENT)

    def row(self, names: tuple[str, ...]) -> list[Any]:
        """The values of `names` in order, None where there is none (a frame's row)."""
        if names is not self._names and names != self._names:
            return [self.get(n) for n in names]
        return [None if v is ABSENT else v for v in self._values]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Packed, (self._names, self._values))

    def __repr__(self) -> str:
        return f"Packed({dict(self.items())!r})"
