"""A read-only sequence over stored rows, each made into the object a reader sees when read.

The record log and the call log keep compact rows and hand out fresh records or
dicts: this is their one list-like face (index, slice, iterate, ``len``, equal
to a list of the same items).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

__all__ = ["ReadSeq"]

T = TypeVar("T")


class ReadSeq(Sequence[T]):
    """Subclasses give ``_rows`` (the stored rows) and ``_make`` (a row as read)."""

    __slots__ = ()
    _rows: Sequence[Any]

    @abc.abstractmethod
    def _make(self, row: Any) -> T:
        """The object a reader sees for one stored row."""

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._make(r) for r in self._rows[index]]
        return self._make(self._rows[index])

    def __iter__(self) -> Iterator[T]:
        make = self._make
        for row in self._rows:
            yield make(row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ReadSeq, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
