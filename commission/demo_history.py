"""Years of the commission's life, replayed through the services, day by day, with the clock moved.

Files are created on random days of the last three years; care teams submit them, the coordinator
checks them; every quarter a hearing is planned, its agenda built from the files waiting, convened,
held (attendance, a decision on each item, votes), closed, its minutes approved and signed. Offers are
accepted or declined, people move in, some leave. The next hearing is convened with its agenda.
Every step is a real service call at its own date, so the records carry their whole history and
audit trail, in the order it happened.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, demo_consultation
from commission.demo_phrases import (
    ACTIVITIES,
    ALLOCATIONS,
    ATTENDEES,
    AWAITED,
    DECLINES,
    EXITS,
    INCIDENTS,
    INVENTORIES,
    MEETING_ACTIONS,
    MEETING_OUTCOMES,
    MISSING,
    PROJECTS,
    REFUSALS,
    RETENTIONS,
    REVIEWS,
    VISITS,
    WITHDRAWALS,
)
from commission.errors import CommissionError
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CarePlan, FollowUpEvent, MeetingAction, ResourceMeeting
from commission.models.hearings import AttendanceStatus, Hearing, HearingKind, ItemKind
from commission.models.housing import Place, PlaceKind
from commission.models.reference import CareTeam, Organisation, Town
from commission.models.tenancy import Occupancy
from commission.models.treasury import Deposit
from commission.services import cases, digest, followup, hearing_documents, hearings, tenancy, treasury, unit
from commission.storage import DocumentStore
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

YEARS_OF_HISTORY = 3
NEXT_AGENDA_SIZE = 12


@dataclass(order=True)
class _Event:
    day: date
    order: int
    action: Callable[[date], object] = field(compare=False)


@dataclass
class DemoHistory:
    session: Session
    rng: random.Random
    fake: Faker
    teams: list[CareTeam]
    towns: list[Town]
    places: list[Place]
    guardianship: list[Organisation]
    users: dict[str, User]
    today: date
    store: DocumentStore

    def __post_init__(self) -> None:
        self.start = self.today - timedelta(days=365 * YEARS_OF_HISTORY)
        self.coordinator = self.users["coordination"]
        self.treasurer = self.users["tresorerie"]
        self.delegate = next(user for user in self.users.values() if user.signing_delegation)
        self.settled = 0
        self.team_users = {user.care_team_id: user for user in self.users.values() if user.care_team_id}
        self.queue: list[_Event] = []
        self.counter = itertools.count()

    # ------------------------------------------------------------ the calendar

    def at(self, day: date, action: Callable[[date], object]) -> None:
        if day <= self.today:
            heapq.heappush(self.queue, _Event(day, next(self.counter), action))

    def build(self, count: int) -> int:
        for _ in range(count):
            created = self.start + timedelta(days=self.rng.randint(0, (self.today - self.start).days - 20))
            self.at(created, self._create)
        for year in range(self.start.year, self.today.year + 1):
            self.at(max(date(year, 2, 1), self.start), partial(self._contributions, year=year))
            for quarter in range(1, 5):
                day = hearings.default_day(year, quarter)
                if self.start + timedelta(days=60) <= day < self.today:
                    self.at(day - timedelta(days=45), partial(self._plan, year=year, quarter=quarter))
        # an extraordinary hearing six weeks before the last quarterly one: a place that could not wait
        held = [hearings.default_day(year, quarter) for year in range(self.start.year, self.today.year + 1)
                for quarter in range(1, 5) if self.start + timedelta(days=60) <= hearings.default_day(year, quarter)
                < self.today]
        if len(held) >= 2:
            self.at(held[-1] - timedelta(days=62), partial(self._extraordinary, sitting=held[-1] - timedelta(days=42)))
        if held:  # and a written consultation a month before it, answered by the members, reported in its minutes
            self.at(held[-1] - timedelta(days=30), partial(demo_consultation.consult, self))
        # files of the last weeks: drafts, submissions being checked, files ready for the next agenda
        for back in (2, 5, 9, 13, 17, 26):
            self.at(self.today - timedelta(days=back), self._create)
        # and two files whose last steps fall on fixed days: one returned for a missing item, one found
        # complete after the next agenda was frozen
        returned = ((20, "submit"), (12, "return_incomplete"))
        self.at(self.today - timedelta(days=28), partial(self._scene, steps=returned))
        self.at(self.today - timedelta(days=30), partial(self._scene, steps=((22, "submit"), (2, "mark_ready"))))
        # the daily digests of the last days, kept in the outbox (mail is not configured in the demo)
        for back in (3, 2, 1, 0):
            self.at(self.today - timedelta(days=back), partial(digest.send_digests, self.session, None))
        self._next_hearing()
        self._run()
        return int(self.session.execute(select(func.count(Case.id))).scalar_one())

    def _run(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            with clock.travel(event.day):
                # Each event is a unit of work, as a user's request is: committed, or (a step the rules
                # refuse: a place taken meanwhile...) rolled back and skipped.
                try:
                    event.action(event.day)
                except CommissionError:
                    unit.rollback(self.session)
                else:
                    unit.commit(self.session)

    # ------------------------------------------------------------ files

    def _care(self, case: Case) -> User:
        return self.team_users.get(case.care_team_id, self.coordinator)

    def _fire(self, case_id: int, trigger: str, actor: User | None, day: date, **kwargs: object) -> Case | None:
        case = self.session.get(Case, case_id)
        if case is None:
            return None
        actor = actor or self._care(case)
        return cases.fire_case(self.session, actor, case_id, trigger, expected_version=case.version, today=day,
                               **kwargs)  # type: ignore[arg-type]

    def later(self, day: date, low: int, high: int) -> date:
        return day + timedelta(days=self.rng.randint(low, high))

    def _create(self, day: date) -> None:
        team = self.rng.choice(self.teams)
        care = self.team_users.get(team.id, self.coordinator)
        case = cases.create_case(self.session, care, self._person(team), today=day)
        if self.rng.random() < 0.3 and day > self.today - timedelta(days=30):
            return  # still a draft
        case_id = case.id
        self.at(self.later(day, 3, 20), lambda d: self._submit(case_id, d))

    def _scene(self, day: date, *, steps: tuple[tuple[int, str], ...]) -> None:
        team = self.teams[0]
        case = cases.create_case(self.session, self.team_users.get(team.id, self.coordinator), self._person(team),
                                 today=day)
        case_id = case.id
        for days_before_today, trigger in steps:
            actor = None if trigger == "submit" else self.coordinator
            reason = self.rng.choice(MISSING) if trigger == "return_incomplete" else ""
            self.at(self.today - timedelta(days=days_before_today),
                    partial(self._fire_on, case_id, trigger, actor, reason))

    def _fire_on(self, case_id: int, trigger: str, actor: User | None, reason: str, day: date) -> None:
        self._fire(case_id, trigger, actor, day, reason=reason)

    def _submit(self, case_id: int, day: date) -> None:
        self._fire(case_id, "submit", None, day)
        if self.rng.random() < 0.05:
            self.at(self.later(day, 10, 60), lambda d: self._withdraw(case_id, d))
        self.at(self.later(day, 3, 12), lambda d: self._check(case_id, d))

    def _withdraw(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is not None and CASE_MACHINE.means(case.state, Tag.OPEN_APPLICATION):
            self._fire(case_id, "withdraw", None, day, reason=self.rng.choice(WITHDRAWALS))

    def _check(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None or not CASE_MACHINE.allows("mark_ready", case.state):
            return
        if self.rng.random() < 0.3 and not case.missing_items:
            self._fire(case_id, "return_incomplete", self.coordinator, day, reason=self.rng.choice(MISSING))
            self.at(self.later(day, 7, 30), lambda d: self._resubmit(case_id, d))
        else:
            self._fire(case_id, "mark_ready", self.coordinator, day)

    def _resubmit(self, case_id: int, day: date) -> None:
        self._fire(case_id, "resubmit", None, day, comment="Pièce ajoutée au dossier")
        self.at(self.later(day, 3, 10), lambda d: self._check(case_id, d))

    def _offer_answer(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None or not CASE_MACHINE.allows("accept_offer", case.state):
            return
        if self.rng.random() < 0.12:
            self._fire(case_id, "decline_offer", None, day, reason=self.rng.choice(DECLINES))
            self._after_offers(day)
            return
        self._fire(case_id, "accept_offer", None, day)
        # the council commits the deposit and pays it; the lease is signed when the landlord is ready
        # (one to six weeks), the move follows
        self.at(self.later(day, 1, 5), partial(self._commit_deposit, case_id))
        move_in = self.later(day, 85, 110)
        lease = self.rng.choices(["sublease", "direct", "occupancy"], weights=[60, 25, 15])[0]
        self.at(self.later(day, 7, 80), lambda d: self._fire(case_id, "start_move_in", self.coordinator, d,
                                                             values={"move_in_date": move_in, "lease_kind": lease}))
        self.at(move_in, lambda d: self._housed(case_id, d))

    def _after_offers(self, day: date) -> None:
        """Whoever the hearing ranked next was offered the place: they answer too."""
        for case_id in self.session.execute(
            select(Case.id).where(Case.state.in_(CASE_MACHINE.tagged(Tag.OFFER_PENDING)), Case.offer_deadline >= day)
        ).scalars():
            self.at(self.later(day, 2, 8), partial(self._offer_answer, case_id))

    def _housed(self, case_id: int, day: date) -> None:
        self._fire(case_id, "confirm_housed", self.coordinator, day)
        # the care team writes the care plan in the first weeks (a few teams are late with it)
        self.at(self.later(day, 3, 20 if self.rng.random() < 0.9 else 60), partial(self._care_plan, case_id))
        if self.rng.random() < 0.75:
            self.at(self.later(day, 120, 600), lambda d: self._exit(case_id, d))

    # ------------------------------------------------------------ the follow-up

    def _followed(self, case_id: int) -> Case | None:
        case = self.session.get(Case, case_id)
        return case if case is not None and CASE_MACHINE.means(case.state, Tag.FOLLOWED) else None

    def _care_plan(self, case_id: int, day: date) -> None:
        case = self._followed(case_id)
        if case is None:
            return
        visits, consultations = self.rng.choice([14, 21, 30]), self.rng.choice([30, 60, 90])
        followup.save_care_plan(self.session, self._care(case), case_id, followup.CarePlanInput(
            referring_psychiatrist=case.referring_psychiatrist or f"Dr {self.fake.last_name()}",
            referring_nurse=case.referring_nurse or self.fake.name(), social_worker=case.social_worker,
            visit_every_days=str(visits), consultation_every_days=str(consultations),
            activities=self.rng.choice(ACTIVITIES), status="going_well",
            status_note="Installation dans le logement accompagnée par l'équipe."), today=day)
        # about one person in eight is followed less closely in the last weeks: their follow-up is overdue
        lagging = self.rng.random() < 0.12
        self.at(self.later(day, 3, 10), partial(self._follow, case_id, visits, consultations, day, lagging))

    def _status(self, case: Case, day: date, status: str, note: str) -> None:
        plan = self.session.get(CarePlan, case.id)
        if plan is None or plan.status.value == status:
            return
        followup.save_care_plan(self.session, self._care(case), case.id, followup.CarePlanInput(
            referring_psychiatrist=case.referring_psychiatrist or "Dr Martin", referring_nurse=case.referring_nurse,
            social_worker=case.social_worker, visit_every_days=str(plan.visit_every_days or ""),
            consultation_every_days=str(plan.consultation_every_days or ""), activities=plan.activities,
            status=status, status_note=note), today=day)

    def _follow(self, case_id: int, visits: int, consultations: int, last_consultation: date, lagging: bool,
                day: date) -> None:
        case = self._followed(case_id)
        if case is None or (lagging and (self.today - day).days < 75):
            return
        actor, rng = self._care(case), self.rng

        def record(kind: str, **more: object) -> FollowUpEvent:
            return followup.record_event(self.session, actor, case_id, followup.EventInput(
                kind=kind, occurred_on=day.isoformat(), **more), today=day)  # type: ignore[arg-type]

        record("visit", summary=rng.choice(VISITS))
        if (day - last_consultation).days >= consultations - 7:
            record("consultation", summary="Consultation au CMP")
            last_consultation = day
        roll = rng.random()
        if roll < 0.08:
            record("phone_call", summary="Point téléphonique avec la curatrice")
        elif roll < 0.11:
            record("hospitalisation", summary="Hospitalisation de courte durée", action_taken="Visites maintenues")
            self._status(case, day, "needs_attention", "Retour à domicile après une courte hospitalisation.")
        elif roll < 0.16:
            kind, note, action = rng.choice(INCIDENTS)
            serious = rng.random() < 0.35
            incident = record("incident", incident_kind=kind, serious=serious, summary=note, action_taken=action)
            if serious:
                self._status(case, day, "at_risk",
                             "Difficultés dans le logement\u00a0: une cellule ressource se réunit.")
                meeting_day = self.later(day, 7, 15)
                followup.call_meeting(self.session, actor, case_id, followup.MeetingInput(
                    meeting_date=meeting_day.isoformat(), attendees=rng.choice(ATTENDEES),
                    incident_id=str(incident.id)), today=day)
                self.at(meeting_day, partial(self._meeting_held, case_id))
            else:
                self._status(case, day, "needs_attention", "Quelques difficultés, suivies par l'équipe.")
        elif roll < 0.30:
            self._status(case, day, "going_well", "La situation s'est apaisée.")
        self.at(day + timedelta(days=visits + rng.randint(-3, 4)),
                partial(self._follow, case_id, visits, consultations, last_consultation, lagging))

    def _meeting_held(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None:
            return
        meeting = self.session.execute(
            select(ResourceMeeting).where(ResourceMeeting.case_id == case_id, ResourceMeeting.held.is_(False))
            .order_by(ResourceMeeting.id)).scalars().first()
        if meeting is None:
            return
        actions = self.rng.sample(MEETING_ACTIONS, 2)
        followup.record_meeting_outcome(self.session, self._care(case), meeting.id, followup.MeetingInput(
            outcome=self.rng.choice(MEETING_OUTCOMES), person_included=self.rng.random() < 0.8,
            actions=[followup.ActionInput(what, who, self.later(day, 10, 30).isoformat()) for what, who in actions],
        ), today=day)
        for action in self.session.execute(
                select(MeetingAction).where(MeetingAction.meeting_id == meeting.id)).scalars().all():
            if self.rng.random() < 0.85:
                self.at(self.later(day, 5, 40), partial(self._action_done, case_id, action.id))

    def _action_done(self, case_id: int, action_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        action = self.session.get(MeetingAction, action_id)
        if case is None or action is None or action.done_on is not None:
            return
        followup.complete_action(self.session, self._care(case), action_id, today=day)

    def _exit(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None or not CASE_MACHINE.allows("start_exit", case.state):
            return
        reason, note, _weight = self.rng.choices(EXITS, weights=[weight for *_rest, weight in EXITS])[0]
        self._fire(case_id, "start_exit", None, day, reason=note or reason)
        self.at(self.later(day, 20, 45), partial(self._close, case_id, reason, note))

    def _close(self, case_id: int, reason: str, note: str, day: date) -> None:
        place_id = self.session.execute(select(Case.allocated_place_id).where(Case.id == case_id)).scalar_one()
        followup.record_exit(self.session, self.coordinator, case_id, followup.ExitInput(
            reason=reason, exit_date=(day - timedelta(days=self.rng.randint(0, 5))).isoformat(),
            place_condition=self.rng.choices(["good", "works_needed", "damaged"], weights=[6, 3, 1])[0],
            place_notes=self.rng.choice(INVENTORIES), note=note,
        ), today=day)
        if place_id is not None:
            self.at(self.later(day, 15, 40), partial(self._works_done, place_id))
        deposit_id = self.session.execute(
            select(Deposit.id).where(Deposit.case_id == case_id,
                                     Deposit.state.in_(DEPOSIT_MACHINE.tagged(Tag.AWAITING_REFUND)))
        ).scalar_one_or_none()
        if deposit_id is not None:
            self.at(self.later(day, 30, 90), partial(self._settle_deposit, deposit_id))

    def _works_done(self, place_id: int, day: date) -> None:
        place = self.session.execute(select(Place).where(Place.id == place_id)).scalar_one()
        if not PLACE_MACHINE.allows("make_available", place.state):
            return
        inventory = self.rng.choice(INVENTORIES)
        occupancy = self.session.execute(
            select(Occupancy).where(Occupancy.place_id == place_id).order_by(Occupancy.id.desc()).limit(1)
        ).scalar_one_or_none()
        if occupancy is not None:
            occupancy.exit_inventory = inventory
        tenancy.place_step(self.session, self.coordinator, place, "make_available", day,
                           values={"inventory": inventory})
        unit.commit(self.session)

    # ------------------------------------------------------------ money

    def _commit_deposit(self, case_id: int, day: date) -> None:
        deposit = next((deposit for deposit in self.session.execute(
            select(Deposit).where(Deposit.case_id == case_id).order_by(Deposit.id)
        ).scalars() if DEPOSIT_MACHINE.allows("commit", deposit.state)), None)
        if deposit is None:
            return
        treasury.fire_deposit(self.session, self.delegate, deposit.id, "commit", expected_version=None, today=day)
        deposit_id = deposit.id
        self.at(self.later(day, 3, 15), partial(self._pay_deposit, deposit_id))

    def _pay_deposit(self, deposit_id: int, day: date) -> None:
        treasury.fire_deposit(self.session, self.treasurer, deposit_id, "pay", expected_version=None, today=day,
                              movement=treasury.Movement(value_date=day.isoformat(), method="transfer",
                                                         reference=f"VIR-{day:%Y%m%d}-{deposit_id:04d}"))

    def _settle_deposit(self, deposit_id: int, day: date) -> None:
        deposit = self.session.get(Deposit, deposit_id)
        if deposit is None or not DEPOSIT_MACHINE.means(deposit.state, Tag.AWAITING_REFUND):
            return
        movement = treasury.Movement(value_date=day.isoformat(), method=self.rng.choice(["transfer", "cheque"]),
                                     reference=f"REMB-{day:%Y%m%d}-{deposit_id:04d}")
        roll = self.rng.random()
        self.settled += 1
        if self.settled == 3:  # one deposit lost, in all these years
            treasury.approve_write_off(self.session, self.treasurer, deposit_id)
            treasury.approve_write_off(self.session, self.coordinator, deposit_id)
            movement.reason = "Bailleur en liquidation judiciaire\u00a0: la créance ne sera pas recouvrée."
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "write_off", expected_version=None,
                                  today=day, movement=movement)
        elif roll < 0.5:
            retained = self.rng.choice([0.15, 0.3, 0.5])
            movement.refunded = f"{deposit.amount_cents * (1 - retained) / 100:.2f}".replace(".", ",")
            movement.reason = self.rng.choice(RETENTIONS)
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "retain", expected_version=None,
                                  today=day, movement=movement)
        else:
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "refund", expected_version=None,
                                  today=day, movement=movement)

    def _contributions(self, day: date, *, year: int) -> None:
        rows = treasury.contributions(self.session, self.treasurer, year)
        for row in rows:
            row_id = row.id
            treasury.call_contribution(self.session, self.treasurer, row_id, day.isoformat())
            self.at(self.later(day, 20, 110), partial(self._receive_contribution, row_id))

    def _receive_contribution(self, row_id: int, day: date) -> None:
        treasury.receive_contribution(self.session, self.treasurer, row_id, day.isoformat(), "transfer",
                                      f"MANDAT-{day:%Y}-{row_id:03d}")

    # ------------------------------------------------------------ hearings

    def _plan(self, day: date, *, year: int, quarter: int) -> None:
        proposal = hearings.proposal(self.session, self.coordinator, year, quarter)
        proposal.address = f"Hôtel de ville, {self.rng.randint(1, 60)} place de la Mairie"
        proposal.quorum = "4"
        hearing = hearings.plan_hearing(self.session, self.coordinator, proposal)
        hearing_id, sitting = hearing.id, hearing.day
        self.at(sitting - timedelta(days=21), lambda d: self._convene(hearing_id, d))
        self.at(sitting, lambda d: self._sit(hearing_id, d))

    def _extraordinary(self, day: date, *, sitting: date) -> None:
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

    def _convene(self, hearing_id: int, day: date) -> None:
        hearings.build_agenda(self.session, self.coordinator, hearing_id, None, today=day)
        hearings.fire_hearing(self.session, self.coordinator, hearing_id, "convene", expected_version=None, today=day)

    def _sit(self, hearing_id: int, day: date) -> None:
        hearing = self.session.get(Hearing, hearing_id)
        assert hearing is not None
        chair = hearing.chair or self.coordinator
        hearings.fire_hearing(self.session, chair, hearing_id, "open_session", expected_version=None, today=day)
        entries = []
        for attendance in hearing.attendances:
            roll = self.rng.random()
            status = (AttendanceStatus.PRESENT if roll < 0.7 or attendance.user_id == hearing.chair_id
                      else AttendanceStatus.EXCUSED if roll < 0.85 else AttendanceStatus.REPRESENTED)
            entries.append(hearings.AttendanceInput(attendance.id, status.value,
                                                    self.fake.name() if status is AttendanceStatus.REPRESENTED else ""))
        hearings.set_attendance(self.session, chair, hearing_id, entries)
        voters = [a.id for a in hearing.attendances if a.counts_for_quorum]
        for item in hearings.items(self.session, hearing):
            self._decide(hearing, item.id, item.kind, item.case, chair, voters, day)
        hearings.fire_hearing(self.session, chair, hearing_id, "close", expected_version=None, today=day)
        self.at(self.later(day, 5, 10), lambda d: hearings.fire_hearing(
            self.session, chair, hearing_id, "approve_minutes", expected_version=None, today=d))
        self.at(self.later(day, 12, 20), lambda d: hearing_documents.sign_minutes(
            self.session, chair, self.store, hearing_id, expected_version=None))
        self._after_offers(day)

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
                decision="waiting_list",
                reason="Avis favorable\u202f; aucune place adaptée disponible pour le moment."),
                today=day)

    def _application_decision(self, hearing: Hearing, case: Case) -> hearings.DecisionInput:
        roll = self.rng.random()
        if roll < 0.06:
            return hearings.DecisionInput(decision="refuse", reason=self.rng.choice(REFUSALS))
        if roll < 0.16 and not CASE_MACHINE.means(case.state, Tag.AWAITED_ITEMS):
            return hearings.DecisionInput(decision="defer", reason=self.rng.choice(AWAITED))
        places = hearings.fitting_places(self.session, case)
        if places and roll < 0.85:
            return hearings.DecisionInput(decision="allocate", place_id=str(self.rng.choice(places).id),
                                          reason=self.rng.choice(ALLOCATIONS))
        allocated = [p for p in hearings.places_allocated_at(self.session, hearing) if p.kind is case.requested_kind]
        if allocated and self.rng.random() < 0.5:
            place = allocated[0]
            taken = [item.rank or 1 for item in hearing.items if item.place_id == place.id]
            return hearings.DecisionInput(decision="ranked", place_id=str(place.id), rank=str(max(taken) + 1),
                                          reason="Candidature retenue en second rang pour ce logement.")
        return hearings.DecisionInput(decision="waiting_list",
                                      reason="Avis favorable\u202f; aucune place adaptée disponible pour le moment.")

    def _next_hearing(self) -> None:
        """The next hearing: planned weeks ago, convened a few days ago with its agenda."""
        year, quarter = next(
            (year, quarter) for year in (self.today.year, self.today.year + 1) for quarter in range(1, 5)
            if hearings.default_day(year, quarter) > self.today
        )
        day = hearings.default_day(year, quarter)
        planned = max(self.today - timedelta(days=40), hearings.default_day(*self._previous(year, quarter)) +
                      timedelta(days=1))
        self.at(planned, partial(self._plan_next, year=year, quarter=quarter))
        self.at(min(day - timedelta(days=21), self.today - timedelta(days=4)), self._convene_next)

    @staticmethod
    def _previous(year: int, quarter: int) -> tuple[int, int]:
        return (year, quarter - 1) if quarter > 1 else (year - 1, 4)

    def _plan_next(self, day: date, *, year: int, quarter: int) -> None:
        proposal = hearings.proposal(self.session, self.coordinator, year, quarter)
        proposal.address, proposal.quorum = "Hôtel de ville, place de la Mairie", "4"
        self.next_hearing_id = hearings.plan_hearing(self.session, self.coordinator, proposal).id

    def _convene_next(self, day: date) -> None:
        """The coordinator fills the afternoon (twelve people at most), oldest files first: the others
        wait for the following hearing, ready, deferred or on the waiting list."""
        hearing = self.session.get(Hearing, self.next_hearing_id)
        assert hearing is not None
        found = hearings.candidates(self.session, self.coordinator, hearing)
        # this time the files deferred in September wait for what is awaited: they come last
        chosen = [(case, kind) for case, kind in found.all() if not CASE_MACHINE.means(case.state, Tag.AWAITED_ITEMS)]
        chosen += [(case, ItemKind.APPLICATION) for case in found.deferred]
        for case, kind in chosen[:NEXT_AGENDA_SIZE]:
            hearings.add_item(self.session, self.coordinator, hearing.id, case.id, review=kind is ItemKind.REVIEW,
                              today=day)
        hearings.fire_hearing(self.session, self.coordinator, hearing.id, "convene", expected_version=None, today=day)

    # ------------------------------------------------------------ people

    def _person(self, team: CareTeam) -> cases.CaseInput:
        rng, fake = self.rng, self.fake
        measure = rng.choices(["none", "safeguard", "curatorship", "reinforced_curatorship", "guardianship"],
                              weights=[45, 5, 20, 20, 10])[0]
        kind = rng.choices([k.value for k in PlaceKind], weights=[70, 12, 8, 10])[0]
        towns = rng.sample(self.towns, rng.randint(1, 3))
        resources = rng.randint(650, 1450)
        return cases.CaseInput(
            first_name=fake.first_name(), last_name=fake.last_name(),
            birth_date=fake.date_of_birth(minimum_age=21, maximum_age=66).isoformat(),
            phone=fake.phone_number(), email=fake.email() if rng.random() < 0.4 else "",
            address=fake.street_address() + ", " + rng.choice(self.towns).name, protection_measure=measure,
            guardian_first_name=fake.first_name() if measure != "none" else "",
            guardian_last_name=fake.last_name() if measure != "none" else "",
            guardian_phone=fake.phone_number() if measure != "none" else "",
            housing_situation=rng.choice(["hospitalised", "with_family", "hostel", "homeless", "temporary"]),
            housing_details="", monthly_resources=f"{resources},{rng.randint(0, 99):02d}",
            resources_details=rng.choice(["AAH et APL", "Pension d'invalidité", "Salaire ESAT et AAH", "RSA"]),
            referring_psychiatrist=f"Dr {fake.last_name()}", referring_nurse=fake.name(),
            social_worker=fake.name(), requested_kind=kind, wished_town_ids=[str(t.id) for t in towns],
            needs_ground_floor=rng.random() < 0.15, needs_accessible=rng.random() < 0.05,
            project=rng.choice(PROJECTS), consent_given=True, consent_date="", care_team_id=str(team.id),
        )
