"""The answers and the outcome: each member answers once, before the deadline; the consultation concludes by
itself when every member consulted has answered, or by the coordinator after the deadline (the outcome the
answers give: adopted, rejected, lapsed), or is ended by the coordinator (the file withdrawn meanwhile, the
proposal no longer standing). An adopted proposal is recorded through the hearing's own decision path."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
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
    VoteChoice,
)
from commission.parsing import collect, parse_choice, parse_text
from commission.services import audit
from commission.services.hearings.decisions import ItemDecision, _apply_decision
from commission.services.hearings.reading import _load_for_change, _lock_case, _record
from commission.services.unit import flush
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE, Tally
from commission.workflow.tags import Tag

TEXT_LIMIT = 2000
VOTES = {AnswerChoice.IN_FAVOUR: VoteChoice.IN_FAVOUR, AnswerChoice.AGAINST: VoteChoice.AGAINST,
         AnswerChoice.ABSTAIN: VoteChoice.ABSTAIN}


def deadline(hearing: Hearing) -> datetime:
    """When the answers close: the consultation's day and time, council time, in UTC."""
    return datetime.combine(hearing.day, hearing.start_time, tzinfo=clock.COUNCIL_ZONE).astimezone(UTC)


def consultation_of(session: Session, hearing: Hearing) -> Consultation:
    consultation = session.execute(
        select(Consultation).options(joinedload(Consultation.item).joinedload(AgendaItem.case),
                                     joinedload(Consultation.place))
        .where(Consultation.hearing_id == hearing.id)
    ).scalar_one_or_none()
    if consultation is None or hearing.kind is not HearingKind.WRITTEN:
        raise NotFound()
    return consultation


def tally(consultation: Consultation, hearing: Hearing, case_state: str, now: datetime) -> Tally:
    counts = {choice: sum(1 for answer in consultation.answers if answer.choice is choice) for choice in AnswerChoice}
    return Tally(
        consulted=sum(1 for attendance in hearing.attendances if attendance.votes),
        in_favour=counts[AnswerChoice.IN_FAVOUR], against=counts[AnswerChoice.AGAINST],
        abstain=counts[AnswerChoice.ABSTAIN], withdrawn=counts[AnswerChoice.WITHDRAWN], quorum=hearing.quorum,
        deadline_passed=now >= deadline(hearing),
        file_withdrawn=not CASE_MACHINE.means(case_state, Tag.ON_AGENDA),
    )


def own_attendance(hearing: Hearing, user: User) -> Attendance | None:
    """The user's seat on this consultation, if they were consulted with a vote."""
    return next((attendance for attendance in hearing.attendances
                 if attendance.user_id == user.id and attendance.votes), None)


# ---------------------------------------------------------------- a member answers


def answer(session: Session, actor: User, hearing_id: int, choice: str, comment: str = "", *,
           now: datetime | None = None, today: date | None = None) -> ConsultationAnswer:
    """One member's answer (for, against, abstention, or withdrawn for a conflict of interest), once, before the
    deadline; the last answer expected concludes the consultation."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.ANSWER_CONSULTATION, None)
    consultation = consultation_of(session, hearing)
    attendance = own_attendance(hearing, actor)
    if attendance is None:
        raise Forbidden()
    now = now or clock.now()
    if not HEARING_MACHINE.means(hearing.state, Tag.ANSWERS_OPEN):
        raise TransitionRefused(msg("This consultation is over: answers are no longer taken."))
    if now >= deadline(hearing):
        raise TransitionRefused(msg("The deadline for the answers has passed."))
    if any(given.attendance_id == attendance.id for given in consultation.answers):
        raise TransitionRefused(msg("You have already answered this consultation."))
    errors: dict[str, list[Message]] = {}
    answer_choice = collect(errors, parse_choice, AnswerChoice, choice, "choice",
                            message=msg("Choose for, against, abstention, or withdrawal for a conflict of interest."))
    text = collect(errors, parse_text, comment, "comment", limit=TEXT_LIMIT)
    if errors:
        raise InvalidInput(errors)
    assert answer_choice is not None
    given = ConsultationAnswer(consultation=consultation, attendance_id=attendance.id, choice=answer_choice,
                               comment=text or "", answered_at=now, answered_by_id=actor.id)
    session.add(given)
    flush(session)
    audit.record(session, actor, "consultation.answered", "hearing", hearing.id,
                 {"choice": answer_choice.value, "comment_given": bool(text)})
    case = _lock_case(session, consultation.item.case_id)
    if tally(consultation, hearing, case.state, now).complete:
        _conclude(session, actor, hearing, consultation, case, now, today or clock.today())
    flush(session)
    return given


# ---------------------------------------------------------------- the outcome


def conclude(session: Session, actor: User, hearing_id: int, *, expected_version: int | None = None,
             now: datetime | None = None, today: date | None = None) -> Hearing:
    """The coordinator records the outcome the answers give, once the deadline has passed (or every member
    answered): the guards of the hearing machine say why not otherwise."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    consultation = consultation_of(session, hearing)
    case = _lock_case(session, consultation.item.case_id)
    _conclude(session, actor, hearing, consultation, case, now or clock.now(), today or clock.today())
    flush(session)
    return hearing


