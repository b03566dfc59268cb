"""The last weeks of the replay, set on fixed days, so that the demo shows them whatever day it is built: two
apartments handed back by tenants who reached ordinary housing. The first is proposed in writing to the person
who has waited longest; the members adopt it, the person accepts, signs the lease, and moves in next week. The
second was announced before the next hearing's agenda was made, so the people on the waiting list it fits are on
that agenda: ready again the day before today, it waits for them (the places a scene fills are kept out of the
usual way, :attr:`commission.demo_calendar.Replay.kept`).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import select

from commission import demo_consultation
from commission.demo_phrases import VACANCY_GROUNDS, VACANCY_PURPOSE, french_date
from commission.demo_tenancy import SETTLING_DAYS, TenancyReplay
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place, PlaceKind
from commission.models.tenancy import LeaseKind, Occupancy
from commission.services import consultations
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

# Days before today: the exit announced, recorded, the place ready again.
MOVING_IN = (45, 26, 23)
KEPT_FOR_THE_HEARING = (40, 3, 1)
# Days before today: proposed in writing, answered, accepted, lease signed; and the days after, the move-in.
PROPOSED, ANSWERED, ACCEPTED, SIGNED, MOVES_IN = 22, 18, 13, 9, 5
REASON = "Accès à un logement ordinaire du parc social"


class ScenesReplay(TenancyReplay):
    """Two apartments of the last weeks."""

    def last_weeks(self) -> None:
        self.at(self.today - timedelta(days=MOVING_IN[0]), self._moving_in)
        self.at(self.today - timedelta(days=KEPT_FOR_THE_HEARING[0]), self._kept_for_the_hearing)

    def _day(self, back: int) -> date:
        return self.today - timedelta(days=back)

    def _leaving(self, day: date) -> tuple[int, int] | None:
        """(file, place) of the apartment lived in longest that no scene has taken yet: its tenant leaves."""
        found = self.session.execute(
            select(Occupancy.case_id, Occupancy.place_id).join(Place, Place.id == Occupancy.place_id)
            .join(Case, Case.id == Occupancy.case_id)
            .where(Occupancy.ended_on.is_(None), Place.kind == PlaceKind.APARTMENT, Place.id.not_in(self.kept),
                   Case.state.in_(CASE_MACHINE.tagged(Tag.HOUSED)),
                   Occupancy.move_in_date < day - timedelta(days=SETTLING_DAYS))
            .order_by(Occupancy.move_in_date, Occupancy.id).limit(1)
        ).first()
        if found is None:
            return None
        case_id, place_id = found
        self.kept.add(place_id)
        self.fire(case_id, "start_exit", None, day, reason=REASON)
        return case_id, place_id

    def _kept_for_the_hearing(self, day: date) -> None:
        leaving = self._leaving(day)
        if leaving is not None:
            _back, recorded, ready = KEPT_FOR_THE_HEARING
            self.at(self._day(recorded), partial(self.close_in_good_order, leaving[0], self._day(ready)))

    def _moving_in(self, day: date) -> None:
        leaving = self._leaving(day)
        if leaving is None:
            return
        _back, recorded, ready = MOVING_IN
        self.at(self._day(recorded), partial(self.close_in_good_order, leaving[0], self._day(ready)))
        self.at(self._day(PROPOSED), partial(self._propose, leaving[1]))

    def _propose(self, place_id: int, day: date) -> None:
        place = self.session.get(Place, place_id)
        assert place is not None
        case = next(iter(demo_consultation.fitting(self.session, place, CASE_MACHINE.tagged(Tag.ON_WAITING_LIST),
                                                   1)), None)
        if case is None:  # nobody waits for it: it goes the usual way
            self.kept.discard(place_id)
            self.vacancy(place_id, day)
            return
        hearing = consultations.open_consultation(self.session, self.coordinator, consultations.ConsultationInput(
            case_id=str(case.id), proposal="allocate", place_id=str(place.id), quorum=str(demo_consultation.QUORUM),
            deadline_day=(day + timedelta(days=demo_consultation.ANSWER_DAYS)).isoformat(), deadline_time="18:00",
            purpose=VACANCY_PURPOSE.format(day=french_date(place.vacant_since or day),
                                           next=french_date(demo_consultation.next_hearing_day(day))),
            grounds=VACANCY_GROUNDS[0]), today=day)
        voters = [attendance.user_id for attendance in hearing.attendances if attendance.votes and attendance.user_id]
        for number, user_id in enumerate(voters):  # everyone answers, for: the last answer concludes it
            self.at(day + timedelta(days=1 + number % (PROPOSED - ANSWERED)),
                    partial(self._answer, hearing.id, user_id))
        case_id = case.id
        self.at(self._day(ACCEPTED), partial(self._accept, case_id, place.kind))

    def _answer(self, hearing_id: int, user_id: int, day: date) -> None:
        member = self.session.get(User, user_id)
        assert member is not None
        consultations.answer(self.session, member, hearing_id, "in_favour", "", today=day)

    def _accept(self, case_id: int, kind: PlaceKind, day: date) -> None:
        self.fire(case_id, "accept_offer", None, day)
        self.at(self.later(day, 1, 2), partial(self.commit_deposit, case_id))
        lease = LeaseKind.SUBLEASE if kind is PlaceKind.APARTMENT else LeaseKind.OCCUPANCY
        move_in = self.today + timedelta(days=MOVES_IN)
        self.at(self._day(SIGNED), lambda d: self.fire(case_id, "start_move_in", self.coordinator, d,
                                                       values={"move_in_date": move_in, "lease_kind": lease.value}))
