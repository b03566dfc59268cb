"""The hearings a user chairs or sits at, for their home page: the coming ones first (date, time, place, the
agenda's size), then the last ones held, with the documents the policy lets them read and the session on the
day. A bounded number of queries, whatever the number of hearings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.models.accounts import User
from commission.models.hearings import AgendaItem, Hearing, Minutes, MinutesStatus
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

COMING_SHOWN = 4
HELD_SHOWN = 2


@dataclass(frozen=True)
class SeatHearing:
    """One hearing on a member's home page, with what they may open of it."""

    hearing: Hearing
    items: int  # the agenda's size
    chairs: bool  # the user chairs it
    agenda: bool  # may read the agenda
    convocations: bool  # may read the convocation letters (the coordinator, once convened)
    minutes: Minutes | None  # the latest version of the minutes they may read
    full_minutes: bool  # reads the full minutes (else the version for distribution)
    session_today: bool  # the session is today and they run it


def seat_hearings(session: Session, actor: User, today: date | None = None) -> list[SeatHearing]:
    """The hearings the actor chairs or sits at (everyone with a seat is invited to every hearing): the
    coming ones, soonest first, then the last ones held, latest first. Two queries (one when there is none)."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    if not policy.has_seat(actor):
        return []
    today = today or clock.today()
    takes_place = Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE))
    coming = (select(Hearing.id).where(takes_place, Hearing.day >= today).order_by(Hearing.day, Hearing.id)
              .limit(COMING_SHOWN).subquery())
    held = (select(Hearing.id).where(takes_place, Hearing.day < today)
            .order_by(Hearing.day.desc(), Hearing.id.desc()).limit(HELD_SHOWN).subquery())
    size = (select(func.count(AgendaItem.id)).where(AgendaItem.hearing_id == Hearing.id)
            .correlate(Hearing).scalar_subquery())
    rows = session.execute(
        select(Hearing, size).options(joinedload(Hearing.town), joinedload(Hearing.chair))
        .where(or_(Hearing.id.in_(select(coming.c.id)), Hearing.id.in_(select(held.c.id))))
    ).all()
    if not rows:
        return []
    found = sorted(rows, key=lambda row: (row[0].day < today, abs((row[0].day - today).days), row[0].id))
    minutes: dict[int, list[Minutes]] = {}
    for version in session.execute(select(Minutes).where(Minutes.hearing_id.in_([row[0].id for row in rows]))
                                   ).scalars():
        minutes.setdefault(version.hearing_id, []).append(version)
    agenda = bool(policy.document_fields(actor, policy.Document.AGENDA))
    convocations = bool(policy.document_fields(actor, policy.Document.CONVOCATIONS))
    fields = policy.minutes_fields(actor)
    return [SeatHearing(
        hearing=hearing, items=items, chairs=hearing.chair_id == actor.id, agenda=agenda,
        convocations=convocations and HEARING_MACHINE.means(hearing.state, Tag.TAKES_PLACE)
        and not HEARING_MACHINE.means(hearing.state, Tag.AGENDA_OPEN),
        minutes=_readable_minutes(actor, hearing, minutes.get(hearing.id, [])) if fields else None,
        full_minutes=fields == policy.FULL_MINUTES,
        session_today=hearing.day == today and HEARING_MACHINE.means(hearing.state, Tag.ATTENDANCE_OPEN)
        and policy.can(actor, policy.Action.RUN_SESSION, hearing),
    ) for hearing, items in found]


def _readable_minutes(actor: User, hearing: Hearing, versions: list[Minutes]) -> Minutes | None:
    """The latest minutes the actor reads: signed ones for every reader; drafts for who writes them."""
    writes = (policy.can(actor, policy.Action.EDIT_MINUTES, hearing)
              or policy.can(actor, policy.Action.MANAGE_HEARINGS))
    readable = [minutes for minutes in versions if writes or minutes.status is MinutesStatus.SIGNED]
    return max(readable, key=lambda minutes: minutes.number, default=None)
