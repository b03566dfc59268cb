"""Days in SQL: the council's day of a moment, and the days between two days, so that the queries can
group the records by how long they took (a duration is counted per day, as the council's calendar says).

PostgreSQL knows the time zones (``timezone('Europe/Paris', at)``). SQLite knows none: the moment, kept
in UTC, is moved by the offset in force at that moment, which a ``CASE`` reads from the list of the
zone's changes of offset over the years asked for (two a year where summer time is kept), worked out
here from the zone's own rules (:mod:`zoneinfo`). Both say what ``moment.astimezone(COUNCIL_ZONE).date()``
says, which the tests check around every change of offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, Select, String, bindparam, case, cast, func, literal, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from commission.clock import COUNCIL_ZONE
from commission.db import UTCDateTime
from commission.documents.figures import Durations


def _offset(moment: datetime) -> timedelta:
    found = moment.astimezone(COUNCIL_ZONE).utcoffset()
    assert found is not None  # a ZoneInfo always has one
    return found


@lru_cache(maxsize=16)
def offset_changes(first_year: int, last_year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """The council's offsets from UTC over the years given: ``(from, offset)``, the first from 1 January of
    the first year; each change found to the second (a day's step, then halving)."""
    start, end = datetime(first_year, 1, 1, tzinfo=UTC), datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = [(start, _offset(start))]
    moment = start
    while moment < end:
        following = moment + timedelta(days=1)
        if _offset(following) != changes[-1][1]:
            low, high = int(moment.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(datetime.fromtimestamp(middle, UTC)) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changed = datetime.fromtimestamp(high, UTC)
            changes.append((changed, _offset(changed)))
        moment = following
    return tuple(changes)


def _modifier(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    return f"{seconds:+d} seconds"


def council_day(dialect: str, moment: ColumnElement[Any], years: tuple[int, int]) -> ColumnElement[Any]:
    """The council's day of a UTC moment (a column or an expression), as a date the dialect compares and
    subtracts; ``years``: the first and last years the moments may fall in (outside, the offset of the
    nearest end)."""
    if dialect == "postgresql":
        return cast(func.timezone(COUNCIL_ZONE.key, moment), Date)
    if dialect != "sqlite":
        raise NotImplementedError(dialect)
    changes = offset_changes(*years)
    # The latest change first: most moments counted are recent, and the first condition that holds wins.
    whens = [(moment >= bindparam(None, changed, type_=UTCDateTime()), literal(_modifier(offset), String()))
             for changed, offset in reversed(changes[1:])]
    first = literal(_modifier(changes[0][1]), String())
    offset = case(*whens, else_=first) if whens else first
    # To the second: SQLite reads the fraction to the millisecond, rounded (23:59:59.9999 would be the next day).
    return func.date(func.substr(moment, 1, 19), offset)


def day_value(dialect: str, day: date) -> ColumnElement[Any]:
    """A day given, as :func:`council_day` gives days."""
    if dialect == "postgresql":
        return cast(literal(day, Date()), Date)
    return literal(day.isoformat(), String())


def days_between(dialect: str, later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[int]:
    """How many days from ``earlier`` to ``later`` (two days as :func:`council_day` gives them), or NULL."""
    if dialect == "postgresql":
        return type_coerce(later - earlier, Integer())
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def durations(session: Session, days: Select[tuple[int]]) -> Durations:
    """The durations a query of one column of days gives (NULL: not counted), grouped by days in SQL."""
    source = days.subquery()
    column = next(iter(source.c))
    return Durations.of_counts((int(value), int(count)) for value, count in session.execute(
        select(column, func.count()).where(column.is_not(None)).group_by(column)))


def days_after(dialect: str, day: Any, days: Any) -> ColumnElement[Any]:
    """The day ``days`` days after ``day`` (a date column and a number of days, in SQL), a date."""
    if dialect == "postgresql":
        return cast(day + days, Date)
    return type_coerce(func.date(day, cast(days, String) + literal(" days", String())), Date())
