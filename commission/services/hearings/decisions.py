"""The session's decisions, in three parts: the refusals checked (the hearing sits, the item waits, the
quorum is met), the form's values parsed into a typed decision, and its writes applied (the file's
steps or the tenancy's review, the item, the withdrawals and the votes, the audit).

Every decision gives its reason: one of the commission's usual reasons for that kind of decision, or typed
(or both: the typed words then complete the usual reason). The vote is adopted unanimously by the voting
members present unless said otherwise, as OpenSlides records it: the chair enters the exceptions (against,
abstention, withdrawn for a conflict of interest) and every other member present votes for; each member's
vote is recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.db import utcnow
from commission.errors import InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CarePlan, CaseReview, ReviewOutcome
from commission.models.hearings import AgendaItem, Attendance, Decision, Hearing, ItemKind, Recusal, Vote, VoteChoice
from commission.models.housing import Place
from commission.models.letters import LetterKind
from commission.parsing import as_id, as_whole
from commission.services import audit
from commission.services.hearings.reading import _load_for_change
from commission.services.hearings.reasons import offered_reason
from commission.services.hearings.session import quorum
from commission.services.unit import flush, locked
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE, decision_fits
from commission.workflow.tags import Tag

MAX_RANK = 1000  # a rank past it is no rank a commission gives (and stays within the column's integer)
REVIEW_INTERVAL_DAYS = 365  # after a review, the next one comes a year later
CLOSER_REVIEW_DAYS = 90  # unless the commission wants to see the tenancy again next quarter

# The case step each decision takes.
DECISION_TRIGGERS: dict[Decision, str] = {
    Decision.ALLOCATE: "allocate",
    Decision.RANKED: "place_on_waiting_list",
    Decision.WAITING_LIST: "place_on_waiting_list",
    Decision.DEFER: "defer",
    Decision.REFUSE: "refuse",
}
# Between a usual reason and the words that complete it.
REASON_JOIN = " — "


@dataclass
class DecisionInput:
    decision: str
    reason: str = ""  # typed: the reason, or what completes the usual reason chosen
    usual_reason_id: str = ""  # one of the usual reasons of this kind of decision
    attended: str = ""  # "yes", "no" or "" (not recorded)
    place_id: str = ""
    rank: str = ""  # for a further candidate: empty gives the next rank for the place
    deferred_to_id: str = ""
    # attendance id -> in_favour | against | abstain; a voting member present who is not named (or named with
    # an empty choice) votes for: the decision is adopted unanimously but for the exceptions given
    votes: Mapping[int, str] = field(default_factory=dict)
    recusals: Mapping[int, str] = field(default_factory=dict)  # attendance id -> reason (may be empty)
    note: str = ""
    review_outcome: str = ""  # for a follow-up review: a ReviewOutcome value


@dataclass(frozen=True)
class ItemDecision:
    """A decision on one item, read from the form and checked against the hearing: what is written."""

    decision: Decision
    reason: str
    outcome: ReviewOutcome | None
    place: Place | None
    rank: int | None
    deferred_to: Hearing | None
    attended: bool | None
    recusals: Mapping[int, str]  # attendance id -> reason (may be empty)
    votes: tuple[tuple[Attendance, VoteChoice], ...]
    note: str


def decide_item(session: Session, actor: User, hearing_id: int, item_id: int, data: DecisionInput,
                today: date | None = None) -> AgendaItem:
    """Record the hearing's decision on one item, and take the case's steps that follow from it."""
    hearing, item = _check_decidable(session, actor, hearing_id, item_id)
    decided = _parse_decision(session, hearing, item, data)
    _apply_decision(session, actor, hearing, item, decided, today or clock.today())
    return item


# ---------------------------------------------------------------- check: the refusals


def _check_decidable(session: Session, actor: User, hearing_id: int, item_id: int) -> tuple[Hearing, AgendaItem]:
    """The hearing sits, the item waits for its decision and the quorum is met: else the step is refused."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.RUN_SESSION, None)
    if not HEARING_MACHINE.means(hearing.state, Tag.SITTING):
        raise TransitionRefused(msg("Decisions are recorded while the hearing is in session."))
    item = session.execute(
        locked(select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.hearing_id == hearing.id))
    ).scalar_one_or_none()
    if item is None:
        raise NotFound()
    if item.decision is not None:
        raise TransitionRefused(msg("This item is already decided."))
    status = quorum(hearing)
    if not status.met:
        raise TransitionRefused(msg("The quorum is not met (%(present)s of %(required)s): the commission "
                                    "cannot decide.", present=status.present, required=status.required))
    return hearing, item


