"""The demo's written consultations: a person leaves hospital and a place of their kind is vacant, so the file is
put to the members in writing a month before a quarterly hearing (:func:`consult`); and a place falls vacant
weeks before the next hearing, so it is proposed in writing to the person who has waited longest for one
(:func:`propose`). Each member answers over the next days, the last answer concludes it, and the next hearing's
minutes report it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.demo_phrases import VACANCY_GROUNDS, VACANCY_PURPOSE, french_date
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import Consultation, Hearing
from commission.models.housing import Place
from commission.services import consultations, hearings
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

if TYPE_CHECKING:
    from commission.demo_calendar import Replay

# The files a vacant place may be proposed to besides the waiting list's: complete, or carried over.
CONSULTABLE_NEW = tuple(state.name for state in CASE_MACHINE.states if CASE_MACHINE.allows("schedule", state.name)
                        and not CASE_MACHINE.means(state.name, Tag.ON_WAITING_LIST))

QUORUM = 4
ANSWER_DAYS = 6  # the members have six days to answer a place proposed in writing
ANSWERING = 0.6  # of the members beyond the quorum, those who answer
PURPOSE = "La personne sort d'hospitalisation la semaine prochaine et une place de son type est vacante."
GROUNDS = "Projet de soin prêt, équipe et curatelle d'accord\u202f; la place convient."


def consult(history: Replay, day: date) -> None:
    """The person's file is complete and a place of their kind is vacant (else the members are asked to put them on
    the waiting list)."""
    session, coordinator = history.session, history.coordinator
    found = ((place, _candidate(history, place, (CONSULTABLE_NEW,))) for place in _vacant(history))
    place, case = next(((place, case) for place, case in found if case is not None), (None, None))
    if case is None:
        files = consultations.consultable_cases(session, coordinator)
        case = next((case for case in files if case.state in CONSULTABLE_NEW), None)
    if case is None:
        return
    hearing = consultations.open_consultation(session, coordinator, consultations.ConsultationInput(
        case_id=str(case.id), proposal="allocate" if place else "waiting_list", place_id=str(place.id) if place else "",
        quorum=str(QUORUM), deadline_day=(day + timedelta(days=8)).isoformat(), deadline_time="18:00", purpose=PURPOSE,
        grounds=GROUNDS), today=day)
    voters = [attendance.user_id for attendance in hearing.attendances if attendance.votes and attendance.user_id]
    for number, user_id in enumerate(voters):
        choice = "abstain" if number == 1 else "in_favour"
        history.at(day + timedelta(days=1 + number % 6), partial(answer, history, hearing.id, user_id, choice,
                                                                  case.id))


def proposed(session: Session) -> set[int]:
    """The places a consultation under way proposes: the coordinator offers them to nobody else meanwhile."""
    return {place_id for place_id in session.execute(
        select(Consultation.place_id).join(Hearing, Hearing.id == Consultation.hearing_id)
        .where(Consultation.place_id.is_not(None), Hearing.state.in_(HEARING_MACHINE.tagged(Tag.ANSWERS_OPEN)))
    ).scalars() if place_id is not None}


def _vacant(history: Replay) -> list[Place]:
    """The vacant places no consultation under way proposes."""
    taken = proposed(history.session)
    return [place for place, soon in hearings.vacancies(history.session) if not soon and place.id not in taken]


def answer(history: Replay, hearing_id: int, user_id: int, choice: str, case_id: int, day: date) -> None:
    member = history.session.get(User, user_id)
    assert member is not None
    consultations.answer(history.session, member, hearing_id, choice, "", today=day)
    _answered(history, case_id, day)


def _answered(history: Replay, case_id: int, day: date) -> bool:
    """Whether the place was given: the person answers the offer."""
    case = history.session.get(Case, case_id)
    if case is None or not CASE_MACHINE.means(case.state, Tag.OFFER_PENDING):
        return False
    history.at(history.later(day, 1, 6), partial(history.offer_answer, case_id))
    return True


def propose(history: Replay, place_id: int, day: date) -> None:
    """A place is vacant and the next hearing is weeks away: the coordinator proposes it in writing to the person
    who has waited longest on the list and whom it fits (else to the oldest complete file it fits)."""
    session = history.session
    place = session.get(Place, place_id)
    if place is None or not place.active or not PLACE_MACHINE.means(place.state, Tag.ALLOCATABLE):
        return
    if place_id not in {vacant.id for vacant in _vacant(history)}:
        return  # proposed already (vacant again after a declined offer, say): the members are answering
    case = _candidate(history, place, (CASE_MACHINE.tagged(Tag.ON_WAITING_LIST), CONSULTABLE_NEW))
    if case is None:  # nobody it fits: the coordinator tells the care teams, and looks again in a few weeks
        history.ask_for_applications(place.kind, day)
        history.at(history.later(day, 25, 30), partial(history.vacancy, place_id))
        return
    waiting = CASE_MACHINE.means(case.state, Tag.ON_WAITING_LIST)
    hearing = consultations.open_consultation(session, history.coordinator, consultations.ConsultationInput(
        case_id=str(case.id), proposal="allocate", place_id=str(place.id), quorum=str(QUORUM),
        deadline_day=(day + timedelta(days=ANSWER_DAYS)).isoformat(), deadline_time="18:00",
        purpose=VACANCY_PURPOSE.format(day=french_date(place.vacant_since or day),
                                       next=french_date(next_hearing_day(day))),
        grounds=VACANCY_GROUNDS[0 if waiting else 1]), today=day)
    # most members answer within days (the quorum always); the coordinator concludes once the deadline has passed
    rng = history.rng
    voters = [attendance.user_id for attendance in hearing.attendances if attendance.votes and attendance.user_id]
    answering = [user_id for number, user_id in enumerate(rng.sample(voters, len(voters)))
                 if number < QUORUM or rng.random() < ANSWERING]
    for user_id in answering:
        choice = "abstain" if rng.random() < 0.1 else "in_favour"
        history.at(history.later(day, 1, ANSWER_DAYS - 1), partial(answer, history, hearing.id, user_id, choice,
                                                                    case.id))
    if len(answering) < len(voters):
        history.at(day + timedelta(days=ANSWER_DAYS + 1), partial(_conclude, history, hearing.id, case.id, place.id))


def _conclude(history: Replay, hearing_id: int, case_id: int, place_id: int, day: date) -> None:
    """The coordinator records the outcome of the answers given; a place the members did not give stays vacant."""
    consultations.conclude(history.session, history.coordinator, hearing_id, today=day)
    if not _answered(history, case_id, day):
        history.at(history.later(day, 1, 3), partial(history.vacancy, place_id))


def fitting(session: Session, place: Place, states: tuple[str, ...], limit: int) -> list[Case]:
    """The oldest files in these states the place fits: of the kind asked for; on the ground floor, or accessible,
    when the person needs it (what :func:`commission.services.hearings.fitting_places` checks of a vacant place)."""
    conditions = [Case.state.in_(states), Case.requested_kind == place.kind]
    if place.floor != 0 and not place.accessible:
        conditions.append(Case.needs_ground_floor.is_(False))
    if not place.accessible:
        conditions.append(Case.needs_accessible.is_(False))
    return list(session.execute(select(Case).where(*conditions).order_by(Case.submitted_at, Case.id).limit(limit))
                .scalars())


def _candidate(history: Replay, place: Place, groups: tuple[tuple[str, ...], ...]) -> Case | None:
    """The oldest file of the first group of states the place fits."""
    session = history.session
    for states in groups:
        for case in fitting(session, place, states, 1):
            if any(found.id == place.id for found in hearings.fitting_places(session, case)):
                return case
    return None


def next_hearing_day(day: date) -> date:
    """The day of the first quarterly hearing after ``day``."""
    return next(hearings.default_day(year, quarter) for year in (day.year, day.year + 1) for quarter in range(1, 5)
                if hearings.default_day(year, quarter) > day)
