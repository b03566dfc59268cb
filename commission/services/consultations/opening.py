"""Opening a written consultation: the urgent file, what is proposed for it, why it cannot wait, the deadline;
the file put on it (its ``schedule`` step), the members invited as for a hearing, and the ``consult`` step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import InvalidInput
from commission.i18n import N_, Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import Consultation, Decision, Hearing, HearingKind, ItemKind
from commission.models.housing import Place
from commission.models.reference import CareTeam, Town
from commission.parsing import as_id, collect, parse_choice, parse_date, parse_text, parse_time, parse_whole
from commission.services import audit
from commission.services.hearings.agenda import _add, _invite
from commission.services.hearings.planning import DEFAULT_QUORUM, quarter_of
from commission.services.hearings.reading import _lock_case, _record, fitting_places
from commission.services.unit import flush
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE, Tally
from commission.workflow.tags import Tag

# What a written consultation may propose: a vacant place, or the waiting list. A refusal or a deferral is
# for a hearing, where the person may come and present their situation.
PROPOSALS: dict[Decision, str] = {
    Decision.ALLOCATE: N_("Allocate a vacant place"),
    Decision.WAITING_LIST: N_("Favourable opinion: place on the waiting list"),
}
ANSWER_DAYS = 7  # the deadline proposed: a week
DEADLINE_TIME = time(18, 0)
TEXT_LIMIT = 2000


@dataclass
class ConsultationInput:
    case_id: str = ""
    proposal: str = ""
    place_id: str = ""
    grounds: str = ""
    purpose: str = ""
    deadline_day: str = ""
    deadline_time: str = ""
    quorum: str = ""


@dataclass(frozen=True)
class _Parsed:
    case: Case
    proposal: Decision
    place: Place | None
    grounds: str
    purpose: str
    day: date
    at: time
    quorum: int


def _consultable() -> tuple[str, ...]:
    """The files that may be put to the members: those that may go on an agenda (complete, carried over, or
    waiting for a place)."""
    return tuple(state.name for state in CASE_MACHINE.states if CASE_MACHINE.allows("schedule", state.name))


def consultable_cases(session: Session, actor: User) -> list[Case]:
    """The files a written consultation may be about, oldest first."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    return list(session.execute(
        select(Case).options(joinedload(Case.applicant)).where(Case.state.in_(_consultable()))
        .order_by(Case.submitted_at, Case.id)
    ).scalars())


