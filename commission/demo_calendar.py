"""The calendar the demo's years are replayed on: events on days, taken in order with the clock moved, each a
unit of work (committed, or rolled back and skipped when the rules refuse it, as a user's request would be).

:class:`Replay` holds what every part of the replay shares (the people, the stock, the accounts, the calendar);
the parts (:mod:`.demo_files`, :mod:`.demo_hearings`, :mod:`.demo_tenancy`, :mod:`.demo_followup`,
:mod:`.demo_scenes`) add their events, and :class:`commission.demo_history.DemoHistory` puts them together. Some
records are written in batches (:mod:`.demo_bulk`): a day's routine follow-up events when the calendar leaves the
day, before anything of the next; a day's new files and their first steps in one event of that day. Every audit
entry is appended in the order of the days it records.
"""

from __future__ import annotations

import abc
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker
from sqlalchemy.orm import Session

from commission import clock
from commission.demo_bulk import Entry, append_audit, insert_rows
from commission.demo_minutes import MinutesPool
from commission.errors import CommissionError
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import EventKind, FollowUpEvent
from commission.models.housing import Place, PlaceKind
from commission.models.reference import CareTeam, Organisation, Town
from commission.services import cases, unit
from commission.storage import DocumentStore

YEARS_OF_HISTORY = 3


@dataclass(order=True)
class _Event:
    day: date
    order: int
    action: Callable[[date], object] = field(compare=False)


@dataclass(frozen=True)
class _Routine:
    case_id: int
    kind: EventKind
    day: date
    summary: str
    actor: User
    at: datetime


@dataclass(frozen=True)
class DueStep:
    """A file's step due on a day, taken with the others of the day (:mod:`.demo_files`)."""

    case_id: int
    trigger: str
    actor: User
    reason: str = ""
    comment: str = ""


@dataclass
class Replay(abc.ABC):
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
    scale: int = 1
    minutes: MinutesPool | None = None

    def __post_init__(self) -> None:
        self.start = self.today - timedelta(days=365 * YEARS_OF_HISTORY)
        self.coordinator = self.users["coordination"]
        self.treasurer = self.users["tresorerie"]
        self.delegate = next(user for user in self.users.values() if user.signing_delegation)
        self.team_users = {user.care_team_id: user for user in self.users.values() if user.care_team_id}
        self.queue: list[_Event] = []
        self.counter = itertools.count()
        self.events: list[_Routine] = []  # follow-up events of the day, written in bulk
        self.steps_due: dict[date, list[DueStep]] = {}
        self.kept: set[int] = set()  # places a scene of the last weeks fills its own way (:mod:`.demo_scenes`)
        self.settled = 0

    # ------------------------------------------------------------ the calendar

    def at(self, day: date, action: Callable[[date], object]) -> None:
        if day <= self.today:
            heapq.heappush(self.queue, _Event(day, next(self.counter), action))

    def later(self, day: date, low: int, high: int) -> date:
        return day + timedelta(days=self.rng.randint(low, high))

    def run(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            if self.events and self.events[0].day < event.day:
                self.write_events()
            routine = len(self.events)
            with clock.travel(event.day):
                # Each event is a unit of work, as a user's request is: committed, or (a step the rules
                # refuse: a place taken meanwhile...) rolled back and skipped.
                try:
                    event.action(event.day)
                except CommissionError:
                    unit.rollback(self.session)
                    del self.events[routine:]
                else:
                    unit.commit(self.session)
            if self.minutes is not None:
                self.minutes.store_done(self.session)
        self.write_events()

    # ------------------------------------------------------------ shared by the parts

    def care(self, case: Case) -> User:
        """The care team's member who acts for the file (the coordinator for a team without an account)."""
        return self.team_users.get(case.care_team_id, self.coordinator)

    def fire(self, case_id: int, trigger: str, actor: User | None, day: date, **kwargs: object) -> Case | None:
        case = self.session.get(Case, case_id)
        if case is None:
            return None
        actor = actor or self.care(case)
        return cases.fire_case(self.session, actor, case_id, trigger, expected_version=case.version, today=day,
                               **kwargs)  # type: ignore[arg-type]

    def event(self, actor: User, case_id: int, day: date, kind: EventKind, summary: str) -> None:
        """A routine event of a follow-up (a visit, a consultation, a call), recorded as the follow-up's service
        records it, written with the others of the day."""
        self.events.append(_Routine(case_id, kind, day, summary, actor, clock.now()))

    def write_events(self) -> None:
        """The day's routine follow-up events and their audit entries, in one batch."""
        if not self.events:
            return
        ids = insert_rows(self.session, FollowUpEvent, [
            {"case_id": event.case_id, "kind": event.kind, "occurred_on": event.day, "incident_kind": None,
             "serious": False, "summary": event.summary, "action_taken": "", "recorded_by_id": event.actor.id,
             "recorded_at": event.at} for event in self.events])
        # what the service's audit entry says: the kind of event recorded, never its content
        append_audit(self.session, [
            Entry(event.actor, "followup.event_recorded", "case", event.case_id,
                  {"event_id": event_id, "kind": event.kind.value, "incident_kind": None, "serious": False},
                  at=event.at)
            for event_id, event in zip(ids, self.events, strict=True)])
        unit.commit(self.session)
        self.events = []

    # ------------------------------------------------------------ what one part asks of another

    @abc.abstractmethod
    def offer_answer(self, case_id: int, day: date) -> None:
        """The person offered a place answers (the tenancy's part)."""

    @abc.abstractmethod
    def after_offers(self, day: date) -> None:
        """Whoever a decision or a declined offer left with an offer answers it (the tenancy's part)."""

    @abc.abstractmethod
    def housed(self, case_id: int, day: date) -> None:
        """The follow-up of a tenancy that begins (the follow-up's part)."""

    @abc.abstractmethod
    def ask_for_applications(self, kind: PlaceKind, day: date) -> None:
        """A place of a kind nobody waits for is vacant: a care team files an application for it (the files'
        part)."""

    @abc.abstractmethod
    def taken_over(self, case_id: int, day: date) -> None:
        """A tenancy taken over from the register when the software started: its follow-up, its end."""

    @abc.abstractmethod
    def vacancy(self, place_id: int, day: date) -> None:
        """A place is vacant and ready: it goes to the next hearing, or in writing to the members (the
        hearings' part)."""
