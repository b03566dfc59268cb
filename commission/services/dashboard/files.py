"""The files: applications, decisions, the waiting list, allocations; the moves in and out, and the people
housed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, extract, func, literal, or_, select, union_all
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Subquery

from commission.db import UTCDateTime
from commission.documents.figures import DECISION_TRIGGERS, OFFER_TRIGGERS, Durations, Period
from commission.models.cases import Case, CaseTransition
from commission.models.followup import CaseExit, ExitReason
from commission.models.tenancy import Occupancy
from commission.services.dashboard.days import council_day, day_value, days_between, durations
from commission.services.dashboard.period import EPOCH, Rows, _state_on
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- files


def _waiting_since(found: Period, *, settled: bool = False) -> Rows:
    """(file, since): the files on the waiting list on the day, and when they first entered it since they
    were last submitted (a declined offer brings a file back to the list: its wait goes on).

    Read for the files on the list only, each through its own steps (the index on the file): first its
    last submission by the day, then its first step onto the list after it; both grouped, so that what
    reads ``since`` reads it computed once."""
    states = _state_on(CaseTransition, CaseTransition.case_id, Case, found.end, settled=settled)
    waiting = CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)
    submit, step = aliased(CaseTransition), aliased(CaseTransition)
    listed = (select(Case.id.label("id"), Case.created_at.label("created_at"), func.max(submit.at).label("submitted"))
              .join(states, states.c.id == Case.id)
              .outerjoin(submit, and_(submit.case_id == Case.id, submit.trigger == "submit", submit.at < found.end))
              .where(states.c.state.in_(waiting))
              .group_by(Case.id, Case.created_at).subquery())
    entered = (select(listed.c.id.label("id"),
                      func.coalesce(func.min(step.at), func.min(listed.c.created_at)).label("since"))
               .outerjoin(step, and_(step.case_id == listed.c.id, step.to_state.in_(waiting), step.at < found.end,
                                     or_(listed.c.submitted.is_(None), step.at > listed.c.submitted)))
               .group_by(listed.c.id).subquery())
    return select(entered.c.id, entered.c.since)


def _waiting(session: Session, found: Period, years: tuple[int, int], *, settled: bool = False) -> Durations:
    """The files on the waiting list on the day, and for how long; one query, grouped by the days waited."""
    dialect = session.get_bind().dialect.name
    source = _waiting_since(found, settled=settled).subquery()
    return durations(session, select(days_between(dialect, day_value(dialect, found.as_of),
                                                  council_day(dialect, source.c.since, years))))


def _in_year(step: Any, found: Period) -> ColumnElement[bool]:
    return and_(step.at >= found.start, step.at < found.end)


def _submissions(found: Period) -> Rows:
    """(file, when): each submission of an application within the year (a file reopened and submitted
    again is a new application)."""
    return select(CaseTransition.case_id, CaseTransition.at).where(
        CaseTransition.trigger == "submit", _in_year(CaseTransition, found))


def _with_submission(triggers: tuple[str, ...], found: Period) -> Subquery:
    """(step, file, trigger, when, submitted): each step of ``triggers`` within the year, with the file's
    last submission at or before it. Grouped (a join, not a subquery per step), so that the queries reading
    its columns several times read them as computed once."""
    earlier = aliased(CaseTransition)
    return (select(CaseTransition.id.label("id"), CaseTransition.case_id.label("case_id"),
                   CaseTransition.trigger.label("trigger"), CaseTransition.at.label("at"),
                   func.max(earlier.at).label("submitted"))
            .outerjoin(earlier, and_(earlier.case_id == CaseTransition.case_id, earlier.trigger == "submit",
                                     earlier.at <= CaseTransition.at))
            .where(CaseTransition.trigger.in_(triggers), _in_year(CaseTransition, found))
            .group_by(CaseTransition.id, CaseTransition.case_id, CaseTransition.trigger, CaseTransition.at)
            .subquery())


def _decisions(found: Period) -> Rows:
    """(file, trigger, when, submitted): each decision on an application within the year, with the
    file's submission before it."""
    steps = _with_submission(DECISION_TRIGGERS, found)
    return select(steps.c.case_id, steps.c.trigger, steps.c.at, steps.c.submitted)


