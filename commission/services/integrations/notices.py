"""A landlord's notice, through the API, that one of its places is or will be available from a date.

A notice is not a step of the place machine: the coordinator confirms it (recorded, who and when; the place's own
steps are then taken on the place's page) or dismisses it. Every write is audited.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, parsing
from commission.errors import InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.integrations import AvailabilityNotice, IntegrationToken, NoticeStatus
from commission.policy import Action, require
from commission.policy.integrations import Scope
from commission.services import audit, unit
from commission.services.integrations import reads

COMMENT_LIMIT = 2000
AHEAD_DAYS = 366  # a notice announces a date within a year


def actor_name(token: IntegrationToken) -> str:
    """How the audit trail names a token that acted (it is no user)."""
    return f"api:{token.prefix}"[:200]


def notice_data(notice: AvailabilityNotice) -> dict[str, object]:
    return {"id": notice.id, "place_id": notice.place_id, "available_from": notice.available_from.isoformat(),
            "comment": notice.comment, "status": notice.status.value,
            "created_at": reads._moment(notice.created_at), "decided_at": reads._moment(notice.decided_at)}


def declare(session: Session, token: IntegrationToken, place_id: int, *, available_from: object,
            comment: object) -> AvailabilityNotice:
    place = reads.place(session, token, place_id, Scope.PLACES_DECLARE)
    errors: dict[str, list[Message]] = {}
    today = clock.today()
    day = parsing.collect(errors, parsing.parse_date, available_from, "available_from",
                          first=today - timedelta(days=AHEAD_DAYS), last=today + timedelta(days=AHEAD_DAYS))
    text = parsing.collect(errors, parsing.parse_text, comment, "comment", limit=COMMENT_LIMIT)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    notice = AvailabilityNotice(place_id=place.id, token_id=token.id, available_from=day, comment=text or "")
    session.add(notice)
    unit.flush(session)
    audit.record(session, None, "availability_notice.created", "availability_notice", notice.id,
                 {"place_id": place.id, "available_from": day.isoformat(), "token_id": token.id},
                 actor_name=actor_name(token))
    return notice


def waiting(session: Session, actor: User, place_id: int | None = None) -> list[AvailabilityNotice]:
    """The notices waiting for the coordinator (of one place, when given)."""
    require(actor, Action.MANAGE_STOCK)
    query = (select(AvailabilityNotice)
             .options(joinedload(AvailabilityNotice.place), joinedload(AvailabilityNotice.token))
             .where(AvailabilityNotice.status == NoticeStatus.WAITING))
    if place_id is not None:
        query = query.where(AvailabilityNotice.place_id == place_id)
    return list(session.scalars(query.order_by(AvailabilityNotice.available_from, AvailabilityNotice.id)))


def decide(session: Session, actor: User, notice_id: int, *, confirm: bool) -> AvailabilityNotice:
    """Confirm (the place is or will be available: its own steps follow on its page) or dismiss a notice."""
    require(actor, Action.MANAGE_STOCK)
    notice = session.execute(unit.locked(select(AvailabilityNotice).where(AvailabilityNotice.id == notice_id))
                             ).scalar_one_or_none()
    if notice is None:
        raise NotFound()
    place = session.get(Place, notice.place_id)
    require(actor, Action.MANAGE_STOCK, place)
    if notice.status is not NoticeStatus.WAITING:
        raise TransitionRefused(msg("This notice has already been dealt with."))
    notice.status = NoticeStatus.CONFIRMED if confirm else NoticeStatus.DISMISSED
    notice.decided_at = clock.now()
    notice.decided_by_id = actor.id
    unit.flush(session)
    audit.record(session, actor, f"availability_notice.{notice.status.value}", "availability_notice", notice.id,
                 {"place_id": notice.place_id, "available_from": notice.available_from.isoformat()})
    return notice

