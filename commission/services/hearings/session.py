"""The session: who is present (those invited, and anyone without an account added to the sheet), and
whether the quorum is met."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.hearings import Attendance, AttendanceStatus, Hearing
from commission.services import audit
from commission.services.hearings.reading import _load_for_change
from commission.services.unit import flush
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- the session


@dataclass
class AttendanceInput:
    attendance_id: int
    status: str
    represented_by: str = ""


def _attendance_sheet(session: Session, actor: User, hearing_id: int, expected_version: int | None) -> Hearing:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.RUN_SESSION, expected_version)
    if not HEARING_MACHINE.means(hearing.state, Tag.ATTENDANCE_OPEN):
        raise TransitionRefused(msg("Attendance is recorded at the session."))
    return hearing


def set_attendance(session: Session, actor: User, hearing_id: int, entries: Sequence[AttendanceInput],
                   expected_version: int | None = None) -> Hearing:
    hearing = _attendance_sheet(session, actor, hearing_id, expected_version)
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
    return _recorded(session, actor, hearing)


def everyone_present(session: Session, actor: User, hearing_id: int, expected_version: int | None = None) -> Hearing:
    """The roll call when everyone came: all those on the sheet present (the exceptions are recorded after)."""
    hearing = _attendance_sheet(session, actor, hearing_id, expected_version)
    for attendance in hearing.attendances:
        attendance.status, attendance.represented_by = AttendanceStatus.PRESENT, ""
    return _recorded(session, actor, hearing)


def _recorded(session: Session, actor: User, hearing: Hearing) -> Hearing:
    audit.record(session, actor, "hearing.attendance", "hearing", hearing.id,
                 {attendance.name: attendance.status.value for attendance in hearing.attendances})
    flush(session)
    return hearing


def attendance_taken(hearing: Hearing) -> bool:
    """Whether the roll call has been taken: someone on the sheet is recorded as other than absent."""
    return any(attendance.status is not AttendanceStatus.ABSENT for attendance in hearing.attendances)


def add_attendee(session: Session, actor: User, hearing_id: int, name: str, capacity_text: str, votes: bool,
                 status: str = "present") -> Attendance:
    """Someone without an account (a guardian's representative, a social worker) on the attendance sheet."""
    hearing = _attendance_sheet(session, actor, hearing_id, None)
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


def seated(session: Session, hearing: Hearing) -> list[Attendance]:
    """The attendance as the documents list it: those invited to a seat, and the guests added by hand (no
    account). A sheet drawn before a role lost its seat (the data-protection officer was once invited) may
    still hold a row for them: a role without a seat at the commission is never listed as its member."""
    accounts = [attendance.user_id for attendance in hearing.attendances if attendance.user_id is not None]
    users = {user.id: user for user in session.execute(select(User).where(User.id.in_(accounts))).scalars()
             } if accounts else {}
    return [attendance for attendance in hearing.attendances
            if attendance.user_id is None or ((user := users.get(attendance.user_id)) and policy.has_seat(user))]


def quorum(hearing: Hearing) -> Quorum:
    return Quorum(hearing.quorum, sum(1 for attendance in hearing.attendances if attendance.counts_for_quorum))
