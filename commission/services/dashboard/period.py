"""The period of the figures: a calendar year, seen as of its last day (or today); and the state a record
was in on a day, read from its step records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from commission import clock, policy
from commission.clock import COUNCIL_ZONE
from commission.documents.figures import Period
from commission.errors import NotFound
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.models.hearings import Hearing
from commission.models.housing import Place, PlaceTransition
from commission.models.treasury import DepositTransition, LedgerEntry
from commission.services.dashboard.cache import remember

FIRST_YEAR = 2000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Rows = Select[*tuple[Any, ...]]  # a query of several columns


# ---------------------------------------------------------------- the period


def _council_day(moment: datetime) -> date:
    return moment.astimezone(COUNCIL_ZONE).date()


@dataclass(frozen=True)
class Calendar:
    """What the periods depend on: the years with records (latest first), and whether every step of the
    workflows was taken by the end of today (then a record's state today is its own state)."""

    years: list[int]
    settled: bool


def available_years(session: Session, actor: User, today: date | None = None) -> list[int]:
    """The years with any record of the scheme, up to the current one, latest first; one query (none while
    the data stays the same, see :mod:`.cache`)."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    return list(calendar(session, today or clock.today()).years)


def calendar(session: Session, today: date) -> Calendar:
    return remember(session, ("calendar", today), lambda: _calendar(session, today))


def _calendar(session: Session, today: date) -> Calendar:
    end = Period(today.year, today, current=True).end
    row = session.execute(select(
        select(func.min(Case.created_at)).scalar_subquery(),
        select(func.min(Place.created_at)).scalar_subquery(),
        select(func.min(LedgerEntry.value_date)).scalar_subquery(),
        select(func.min(Hearing.day)).scalar_subquery(),
        *(select(step.id).where(step.at >= end).exists() for step in (CaseTransition, PlaceTransition,
                                                                         DepositTransition)),
    )).one()
    years = [value.year for value in row[:4] if value is not None]
    first = max(FIRST_YEAR, min([*years, today.year]))
    return Calendar(list(range(today.year, first - 1, -1)), settled=not any(row[4:]))


def period(session: Session, year: int, today: date | None = None) -> Period:
    """The year's period; a year before the scheme's records or after the current one is not found."""
    today = today or clock.today()
    years = calendar(session, today).years
    if year not in years:
        raise NotFound(msg("There are no figures for %(year)s: the years with figures are %(first)s to %(last)s.",
                           year=year, first=years[-1], last=years[0]))
    if year == today.year:
        return Period(year, today, current=True)
    return Period(year, date(year, 12, 31), current=False)


# ---------------------------------------------------------------- state on a day, from the step records


def _state_on(step: Any, owner: Any, record: Any, end: datetime, *, settled: bool = False) -> Subquery:
    """``(id, state)`` of every record created before ``end``: the state its last step before ``end`` led
    to; for a record whose steps all came later, the state the first of them left; else its state now.
    ``settled``: no step was taken at or after ``end`` (:attr:`Calendar.settled`, for the end of today), so
    that is the record's own state."""
    if settled:
        return select(record.id.label("id"), record.state.label("state")).where(record.created_at < end).subquery()
    before = (select(owner.label("owner"), step.to_state.label("state"),
                     func.row_number().over(partition_by=owner, order_by=(step.at.desc(), step.id.desc()))
                     .label("n"))
              .where(step.at < end).subquery())
    after = (select(owner.label("owner"), step.from_state.label("state"),
                    func.row_number().over(partition_by=owner, order_by=(step.at, step.id)).label("n"))
             .where(step.at >= end).subquery())
    return (
        select(record.id.label("id"), func.coalesce(before.c.state, after.c.state, record.state).label("state"))
        .outerjoin(before, and_(before.c.owner == record.id, before.c.n == 1))
        .outerjoin(after, and_(after.c.owner == record.id, after.c.n == 1))
        .where(record.created_at < end)
        .subquery()
    )