# ---------------------------------------------------------------- parse: the form's values, typed


def _parse_decision(session: Session, hearing: Hearing, item: AgendaItem, data: DecisionInput) -> ItemDecision:
    """The form's values as a decision this item may take; every mistake is reported at once."""
    decision = _decision_of(item, data.decision)
    errors: dict[str, list[Message]] = {}
    reason = _reason(session, decision, data, errors)
    outcome = _review_outcome(item, data.review_outcome, errors)
    place, rank = _place_and_rank(session, hearing, item, decision, data, errors)
    deferred_to = _deferred_to(session, hearing, decision, data.deferred_to_id, errors)
    attended = {"yes": True, "no": False}.get(data.attended.strip())
    recusals, votes = _votes(hearing, data, errors)
    if errors:
        raise InvalidInput(errors)
    return ItemDecision(decision, reason, outcome, place, rank, deferred_to, attended, recusals, votes,
                        data.note.strip())


def _decision_of(item: AgendaItem, value: str) -> Decision:
    try:
        decision = Decision(value)
    except ValueError:
        raise InvalidInput({"decision": [msg("Choose the decision.")]}) from None
    if not decision_fits(item.kind, decision):
        raise InvalidInput({"decision": [msg("This decision does not apply to this kind of item.")]})
    return decision


def _reason(session: Session, decision: Decision, data: DecisionInput, errors: dict[str, list[Message]]) -> str:
    """The decision's reason: the usual reason chosen, completed by the words typed, or the words typed alone."""
    typed = data.reason.strip()
    usual = None
    if data.usual_reason_id.strip():
        usual = offered_reason(session, decision, data.usual_reason_id)
        if usual is None:
            errors["reason"] = [msg("Choose one of the usual reasons of this decision, or type the reason.")]
            return typed
    reason = REASON_JOIN.join(part for part in (usual.text if usual else "", typed) if part)
    if not reason:
        errors["reason"] = [msg("Give the reason for the decision: choose a usual reason or type it.")]
    return reason


def _review_outcome(item: AgendaItem, value: str, errors: dict[str, list[Message]]) -> ReviewOutcome | None:
    if item.kind is not ItemKind.REVIEW:
        return None
    try:
        return ReviewOutcome(value.strip())
    except ValueError:
        errors["review_outcome"] = [msg("Choose what the commission decides for this tenancy.")]
        return None


def _place_and_rank(session: Session, hearing: Hearing, item: AgendaItem, decision: Decision, data: DecisionInput,
                    errors: dict[str, list[Message]]) -> tuple[Place | None, int | None]:
    """The place allocated (rank 1), or the place a further candidate is ranked for (2 or more)."""
    if decision not in (Decision.ALLOCATE, Decision.RANKED):
        return None, None
    place_id = as_id(data.place_id)
    place = session.get(Place, place_id) if place_id is not None else None
    if place is None:
        errors["place_id"] = [msg("Choose the place that is allocated.")]
    if decision is Decision.ALLOCATE:
        rank = 1
    elif not data.rank.strip():
        rank = _next_rank(session, hearing, place) if place is not None else 2
    else:
        rank = as_whole(data.rank, 0, MAX_RANK) or 0
    if decision is Decision.RANKED and rank < 2:
        errors["rank"] = [msg("Give the candidate's rank for the place (2 or more).")]
    elif place is not None and decision is Decision.RANKED:
        problem = _ranking_problem(session, hearing, item, place, rank)
        if problem is not None:
            errors["rank"] = [problem]
    return place, rank


