"""The demo's written consultation: a person leaves hospital and a place of their kind is vacant, so the file is
put to the members in writing a month before a quarterly hearing; each answers over the next days (one abstains),
the last answer concludes it, and the hearing's minutes report it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from commission.models.accounts import User
from commission.models.cases import Case
from commission.services import consultations, hearings
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

if TYPE_CHECKING:
    from commission.demo_history import DemoHistory

PURPOSE = "La personne sort d'hospitalisation la semaine prochaine et une place de son type est vacante."
GROUNDS = "Projet de soin prêt, équipe et curatelle d'accord\u202f; la place convient."


def consult(history: DemoHistory, day: date) -> None:
    session, coordinator = history.session, history.coordinator
    vacant = {place.kind: place for place, soon in hearings.vacancies(session) if not soon}
    files = consultations.consultable_cases(session, coordinator)
    case = next((case for case in files if case.requested_kind in vacant), files[0] if files else None)
    if case is None:
        return
    place = vacant.get(case.requested_kind) if case.requested_kind else None
    hearing = consultations.open_consultation(session, coordinator, consultations.ConsultationInput(
        case_id=str(case.id), proposal="allocate" if place else "waiting_list", place_id=str(place.id) if place else "",
        quorum="4", deadline_day=(day + timedelta(days=8)).isoformat(), deadline_time="18:00", purpose=PURPOSE,
        grounds=GROUNDS), today=day)
    voters = [attendance.user_id for attendance in hearing.attendances if attendance.votes and attendance.user_id]
    for number, user_id in enumerate(voters):
        choice = "abstain" if number == 1 else "in_favour"
        history.at(day + timedelta(days=1 + number % 6), partial(answer, history, hearing.id, user_id, choice,
                                                                  case.id))


def answer(history: DemoHistory, hearing_id: int, user_id: int, choice: str, case_id: int, day: date) -> None:
    member = history.session.get(User, user_id)
    assert member is not None
    consultations.answer(history.session, member, hearing_id, choice, "", today=day)
    case = history.session.get(Case, case_id)
    if case is not None and CASE_MACHINE.means(case.state, Tag.OFFER_PENDING):  # adopted: the offer is answered
        history.at(history.later(day, 2, 8), partial(history._offer_answer, case_id))
