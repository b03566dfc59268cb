"""The files: applications, decisions, the waiting list, allocations; the moves in and out, and the people
housed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, extract, func, literal, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Subquery

from commission.db import UTCDateTime
from commission.documents.figures import DECISION_TRIGGERS, OFFER_TRIGGERS, Period
from commission.models.cases import Case, CaseTransition
from commission.models.followup import CaseExit, ExitReason
from commission.models.tenancy import Occupancy
from commission.services.dashboard.period import EPOCH, Rows, _council_day, _state_on
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- files


def _last_submission(found: Period) -> Subquery:
    return (select(CaseTransition.case_id.label("case_id"), func.max(CaseTransition.at).label("at"))
            .where(CaseTransition.trigger == "submit", CaseTransition.at < found.end)
            .group_by(CaseTransition.case_id).subquery())


def _waiting_since(found: Period) -> Rows:
    """(file, since): the files on the waiting list on the day, and when they first entered it since they
    were last submitted (a declined offer brings a file back to the list: its wait goes on)."""
    states = _state_on(CaseTransition, CaseTransition.case_id, Case, found.end)
    submitted = _last_submission(found)
    entered = (
        select(CaseTransition.case_id.label("case_id"), func.min(CaseTransition.at).label("at"))
        .outerjoin(submitted, submitted.c.case_id == CaseTransition.case_id)
        .where(CaseTransition.to_state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)), CaseTransition.at < found.end,
               or_(submitted.c.at.is_(None), CaseTransition.at > submitted.c.at))
        .group_by(CaseTransition.case_id).subquery()
    )
    return (select(Case.id.label("id"), func.coalesce(entered.c.at, Case.created_at).label("since"))
            .join(states, states.c.id == Case.id).outerjoin(entered, entered.c.case_id == Case.id)
            .where(states.c.state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST))))


def _waiting(session: Session, found: Period) -> list[tuple[int, int]]:
    return [(case_id, (found.as_of - _council_day(since)).days)
            for case_id, since in session.execute(_waiting_since(found)).all()]


def _in_year(step: Any, found: Period) -> ColumnElement[bool]:
    return and_(step.at >= found.start, step.at < found.end)


def _submissions(found: Period) -> Rows:
    """(file, when): each submission of an application within the year (a file reopened and submitted
    again is a new application)."""
    return select(CaseTransition.case_id, CaseTransition.at).where(
        CaseTransition.trigger == "submit", _in_year(CaseTransition, found))


def _decisions(found: Period) -> Rows:
    """(file, trigger, when, submitted): each decision on an application within the year, with the
    file's submission before it."""
    earlier = aliased(CaseTransition)
    submitted = (select(func.max(earlier.at))
                 .where(earlier.case_id == CaseTransition.case_id, earlier.trigger == "submit",
                        earlier.at <= CaseTransition.at)
                 .correlate(CaseTransition).scalar_subquery())
    return (select(CaseTransition.case_id, CaseTransition.trigger, CaseTransition.at, submitted)
            .where(CaseTransition.trigger.in_(DECISION_TRIGGERS), _in_year(CaseTransition, found)))


def _allocations_from_waiting_list(found: Period) -> Rows:
    """(file, when, entered): each place offered within the year to a file that was on the waiting list,
    with when it entered the list (first time since its last submission)."""
    submit, waiting = aliased(CaseTransition), aliased(CaseTransition)
    submitted = (select(func.max(submit.at))
                 .where(submit.case_id == CaseTransition.case_id, submit.trigger == "submit",
                        submit.at <= CaseTransition.at)
                 .correlate(CaseTransition).scalar_subquery())
    entered = (select(func.min(waiting.at))
               .where(waiting.case_id == CaseTransition.case_id,
                      waiting.to_state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)),
                      waiting.at < CaseTransition.at,
                      waiting.at > func.coalesce(submitted, literal(EPOCH, UTCDateTime())))
               .correlate(CaseTransition).scalar_subquery())
    query = (select(CaseTransition.case_id, CaseTransition.at, entered.label("entered"))
             .where(CaseTransition.trigger.in_(OFFER_TRIGGERS), _in_year(CaseTransition, found))
             .subquery())
    return select(query.c.case_id, query.c.at, query.c.entered).where(query.c.entered.is_not(None))


# ---------------------------------------------------------------- movements and people housed


def _admissions(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date >= found.first_day, Occupancy.move_in_date <= found.as_of)


def _exits(found: Period) -> ColumnElement[bool]:
    return and_(CaseExit.exit_date >= found.first_day, CaseExit.exit_date <= found.as_of)


def _movements(session: Session, found: Period) -> tuple[list[int], list[int], dict[ExitReason, int]]:
    """Move-ins and exits per quarter, and the exits by reason; two queries."""
    month = extract("month", Occupancy.move_in_date)
    admissions = [0, 0, 0, 0]
    for number, count in session.execute(select(month, func.count()).where(_admissions(found)).group_by(month)):
        admissions[(int(number) - 1) // 3] += count
    exit_month = extract("month", CaseExit.exit_date)
    exits = [0, 0, 0, 0]
    by_reason = dict.fromkeys(ExitReason, 0)
    for number, reason, count in session.execute(
            select(exit_month, CaseExit.reason, func.count()).where(_exits(found))
            .group_by(exit_month, CaseExit.reason)):
        exits[(int(number) - 1) // 3] += count
        by_reason[reason] += count
    return admissions, exits, by_reason


def _housed_on_day(found: Period) -> ColumnElement[bool]:
    """Moved in by the day, and not left by then (the day of an exit, the place has been handed back)."""
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on > found.as_of))


def _housed_in_year(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on >= found.first_day))


def _housed_counts(session: Session, found: Period) -> tuple[int, int]:
    housed, followed = session.execute(select(
        func.count(distinct(when((_housed_on_day(found), Occupancy.case_id)))),
        func.count(distinct(when((_housed_in_year(found), Occupancy.case_id)))),
    )).one()
    return int(housed), int(followed)
