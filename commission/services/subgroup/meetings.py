"""The housing sub-group's meetings: planned (date, time, place, agenda), then their notes and who attended recorded
once held, and the actions agreed followed until they are done.

Lighter than a hearing: no decision on a person, no vote, no health data. The coordinator and the accounts seated
in the sub-group read them (``VIEW_SUBGROUP``) and write them (``RECORD_SUBGROUP``) alike. The audit trail says
who changed what and when, never what was typed (the agenda, the notes, an action's words stay in their rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.subgroup import SubgroupAction, SubgroupAttendance, SubgroupMeeting
from commission.parsing import collect, parse_time
from commission.services import audit
from commission.services.stock.fields import Errors, _add, _day, _text
from commission.services.subgroup.members import Seat, person_key, read_key, seat_of_member, seat_of_user, seats
from commission.services.unit import flush, locked

MAX_TEXT = 20_000  # an agenda or the notes of a meeting: a few pages
MAX_OUTCOME = 5000

# ---------------------------------------------------------------- planning and recording a meeting


@dataclass
class MeetingInput:
    held_on: str = ""
    starts_at: str = ""
    location: str = ""
    agenda: str = ""
    notes: str = ""  # the minutes: only once the meeting's day has come
    attendees: list[str] = field(default_factory=list)  # person keys among the membership (members.person_key)

    @classmethod
    def of(cls, meeting: SubgroupMeeting) -> MeetingInput:
        return cls(held_on=meeting.held_on.isoformat(),
                   starts_at=meeting.starts_at.strftime("%H:%M") if meeting.starts_at else "",
                   location=meeting.location, agenda=meeting.agenda, notes=meeting.notes,
                   attendees=[person_key(a.user_id, a.member_id) for a in meeting.attendances])


@dataclass(frozen=True)
class _Parsed:
    held_on: date
    starts_at: time | None
    location: str
    agenda: str
    notes: str
    attendees: frozenset[tuple[int | None, int | None]]


def attendance_choices(session: Session, meeting: SubgroupMeeting | None) -> list[Seat]:
    """Whom the attendance may name: the membership now, and whoever a meeting already lists (they may have
    left the sub-group since)."""
    found = seats(session)
    known = {seat.key for seat in found}
    if meeting is not None:
        for attendance in meeting.attendances:
            if person_key(attendance.user_id, attendance.member_id) in known:
                continue
            if attendance.user is not None:
                found.append(seat_of_user(attendance.user))
            elif attendance.member is not None:
                found.append(seat_of_member(attendance.member))
    return found


def _parse_meeting(session: Session, data: MeetingInput, meeting: SubgroupMeeting | None, today: date) -> _Parsed:
    errors: Errors = {}
    held_on = _day(errors, "held_on", data.held_on)
    starts_at = collect(errors, parse_time, data.starts_at, "starts_at", required=False)
    location = _text(errors, "location", data.location, 200, msg("Say where the meeting is held."))
    agenda = _text(errors, "agenda", data.agenda, MAX_TEXT)
    notes = _text(errors, "notes", data.notes, MAX_TEXT)
    allowed = {seat.key for seat in attendance_choices(session, meeting)}
    attendees: set[tuple[int | None, int | None]] = set()
    for key in data.attendees:
        person = read_key(key)
        if person is None or key.strip() not in allowed:
            _add(errors, "attendees", msg("Choose the attendees among the sub-group's members."))
            break
        attendees.add(person)
    if held_on is not None and held_on > today:
        if notes:
            _add(errors, "notes", msg("The meeting is planned on %(date)s: its notes are recorded once it has been "
                                      "held.", date=held_on.isoformat()))
        if attendees:
            _add(errors, "attendees", msg("The meeting is planned on %(date)s: who attended is recorded once it has "
                                          "been held.", date=held_on.isoformat()))
    if meeting is not None and held_on is not None and held_on != meeting.held_on and "held_on" not in errors:
        done = [action.done_on for action in meeting.actions if action.done_on is not None]
        if done and held_on > min(done):
            _add(errors, "held_on", msg("An action of this meeting was done on %(date)s: the meeting cannot come "
                                        "after it.", date=min(done).isoformat()))
    if errors:
        raise InvalidInput(errors)
    assert held_on is not None
    return _Parsed(held_on, starts_at, location, agenda, notes, frozenset(attendees))


def _meeting_facts(meeting: SubgroupMeeting) -> dict[str, object]:
    """What the audit trail keeps of a meeting: dates and counts, never its words."""
    return {"held_on": meeting.held_on.isoformat(),
            "starts_at": meeting.starts_at.strftime("%H:%M") if meeting.starts_at else None,
            "has_agenda": bool(meeting.agenda), "has_notes": bool(meeting.notes)}


def plan_meeting(session: Session, actor: User, data: MeetingInput, today: date | None = None) -> SubgroupMeeting:
    """Plan a meeting (its date, time, place and agenda); a meeting already held may be recorded at once with
    its notes and who attended."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    parsed = _parse_meeting(session, data, None, today or clock.today())
    meeting = SubgroupMeeting(held_on=parsed.held_on, starts_at=parsed.starts_at, location=parsed.location,
                              agenda=parsed.agenda, notes=parsed.notes, created_by_id=actor.id)
    if parsed.notes:
        meeting.notes_by_id, meeting.notes_at = actor.id, utcnow()
    session.add(meeting)
    flush(session)
    for user_id, member_id in sorted(parsed.attendees, key=str):
        session.add(SubgroupAttendance(meeting_id=meeting.id, user_id=user_id, member_id=member_id))
    flush(session)
    audit.record(session, actor, "subgroup.meeting_planned", "subgroup_meeting", meeting.id,
                 {**_meeting_facts(meeting), "attendees": len(parsed.attendees)})
    flush(session)
    return meeting


