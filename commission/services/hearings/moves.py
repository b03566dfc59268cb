"""A hearing that moves: the step of the hearing machine with its reason, the dated record of the move (from,
to, why, who), and who is told: a new convocation letter to each person on the agenda, their guardian and
their care team, and an updated calendar invitation (its SEQUENCE raised) to each of them and each member
invited. The letters and invitations are the hearing's documents (``hearing_documents``), drawn for the move.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from commission import policy
from commission.errors import NotFound
from commission.models.accounts import User
from commission.models.hearings import Hearing, HearingMove, HearingNotice, ItemKind
from commission.services import audit
from commission.services.hearings.agenda import _set_time_slots
from commission.services.hearings.reading import _record, items
from commission.services.hearings.session import seated
from commission.services.unit import flush
from commission.workflow import engine
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

MOVE = "move"  # the hearing machine's step

# Who is told of a move, in the order the record lists them.
NOTICE_ROLES = ("person", "guardian", "care_team", "member")


def record_move(session: Session, actor: User, hearing: Hearing, before: tuple[date, time, str], to_place: str,
                reason: str, *, today: date) -> HearingMove:
    """Record a move whose new details are already on the hearing. A convened hearing takes the machine's step
    (its reason in the timeline), its time slots are set again and everyone concerned is told; a hearing not
    yet convened (postponed out of its quarter) has the move recorded only: nobody was convened yet."""
    convoked = HEARING_MACHINE.means(hearing.state, Tag.CONVOKED)
    if convoked:
        context = engine.FireContext(actor=actor, today=today, reason=reason, values={"moved": True})
        fired = engine.fire(HEARING_MACHINE, hearing, MOVE, context)
        hearing.invitation_sequence += 1
        _set_time_slots(hearing)
        flush(session)
        _record(session, hearing, actor, MOVE, fired.source, fired.dest, reason)
    from_day, from_time, from_place = before
    move = HearingMove(hearing_id=hearing.id, actor_id=actor.id, actor_name=actor.display_name, reason=reason,
                       from_day=from_day, from_time=from_time, from_place=from_place, to_day=hearing.day,
                       to_time=hearing.start_time, to_place=to_place, sequence=hearing.invitation_sequence)
    session.add(move)
    flush(session)
    if convoked:
        _tell_everyone(session, hearing, move)
    audit.record(session, actor, "hearing.moved", "hearing", hearing.id, {
        "move_id": move.id, "from": from_day.isoformat(), "to": hearing.day.isoformat(),
        "sequence": move.sequence, "notices": len(move.notices), "reason_given": bool(reason),
    })
    flush(session)
    return move


def _tell_everyone(session: Session, hearing: Hearing, move: HearingMove) -> None:
    """One notice per person concerned, as the convocations and the invitations go out: the person (letter and
    invitation), their guardian (letter), their care team (letter and invitation), each member (invitation)."""
    for item in items(session, hearing):
        if item.kind is not ItemKind.APPLICATION:
            continue
        case = item.case
        applicant = case.applicant
        move.notices.append(HearingNotice(role="person", recipient_name=applicant.full_name,
                                          email=applicant.email, case_id=case.id, letter=True, invitation=True))
        if applicant.guardian is not None:
            move.notices.append(HearingNotice(role="guardian", recipient_name=applicant.guardian.full_name,
                                              email=applicant.guardian.email, case_id=case.id, letter=True))
        move.notices.append(HearingNotice(role="care_team", recipient_name=case.care_team.name,
                                          email=case.care_team.email, case_id=case.id, letter=True,
                                          invitation=True))
    for attendance in seated(session, hearing):
        move.notices.append(HearingNotice(role="member", recipient_name=attendance.name, email=attendance.email,
                                          user_id=attendance.user_id, invitation=True))


def moves(session: Session, actor: User, hearing: Hearing) -> list[HearingMove]:
    """The hearing's moves, latest first, with who was told of each (two queries)."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return list(session.execute(
        select(HearingMove).options(selectinload(HearingMove.notices))
        .where(HearingMove.hearing_id == hearing.id).order_by(HearingMove.id.desc())
    ).scalars())


def get_move(session: Session, actor: User, hearing: Hearing, move_id: int) -> HearingMove:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    move = session.execute(
        select(HearingMove).where(HearingMove.id == move_id, HearingMove.hearing_id == hearing.id)
    ).scalar_one_or_none()
    if move is None:
        raise NotFound()
    return move
