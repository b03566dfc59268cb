"""The events of a follow-up: visits, consultations, incidents..."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.followup import EventKind, FollowUpEvent, IncidentKind
from commission.services import audit
from commission.services.followup.common import _choice, _date, _followed_case, _require_followed, _text
from commission.services.unit import flush

# ---------------------------------------------------------------- events


@dataclass
class EventInput:
    kind: str = ""
    occurred_on: str = ""
    summary: str = ""
    action_taken: str = ""
    incident_kind: str = ""
    serious: bool = False


def record_event(session: Session, actor: User, case_id: int, data: EventInput,
                 today: date | None = None) -> FollowUpEvent:
    today = today or clock.today()
    case = _followed_case(session, actor, case_id, policy.Action.RECORD_FOLLOWUP, lock=True)
    _require_followed(case)
    errors: dict[str, list[Message]] = {}
    kind = _choice(EventKind, data.kind, "kind", errors)
    occurred_on = _date(data.occurred_on, "occurred_on", errors)
    incident_kind = _choice(IncidentKind, data.incident_kind, "incident_kind", errors,
                            required=kind is EventKind.INCIDENT)
    if occurred_on is not None and occurred_on > today:
        errors["occurred_on"] = [msg("This date is in the future.")]
    elif occurred_on is not None and case.move_in_date is not None and occurred_on < case.move_in_date:
        errors["occurred_on"] = [msg("The follow-up starts at the move-in (%(date)s).",
                                     date=case.move_in_date.isoformat())]
    if kind is EventKind.INCIDENT and not _text(data.action_taken):
        errors["action_taken"] = [msg("Say what was done about the incident.")]
    if errors:
        raise InvalidInput(errors)
    event = FollowUpEvent(
        case_id=case_id, kind=kind, occurred_on=occurred_on,
        incident_kind=incident_kind if kind is EventKind.INCIDENT else None,
        serious=bool(data.serious) and kind is EventKind.INCIDENT,
        summary=_text(data.summary), action_taken=_text(data.action_taken), recorded_by_id=actor.id,
    )
    session.add(event)
    flush(session)
    # The audit trail says what kind of event was recorded, never its content (a care record).
    audit.record(session, actor, "followup.event_recorded", "case", case_id, {
        "event_id": event.id, "kind": kind.value, "incident_kind": incident_kind.value if incident_kind else None,
        "serious": event.serious,
    })
    flush(session)
    return event