def _lock_meeting(session: Session, actor: User, meeting_id: int, expected_version: int | None) -> SubgroupMeeting:
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    meeting = session.execute(locked(select(SubgroupMeeting).where(SubgroupMeeting.id == meeting_id))
                              ).scalar_one_or_none()
    if meeting is None:
        raise NotFound()
    if expected_version is not None and meeting.version != expected_version:
        raise ConcurrentChange()
    return meeting


def update_meeting(session: Session, actor: User, meeting_id: int, data: MeetingInput,
                   expected_version: int | None = None, today: date | None = None) -> SubgroupMeeting:
    """Change a meeting: its date, place and agenda while it is coming; its notes and who attended once held."""
    meeting = _lock_meeting(session, actor, meeting_id, expected_version)
    parsed = _parse_meeting(session, data, meeting, today or clock.today())
    changed = [name for name in ("held_on", "starts_at", "location", "agenda", "notes")
               if getattr(parsed, name) != getattr(meeting, name)]
    notes_changed = "notes" in changed
    meeting.held_on, meeting.starts_at, meeting.location = parsed.held_on, parsed.starts_at, parsed.location
    meeting.agenda, meeting.notes = parsed.agenda, parsed.notes
    if notes_changed:
        meeting.notes_by_id, meeting.notes_at = actor.id, utcnow()
    present = {(a.user_id, a.member_id): a for a in meeting.attendances}
    gone = [attendance for person, attendance in present.items() if person not in parsed.attendees]
    came = sorted(parsed.attendees - set(present), key=str)
    for attendance in gone:
        session.delete(attendance)  # a correction of who attended: the trail keeps who was listed
    for user_id, member_id in came:
        session.add(SubgroupAttendance(meeting_id=meeting.id, user_id=user_id, member_id=member_id))
    flush(session)
    session.expire(meeting, ["attendances"])
    if changed or gone or came:
        # the names of the fields changed and who was added or taken off the attendance, never the words typed
        audit.record(session, actor, "subgroup.meeting_updated", "subgroup_meeting", meeting.id, {
            **_meeting_facts(meeting), "changed": changed,
            "attendees_added": [person_key(user_id, member_id) for user_id, member_id in came],
            "attendees_removed": [person_key(a.user_id, a.member_id) for a in gone]})
        flush(session)
    return meeting


# Recording a meeting once held is editing it with its notes and attendance: one service.
record_meeting = update_meeting


# ---------------------------------------------------------------- actions