def _next_rank(session: Session, hearing: Hearing, place: Place) -> int:
    """The rank after the candidates this hearing already gave the place (2 after the one allocated it)."""
    taken = session.execute(
        select(func.max(AgendaItem.rank)).where(AgendaItem.hearing_id == hearing.id, AgendaItem.place_id == place.id)
    ).scalar()
    return max(2, (taken or 0) + 1)


def _ranking_problem(session: Session, hearing: Hearing, item: AgendaItem, place: Place, rank: int
                     ) -> Message | None:
    """A further candidate follows the one the place was allocated to, each at a rank of their own."""
    if session.execute(
        select(AgendaItem.id).where(AgendaItem.hearing_id == hearing.id, AgendaItem.place_id == place.id,
                                    AgendaItem.decision == Decision.ALLOCATE)
    ).first() is None:
        return msg("Allocate the place to the first candidate before ranking others.")
    same = session.execute(
        select(AgendaItem.id).where(AgendaItem.hearing_id == hearing.id, AgendaItem.place_id == place.id,
                                    AgendaItem.rank == rank, AgendaItem.id != item.id)
    ).first()
    return msg("Another candidate already has this rank for this place.") if same is not None else None


def _deferred_to(session: Session, hearing: Hearing, decision: Decision, value: str,
                 errors: dict[str, list[Message]]) -> Hearing | None:
    """The later hearing a deferred file comes back to (none chosen: the next one)."""
    if decision is not Decision.DEFER or not value.strip():
        return None
    deferred_id = as_id(value)
    deferred_to = session.get(Hearing, deferred_id) if deferred_id is not None else None
    if deferred_to is None or deferred_to.day <= hearing.day:
        errors["deferred_to_id"] = [msg("Choose a later hearing.")]
    return deferred_to


def _votes(hearing: Hearing, data: DecisionInput, errors: dict[str, list[Message]]
           ) -> tuple[dict[int, str], tuple[tuple[Attendance, VoteChoice], ...]]:
    """The withdrawals (attendance id -> reason), and the votes of the voting members present who did not
    withdraw: for, unless the exceptions say otherwise."""
    voters = {attendance.id: attendance for attendance in hearing.attendances}
    if any(attendance_id not in voters for attendance_id in data.recusals):
        raise NotFound()
    recusals = {attendance_id: reason.strip() for attendance_id, reason in data.recusals.items()}
    exceptions: dict[int, VoteChoice] = {}
    for attendance_id, choice in data.votes.items():
        attendance = voters.get(attendance_id)
        if attendance is None:
            raise NotFound()
        if not choice:
            continue
        try:
            vote_choice = VoteChoice(choice)
        except ValueError:
            errors[f"vote-{attendance_id}"] = [msg("Choose for, against or abstention.")]
            continue
        if attendance_id in recusals:
            errors[f"vote-{attendance_id}"] = [msg("%(name)s withdrew from this item and cannot vote on it.",
                                                   name=attendance.name)]
        elif not attendance.counts_for_quorum:
            errors[f"vote-{attendance_id}"] = [msg("%(name)s does not vote at this hearing.", name=attendance.name)]
        else:
            exceptions[attendance_id] = vote_choice
    votes = tuple((attendance, exceptions.get(attendance.id, VoteChoice.IN_FAVOUR))
                  for attendance in hearing.attendances
                  if attendance.counts_for_quorum and attendance.id not in recusals)
    return recusals, votes


# ---------------------------------------------------------------- apply: the writes


