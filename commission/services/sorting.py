"""The order of a listing: a whitelisted key from the query string, applied in SQL by the service.

Each listing names the columns it may be sorted by (``{"due": (Case.due_date,), ...}``); the web reads
``?sort=due`` or ``?sort=-due`` through :func:`commission.parsing.as_sort` against those keys, and a key it
does not know leaves the listing in its own order. Sorting is one ``ORDER BY`` of the page's query, so
the number of queries stays what :func:`commission.services.paging.paginate` makes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case

from commission.parsing import as_sort

Columns = Mapping[str, Sequence[Any]]  # each key's columns or SQL expressions, in order
Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class Sort:
    """A listing's chosen order; ``key`` None is the listing's default order."""

    key: str | None = None
    descending: bool = False

    @classmethod
    def read(cls, text: object, columns: Columns) -> Sort:
        found = as_sort(text, columns.keys())
        return cls() if found is None else cls(*found)

    @property
    def param(self) -> str | None:
        """The query string's value for this order (None for the default order, which needs none)."""
        if self.key is None:
            return None
        return f"-{self.key}" if self.descending else self.key

    def toggled(self, key: str) -> str:
        """The value a column header links to: its key ascending, or descending when already ascending."""
        return f"-{key}" if self.key == key and not self.descending else key

    def direction(self, key: str) -> str | None:
        """``aria-sort``'s value for a column: "ascending", "descending", or None when not sorted by it."""
        if self.key != key:
            return None
        return "descending" if self.descending else "ascending"


def in_machine_order(column: Any, states: Sequence[Any]) -> ColumnElement[Any]:
    """A state column sorted as its machine lists its states (a draft before a submitted file), not by name."""
    return case({spec.name: position for position, spec in enumerate(states)}, value=column)


def ordered(query: Query, columns: Columns, sort: Sort, default: Sequence[Any], tiebreak: Any) -> Query:
    """The query in the chosen order (empty values last, whatever the direction), then a stable tiebreak;
    in the listing's default order when no key is chosen."""
    if sort.key is None or sort.key not in columns:
        return query.order_by(*default)
    clauses: list[Any] = []
    for column in columns[sort.key]:
        clauses += [column.is_(None), column.desc() if sort.descending else column.asc()]
    return query.order_by(*clauses, tiebreak)