def proposed_input(session: Session, actor: User, today: date | None = None) -> ConsultationInput:
    """The form's first values: a week to answer, the quorum of the last ordinary hearing."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    quorum = session.execute(
        select(Hearing.quorum).where(Hearing.kind == HearingKind.ORDINARY).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    day = (today or clock.today()) + timedelta(days=ANSWER_DAYS)
    return ConsultationInput(deadline_day=day.isoformat(), deadline_time=DEADLINE_TIME.strftime("%H:%M"),
                             quorum=str(quorum or DEFAULT_QUORUM))


def _parse(session: Session, data: ConsultationInput, today: date) -> _Parsed:
    errors: dict[str, list[Message]] = {}
    case_id = as_id(data.case_id)
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None or case.state not in _consultable():
        errors["case_id"] = [msg("Choose the urgent file.")]
        case = None
    proposal = collect(errors, parse_choice, Decision, data.proposal, "proposal",
                       message=msg("Choose what is proposed: a vacant place, or the waiting list."))
    if proposal is not None and proposal not in PROPOSALS:
        errors["proposal"] = [msg("Choose what is proposed: a vacant place, or the waiting list.")]
    place = None
    if proposal is Decision.ALLOCATE and case is not None:
        place_id = as_id(data.place_id)
        place = next((fitting for fitting in fitting_places(session, case) if fitting.id == place_id), None)
        if place is None:
            errors["place_id"] = [msg("Choose a vacant place of the kind the person asked for.")]
        elif _proposed_elsewhere(session, place):
            errors["place_id"] = [msg("This place is already proposed in a consultation under way.")]
    grounds = collect(errors, parse_text, data.grounds, "grounds", limit=TEXT_LIMIT, required=True,
                      missing=msg("Give the reason for the proposal."))
    purpose = collect(errors, parse_text, data.purpose, "purpose", limit=TEXT_LIMIT, required=True,
                      missing=msg("Say why the file cannot wait for the next hearing."))
    day = collect(errors, parse_date, data.deadline_day, "deadline_day")
    if day is not None and day < today:
        errors["deadline_day"] = [msg("The deadline for the answers is in the past.")]
    at = collect(errors, parse_time, data.deadline_time, "deadline_time")
    quorum = collect(errors, parse_whole, data.quorum, "quorum", minimum=1, maximum=100)
    if errors:
        raise InvalidInput(errors)
    assert case is not None and proposal is not None and grounds is not None and purpose is not None
    assert day is not None and at is not None and quorum is not None
    return _Parsed(case, proposal, place, grounds, purpose, day, at, quorum)


def _proposed_elsewhere(session: Session, place: Place) -> bool:
    return session.execute(
        select(Consultation.id).join(Hearing, Hearing.id == Consultation.hearing_id)
        .where(Consultation.place_id == place.id, Hearing.state.in_(HEARING_MACHINE.tagged(Tag.ANSWERS_OPEN)))
    ).first() is not None


def _town_id(session: Session, parsed: _Parsed) -> int:
    """Where the consultation is filed: the town of the place proposed, else the care team's."""
    if parsed.place is not None:
        return parsed.place.town_id
    team = session.get(CareTeam, parsed.case.care_team_id)
    if team is not None and team.town_id is not None:
        return team.town_id
    return session.execute(select(Town.id).order_by(Town.name).limit(1)).scalar_one()


def open_consultation(session: Session, actor: User, data: ConsultationInput, today: date | None = None) -> Hearing:
    """Put an urgent file to the members in writing: a hearing of kind written, its one item, the members
    invited, what is proposed, then the ``consult`` step. One unit of work: all of it or nothing."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    today = today or clock.today()
    parsed = _parse(session, data, today)
    case = _lock_case(session, parsed.case.id)
    hearing = Hearing(
        kind=HearingKind.WRITTEN, purpose=parsed.purpose, year=parsed.day.year, quarter=quarter_of(parsed.day),
        day=parsed.day, start_time=parsed.at, town_id=_town_id(session, parsed), venue="", address="",
        chair_id=None, quorum=parsed.quorum, state=HEARING_MACHINE.initial,
    )
    session.add(hearing)
    flush(session)
    _record(session, hearing, actor, "plan", None, hearing.state)
    item = _add(session, actor, hearing, case, ItemKind.APPLICATION, today)
    _invite(session, hearing)
    consultation = Consultation(hearing=hearing, item=item, proposal=parsed.proposal,
                                place_id=parsed.place.id if parsed.place else None, grounds=parsed.grounds,
                                opened_by_id=actor.id)
    session.add(consultation)
    flush(session)
    context = engine.FireContext(actor=actor, today=today)
    fired = engine.fire(HEARING_MACHINE, hearing, "consult", context)
    hearing.convened_at = clock.now()
    flush(session)
    _record(session, hearing, actor, "consult", fired.source, fired.dest)
    audit.record(session, actor, "consultation.opened", "hearing", hearing.id, {
        "case_id": case.id, "proposal": parsed.proposal.value, "place_id": consultation.place_id,
        "deadline": f"{parsed.day.isoformat()}T{parsed.at.strftime('%H:%M')}", "quorum": parsed.quorum,
        "consulted": sum(1 for attendance in hearing.attendances if attendance.votes),
    })
    flush(session)
    return hearing


__all__ = ["ANSWER_DAYS", "PROPOSALS", "ConsultationInput", "Tally", "consultable_cases", "open_consultation",
           "proposed_input"]
