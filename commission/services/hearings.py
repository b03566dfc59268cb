"""Quarterly hearings: planning, the agenda, the session's attendance and decisions, the minutes.

Each public function is one unit of work: permission, checks, the hearing's (and the cases') steps,
the records and the audit entries, flushed; the caller commits them together, or nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import Role, User
from commission.models.cases import HOLDING_STATES, Case
from commission.models.followup import CarePlan, CaseReview, ReviewOutcome
from commission.models.hearings import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Decision,
    Hearing,
    HearingTransition,
    ItemKind,
    Minutes,
    MinutesStatus,
    Recusal,
    Vote,
    VoteChoice,
)
from commission.models.housing import Place
from commission.models.people import Applicant
from commission.models.reference import Town
from commission.parsing import as_id, as_whole, collect, parse_date, parse_text, parse_time, parse_whole
from commission.services import audit
from commission.services.steps import record_step
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.hearing import HEARING_MACHINE, decision_fits

HEARING_MONTHS = (3, 6, 9, 12)
DEFAULT_START = time(14, 0)
DEFAULT_QUORUM = 5
MAX_RANK = 1000  # a rank past it is no rank a commission gives (and stays within the column's integer)
REVIEW_INTERVAL_DAYS = 365  # after a review, the next one comes a year later
CLOSER_REVIEW_DAYS = 90  # unless the commission wants to see the tenancy again next quarter
SOON_VACANT_STATES = ("exiting",)
# Who sits on the commission, and whether they vote: invited when the hearing is convened.
SEATS: dict[Role, bool] = {Role.CHAIR: True, Role.MEMBER: True, Role.LANDLORD: True,
                           Role.COORDINATOR: False, Role.TREASURER: False,
                           Role.DATA_PROTECTION: False}

# The case step each decision takes.
DECISION_TRIGGERS: dict[Decision, str] = {
    Decision.ALLOCATE: "allocate",
    Decision.RANKED: "place_on_waiting_list",
    Decision.WAITING_LIST: "place_on_waiting_list",
    Decision.DEFER: "defer",
    Decision.REFUSE: "refuse",
}


def default_day(year: int, quarter: int) -> date:
    """The third Thursday of the quarter's last month: when the commission has usually met."""
    first = date(year, HEARING_MONTHS[quarter - 1], 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 14)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


# ---------------------------------------------------------------- reading


def _hearing_query() -> Select[Hearing]:
    return select(Hearing).options(joinedload(Hearing.town), joinedload(Hearing.chair))


def get_hearing(session: Session, actor: User, hearing_id: int) -> Hearing:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    hearing = session.execute(_hearing_query().where(Hearing.id == hearing_id)).scalar_one_or_none()
    if hearing is None:
        raise NotFound()
    return hearing


