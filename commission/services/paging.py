"""One page of a listing: the rows to show, and how many there are in all (counted by the database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

PER_PAGE = 50


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    pages: int

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def paginate(session: Session, query: Select[T], page: int = 1, per_page: int = PER_PAGE) -> Page[T]:
    """Two queries whatever the number of rows: the count, then one page (a page past the end shows the last)."""
    window, found = _window(session, query, page, per_page)
    return Page(list(session.execute(window).unique().scalars()), *found)


def paginate_rows(session: Session, query: Select[Any, *tuple[Any, ...]], page: int = 1,
                  per_page: int = PER_PAGE) -> Page[Row[Any]]:
    """:func:`paginate` for a query of several columns: each item is a row, not one object."""
    window, found = _window(session, query, page, per_page)
    return Page(list(session.execute(window).all()), *found)


def _window(session: Session, query: Select[Any], page: int, per_page: int) -> tuple[Select[Any], tuple[int, int, int]]:
    """The query limited to one page, and (total, page, pages); the page within 1..pages whatever was asked."""
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return query.limit(per_page).offset((page - 1) * per_page), (total, page, pages)
