"""The offers that still wait for the person's answer, for the care teams' reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from commission import clock, policy
from commission.models.accounts import User
from commission.models.cases import Case
from commission.services.cases.reading import _case_query
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- reminders

OFFER_REMINDER_DAYS = 3  # an offer is recalled to its care team in its last three days


@dataclass(frozen=True)
class OfferReminder:
    case: Case
    deadline: date
    days_left: int  # negative once the deadline has passed: the offer is to be recorded as expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def urgent(self) -> bool:
        return self.days_left <= OFFER_REMINDER_DAYS


def offers_awaiting_answer(session: Session, actor: User, today: date | None = None) -> list[OfferReminder]:
    """The offers of the files the actor may see that still wait for an answer, soonest deadline first."""
    if not policy.can(actor, policy.Action.VIEW_CASES):
        return []
    today = today or clock.today()
    rows = session.execute(
        _case_query().where(policy.case_scope(actor), Case.state.in_(CASE_MACHINE.tagged(Tag.OFFER_PENDING)),
                            Case.offer_deadline.is_not(None))
        .order_by(Case.offer_deadline, Case.id).limit(100)
    ).unique().scalars()
    return [OfferReminder(case, case.offer_deadline, (case.offer_deadline - today).days)
            for case in rows if case.offer_deadline is not None]
