"""Reading a written consultation: the proposal as a member reads it to answer (initials, team, request, the
proposal and its place; never a name or the medical part), the answers as they come for the coordinator, the
consultations of a user, and what waits for their answer (the home page's reminders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.errors import Forbidden
from commission.i18n import N_
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import (
    AgendaItem,
    AnswerChoice,
    Attendance,
    Consultation,
    ConsultationAnswer,
    Decision,
    Hearing,
    HearingKind,
)
from commission.models.housing import PlaceKind
from commission.policy import Field
from commission.services.consultations.outcome import consultation_of, deadline, own_attendance, tally
from commission.services.hearings.reading import get_hearing, initials
from commission.services.means import MeansView, threshold
from commission.services.means import view as means_view
from commission.workflow.hearing import HEARING_MACHINE, Tally
from commission.workflow.tags import Tag

ANSWER_LABELS: dict[AnswerChoice, str] = {
    AnswerChoice.IN_FAVOUR: N_("For"),
    AnswerChoice.AGAINST: N_("Against"),
    AnswerChoice.ABSTAIN: N_("Abstention"),
    AnswerChoice.WITHDRAWN: N_("Withdrawn for a conflict of interest"),
}
LIST_LIMIT = 40
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AnswerRow:
    name: str
    capacity: str
    choice: AnswerChoice | None  # None: not answered yet
    comment: str = ""
    answered_at: datetime | None = None


@dataclass(frozen=True)
class ConsultationView:
    """What a page shows of one consultation, narrowed to what its reader may read."""

    hearing: Hearing
    case_reference: str
    initials: str
    care_team: str
    requested_kind: PlaceKind | None
    wished_towns: str
    proposal: Decision | None
    place_reference: str
    place_kind: PlaceKind | None
    place_town: str
    grounds: str
    closes_at: datetime
    tally: Tally
    own_answer: ConsultationAnswer | None
    may_answer: bool
    manage: bool  # the coordinator: the answers, the outcome, the end
    answers: list[AnswerRow] = field(default_factory=list)
    decision: Decision | None = None  # once adopted
    means: MeansView | None = None  # what the place proposed would leave the person to live on, as the reader reads it


def read(session: Session, user: User, hearing_id: int, now: datetime | None = None) -> ConsultationView:
    """One consultation, for the coordinator or a member consulted on it; no one else reads it."""
    hearing = get_hearing(session, user, hearing_id)
    consultation = consultation_of(session, hearing)
    manage = policy.can(user, policy.Action.MANAGE_HEARINGS, hearing)
    attendance = own_attendance(hearing, user) if policy.can(user, policy.Action.ANSWER_CONSULTATION) else None
    fields = policy.consultation_fields(user)
    if not fields or not (manage or attendance is not None):
        raise Forbidden()
    case = session.execute(
        select(Case).options(joinedload(Case.applicant), joinedload(Case.care_team), selectinload(Case.wished_towns))
        .where(Case.id == consultation.item.case_id)
    ).unique().scalar_one()
    now = now or clock.now()
    counted = tally(consultation, hearing, case.state, now)
    own = next((given for given in consultation.answers
                if attendance is not None and given.attendance_id == attendance.id), None)
    place = consultation.place
    decisions = Field.DECISIONS in fields
    return ConsultationView(
        hearing=hearing, case_reference=case.reference,
        initials=initials(case.applicant.first_name, case.applicant.last_name),
        care_team=case.care_team.name if Field.CARE_TEAM in fields else "",
        requested_kind=case.requested_kind if Field.REQUEST in fields else None,
        wished_towns=", ".join(town.name for town in case.wished_towns) if Field.REQUEST in fields else "",
        proposal=consultation.proposal if decisions else None,
        place_reference=place.reference if place and decisions else "",
        place_kind=place.kind if place and decisions else None,
        place_town=place.town.name if place and decisions else "",
        grounds=consultation.grounds if decisions else "",
        closes_at=deadline(hearing), tally=counted, own_answer=own,
        may_answer=(attendance is not None and own is None and not counted.deadline_passed
                    and HEARING_MACHINE.means(hearing.state, Tag.ANSWERS_OPEN)),
        manage=manage, answers=_answers(hearing, consultation) if manage else [],
        decision=consultation.item.decision if decisions else None,
        means=means_view(user, case, place, threshold(session)) if place is not None and decisions else None,
    )


def _answers(hearing: Hearing, consultation: Consultation) -> list[AnswerRow]:
    """Each member consulted, with their answer once given; those still to answer last."""
    given = {answer.attendance_id: answer for answer in consultation.answers}
    rows = []
    for attendance in hearing.attendances:
        if not attendance.votes:
            continue
        answer = given.get(attendance.id)
        rows.append(AnswerRow(attendance.name, attendance.capacity, answer.choice if answer else None,
                              answer.comment if answer else "", answer.answered_at if answer else None))
    return sorted(rows, key=lambda row: (row.answered_at is None, row.answered_at or _EARLIEST))


def list_consultations(session: Session, user: User) -> list[Hearing]:
    """The written consultations a user reads, latest first: all for the coordinator, those they were consulted
    on for a member."""
    policy.require(user, policy.Action.VIEW_HEARINGS)
    query = (select(Hearing).where(Hearing.kind == HearingKind.WRITTEN)
             .order_by(Hearing.day.desc(), Hearing.id.desc()).limit(LIST_LIMIT))
    if not policy.can(user, policy.Action.MANAGE_HEARINGS):
        if not policy.can(user, policy.Action.ANSWER_CONSULTATION):
            return []
        query = query.where(select(Attendance.id).where(
            Attendance.hearing_id == Hearing.id, Attendance.user_id == user.id, Attendance.votes).exists())
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class Waiting:
    """A consultation waiting for this user: their answer, or (the coordinator) its outcome."""

    hearing_id: int
    case_id: int
    case_created: datetime
    day: date
    at: datetime
    outcome_due: bool  # the coordinator's: the deadline has passed, the outcome is to be recorded


def waiting_for(session: Session, user: User, now: datetime | None = None) -> list[Waiting]:
    """In one query: the consultations under way this user has still to answer, and, for the coordinator, every
    consultation under way (its outcome due once the deadline has passed)."""
    now = now or clock.now()
    manage = policy.can(user, policy.Action.MANAGE_HEARINGS)
    if not manage and not policy.can(user, policy.Action.ANSWER_CONSULTATION):
        return []
    query = (select(Hearing, Case.id, Case.created_at)
             .join(Consultation, Consultation.hearing_id == Hearing.id)
             .join(AgendaItem, AgendaItem.id == Consultation.item_id).join(Case, Case.id == AgendaItem.case_id)
             .where(Hearing.state.in_(HEARING_MACHINE.tagged(Tag.ANSWERS_OPEN))).order_by(Hearing.day, Hearing.id))
    if not manage:
        answered = select(ConsultationAnswer.id).where(ConsultationAnswer.consultation_id == Consultation.id,
                                                       ConsultationAnswer.attendance_id == Attendance.id)
        query = query.join(Attendance, (Attendance.hearing_id == Hearing.id) & (Attendance.user_id == user.id)
                           & Attendance.votes).where(~answered.exists())
    found = []
    for hearing, case_id, created in session.execute(query).all():
        closes = deadline(hearing)
        if not manage and closes <= now:
            continue
        found.append(Waiting(hearing.id, case_id, created, hearing.day, closes, manage and closes <= now))
    return found


__all__ = ["ANSWER_LABELS", "AnswerRow", "ConsultationView", "Waiting", "list_consultations", "read",
           "waiting_for"]