def end(session: Session, actor: User, hearing_id: int, reason: str, *, expected_version: int | None = None,
        now: datetime | None = None, today: date | None = None) -> Hearing:
    """The coordinator ends the consultation before its outcome, with the reason: the file was withdrawn
    meanwhile, or the proposal no longer stands. The file, still waiting, goes back to where it was."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    consultation = consultation_of(session, hearing)
    case = _lock_case(session, consultation.item.case_id)
    now, today = now or clock.now(), today or clock.today()
    _step(session, actor, hearing, consultation, case, "end_consultation", now, today, reason.strip())
    flush(session)
    return hearing


def outcome_trigger(counted: Tally) -> str:
    """The step the answers call for."""
    if counted.file_withdrawn:
        return "end_consultation"
    if counted.quorum_met:
        return "adopt" if counted.majority else "reject"
    return "lapse"


def _conclude(session: Session, actor: User, hearing: Hearing, consultation: Consultation, case: Case,
              now: datetime, today: date) -> None:
    counted = tally(consultation, hearing, case.state, now)
    trigger = outcome_trigger(counted)
    reason = str(msg("The file was withdrawn meanwhile.")) if trigger == "end_consultation" else ""
    _step(session, actor, hearing, consultation, case, trigger, now, today, reason)


def _step(session: Session, actor: User, hearing: Hearing, consultation: Consultation, case: Case, trigger: str,
          now: datetime, today: date, reason: str) -> None:
    counted = tally(consultation, hearing, case.state, now)
    context = engine.FireContext(actor=actor, today=today, reason=reason, values={"tally": counted})
    fired = engine.fire(HEARING_MACHINE, hearing, trigger, context)
    if trigger == "adopt":
        _record_decision(session, actor, hearing, consultation, today)
    elif CASE_MACHINE.means(case.state, Tag.ON_AGENDA):  # not adopted: the file goes back to where it was
        _release(session, actor, case, reason or str(msg("The written consultation did not decide.")), today)
    consultation.concluded_at = hearing.closed_at = now
    flush(session)
    _record(session, hearing, actor, trigger, fired.source, fired.dest, context.reason)
    audit.record(session, actor, "consultation.concluded", "hearing", hearing.id, {
        "outcome": fired.dest, "in_favour": counted.in_favour, "against": counted.against,
        "abstain": counted.abstain, "withdrawn": counted.withdrawn, "consulted": counted.consulted,
        "quorum": counted.quorum, "reason_given": bool(reason),
    })


def _record_decision(session: Session, actor: User, hearing: Hearing, consultation: Consultation,
                     today: date) -> None:
    """The proposal adopted, recorded as a hearing records a decision: the file's steps, the item, the votes and
    the withdrawals (the answers), the audit."""
    attendances = {attendance.id: attendance for attendance in hearing.attendances}
    decided = ItemDecision(
        decision=consultation.proposal, reason=consultation.grounds, outcome=None, place=consultation.place,
        rank=1 if consultation.proposal is Decision.ALLOCATE else None, deferred_to=None, attended=None,
        recusals={given.attendance_id: given.comment for given in consultation.answers
                  if given.choice is AnswerChoice.WITHDRAWN},
        votes=tuple((attendances[given.attendance_id], VOTES[given.choice]) for given in consultation.answers
                    if given.choice in VOTES),
        note="",
    )
    _apply_decision(session, actor, hearing, consultation.item, decided, today)


def _release(session: Session, actor: User, case: Case, reason: str, today: date) -> None:
    from commission.services import cases as case_service

    trigger = "unschedule_to_waiting_list" if case.scheduled_from_waiting_list else "unschedule"
    case_service.take_step(session, actor, case, trigger, reason=reason, today=today)
