"""The replay's hearings: every quarter one is planned, its agenda made, convened, held (attendance, a decision on
each item, votes), closed, its minutes approved and signed (the PDFs rendered in a pool: :mod:`.demo_minutes`);
the next one is convened with its agenda. Between two hearings, a place that falls vacant goes to the members in
writing (:mod:`.demo_consultation`) unless the next hearing is near.

The coordinator makes each agenda as a council does: the people on the waiting list a vacant place fits (two per
place, the longest waiting first: the first is offered it, the second ranked next), the files carried over, the
new files, oldest first, and the tenancies whose review is due.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import select

from commission import demo_consultation
from commission.demo_calendar import Replay
from commission.demo_phrases import ALLOCATIONS, AWAITED, REFUSALS, REVIEWS
from commission.errors import CommissionError
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CarePlan
from commission.models.hearings import AttendanceStatus, Hearing, HearingKind, ItemKind
from commission.models.housing import Place
from commission.services import hearings
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

NEXT_AGENDA_SIZE = 12
CANDIDATES_PER_PLACE = 2
AGENDA_DAYS = 21  # an ordinary hearing is convened, its agenda frozen, three weeks before it sits
# A place that would have been vacant more than six weeks by the next hearing is proposed in writing.
CONSULT_BEYOND_DAYS = 42
WAITING = "Avis favorable\u202f; aucune place adaptée disponible pour le moment."
# The files that may go on an agenda as they are (complete, or carried over); the waiting list's go on it when
# a vacant place fits them.
AWAITING_A_HEARING = demo_consultation.CONSULTABLE_NEW


class HearingsReplay(Replay):
    """Quarterly hearings, an extraordinary one, and the vacancies between them."""

    # ------------------------------------------------------------ vacancies between hearings

    def vacancy(self, place_id: int, day: date) -> None:
        place = self.session.get(Place, place_id)
        if place is None or place_id in self.kept or not place.active \
                or not PLACE_MACHINE.means(place.state, Tag.ALLOCATABLE):
            return
        hearing_day = demo_consultation.next_hearing_day(day)
        if (hearing_day - (place.vacant_since or day)).days <= CONSULT_BEYOND_DAYS:
            return  # it goes to the next hearing
        on_agenda = demo_consultation.fitting(self.session, place, CASE_MACHINE.tagged(Tag.ON_AGENDA), 100)
        if any(case.scheduled_for == hearing_day for case in on_agenda):
            return  # the next hearing is convened, and someone on its agenda it fits: it waits for them
        self.at(self.later(day, 1, 3), partial(demo_consultation.propose, self, place_id))

    def _sweep(self, day: date) -> None:
        """After a hearing, the places still vacant (nobody on its agenda fitted them) are proposed in writing."""
        for place, soon in hearings.vacancies(self.session):
            if not soon:
                self.vacancy(place.id, day)

    # ------------------------------------------------------------ the quarterly hearings

    def plan(self, day: date, *, year: int, quarter: int) -> None:
        proposal = hearings.proposal(self.session, self.coordinator, year, quarter)
        proposal.address = f"Hôtel de ville, {self.rng.randint(1, 60)} place de la Mairie"
        proposal.quorum = "4"
        hearing = hearings.plan_hearing(self.session, self.coordinator, proposal)
        hearing_id, sitting = hearing.id, hearing.day
        self.at(sitting - timedelta(days=AGENDA_DAYS), lambda d: self._convene(hearing_id, d))
        self.at(sitting, lambda d: self._sit(hearing_id, d))

    def extraordinary(self, day: date, *, sitting: date) -> None:
        """Between two quarterly hearings a place cannot wait: an extraordinary hearing for the files ready."""
        proposal = hearings.proposal(self.session, self.coordinator, kind=HearingKind.EXTRAORDINARY, today=day)
        proposal.day, proposal.quorum, proposal.purpose = sitting.isoformat(), "4", (
            "Une place s'est libérée en résidence et ne peut attendre la commission trimestrielle.")
        hearing_id = hearings.plan_hearing(self.session, self.coordinator, proposal).id
        self.at(sitting - timedelta(days=14), lambda d: self._convene(hearing_id, d))
        self.at(sitting - timedelta(days=7), lambda d: self._move(hearing_id, d))
        self.at(sitting, lambda d: self._sit(hearing_id, d))

    def _move(self, hearing_id: int, day: date) -> None:
        """The room is free in the morning only: the hearing moves, everyone concerned is convened again."""
        data = hearings.details_of(self.session.get(Hearing, hearing_id))  # type: ignore[arg-type]
        data.start_time, data.reason = "10:00", "La salle n'est libre que le matin."
        hearings.update_hearing(self.session, self.coordinator, hearing_id, data, None, today=day)

    def _agenda(self, hearing: Hearing) -> list[tuple[int, bool]]:
        """(file, is a review) in the order the coordinator puts them on the agenda."""
        chosen = [(case_id, False) for case_id in self._waiting_for_places()]
        awaiting = self._awaiting()
        if hearing.kind is HearingKind.EXTRAORDINARY:  # for the vacant places, or the oldest files if none fits
            return chosen or [(case_id, False) for case_id, _state in awaiting[:3]]
        chosen += [(case_id, False) for case_id, state in awaiting if CASE_MACHINE.means(state, Tag.AWAITED_ITEMS)]
        chosen += [(case_id, False) for case_id, state in awaiting if not CASE_MACHINE.means(state, Tag.AWAITED_ITEMS)]
        chosen += [(case_id, True) for case_id in self._reviews_due(hearing)]
        return chosen

    def _awaiting(self) -> list[tuple[int, str]]:
        """The files waiting for a hearing, oldest submission first, with their state."""
        return [(case_id, state) for case_id, state in self.session.execute(
            select(Case.id, Case.state).where(Case.state.in_(AWAITING_A_HEARING)).order_by(Case.submitted_at, Case.id))]

    def _reviews_due(self, hearing: Hearing) -> list[int]:
        """The tenancies whose review falls due by the hearing's day, the oldest due first."""
        return list(self.session.execute(
            select(Case.id).where(Case.state.in_(CASE_MACHINE.tagged(Tag.HOUSED)), Case.review_due <= hearing.day)
            .order_by(Case.review_due, Case.id)).scalars())

    def _waiting_for_places(self, *, soon: bool = False) -> list[int]:
        """The longest waiting files a vacant place fits, two per place (and per place soon vacant, with ``soon``:
        the tenant is leaving)."""
        taken = demo_consultation.proposed(self.session)
        chosen: list[int] = []
        waiting = CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)
        for place, leaving in hearings.vacancies(self.session):
            if place.id in taken or (leaving and not soon):
                continue
            fits = [case.id for case in demo_consultation.fitting(self.session, place, waiting,
                                                                    len(chosen) + CANDIDATES_PER_PLACE)]
            chosen += [case_id for case_id in fits if case_id not in chosen][:CANDIDATES_PER_PLACE]
        return chosen

    def _convene(self, hearing_id: int, day: date) -> None:
        hearing = self.session.get(Hearing, hearing_id)
        assert hearing is not None
        for case_id, review in self._agenda(hearing):
            hearings.add_item(self.session, self.coordinator, hearing_id, case_id, review=review, today=day)
        hearings.fire_hearing(self.session, self.coordinator, hearing_id, "convene", expected_version=None, today=day)

    def _sit(self, hearing_id: int, day: date) -> None:
        hearing = self.session.get(Hearing, hearing_id)
        assert hearing is not None
        chair = hearing.chair or self.coordinator
        hearings.fire_hearing(self.session, chair, hearing_id, "open_session", expected_version=None, today=day)
        statuses = {}
        for attendance in hearing.attendances:
            roll = self.rng.random()
            statuses[attendance.id] = (
                AttendanceStatus.PRESENT if roll < 0.7 or attendance.user_id == hearing.chair_id
                else AttendanceStatus.EXCUSED if roll < 0.85 else AttendanceStatus.REPRESENTED)
        # the coordinator makes sure of the quorum before the day: those excused first come if need be
        sitting = [a for a in hearing.attendances if a.votes and statuses[a.id] is not AttendanceStatus.EXCUSED]
        for attendance in [a for a in hearing.attendances if a.votes and statuses[a.id] is AttendanceStatus.EXCUSED][
                :max(0, hearing.quorum - len(sitting))]:
            statuses[attendance.id] = AttendanceStatus.PRESENT
        hearings.set_attendance(self.session, chair, hearing_id, [
            hearings.AttendanceInput(attendance_id, status.value,
                                     self.fake.name() if status is AttendanceStatus.REPRESENTED else "")
            for attendance_id, status in statuses.items()])
        voters = [a.id for a in hearing.attendances if a.counts_for_quorum]
        for item in hearings.items(self.session, hearing):
            self._decide(hearing, item.id, item.kind, item.case, chair, voters, day)
        hearings.fire_hearing(self.session, chair, hearing_id, "close", expected_version=None, today=day)
        self.at(self.later(day, 5, 10), lambda d: hearings.fire_hearing(
            self.session, chair, hearing_id, "approve_minutes", expected_version=None, today=d))
        self.at(self.later(day, 12, 20), partial(self._sign, hearing_id, chair.id))
        self.after_offers(day)
        if hearing.kind is HearingKind.ORDINARY:
            self.at(self.later(day, 2, 5), self._sweep)

    def _sign(self, hearing_id: int, chair_id: int, day: date) -> None:
        """The chair signs the minutes: their PDFs are rendered beside the replay when a pool is given."""
        chair = self.session.get(User, chair_id)
        assert chair is not None
        if self.minutes is None:
            from commission.services import hearing_documents

            hearing_documents.sign_minutes(self.session, chair, self.store, hearing_id, expected_version=None)
            return
        hearings.fire_hearing(self.session, chair, hearing_id, "sign_minutes", expected_version=None, today=day,
                              renderer=self.minutes.renderer())

    def _decide(self, hearing: Hearing, item_id: int, kind: ItemKind, case: Case, chair: User, voters: list[int],
                day: date) -> None:
        votes = {voter: self.rng.choices(["in_favour", "against", "abstain"], weights=[85, 5, 10])[0]
                 for voter in voters}
        recusals: dict[int, str] = {}
        if len(voters) > 3 and self.rng.random() < 0.1:
            withdrawn = self.rng.choice(voters)
            recusals[withdrawn] = "Connaît personnellement la famille"
            votes.pop(withdrawn)
        if kind is ItemKind.REVIEW:
            plan = self.session.get(CarePlan, case.id)
            outcome, note = self.rng.choice(REVIEWS[plan.status.value if plan else "going_well"])
            decision = hearings.DecisionInput(decision="review_noted", reason=note, review_outcome=outcome)
        else:
            decision = self._application_decision(hearing, case)
        decision.votes, decision.recusals, decision.attended = votes, recusals, self.rng.choice(["yes", "yes", "no"])
        try:
            with self.session.begin_nested():  # the decisions already taken in this event stay
                hearings.decide_item(self.session, chair, hearing.id, item_id, decision, today=day)
        except CommissionError:
            hearings.decide_item(self.session, chair, hearing.id, item_id, hearings.DecisionInput(
                decision="waiting_list", reason=WAITING), today=day)

    def _application_decision(self, hearing: Hearing, case: Case) -> hearings.DecisionInput:
        waited = CASE_MACHINE.means(case.state, Tag.ON_AGENDA) and case.scheduled_from_waiting_list
        roll = self.rng.random()
        if not waited and roll < 0.06:
            return hearings.DecisionInput(decision="refuse", reason=self.rng.choice(REFUSALS))
        if not waited and roll < 0.16 and not CASE_MACHINE.means(case.state, Tag.AWAITED_ITEMS):
            return hearings.DecisionInput(decision="defer", reason=self.rng.choice(AWAITED))
        taken = demo_consultation.proposed(self.session)  # proposed in writing: the members are answering
        places = [place for place in hearings.fitting_places(self.session, case) if place.id not in taken]
        if places and roll < 0.9:
            return hearings.DecisionInput(decision="allocate", place_id=str(places[0].id),
                                          reason=self.rng.choice(ALLOCATIONS))
        allocated = [p for p in hearings.places_allocated_at(self.session, hearing) if p.kind is case.requested_kind]
        if allocated and self.rng.random() < 0.5:
            place = allocated[0]
            ranks = [item.rank or 1 for item in hearing.items if item.place_id == place.id]
            return hearings.DecisionInput(decision="ranked", place_id=str(place.id), rank=str(max(ranks) + 1),
                                          reason="Candidature retenue en second rang pour ce logement.")
        return hearings.DecisionInput(decision="waiting_list", reason=WAITING)

    # ------------------------------------------------------------ the next hearing

    def next_hearing(self) -> None:
        """The next hearing: planned weeks ago, convened a few days ago with its agenda."""
        day = demo_consultation.next_hearing_day(self.today)
        year, quarter = day.year, hearings.quarter_of(day)
        previous = hearings.default_day(*((year, quarter - 1) if quarter > 1 else (year - 1, 4)))
        planned = max(self.today - timedelta(days=40), previous + timedelta(days=1))
        self.at(planned, partial(self._plan_next, year=year, quarter=quarter))
        self.at(min(day - timedelta(days=AGENDA_DAYS), self.today - timedelta(days=4)), self._convene_next)

    def _plan_next(self, day: date, *, year: int, quarter: int) -> None:
        proposal = hearings.proposal(self.session, self.coordinator, year, quarter)
        proposal.address, proposal.quorum = "Hôtel de ville, place de la Mairie", "4"
        self.next_hearing_id = hearings.plan_hearing(self.session, self.coordinator, proposal).id

    def _convene_next(self, day: date) -> None:
        """The coordinator fills the afternoon (twelve people at most): the people waiting whom the places vacant or
        soon vacant fit, then the new files, oldest first, the reviews due; this time the files deferred in
        September wait for what is awaited: they come last. The others wait for the following hearing."""
        hearing = self.session.get(Hearing, self.next_hearing_id)
        assert hearing is not None
        chosen = [(case_id, False) for case_id in self._waiting_for_places(soon=True)]
        awaiting = self._awaiting()
        chosen += [(case_id, False) for case_id, state in awaiting if not CASE_MACHINE.means(state, Tag.AWAITED_ITEMS)]
        chosen += [(case_id, True) for case_id in self._reviews_due(hearing)]
        chosen += [(case_id, False) for case_id, state in awaiting if CASE_MACHINE.means(state, Tag.AWAITED_ITEMS)]
        for case_id, review in chosen[:NEXT_AGENDA_SIZE]:
            hearings.add_item(self.session, self.coordinator, hearing.id, case_id, review=review, today=day)
        hearings.fire_hearing(self.session, self.coordinator, hearing.id, "convene", expected_version=None, today=day)
