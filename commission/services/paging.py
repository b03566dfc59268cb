"""One page of a listing: the rows to show, and how many there are in all (counted by the database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
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
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().scalars()
    return Page(list(rows), total, page, pages)
