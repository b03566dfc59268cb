"""What the commission's review of a tenancy sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models.cases import Case
from commission.models.followup import (
    CarePlan,
    CaseReview,
    EventKind,
    FollowUpEvent,
    FollowUpStatus,
    MeetingAction,
    ResourceMeeting,
)
from commission.services.followup.reading import _overdue_for
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- what a review sees


@dataclass(frozen=True)
class ReviewSummary:
    """What the commission's review of a tenancy sees: no medical detail, no event's content."""

    case_id: int
    status: FollowUpStatus | None
    status_note: str
    status_since: date | None
    months_housed: int
    incidents_last_year: int
    open_actions: int
    overdue: bool
    last_review: CaseReview | None


def review_summaries(session: Session, case_ids: list[int], today: date | None = None) -> dict[int, ReviewSummary]:
    """For the hearing's pages (the caller checked the hearing's access): a handful of queries in all."""
    if not case_ids:
        return {}
    today = today or clock.today()
    cases = list(session.execute(select(Case).where(Case.id.in_(case_ids))).scalars())
    plans = {p.case_id: p for p in session.execute(select(CarePlan).where(CarePlan.case_id.in_(case_ids))).scalars()}
    incidents = dict(session.execute(
        select(FollowUpEvent.case_id, func.count()).where(
            FollowUpEvent.case_id.in_(case_ids), FollowUpEvent.kind == EventKind.INCIDENT,
            FollowUpEvent.occurred_on > today - timedelta(days=365))
        .group_by(FollowUpEvent.case_id)).all())
    open_actions = dict(session.execute(
        select(ResourceMeeting.case_id, func.count()).join(MeetingAction)
        .where(ResourceMeeting.case_id.in_(case_ids), MeetingAction.done_on.is_(None))
        .group_by(ResourceMeeting.case_id)).all())
    last_reviews: dict[int, CaseReview] = {}
    for review in session.execute(
        select(CaseReview).where(CaseReview.case_id.in_(case_ids)).order_by(CaseReview.reviewed_on, CaseReview.id)
    ).scalars():
        last_reviews[review.case_id] = review
    overdue = {item.case.id for item in _overdue_for(
        session, [case for case in cases if CASE_MACHINE.means(case.state, Tag.FOLLOWED)], today)}
    result = {}
    for case in cases:
        plan = plans.get(case.id)
        months = 0
        if case.move_in_date is not None:
            months = max(0, (today.year - case.move_in_date.year) * 12 + today.month - case.move_in_date.month)
        result[case.id] = ReviewSummary(
            case.id, plan.status if plan else None, plan.status_note if plan else "",
            plan.status_since if plan else None, months, int(incidents.get(case.id, 0)),
            int(open_actions.get(case.id, 0)), case.id in overdue, last_reviews.get(case.id),
        )
    return result

