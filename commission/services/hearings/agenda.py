"""The agenda: what may go on it, the items added, removed and reordered while it is open; the time
slots and the invitations when the hearing is convened, and the seat each member holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import InvalidInput, NotFound, TransitionRefused
from commission.i18n import msg
from commission.labels import ROLE_LABELS
from commission.models.accounts import Role, User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem, Attendance, AttendanceStatus, Hearing, ItemKind
from commission.services import audit
from commission.services.hearings.reading import _load_for_change, _lock_case, vacancies
from commission.services.unit import flush
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

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


def _awaiting_a_hearing() -> tuple[str, ...]:
    """The files that may be put on an agenda as they are (complete, or carried over): the waiting list's
    go on it only when a place fits them."""
    return tuple(state.name for state in CASE_MACHINE.states
                 if CASE_MACHINE.allows("schedule", state.name)
                 and not CASE_MACHINE.means(state.name, Tag.ON_WAITING_LIST))


def candidates(session: Session, actor: User, hearing: Hearing) -> Candidates:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    on_it = set(session.execute(select(AgendaItem.case_id).where(AgendaItem.hearing_id == hearing.id)).scalars())
    query = select(Case).options(joinedload(Case.applicant), joinedload(Case.care_team))
    found = Candidates()
    for case in session.execute(
        query.where(Case.state.in_(_awaiting_a_hearing())).order_by(Case.submitted_at, Case.id)
    ).unique().scalars():
        if case.id not in on_it:
            (found.deferred if CASE_MACHINE.means(case.state, Tag.AWAITED_ITEMS) else found.ready).append(case)
    kinds_vacant = {place.kind for place, soon in vacancies(session) if not soon}
    for case in session.execute(
        query.where(Case.state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST))).order_by(Case.submitted_at, Case.id)
    ).unique().scalars():
        if case.id not in on_it and case.requested_kind in kinds_vacant:
            found.waiting.append(case)
    for case in session.execute(
        query.where(Case.state.in_(CASE_MACHINE.tagged(Tag.HOUSED)), Case.review_due <= hearing.day)
        .order_by(Case.review_due, Case.id)
    ).unique().scalars():
        if case.id not in on_it:
            found.reviews.append(case)
    return found


def _editable_agenda(session: Session, actor: User, hearing_id: int, expected_version: int | None) -> Hearing:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    if not HEARING_MACHINE.means(hearing.state, Tag.AGENDA_OPEN):
        raise TransitionRefused(msg("The agenda is frozen once the hearing is convened; reopen it first."))
    return hearing


def _add(session: Session, actor: User, hearing: Hearing, case: Case, kind: ItemKind, today: date) -> AgendaItem:
    from commission.services import cases as case_service

    if any(item.case_id == case.id for item in hearing.items):
        raise TransitionRefused(msg("This file is already on the agenda."))
    carried_over = CASE_MACHINE.means(case.state, Tag.AWAITED_ITEMS)
    if kind is ItemKind.APPLICATION:
        case_service.take_step(session, actor, case, "schedule", values={"hearing_date": hearing.day}, today=today)
    elif not CASE_MACHINE.means(case.state, Tag.HOUSED):
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


# ---------------------------------------------------------------- when the hearing is convened


def _set_time_slots(hearing: Hearing) -> None:
    start = datetime.combine(hearing.day, hearing.start_time)
    for number, item in enumerate(sorted(hearing.items, key=lambda item: item.position)):
        item.time_slot = (start + timedelta(minutes=hearing.slot_minutes * number)).time()


def _invite(session: Session, hearing: Hearing) -> None:
    """Everyone who sits on the commission is invited (and listed for the attendance sheet)."""
    invited = {attendance.user_id for attendance in hearing.attendances}
    members = session.execute(
        select(User).options(joinedload(User.town), joinedload(User.organisation))
        .where(User.active, policy.invited_clause()).order_by(User.role, User.display_name)
    ).scalars()
    for user in members:
        if user.id in invited:
            continue
        session.add(Attendance(hearing=hearing, user_id=user.id, name=user.display_name, capacity=capacity(user),
                               email=user.email, votes=policy.votes(user), status=AttendanceStatus.ABSENT))


# The seat each role holds at the commission, in words.
SEAT_WORDS: dict[Role, Callable[[User], str]] = {
    Role.MEMBER: lambda _user: str(msg("Member of the commission")),
    Role.CHAIR: lambda user: str(msg("Elected official of %(town)s", town=user.town.name if user.town else "—")),
    Role.LANDLORD: lambda user: str(msg("Representative of the landlord %(name)s",
                                        name=user.organisation.name if user.organisation else "—")),
    Role.COORDINATOR: lambda _user: str(msg("Coordinator of the commission (secretary)")),
    Role.TREASURER: lambda _user: str(msg("Treasurer")),
}


def capacity(user: User) -> str:
    """The seat a user holds at the commission, in words (the council's language); a role without a seat is
    named by its role, never as a member of the commission. The title the account gives (« adjointe au maire de
    Ronchin ») comes first."""
    if (user.title or "").strip():
        return user.title.strip()
    words = SEAT_WORDS.get(user.role)
    return words(user) if words is not None else str(msg(ROLE_LABELS[user.role]))
