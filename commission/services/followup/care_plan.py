"""The care plan and the follow-up status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.followup import CarePlan, FollowUpStatus
from commission.services import audit
from commission.services.followup.common import _choice, _days, _followed_case, _require_followed, _text
from commission.services.unit import flush

# ---------------------------------------------------------------- the care plan


@dataclass
class CarePlanInput:
    referring_psychiatrist: str = ""
    referring_nurse: str = ""
    social_worker: str = ""
    visit_every_days: str = ""
    consultation_every_days: str = ""
    activities: str = ""
    status: str = FollowUpStatus.GOING_WELL.value
    status_note: str = ""
    version: int | None = None


def save_care_plan(session: Session, actor: User, case_id: int, data: CarePlanInput,
                   today: date | None = None) -> CarePlan:
    """Create or change the care plan and the follow-up status. The referring carers live on the file."""
    today = today or clock.today()
    case = _followed_case(session, actor, case_id, policy.Action.RECORD_FOLLOWUP, lock=True)
    _require_followed(case)
    errors: dict[str, list[Message]] = {}
    visit = _days(data.visit_every_days, "visit_every_days", errors)
    consultation = _days(data.consultation_every_days, "consultation_every_days", errors)
    status = _choice(FollowUpStatus, data.status, "status", errors)
    if not _text(data.referring_psychiatrist, 200):
        errors["referring_psychiatrist"] = [msg("Name the referring psychiatrist.")]
    if errors:
        raise InvalidInput(errors)
    plan = session.get(CarePlan, case_id)
    if plan is None:
        plan = CarePlan(case_id=case_id, status=status, status_since=today)
        session.add(plan)
    elif data.version is not None and plan.version != data.version:
        raise ConcurrentChange()
    before = {"status": plan.status.value if plan.status else None, "visit_every_days": plan.visit_every_days,
              "consultation_every_days": plan.consultation_every_days}
    if plan.status is not status:
        plan.status_since = today
    plan.status = status
    plan.status_note = _text(data.status_note, 1000)
    plan.visit_every_days, plan.consultation_every_days = visit, consultation
    plan.activities = _text(data.activities)
    plan.updated_by_id = actor.id
    case.referring_psychiatrist = _text(data.referring_psychiatrist, 200)
    case.referring_nurse = _text(data.referring_nurse, 200)
    case.social_worker = _text(data.social_worker, 200)
    flush(session)
    audit.record(session, actor, "followup.care_plan_saved", "case", case_id, {
        "before": before, "status": status.value, "visit_every_days": visit,
        "consultation_every_days": consultation,
    })
    flush(session)
    return plan