def _owner(session: Session, owner: str, errors: Errors) -> tuple[int | None, int | None]:
    """An action's owner: nobody, or a person sitting in the sub-group now."""
    if not (owner or "").strip():
        return None, None
    person = read_key(owner)
    if person is None or owner.strip() not in {seat.key for seat in seats(session)}:
        _add(errors, "owner", msg("Choose who carries it among the sub-group's current members."))
        return None, None
    return person


def add_action(session: Session, actor: User, meeting_id: int, description: str, owner: str = "",
               due_on: str = "", today: date | None = None) -> SubgroupAction:
    """An action agreed at a held meeting: what, who carries it (a member, with or without an account, or no one
    named), and by when."""
    today = today or clock.today()
    meeting = _lock_meeting(session, actor, meeting_id, None)
    if meeting.held_on > today:
        raise TransitionRefused(msg("The meeting is planned on %(date)s: its actions are agreed once it has been "
                                    "held.", date=meeting.held_on.isoformat()))
    errors: Errors = {}
    words = _text(errors, "description", description, 500, msg("Describe the action."))
    owner_user_id, owner_member_id = _owner(session, owner, errors)
    due = _day(errors, "due_on", due_on, required=False)
    if due is not None and due < meeting.held_on:
        _add(errors, "due_on", msg("The due date cannot come before the meeting (%(date)s).",
                                   date=meeting.held_on.isoformat()))
    if errors:
        raise InvalidInput(errors)
    action = SubgroupAction(meeting_id=meeting.id, description=words, owner_user_id=owner_user_id,
                            owner_member_id=owner_member_id, due_on=due, created_by_id=actor.id)
    session.add(action)
    flush(session)
    audit.record(session, actor, "subgroup.action_added", "subgroup_meeting", meeting.id, {
        "action_id": action.id, "owner": person_key(owner_user_id, owner_member_id)
        if owner_user_id or owner_member_id else None, "due_on": due.isoformat() if due else None})
    flush(session)
    return action


def _lock_action(session: Session, actor: User, action_id: int, expected_version: int | None) -> SubgroupAction:
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    action = session.execute(locked(select(SubgroupAction).where(SubgroupAction.id == action_id))
                             ).scalar_one_or_none()
    if action is None:
        raise NotFound()
    if expected_version is not None and action.version != expected_version:
        raise ConcurrentChange()
    return action


def complete_action(session: Session, actor: User, action_id: int, done_on: str = "", outcome: str = "",
                    expected_version: int | None = None, today: date | None = None) -> SubgroupAction:
    """Mark an action done: the day (today unless said) and what came of it."""
    today = today or clock.today()
    action = _lock_action(session, actor, action_id, expected_version)
    if action.done_on is not None:
        raise TransitionRefused(msg("This action was already marked as done on %(date)s.",
                                    date=action.done_on.isoformat()))
    errors: Errors = {}
    day = _day(errors, "done_on", done_on, required=False) or today
    if "done_on" not in errors:
        if day > today:
            _add(errors, "done_on", msg("This date is in the future."))
        elif day < action.meeting.held_on:
            _add(errors, "done_on", msg("The action was agreed at the meeting of %(date)s: it cannot have been done "
                                        "before.", date=action.meeting.held_on.isoformat()))
    words = _text(errors, "outcome", outcome, MAX_OUTCOME)
    if errors:
        raise InvalidInput(errors)
    action.done_on, action.done_by_id, action.outcome = day, actor.id, words
    flush(session)
    audit.record(session, actor, "subgroup.action_done", "subgroup_meeting", action.meeting_id, {
        "action_id": action.id, "done_on": day.isoformat(), "has_outcome": bool(words)})
    flush(session)
    return action


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class MeetingRow:
    meeting: SubgroupMeeting
    open_actions: int
    attendees: int

    @property
    def notes_recorded(self) -> bool:
        return bool(self.meeting.notes)


@dataclass(frozen=True)
class MeetingList:
    coming: list[MeetingRow]  # the nearest first
    past: list[MeetingRow]  # the latest first


_ORDER_COMING = (SubgroupMeeting.held_on, SubgroupMeeting.starts_at, SubgroupMeeting.id)