def _decision_figures(session: Session, found: Period, years: tuple[int, int]) -> tuple[dict[str, int], Durations]:
    """The decisions of the year by outcome, and the days from the submission to each; one query, grouped
    by outcome and days."""
    dialect = session.get_bind().dialect.name
    source = _decisions(found).subquery()
    days = days_between(dialect, council_day(dialect, source.c.at, (found.year, found.year)),
                        council_day(dialect, source.c.submitted, years))
    grouped = select(source.c.trigger.label("trigger"), days.label("days")).subquery()
    outcomes = dict.fromkeys(DECISION_TRIGGERS, 0)
    delays: list[tuple[int, int]] = []
    for trigger, delay, count in session.execute(
            select(grouped.c.trigger, grouped.c.days, func.count()).group_by(grouped.c.trigger, grouped.c.days)):
        outcomes[trigger] += count
        if delay is not None:
            delays.append((delay, count))
    return outcomes, Durations.of_counts(delays)


def _allocations_from_waiting_list(found: Period) -> Rows:
    """(file, when, entered): each place offered within the year to a file that was on the waiting list,
    with when it entered the list (first time since its last submission). Grouped, as
    :func:`_with_submission`."""
    offers, waiting = _with_submission(OFFER_TRIGGERS, found), aliased(CaseTransition)
    entered = (select(offers.c.case_id.label("case_id"), offers.c.at.label("at"),
                      func.min(waiting.at).label("entered"))
               .join(waiting, and_(waiting.case_id == offers.c.case_id,
                                   waiting.to_state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)),
                                   waiting.at < offers.c.at,
                                   waiting.at > func.coalesce(offers.c.submitted, literal(EPOCH, UTCDateTime()))))
               .group_by(offers.c.id, offers.c.case_id, offers.c.at).subquery())
    return select(entered.c.case_id, entered.c.at, entered.c.entered)


def _allocation_durations(session: Session, found: Period, years: tuple[int, int]) -> Durations:
    """The places offered within the year to files on the waiting list, and how long each had waited;
    one query, grouped by the days waited."""
    dialect = session.get_bind().dialect.name
    source = _allocations_from_waiting_list(found).subquery()
    return durations(session, select(days_between(dialect, council_day(dialect, source.c.at, (found.year, found.year)),
                                                  council_day(dialect, source.c.entered, years))))


# ---------------------------------------------------------------- movements and people housed


def _admissions(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date >= found.first_day, Occupancy.move_in_date <= found.as_of)


def _exits(found: Period) -> ColumnElement[bool]:
    return and_(CaseExit.exit_date >= found.first_day, CaseExit.exit_date <= found.as_of)


def _movements(session: Session, found: Period) -> tuple[list[int], list[int], dict[ExitReason, int]]:
    """Move-ins and exits per quarter, and the exits by reason; one query (both grouped by month)."""
    admitted = extract("month", Occupancy.move_in_date)
    left = extract("month", CaseExit.exit_date)
    moves = union_all(
        select(literal(False).label("exit"), admitted.label("month"),
               literal(None, CaseExit.reason.type).label("reason"), func.count().label("count"))
        .where(_admissions(found)).group_by(admitted),
        select(literal(True), left, CaseExit.reason, func.count()).where(_exits(found)).group_by(left, CaseExit.reason),
    )
    admissions, exits = [0, 0, 0, 0], [0, 0, 0, 0]
    by_reason = dict.fromkeys(ExitReason, 0)
    for is_exit, number, reason, count in session.execute(moves):
        if is_exit:
            exits[(int(number) - 1) // 3] += count
            by_reason[reason] += count
        else:
            admissions[(int(number) - 1) // 3] += count
    return admissions, exits, by_reason


def _housed_on_day(found: Period) -> ColumnElement[bool]:
    """Moved in by the day, and not left by then (the day of an exit, the place has been handed back)."""
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on > found.as_of))


def _housed_in_year(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on >= found.first_day))


def _housed_counts(found: Period) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The people housed on the day, and at any time in the year, as two scalar subqueries."""
    return (select(func.count(distinct(when((_housed_on_day(found), Occupancy.case_id))))).scalar_subquery(),
            select(func.count(distinct(when((_housed_in_year(found), Occupancy.case_id))))).scalar_subquery())
