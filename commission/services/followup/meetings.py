"""Resource meetings, called after an incident, and the actions they agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.followup import EventKind, FollowUpEvent, MeetingAction, ResourceMeeting
from commission.parsing import as_id
from commission.services import audit
from commission.services.followup.common import _date, _followed_case, _require_followed, _text
from commission.services.unit import flush

# ---------------------------------------------------------------- resource meetings


@dataclass
class ActionInput:
    description: str = ""
    owner: str = ""
    due_date: str = ""


@dataclass
class MeetingInput:
    meeting_date: str = ""
    attendees: str = ""
    person_included: bool = True
    incident_id: str = ""
    held: bool = False
    outcome: str = ""
    actions: list[ActionInput] = field(default_factory=list)
    version: int | None = None


def _parse_actions(actions: list[ActionInput], errors: dict[str, list[Message]]) -> list[tuple[str, str, date | None]]:
    parsed = []
    for index, action in enumerate(actions):
        description, owner = _text(action.description), _text(action.owner, 200)
        if not description and not owner and not action.due_date.strip():
            continue
        if not description:
            errors[f"action-{index}-description"] = [msg("Describe the action.")]
        if not owner:
            errors[f"action-{index}-owner"] = [msg("Say who carries it out.")]
        due = _date(action.due_date, f"action-{index}-due_date", errors, required=False)
        parsed.append((description, owner, due))
    return parsed


def call_meeting(session: Session, actor: User, case_id: int, data: MeetingInput,
                 today: date | None = None) -> ResourceMeeting:
    """Call a resource meeting (usually after a serious incident); the outcome and actions may follow."""
    today = today or clock.today()
    case = _followed_case(session, actor, case_id, policy.Action.RECORD_FOLLOWUP, lock=True)
    _require_followed(case)
    errors: dict[str, list[Message]] = {}
    meeting_date = _date(data.meeting_date, "meeting_date", errors)
    if not _text(data.attendees):
        errors["attendees"] = [msg("Say who attends.")]
    incident: FollowUpEvent | None = None
    if data.incident_id.strip():
        incident_id = as_id(data.incident_id)
        incident = session.get(FollowUpEvent, incident_id) if incident_id is not None else None
        if incident is None or incident.case_id != case_id or incident.kind is not EventKind.INCIDENT:
            errors["incident_id"] = [msg("Choose one of this person's incidents.")]
    actions = _parse_actions(data.actions, errors)
    if data.held and meeting_date is not None and meeting_date > today:
        errors["held"] = [msg("A meeting cannot have been held on a future date.")]
    if data.held and not _text(data.outcome):
        errors["outcome"] = [msg("Give the meeting's outcome.")]
    if errors:
        raise InvalidInput(errors)
    meeting = ResourceMeeting(
        case_id=case_id, incident_id=incident.id if incident else None, meeting_date=meeting_date,
        attendees=_text(data.attendees), person_included=bool(data.person_included), held=bool(data.held),
        outcome=_text(data.outcome), created_by_id=actor.id,
    )
    session.add(meeting)
    flush(session)
    for description, owner, due in actions:
        session.add(MeetingAction(meeting_id=meeting.id, description=description, owner=owner, due_date=due))
    flush(session)
    audit.record(session, actor, "followup.meeting_called", "case", case_id, {
        "meeting_id": meeting.id, "date": meeting_date.isoformat() if meeting_date else None,
        "incident_id": meeting.incident_id, "held": meeting.held, "actions": len(actions),
    })
    flush(session)
    return meeting


def record_meeting_outcome(session: Session, actor: User, meeting_id: int, data: MeetingInput, *,
                           case_id: int | None = None, today: date | None = None) -> ResourceMeeting:
    """The meeting took place: its outcome and the actions agreed (added to those already listed)."""
    today = today or clock.today()
    meeting = session.get(ResourceMeeting, meeting_id)
    if meeting is None or (case_id is not None and meeting.case_id != case_id):
        raise NotFound()
    _followed_case(session, actor, meeting.case_id, policy.Action.RECORD_FOLLOWUP, lock=True)
    if data.version is not None and meeting.version != data.version:
        raise ConcurrentChange()
    errors: dict[str, list[Message]] = {}
    if not _text(data.outcome):
        errors["outcome"] = [msg("Give the meeting's outcome.")]
    if meeting.meeting_date > today:
        errors["outcome"] = [msg("The meeting is planned on %(date)s: its outcome comes after.",
                                 date=meeting.meeting_date.isoformat())]
    actions = _parse_actions(data.actions, errors)
    if errors:
        raise InvalidInput(errors)
    meeting.held, meeting.outcome = True, _text(data.outcome)
    if _text(data.attendees):
        meeting.attendees = _text(data.attendees)
    meeting.person_included = bool(data.person_included)
    for description, owner, due in actions:
        session.add(MeetingAction(meeting_id=meeting.id, description=description, owner=owner, due_date=due))
    flush(session)
    audit.record(session, actor, "followup.meeting_held", "case", meeting.case_id, {
        "meeting_id": meeting.id, "actions_added": len(actions),
    })
    flush(session)
    return meeting


def complete_action(session: Session, actor: User, action_id: int, *, done_on: str = "",
                    version: int | None = None, case_id: int | None = None,
                    today: date | None = None) -> MeetingAction:
    today = today or clock.today()
    action = session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound()
    meeting = session.get(ResourceMeeting, action.meeting_id)
    assert meeting is not None
    if case_id is not None and meeting.case_id != case_id:
        raise NotFound()
    _followed_case(session, actor, meeting.case_id, policy.Action.RECORD_FOLLOWUP, lock=True)
    if version is not None and action.version != version:
        raise ConcurrentChange()
    if action.done_on is not None:
        raise TransitionRefused(msg("This action was already marked as done on %(date)s.",
                                    date=action.done_on.isoformat()))
    errors: dict[str, list[Message]] = {}
    day = _date(done_on, "done_on", errors, required=False) or today
    if day > today:
        errors["done_on"] = [msg("This date is in the future.")]
    if errors:
        raise InvalidInput(errors)
    action.done_on, action.done_by_id = day, actor.id
    flush(session)
    audit.record(session, actor, "followup.action_done", "case", meeting.case_id, {
        "meeting_id": meeting.id, "action_id": action.id, "done_on": day.isoformat(),
    })
    flush(session)
    return action