def list_meetings(session: Session, actor: User, today: date | None = None) -> MeetingList:
    """The meetings coming (the nearest first), then those past (the latest first), with their open actions and
    attendees counted: three queries."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    today = today or clock.today()
    meetings = list(session.execute(select(SubgroupMeeting).order_by(*_ORDER_COMING)).scalars())
    open_counts: dict[int, int] = {meeting_id: count for meeting_id, count in session.execute(
        select(SubgroupAction.meeting_id, func.count()).where(SubgroupAction.done_on.is_(None))
        .group_by(SubgroupAction.meeting_id)).all()} if meetings else {}
    present: dict[int, int] = {meeting_id: count for meeting_id, count in session.execute(
        select(SubgroupAttendance.meeting_id, func.count()).group_by(SubgroupAttendance.meeting_id)).all()
    } if meetings else {}
    rows = [MeetingRow(meeting, open_counts.get(meeting.id, 0), present.get(meeting.id, 0)) for meeting in meetings]
    return MeetingList([row for row in rows if row.meeting.held_on >= today],
                       [row for row in reversed(rows) if row.meeting.held_on < today])


@dataclass(frozen=True)
class MeetingView:
    meeting: SubgroupMeeting
    attendees: list[str]  # names, as the minutes list them
    actions: list[SubgroupAction]
    owners: list[Seat]  # whom a new action may name as its owner
    held: bool  # its day has come: notes, attendance and actions may be recorded
    notes_due: bool  # held and no notes yet: the page's next step


def get_meeting(session: Session, actor: User, meeting_id: int) -> SubgroupMeeting:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    meeting = session.execute(
        select(SubgroupMeeting).options(
            selectinload(SubgroupMeeting.attendances).options(joinedload(SubgroupAttendance.user),
                                                              joinedload(SubgroupAttendance.member)),
            selectinload(SubgroupMeeting.actions).options(joinedload(SubgroupAction.owner_user),
                                                          joinedload(SubgroupAction.owner_member)))
        .where(SubgroupMeeting.id == meeting_id)
    ).scalar_one_or_none()
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_view(session: Session, actor: User, meeting_id: int, today: date | None = None) -> MeetingView:
    today = today or clock.today()
    meeting = get_meeting(session, actor, meeting_id)
    names = sorted((a.user.display_name if a.user else a.member.name if a.member else "")
                   for a in meeting.attendances)
    held = meeting.held_on <= today
    actions = sorted(meeting.actions, key=lambda a: (a.done_on is not None, a.due_on is None, a.due_on or today,
                                                     a.id))
    return MeetingView(meeting, names, actions, seats(session), held, held and not meeting.notes)


@dataclass(frozen=True)
class OpenAction:
    action: SubgroupAction
    meeting: SubgroupMeeting
    overdue: bool


def open_actions(session: Session, actor: User, today: date | None = None) -> list[OpenAction]:
    """Every action not done yet: the overdue first, then by due date (those without one last)."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    today = today or clock.today()
    actions = session.execute(
        select(SubgroupAction).join(SubgroupAction.meeting)
        .options(joinedload(SubgroupAction.meeting), joinedload(SubgroupAction.owner_user),
                 joinedload(SubgroupAction.owner_member))
        .where(SubgroupAction.done_on.is_(None))
        .order_by(case((SubgroupAction.due_on < today, 0), else_=1), SubgroupAction.due_on.is_(None),
                  SubgroupAction.due_on, SubgroupMeeting.held_on, SubgroupAction.id)
    ).scalars().all()
    return [OpenAction(action, action.meeting, action.due_on is not None and action.due_on < today)
            for action in actions]


def next_meeting(session: Session, actor: User, today: date | None = None) -> SubgroupMeeting | None:
    """The next meeting from today on, if one is planned."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    today = today or clock.today()
    return session.execute(select(SubgroupMeeting).where(SubgroupMeeting.held_on >= today)
                           .order_by(*_ORDER_COMING).limit(1)).scalar_one_or_none()


def get_action(session: Session, actor: User, action_id: int) -> SubgroupAction:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    action = session.get(SubgroupAction, action_id)
    if action is None:
        raise NotFound()
    return action
