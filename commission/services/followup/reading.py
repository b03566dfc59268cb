"""A person's follow-up as its page shows it, and what is late or due across the files one may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import (
    CarePlan,
    CaseExit,
    CaseReview,
    EventKind,
    FollowUpEvent,
    MeetingAction,
    ResourceMeeting,
)
from commission.services.followup.common import _followed_case
from commission.services.unit import log_read
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

CARE_PLAN_GRACE_DAYS = 30  # a care plan is expected within a month of the move-in


# ---------------------------------------------------------------- reading


@dataclass
class MeetingView:
    meeting: ResourceMeeting
    actions: list[MeetingAction]

    @property
    def open_actions(self) -> list[MeetingAction]:
        return [action for action in self.actions if action.done_on is None]


@dataclass
class FollowUp:
    """What the follow-up page shows: the plan, the events (newest first), the meetings, the reviews."""

    case: Case
    plan: CarePlan | None
    events: list[FollowUpEvent]
    meetings: list[MeetingView]
    reviews: list[CaseReview]
    overdue: list[Overdue]
    exit: CaseExit | None


def read_followup(session: Session, actor: User, case_id: int, today: date | None = None) -> FollowUp:
    """A person's follow-up; the read is logged (it is a care record)."""
    case = _followed_case(session, actor, case_id, policy.Action.VIEW_FOLLOWUP)
    today = today or clock.today()
    plan = session.get(CarePlan, case_id)
    events = list(session.execute(
        select(FollowUpEvent).where(FollowUpEvent.case_id == case_id)
        .order_by(FollowUpEvent.occurred_on.desc(), FollowUpEvent.id.desc())
    ).scalars())
    meetings = list(session.execute(
        select(ResourceMeeting).where(ResourceMeeting.case_id == case_id)
        .order_by(ResourceMeeting.meeting_date.desc(), ResourceMeeting.id.desc())
    ).scalars())
    actions: dict[int, list[MeetingAction]] = {}
    if meetings:
        for action in session.execute(
            select(MeetingAction).where(MeetingAction.meeting_id.in_([m.id for m in meetings]))
            .order_by(MeetingAction.id)
        ).scalars():
            actions.setdefault(action.meeting_id, []).append(action)
    reviews = list(session.execute(
        select(CaseReview).where(CaseReview.case_id == case_id).order_by(CaseReview.reviewed_on.desc())
    ).scalars())
    exit_record = session.execute(
        select(CaseExit).where(CaseExit.case_id == case_id).order_by(CaseExit.id.desc()).limit(1)
    ).scalar_one_or_none()
    overdue = _overdue_for(session, [case], today)
    log_read(session, actor.id, case_id, "followup")
    return FollowUp(case, plan, events, [MeetingView(m, actions.get(m.id, [])) for m in meetings], reviews,
                    overdue, exit_record)


# ---------------------------------------------------------------- overdue follow-up


@dataclass(frozen=True)
class Overdue:
    """A housed person whose planned follow-up is late: what is late, since when."""

    case: Case
    what: str  # "care_plan", "visit", "consultation"
    due: date
    last: date | None = None

    def days_late(self, today: date) -> int:
        return (today - self.due).days


def _overdue_for(session: Session, followed: list[Case], today: date) -> list[Overdue]:
    if not followed:
        return []
    ids = [case.id for case in followed]
    plans = {plan.case_id: plan for plan in session.execute(
        select(CarePlan).where(CarePlan.case_id.in_(ids))).scalars()}
    last = {(case_id, kind): day for case_id, kind, day in session.execute(
        select(FollowUpEvent.case_id, FollowUpEvent.kind, func.max(FollowUpEvent.occurred_on))
        .where(FollowUpEvent.case_id.in_(ids),
               FollowUpEvent.kind.in_([EventKind.VISIT, EventKind.CONSULTATION]))
        .group_by(FollowUpEvent.case_id, FollowUpEvent.kind)
    )}
    found: list[Overdue] = []
    for case in followed:
        start = case.move_in_date or today
        plan = plans.get(case.id)
        if plan is None:
            due = start + timedelta(days=CARE_PLAN_GRACE_DAYS)
            if due < today:
                found.append(Overdue(case, "care_plan", due))
            continue
        for what, kind, every in (("visit", EventKind.VISIT, plan.visit_every_days),
                                  ("consultation", EventKind.CONSULTATION, plan.consultation_every_days)):
            if every is None:
                continue
            previous = last.get((case.id, kind))
            due = (previous or start) + timedelta(days=every)
            if due < today:
                found.append(Overdue(case, what, due, previous))
    return found


def overdue_followups(session: Session, actor: User, today: date | None = None, *,
                      limit: int = 200) -> list[Overdue]:
    """The follow-ups the actor may see that are late, the longest overdue first."""
    if not policy.can(actor, policy.Action.VIEW_FOLLOWUP):
        return []
    today = today or clock.today()
    followed = list(session.execute(
        select(Case).where(policy.case_scope(actor), Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED)))
        .order_by(Case.id)
    ).scalars())
    found = _overdue_for(session, followed, today)
    found.sort(key=lambda item: (item.due, item.case.id))
    return found[:limit]


@dataclass(frozen=True)
class ActionDue:
    action: MeetingAction
    case_id: int


def open_meeting_actions(session: Session, actor: User, today: date | None = None, *,
                         within_days: int = 7) -> list[ActionDue]:
    """Actions agreed at resource meetings, not done, due within a week or late (or without date)."""
    if not policy.can(actor, policy.Action.VIEW_FOLLOWUP):
        return []
    today = today or clock.today()
    rows = session.execute(
        select(MeetingAction, ResourceMeeting.case_id)
        .join(ResourceMeeting, ResourceMeeting.id == MeetingAction.meeting_id)
        .join(Case, Case.id == ResourceMeeting.case_id)
        .where(policy.case_scope(actor), MeetingAction.done_on.is_(None),
               (MeetingAction.due_date.is_(None)) | (MeetingAction.due_date <= today + timedelta(days=within_days)))
        .order_by(MeetingAction.due_date, MeetingAction.id).limit(200)
    ).all()
    return [ActionDue(action, case_id) for action, case_id in rows]