def list_hearings(session: Session, actor: User, year: int | None = None) -> list[Hearing]:
    """The hearings of a year (default: all), latest first; a year holds four, so no paging is needed,
    but a listing of every year is limited to the last forty."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    query = _hearing_query().order_by(Hearing.day.desc())
    if year is not None:
        query = query.where(Hearing.year == year)
    return list(session.execute(query.limit(40)).scalars())


def next_hearing(session: Session, actor: User, today: date | None = None) -> Hearing | None:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return session.execute(
        _hearing_query().where(Hearing.day >= (today or clock.today()), Hearing.state != "cancelled")
        .order_by(Hearing.day).limit(1)
    ).scalar_one_or_none()


def items(session: Session, hearing: Hearing) -> list[AgendaItem]:
    """The agenda, with what each line shows, in a bounded number of queries."""
    return list(
        session.execute(
            select(AgendaItem).where(AgendaItem.hearing_id == hearing.id)
            .options(
                joinedload(AgendaItem.case).joinedload(Case.applicant).joinedload(Applicant.guardian),
                joinedload(AgendaItem.case).joinedload(Case.care_team),
                joinedload(AgendaItem.case).selectinload(Case.wished_towns),
                joinedload(AgendaItem.place).joinedload(Place.town),
                joinedload(AgendaItem.deferred_to),
                selectinload(AgendaItem.votes), selectinload(AgendaItem.recusals),
            )
            .order_by(AgendaItem.position)
        ).unique().scalars()
    )


def sees_person(actor: User, item: AgendaItem) -> bool:
    """Whether the actor may see who an agenda item is about (else: initials only)."""
    if policy.can(actor, policy.Action.VIEW_FULL_AGENDA):
        return True
    return actor.role is Role.CARE_TEAM and item.case.care_team_id == actor.care_team_id


def initials(first_name: str, last_name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in (first_name.strip(), last_name.strip()) if part)


def vacancies(session: Session, day: date | None = None) -> list[tuple[Place, bool]]:
    """The available places (False), and those whose tenancy is ending (True: soon vacant). A place
    vacated and waiting for its inventory and works is neither."""
    holders = dict(
        session.execute(
            select(Case.allocated_place_id, Case.state)
            .where(Case.state.in_(HOLDING_STATES), Case.allocated_place_id.is_not(None))
        ).all()
    )
    places = session.execute(
        select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
        .where(Place.active).order_by(Place.kind, Place.reference)
    ).scalars()
    return [(place, place.id in holders) for place in places
            if (place.state == "available" and place.id not in holders)
            or holders.get(place.id) in SOON_VACANT_STATES]


def fitting_places(session: Session, case: Case) -> list[Place]:
    """Vacant places of the kind the person asked for: what a hearing may allocate to them."""
    return [place for place, soon in vacancies(session) if not soon and place.kind is case.requested_kind]


def chairs(session: Session) -> list[User]:
    """The elected officials who may chair a hearing."""
    return list(session.execute(
        select(User).options(joinedload(User.town)).where(User.role == Role.CHAIR, User.active)
        .order_by(User.display_name)
    ).scalars())


STEP_ACTIONS = {
    "open_session": policy.Action.RUN_SESSION, "close": policy.Action.RUN_SESSION,
    "approve_minutes": policy.Action.APPROVE_MINUTES, "sign_minutes": policy.Action.SIGN_MINUTES,
}


def may_fire(user: User, hearing: Hearing, trigger: str) -> bool:
    """Whether the user may take this step of the hearing (the machine's guards are checked when taken)."""
    return policy.can(user, STEP_ACTIONS.get(trigger, policy.Action.MANAGE_HEARINGS), hearing)


def places_allocated_at(session: Session, hearing: Hearing) -> list[Place]:
    """The places this hearing allocated: further candidates may be ranked for them."""
    return list(session.execute(
        select(Place).join(AgendaItem, AgendaItem.place_id == Place.id)
        .where(AgendaItem.hearing_id == hearing.id, AgendaItem.decision == Decision.ALLOCATE)
        .order_by(Place.reference)
    ).scalars())


# ---------------------------------------------------------------- planning


@dataclass
class HearingInput:
    """A hearing's practical details, as typed in a form."""

    day: str = ""
    start_time: str = "14:00"
    town_id: str = ""
    venue: str = ""
    address: str = ""
    chair_id: str = ""
    quorum: str = str(DEFAULT_QUORUM)
    slot_minutes: str = "20"


@dataclass(frozen=True)
class _Parsed:
    day: date
    start_time: time
    town: Town
    venue: str
    address: str
    chair: User | None
    quorum: int
    slot_minutes: int


def _parse(session: Session, data: HearingInput) -> _Parsed:
    errors: dict[str, list[Message]] = {}
    day = collect(errors, parse_date, data.day, "day")
    start = collect(errors, parse_time, data.start_time, "start_time")
    town_id = as_id(data.town_id)
    town = session.get(Town, town_id) if town_id is not None else None
    if town is None:
        errors["town_id"] = [msg("Choose the host town.")]
    chair = None
    if data.chair_id.strip():
        chair_id = as_id(data.chair_id)
        chair = session.get(User, chair_id) if chair_id is not None else None
        if chair is None or chair.role is not Role.CHAIR or not chair.active:
            errors["chair_id"] = [msg("Choose an elected official with a chair's account.")]
    quorum = collect(errors, parse_whole, data.quorum, "quorum", minimum=1, maximum=100)
    slot = collect(errors, parse_whole, data.slot_minutes, "slot_minutes", minimum=5, maximum=120)
    venue = collect(errors, parse_text, data.venue, "venue", limit=200)
    address = collect(errors, parse_text, data.address, "address", limit=300)
    if errors:
        raise InvalidInput(errors)
    assert day is not None and start is not None and town is not None and quorum is not None and slot is not None
    return _Parsed(day, start, town, venue or "", address or "", chair, quorum, slot)


def proposal(session: Session, actor: User, year: int, quarter: int) -> HearingInput:
    """The usual hearing of a quarter: third Thursday, the next town in the rotation, one of its chairs."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    if not towns:
        return HearingInput(day=default_day(year, quarter).isoformat())
    previous = session.execute(
        select(Hearing).where(Hearing.day < default_day(year, quarter)).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None and previous.town_id in [town.id for town in towns]:
        index = ([town.id for town in towns].index(previous.town_id) + 1) % len(towns)
    else:
        index = (year * 4 + quarter - 1) % len(towns)
    town = towns[index]
    chair = session.execute(
        select(User).where(User.role == Role.CHAIR, User.town_id == town.id, User.active).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    return HearingInput(
        day=default_day(year, quarter).isoformat(), town_id=str(town.id), chair_id=str(chair.id) if chair else "",
        venue=str(msg("Council chamber, town hall of %(town)s", town=town.name)),
    )


def plan_hearing(session: Session, actor: User, data: HearingInput) -> Hearing:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    parsed = _parse(session, data)
    quarter = quarter_of(parsed.day)
    taken = session.execute(
        select(Hearing.id).where(Hearing.year == parsed.day.year, Hearing.quarter == quarter,
                                 Hearing.state != "cancelled")
    ).first()
    if taken is not None:
        raise InvalidInput({"day": [msg("A hearing is already planned for this quarter.")]})
    cancelled = session.execute(
        select(Hearing).where(Hearing.year == parsed.day.year, Hearing.quarter == quarter)
    ).scalar_one_or_none()
    if cancelled is not None:
        raise InvalidInput({"day": [msg("This quarter's hearing was cancelled; plan the next quarter's.")]})
    hearing = Hearing(
        year=parsed.day.year, quarter=quarter, day=parsed.day, start_time=parsed.start_time,
        town_id=parsed.town.id, venue=parsed.venue, address=parsed.address,
        chair_id=parsed.chair.id if parsed.chair else None, quorum=parsed.quorum,
        slot_minutes=parsed.slot_minutes, state=HEARING_MACHINE.initial,
    )
    session.add(hearing)
    flush(session)
    _record(session, hearing, actor, "plan", None, hearing.state)
    flush(session)
    return hearing


def plan_year(session: Session, actor: User, year: int) -> list[Hearing]:
    """The year's four hearings, as proposed, for the quarters that have none yet."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    planned = []
    for quarter in range(1, 5):
        exists = session.execute(
            select(Hearing.id).where(Hearing.year == year, Hearing.quarter == quarter)
        ).first()
        if exists is None:
            planned.append(plan_hearing(session, actor, proposal(session, actor, year, quarter)))
    return planned


def update_hearing(session: Session, actor: User, hearing_id: int, data: HearingInput,
                   expected_version: int | None) -> Hearing:
    """Date, time, place, chair, quorum: while planned; once convened, the convocations are re-sent."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    if hearing.state not in ("planned", "convened"):
        raise TransitionRefused(msg("Only a hearing that has not yet sat can be changed."))
    parsed = _parse(session, data)
    if (parsed.day.year, quarter_of(parsed.day)) != (hearing.year, hearing.quarter):
        raise InvalidInput({"day": [msg("The date must stay within the hearing's quarter.")]})
    moved = (parsed.day, parsed.start_time, parsed.address, parsed.venue) != (
        hearing.day, hearing.start_time, hearing.address, hearing.venue)
    hearing.day, hearing.start_time = parsed.day, parsed.start_time
    hearing.town_id, hearing.venue, hearing.address = parsed.town.id, parsed.venue, parsed.address
    hearing.chair_id = parsed.chair.id if parsed.chair else None
    hearing.quorum, hearing.slot_minutes = parsed.quorum, parsed.slot_minutes
    if hearing.state == "convened" and moved:
        hearing.invitation_sequence += 1
        _set_time_slots(hearing)
    for item in hearing.items:
        if item.kind is ItemKind.APPLICATION:
            item.case.scheduled_for = hearing.day
            item.case.due_date = hearing.day
    audit.record(session, actor, "hearing.updated", "hearing", hearing.id,
                 {"day": hearing.day.isoformat(), "town_id": hearing.town_id, "moved": moved})
    flush(session)
    return hearing


def _load_for_change(session: Session, actor: User, hearing_id: int, action: policy.Action,
                     expected_version: int | None) -> Hearing:
    policy.require(actor, action)
    hearing = session.execute(
        locked(_hearing_query().where(Hearing.id == hearing_id), of=Hearing)
    ).scalar_one_or_none()
    if hearing is None:
        raise NotFound()
    policy.require(actor, action, hearing)
    if expected_version is not None and hearing.version != expected_version:
        raise ConcurrentChange()
    return hearing


def _record(session: Session, hearing: Hearing, actor: User | None, trigger: str, source: str | None, dest: str,
            reason: str = "") -> None:
    record_step(session, HearingTransition, actor=actor, trigger=trigger, source=source, dest=dest, reason=reason,
                subject="hearing", subject_id=hearing.id, hearing_id=hearing.id, hearing_version=hearing.version)


def transitions(session: Session, actor: User, hearing: Hearing) -> list[HearingTransition]:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return list(session.execute(
        select(HearingTransition).where(HearingTransition.hearing_id == hearing.id).order_by(HearingTransition.id)
    ).scalars())


# ---------------------------------------------------------------- the agenda


@dataclass
class Candidates:
    """What may go on a hearing's agenda, oldest first."""

    ready: list[Case] = field(default_factory=list)
    deferred: list[Case] = field(default_factory=list)
    waiting: list[Case] = field(default_factory=list)  # on the waiting list, with a vacant place that fits
    reviews: list[Case] = field(default_factory=list)  # housed, follow-up review due by the hearing

    def all(self) -> list[tuple[Case, ItemKind]]:
        return ([(case, ItemKind.APPLICATION) for case in [*self.deferred, *self.ready, *self.waiting]]
                + [(case, ItemKind.REVIEW) for case in self.reviews])


def candidates(session: Session, actor: User, hearing: Hearing) -> Candidates:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    on_it = {item.case_id for item in hearing.items}
    query = select(Case).options(joinedload(Case.applicant), joinedload(Case.care_team))
    found = Candidates()
    for case in session.execute(
        query.where(Case.state.in_(["ready", "deferred"])).order_by(Case.submitted_at, Case.id)
    ).unique().scalars():
        if case.id not in on_it:
            (found.deferred if case.state == "deferred" else found.ready).append(case)
    kinds_vacant = {place.kind for place, soon in vacancies(session) if not soon}
    for case in session.execute(
        query.where(Case.state == "waiting_list").order_by(Case.submitted_at, Case.id)
    ).unique().scalars():
        if case.id not in on_it and case.requested_kind in kinds_vacant:
            found.waiting.append(case)
    for case in session.execute(
        query.where(Case.state == "housed", Case.review_due <= hearing.day).order_by(Case.review_due, Case.id)
    ).unique().scalars():
        if case.id not in on_it:
            found.reviews.append(case)
    return found


def _editable_agenda(session: Session, actor: User, hearing_id: int, expected_version: int | None) -> Hearing:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    if hearing.state != "planned":
        raise TransitionRefused(msg("The agenda is frozen once the hearing is convened; reopen it first."))
    return hearing


def _add(session: Session, actor: User, hearing: Hearing, case: Case, kind: ItemKind, today: date) -> AgendaItem:
    from commission.services import cases as case_service

    if any(item.case_id == case.id for item in hearing.items):
        raise TransitionRefused(msg("This file is already on the agenda."))
    carried_over = case.state == "deferred"
    if kind is ItemKind.APPLICATION:
        case_service.take_step(session, actor, case, "schedule", values={"hearing_date": hearing.day}, today=today)
    elif case.state != "housed":
        raise TransitionRefused(msg("Only a housed person's follow-up can be reviewed."))
    position = max((item.position for item in hearing.items), default=0) + 1
    item = AgendaItem(hearing=hearing, case_id=case.id, position=position, kind=kind, carried_over=carried_over)
    session.add(item)
    flush(session)
    audit.record(session, actor, "hearing.item_added", "hearing", hearing.id,
                 {"case_id": case.id, "kind": kind.value, "position": position})
    return item


def build_agenda(session: Session, actor: User, hearing_id: int, expected_version: int | None,
                 today: date | None = None) -> int:
    """Put every candidate on the agenda: carried-over files first, then the others oldest first,
    then the reviews. Returns how many items were added."""
    hearing = _editable_agenda(session, actor, hearing_id, expected_version)
    found = candidates(session, actor, hearing)
    for case, kind in found.all():
        locked = _lock_case(session, case.id)
        _add(session, actor, hearing, locked, kind, today or clock.today())
    flush(session)
    return len(found.all())


def _lock_case(session: Session, case_id: int) -> Case:
    case = session.execute(locked(select(Case).where(Case.id == case_id))).scalar_one_or_none()
    if case is None:
        raise NotFound()
    return case


def add_item(session: Session, actor: User, hearing_id: int, case_id: int, *, review: bool = False,
             expected_version: int | None = None, today: date | None = None) -> AgendaItem:
    hearing = _editable_agenda(session, actor, hearing_id, expected_version)
    case = _lock_case(session, case_id)
    item = _add(session, actor, hearing, case, ItemKind.REVIEW if review else ItemKind.APPLICATION,
                today or clock.today())
    flush(session)
    return item


def remove_item(session: Session, actor: User, hearing_id: int, item_id: int, reason: str,
                expected_version: int | None = None, today: date | None = None) -> None:
    from commission.services import cases as case_service

    hearing = _editable_agenda(session, actor, hearing_id, expected_version)
    item = next((item for item in hearing.items if item.id == item_id), None)
    if item is None:
        raise NotFound()
    if not reason.strip():
        raise InvalidInput({"reason": [msg("Say why.")]})
    if item.kind is ItemKind.APPLICATION:
        case = _lock_case(session, item.case_id)
        trigger = "unschedule_to_waiting_list" if case.scheduled_from_waiting_list else "unschedule"
        case_service.take_step(session, actor, case, trigger, reason=reason, today=today or clock.today())
    position = item.position
    hearing.items.remove(item)
    session.delete(item)
    for other in hearing.items:
        if other.position > position:
            other.position -= 1
    audit.record(session, actor, "hearing.item_removed", "hearing", hearing.id,
                 {"case_id": item.case_id, "reason_given": bool(reason.strip())})
    flush(session)


def move_item(session: Session, actor: User, hearing_id: int, item_id: int, offset: int,
              expected_version: int | None = None) -> None:
    """Move an item up (offset -1) or down (+1) the agenda."""
    hearing = _editable_agenda(session, actor, hearing_id, expected_version)
    ordered = sorted(hearing.items, key=lambda item: item.position)
    index = next((number for number, item in enumerate(ordered) if item.id == item_id), None)
    if index is None:
        raise NotFound()
    other = index + (1 if offset > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    first, second = ordered[index], ordered[other]
    first.position, second.position = second.position, first.position
    audit.record(session, actor, "hearing.item_moved", "hearing", hearing.id,
                 {"case_id": first.case_id, "position": first.position})
    flush(session)


def _set_time_slots(hearing: Hearing) -> None:
    start = datetime.combine(hearing.day, hearing.start_time)
    for number, item in enumerate(sorted(hearing.items, key=lambda item: item.position)):
        item.time_slot = (start + timedelta(minutes=hearing.slot_minutes * number)).time()


def _invite(session: Session, hearing: Hearing) -> None:
    """Everyone who sits on the commission is invited (and listed for the attendance sheet)."""
    invited = {attendance.user_id for attendance in hearing.attendances}
    members = session.execute(
        select(User).options(joinedload(User.town), joinedload(User.organisation))
        .where(User.active, User.role.in_(list(SEATS))).order_by(User.role, User.display_name)
    ).scalars()
    for user in members:
        if user.id in invited:
            continue
        session.add(Attendance(hearing=hearing, user_id=user.id, name=user.display_name, capacity=capacity(user),
                               email=user.email, votes=SEATS[user.role], status=AttendanceStatus.ABSENT))


def capacity(user: User) -> str:
    """The seat a user holds at the commission, in words (the council's language)."""
    if user.role is Role.CHAIR:
        return str(msg("Elected official of %(town)s", town=user.town.name if user.town else "—"))
    if user.role is Role.LANDLORD:
        return str(msg("Representative of the landlord %(name)s",
                       name=user.organisation.name if user.organisation else "—"))
    if user.role is Role.COORDINATOR:
        return str(msg("Coordinator of the commission (secretary)"))
    if user.role is Role.TREASURER:
        return str(msg("Treasurer"))
    return str(msg("Member of the commission"))


# ---------------------------------------------------------------- the hearing's steps


def fire_hearing(session: Session, actor: User, hearing_id: int, trigger: str, *, expected_version: int | None,
                 reason: str = "", today: date | None = None, renderer: Any = None) -> Hearing:
    """One step of the hearing machine, with what it entails (slots and invitations when convened,
    the draft minutes when closed, the frozen content when approved, the signed PDFs when signed)."""
    action = STEP_ACTIONS.get(trigger, policy.Action.MANAGE_HEARINGS)
    hearing = _load_for_change(session, actor, hearing_id, action, expected_version)
    if trigger not in HEARING_MACHINE.triggers():
        raise TransitionRefused(msg("This step does not exist."))
    today = today or clock.today()
    context = engine.FireContext(actor=actor, today=today, reason=reason.strip())
    fired = engine.fire(HEARING_MACHINE, hearing, trigger, context)
    now = utcnow()
    if trigger == "convene":
        hearing.convened_at = now
        _set_time_slots(hearing)
        _invite(session, hearing)
    elif trigger == "open_session":
        hearing.opened_at = now
    elif trigger == "close":
        hearing.closed_at = now
        session.add(Minutes(hearing=hearing, number=1, movements=_movements(session, hearing)))
    elif trigger == "cancel":
        for item in list(hearing.items):
            _unschedule(session, actor, item, context.reason, today)
    elif trigger in ("approve_minutes", "sign_minutes", "correct_minutes"):
        _minutes_step(session, actor, hearing, trigger, context.reason, renderer)
    flush(session)
    _record(session, hearing, actor, trigger, fired.source, fired.dest, context.reason)
    flush(session)
    return hearing


def _unschedule(session: Session, actor: User, item: AgendaItem, reason: str, today: date) -> None:
    from commission.services import cases as case_service

    if item.kind is ItemKind.APPLICATION:
        case = _lock_case(session, item.case_id)
        if case.state == "scheduled":
            trigger = "unschedule_to_waiting_list" if case.scheduled_from_waiting_list else "unschedule"
            case_service.take_step(session, actor, case, trigger, reason=reason, today=today)


def _movements(session: Session, hearing: Hearing) -> str:
    """Admissions and exits since the previous hearing, one per line (drafted; the minutes may edit it)."""
    previous = session.execute(
        select(Hearing.day).where(Hearing.day < hearing.day, Hearing.state != "cancelled")
        .order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    since = datetime.combine(previous or hearing.day - timedelta(days=92), time.min, tzinfo=UTC)
    from commission.models.cases import CaseTransition

    rows = session.execute(
        select(CaseTransition.trigger, func.count(CaseTransition.id))
        .where(CaseTransition.at >= since, CaseTransition.trigger.in_(["confirm_housed", "close"]))
        .group_by(CaseTransition.trigger)
    ).all()
    counts = dict(rows)
    return "\n".join([
        str(msg("Moves into a place since the last hearing: %(count)s", count=counts.get("confirm_housed", 0))),
        str(msg("Exits since the last hearing: %(count)s", count=counts.get("close", 0))),
    ])


# ---------------------------------------------------------------- the session


@dataclass
class AttendanceInput:
    attendance_id: int
    status: str
    represented_by: str = ""


def set_attendance(session: Session, actor: User, hearing_id: int, entries: Sequence[AttendanceInput],
                   expected_version: int | None = None) -> Hearing:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.RUN_SESSION, expected_version)
    if hearing.state not in ("convened", "in_session"):
        raise TransitionRefused(msg("Attendance is recorded at the session."))
    by_id = {attendance.id: attendance for attendance in hearing.attendances}
    errors: dict[str, list[Message]] = {}
    for entry in entries:
        attendance = by_id.get(entry.attendance_id)
        if attendance is None:
            raise NotFound()
        try:
            status = AttendanceStatus(entry.status)
        except ValueError:
            errors[f"status-{attendance.id}"] = [msg("Choose present, excused, represented or absent.")]
            continue
        represented_by = entry.represented_by.strip()[:200]
        if status is AttendanceStatus.REPRESENTED and not represented_by:
            errors[f"represented_by-{attendance.id}"] = [msg("Say who represents %(name)s.", name=attendance.name)]
            continue
        attendance.status = status
        attendance.represented_by = represented_by if status is AttendanceStatus.REPRESENTED else ""
    if errors:
        raise InvalidInput(errors)
    audit.record(session, actor, "hearing.attendance", "hearing", hearing.id,
                 {attendance.name: attendance.status.value for attendance in hearing.attendances})
    flush(session)
    return hearing


def add_attendee(session: Session, actor: User, hearing_id: int, name: str, capacity_text: str, votes: bool,
                 status: str = "present") -> Attendance:
    """Someone without an account (a guardian's representative, a social worker) on the attendance sheet."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.RUN_SESSION, None)
    if hearing.state not in ("convened", "in_session"):
        raise TransitionRefused(msg("Attendance is recorded at the session."))
    errors: dict[str, list[Message]] = {}
    if not name.strip() or len(name.strip()) > 200:
        errors["name"] = [msg("Give the name (at most 200 characters).")]
    if not capacity_text.strip() or len(capacity_text.strip()) > 300:
        errors["capacity"] = [msg("Give the capacity in which they sit (at most 300 characters).")]
    try:
        attendance_status = AttendanceStatus(status)
    except ValueError:
        errors["status"] = [msg("Choose present, excused, represented or absent.")]
    if errors:
        raise InvalidInput(errors)
    attendance = Attendance(hearing=hearing, name=name.strip(), capacity=capacity_text.strip(), votes=votes,
                            status=attendance_status)
    session.add(attendance)
    flush(session)
    audit.record(session, actor, "hearing.attendee_added", "hearing", hearing.id,
                 {"name": attendance.name, "votes": votes})
    flush(session)
    return attendance


@dataclass(frozen=True)
class Quorum:
    required: int
    present: int

    @property
    def met(self) -> bool:
        return self.present >= self.required


def quorum(hearing: Hearing) -> Quorum:
    return Quorum(hearing.quorum, sum(1 for attendance in hearing.attendances if attendance.counts_for_quorum))


@dataclass
class DecisionInput:
    decision: str
    reason: str = ""
    attended: str = ""  # "yes", "no" or "" (not recorded)
    place_id: str = ""
    rank: str = ""
    deferred_to_id: str = ""
    votes: Mapping[int, str] = field(default_factory=dict)  # attendance id -> in_favour | against | abstain
    recusals: Mapping[int, str] = field(default_factory=dict)  # attendance id -> reason (may be empty)
    note: str = ""
    review_outcome: str = ""  # for a follow-up review: a ReviewOutcome value


def decide_item(session: Session, actor: User, hearing_id: int, item_id: int, data: DecisionInput,
                today: date | None = None) -> AgendaItem:
    """Record the hearing's decision on one item, and take the case's steps that follow from it."""
    from commission.services import cases as case_service

    hearing = _load_for_change(session, actor, hearing_id, policy.Action.RUN_SESSION, None)
    if hearing.state != "in_session":
        raise TransitionRefused(msg("Decisions are recorded while the hearing is in session."))
    item = session.execute(
        locked(select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.hearing_id == hearing.id))
    ).scalar_one_or_none()
    if item is None:
        raise NotFound()
    if item.decision is not None:
        raise TransitionRefused(msg("This item is already decided."))
    today = today or clock.today()
    status = quorum(hearing)
    if not status.met:
        raise TransitionRefused(msg("The quorum is not met (%(present)s of %(required)s): the commission "
                                    "cannot decide.", present=status.present, required=status.required))
    errors: dict[str, list[Message]] = {}
    try:
        decision = Decision(data.decision)
    except ValueError:
        raise InvalidInput({"decision": [msg("Choose the decision.")]}) from None
    if not decision_fits(item.kind, decision):
        raise InvalidInput({"decision": [msg("This decision does not apply to this kind of item.")]})
    reason = data.reason.strip()
    if decision in (Decision.REFUSE, Decision.DEFER, Decision.ALLOCATE, Decision.RANKED) and not reason:
        errors["reason"] = [msg("Give the reason for the decision.")]
    outcome: ReviewOutcome | None = None
    if item.kind is ItemKind.REVIEW:
        try:
            outcome = ReviewOutcome(data.review_outcome.strip())
        except ValueError:
            errors["review_outcome"] = [msg("Choose what the commission decides for this tenancy.")]
    place = None
    rank = None
    if decision in (Decision.ALLOCATE, Decision.RANKED):
        place_id = as_id(data.place_id)
        place = session.get(Place, place_id) if place_id is not None else None
        if place is None:
            errors["place_id"] = [msg("Choose the place that is allocated.")]
        rank = 1 if decision is Decision.ALLOCATE else (as_whole(data.rank, 0, MAX_RANK) or 0)
        if decision is Decision.RANKED and rank < 2:
            errors["rank"] = [msg("Give the candidate's rank for the place (2 or more).")]
        elif place is not None and decision is Decision.RANKED:
            same = session.execute(
                select(AgendaItem.id).where(AgendaItem.hearing_id == hearing.id, AgendaItem.place_id == place.id,
                                            AgendaItem.rank == rank, AgendaItem.id != item.id)
            ).first()
            if same is not None:
                errors["rank"] = [msg("Another candidate already has this rank for this place.")]
            if session.execute(
                select(AgendaItem.id).where(AgendaItem.hearing_id == hearing.id, AgendaItem.place_id == place.id,
                                            AgendaItem.decision == Decision.ALLOCATE)
            ).first() is None:
                errors["rank"] = [msg("Allocate the place to the first candidate before ranking others.")]
    deferred_to = None
    if decision is Decision.DEFER and data.deferred_to_id.strip():
        deferred_id = as_id(data.deferred_to_id)
        deferred_to = session.get(Hearing, deferred_id) if deferred_id is not None else None
        if deferred_to is None or deferred_to.day <= hearing.day:
            errors["deferred_to_id"] = [msg("Choose a later hearing.")]
    attended = {"yes": True, "no": False}.get(data.attended.strip())
    voters = {attendance.id: attendance for attendance in hearing.attendances}
    recused = set()
    for attendance_id in data.recusals:
        attendance = voters.get(attendance_id)
        if attendance is None:
            raise NotFound()
        recused.add(attendance_id)
    votes: list[tuple[Attendance, VoteChoice]] = []
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
        if attendance_id in recused:
            errors[f"vote-{attendance_id}"] = [msg("%(name)s withdrew from this item and cannot vote on it.",
                                                   name=attendance.name)]
        elif not attendance.counts_for_quorum:
            errors[f"vote-{attendance_id}"] = [msg("%(name)s does not vote at this hearing.", name=attendance.name)]
        else:
            votes.append((attendance, vote_choice))
    if errors:
        raise InvalidInput(errors)

    if item.kind is ItemKind.APPLICATION:
        case = session.execute(locked(select(Case).where(Case.id == item.case_id))).scalar_one()
        if case.state == "scheduled":
            case_service.take_step(session, actor, case, "hear", today=today)
        trigger = DECISION_TRIGGERS[decision]
        values: dict[str, Any] = {"place_id": place.id} if decision is Decision.ALLOCATE and place else {}
        case_service.take_step(session, actor, case, trigger, reason=reason, values=values, today=today)
    else:
        case = session.execute(locked(select(Case).where(Case.id == item.case_id))).scalar_one()
        review = _record_review(session, actor, hearing, item, case, outcome, reason)
        audit.record(session, actor, "case.reviewed", "case", case.id, {
            "hearing_id": hearing.id, "outcome": review.outcome.value, "next_review": review.next_review.isoformat(),
            "note_given": bool(reason.strip()),
        })
    item.decision, item.reason, item.attended = decision, reason, attended
    item.place_id = place.id if place else None
    item.rank = rank if place else None
    item.deferred_to_id = deferred_to.id if deferred_to else None
    item.awaited = reason if decision is Decision.DEFER else ""
    item.minutes_note = data.note.strip()
    item.decided_at, item.decided_by_id = utcnow(), actor.id
    for attendance_id in recused:
        session.add(Recusal(item=item, attendance_id=attendance_id, reason=data.recusals[attendance_id].strip()))
    for attendance, vote_choice in votes:
        session.add(Vote(item=item, attendance_id=attendance.id, choice=vote_choice))
    flush(session)
    audit.record(session, actor, "hearing.item_decided", "hearing", hearing.id, {
        "item_id": item.id, "case_id": item.case_id, "decision": decision.value, "reason_given": bool(reason.strip()),
        "place_id": item.place_id, "rank": item.rank,
        "votes": {vote_choice.value: sum(1 for _a, c in votes if c is vote_choice) for vote_choice in VoteChoice},
        "recused": sorted(recused),
    })
    flush(session)
    return item


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


# ---------------------------------------------------------------- the minutes


def current_minutes(hearing: Hearing) -> Minutes | None:
    return max(hearing.minutes, key=lambda minutes: minutes.number, default=None)


def update_minutes(session: Session, actor: User, hearing_id: int, *, remarks: str, movements: str,
                   notes: Mapping[int, str], expected_version: int | None = None) -> Minutes:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.EDIT_MINUTES, None)
    minutes = current_minutes(hearing)
    if minutes is None or minutes.status is not MinutesStatus.DRAFT or hearing.state != "closed":
        raise TransitionRefused(msg("Only draft minutes can be edited; signed minutes never change."))
    if expected_version is not None and minutes.version_counter != expected_version:
        raise ConcurrentChange()
    minutes.remarks, minutes.movements = remarks.strip(), movements.strip()
    for item in hearing.items:
        if item.id in notes:
            item.minutes_note = notes[item.id].strip()
    flush(session)
    audit.record(session, actor, "minutes.edited", "minutes", minutes.id, {"hearing_id": hearing.id})
    flush(session)
    return minutes


def _minutes_step(session: Session, actor: User, hearing: Hearing, trigger: str, reason: str, renderer: Any) -> None:
    from commission.services.hearing_documents import build_minutes_data

    minutes = current_minutes(hearing)
    assert minutes is not None
    if trigger == "approve_minutes":
        data = build_minutes_data(session, hearing, minutes)
        minutes.snapshot = json.dumps(_jsonable(data), sort_keys=True)
        minutes.status, minutes.approved_at, minutes.approved_by_id = MinutesStatus.APPROVED, utcnow(), actor.id
    elif trigger == "sign_minutes":
        minutes.signed_at, minutes.signed_by_id = utcnow(), actor.id
        minutes.signer_capacity = (capacity(actor) if actor.id == hearing.chair_id
                                   else str(msg("Holder of the council's signing delegation")))
        data = build_minutes_data(session, hearing, minutes, signer=actor)
        # What was signed, frozen: the retention rules re-render it from here when they erase a name.
        minutes.snapshot = json.dumps(_jsonable(data), sort_keys=True)
        if renderer is not None:
            full, redacted = renderer(data)
            minutes.pdf_sha256, minutes.redacted_sha256 = full, redacted
        minutes.status = MinutesStatus.SIGNED
    else:  # correct_minutes: a new version, the signed one stays as it is
        session.add(Minutes(hearing=hearing, number=minutes.number + 1, remarks=minutes.remarks,
                            movements=minutes.movements, correction_reason=reason))


def _jsonable(value: Any) -> Any:
    from dataclasses import fields, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(element) for element in value]
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value