def _apply_decision(session: Session, actor: User, hearing: Hearing, item: AgendaItem, decided: ItemDecision,
                    today: date) -> None:
    case = session.execute(locked(select(Case).where(Case.id == item.case_id))).scalar_one()
    if item.kind is ItemKind.APPLICATION:
        _take_case_steps(session, actor, hearing, case, decided, today)
    else:
        _note_review(session, actor, hearing, item, case, decided)
    _write_item(session, actor, item, decided)
    flush(session)
    audit.record(session, actor, "hearing.item_decided", "hearing", hearing.id, {
        "item_id": item.id, "case_id": item.case_id, "decision": decided.decision.value,
        "reason_given": bool(decided.reason.strip()), "place_id": item.place_id, "rank": item.rank,
        "votes": {choice.value: sum(1 for _a, c in decided.votes if c is choice) for choice in VoteChoice},
        "recused": sorted(decided.recusals),
    })
    flush(session)


def _take_case_steps(session: Session, actor: User, hearing: Hearing, case: Case, decided: ItemDecision,
                     today: date) -> None:
    """The file is heard (unless it already is), then takes the step its decision calls for."""
    from commission.services import cases as case_service

    if CASE_MACHINE.allows("hear", case.state):
        case_service.take_step(session, actor, case, "hear", today=today)
    values: dict[str, Any] = ({"place_id": decided.place.id}
                              if decided.decision is Decision.ALLOCATE and decided.place else {})
    # What the letter of the decision says besides the file: the hearing's day, the place a candidate is ranked for.
    values["hearing_day"] = hearing.day
    if decided.decision is Decision.RANKED and decided.place is not None:
        values.update(ranked_place=decided.place, rank=decided.rank)
    case_service.take_step(session, actor, case, DECISION_TRIGGERS[decided.decision], reason=decided.reason,
                           values=values, today=today)


def _note_review(session: Session, actor: User, hearing: Hearing, item: AgendaItem, case: Case,
                 decided: ItemDecision) -> None:
    review = _record_review(session, actor, hearing, item, case, decided.outcome, decided.reason)
    from commission.services.letters import writing

    writing.write_letters(session, actor, case, LetterKind.REVIEW, today=hearing.day, extra={
        "hearing_day": hearing.day, "review_outcome": review.outcome, "next_review": review.next_review})
    audit.record(session, actor, "case.reviewed", "case", case.id, {
        "hearing_id": hearing.id, "outcome": review.outcome.value, "next_review": review.next_review.isoformat(),
        "note_given": bool(decided.reason.strip()),
    })


def _write_item(session: Session, actor: User, item: AgendaItem, decided: ItemDecision) -> None:
    item.decision, item.reason, item.attended = decided.decision, decided.reason, decided.attended
    item.place_id = decided.place.id if decided.place else None
    item.rank = decided.rank if decided.place else None
    item.deferred_to_id = decided.deferred_to.id if decided.deferred_to else None
    item.awaited = decided.reason if decided.decision is Decision.DEFER else ""
    item.minutes_note = decided.note
    item.decided_at, item.decided_by_id = utcnow(), actor.id
    for attendance_id, reason in decided.recusals.items():
        session.add(Recusal(item=item, attendance_id=attendance_id, reason=reason))
    for attendance, vote_choice in decided.votes:
        session.add(Vote(item=item, attendance_id=attendance.id, choice=vote_choice))


def _record_review(session: Session, actor: User, hearing: Hearing, item: AgendaItem, case: Case,
                   outcome: ReviewOutcome | None, note: str) -> CaseReview:
    """The review's outcome on the file, and when the tenancy is reviewed next: in a year when it goes on
    as planned, at the next quarter's hearing otherwise."""
    assert outcome is not None
    plan = session.get(CarePlan, case.id)
    interval = REVIEW_INTERVAL_DAYS if outcome is ReviewOutcome.CONTINUE else CLOSER_REVIEW_DAYS
    review = CaseReview(
        case_id=case.id, hearing_id=hearing.id, agenda_item_id=item.id, reviewed_on=hearing.day,
        status_seen=plan.status if plan else None, outcome=outcome, note=note,
        next_review=hearing.day + timedelta(days=interval), recorded_by_id=actor.id,
    )
    session.add(review)
    case.review_due = review.next_review
    return review
