"""The follow-up of housed people, their resource meetings, and the exit that closes everything.

Care records (the plan, the events, the meetings) are read by the person's care team and the
coordinator only; each read of a person's follow-up is logged like a read of the medical part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import (
    CarePlan,
    CaseExit,
    CaseReview,
    EventKind,
    ExitReason,
    FollowUpEvent,
    FollowUpStatus,
    IncidentKind,
    MeetingAction,
    PlaceCondition,
    ResourceMeeting,
)
from commission.models.housing import Place
from commission.models.tenancy import Occupancy
from commission.parsing import as_id, collect, parse_date, parse_whole
from commission.services import audit
from commission.services import cases as case_service
from commission.services.unit import FRESH_LOCK, flush, log_read

FOLLOWED_STATES = ("housed", "exiting")
CARE_PLAN_GRACE_DAYS = 30  # a care plan is expected within a month of the move-in
MAX_TEXT = 5000


# ---------------------------------------------------------------- parsing


def _text(value: str | None, limit: int = MAX_TEXT) -> str:
    return (value or "").strip()[:limit]


def _days(value: str, field_name: str, errors: dict[str, list[Message]]) -> int | None:
    return collect(errors, parse_whole, value, field_name, minimum=1, maximum=366, required=False)


def _date(value: str, field_name: str, errors: dict[str, list[Message]], *, required: bool = True) -> date | None:
    return collect(errors, parse_date, value, field_name, required=required)


def _choice(enum_class: Any, value: str, field_name: str, errors: dict[str, list[Message]],
            *, required: bool = True) -> Any:
    value = (value or "").strip()
    if not value:
        if required:
            errors[field_name] = [msg("Choose one.")]
        return None
    try:
        return enum_class(value)
    except ValueError:
        errors[field_name] = [msg("Choose one of the listed values.")]
        return None


# ---------------------------------------------------------------- access


def _followed_case(session: Session, actor: User, case_id: int, action: policy.Action, *,
                   lock: bool = False) -> Case:
    policy.require(actor, action)
    query = select(Case).where(Case.id == case_id)
    if lock:
        query = query.with_for_update().execution_options(**FRESH_LOCK)
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    policy.require(actor, action, case)
    return case


def _require_followed(case: Case) -> None:
    if case.state not in FOLLOWED_STATES:
        raise TransitionRefused(msg("The follow-up starts when the person has moved in."))


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
        select(Case).where(policy.case_scope(actor), Case.state.in_(FOLLOWED_STATES)).order_by(Case.id)
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
        session, [case for case in cases if case.state in FOLLOWED_STATES], today)}
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


# ---------------------------------------------------------------- the exit


@dataclass
class ExitInput:
    reason: str = ""
    exit_date: str = ""
    place_condition: str = ""
    place_notes: str = ""
    note: str = ""
    version: int | None = None


def record_exit(session: Session, actor: User, case_id: int, data: ExitInput,
                today: date | None = None) -> CaseExit:
    """The tenancy has ended. In one transaction: the exit's record, the occupancy ended on the exit
    date, the place vacated through its machine (and withdrawn from the stock when the person took
    the lease over), the deposit's refund claimed, and the file closed."""
    today = today or clock.today()
    case = _followed_case(session, actor, case_id, policy.Action.RECORD_EXIT, lock=True)
    if data.version is not None and case.version != data.version:
        raise ConcurrentChange()
    if case.state not in FOLLOWED_STATES:
        raise TransitionRefused(msg("Only a housed person's tenancy can end (this file is %(state)s).",
                                    state=case.state))
    errors: dict[str, list[Message]] = {}
    reason = _choice(ExitReason, data.reason, "reason", errors)
    exit_date = _date(data.exit_date, "exit_date", errors)
    condition = _choice(PlaceCondition, data.place_condition, "place_condition", errors)
    if exit_date is not None and exit_date > today:
        errors["exit_date"] = [msg("Record the exit once the place has been handed back (the date is in the "
                                   "future).")]
    elif exit_date is not None and case.move_in_date is not None and exit_date < case.move_in_date:
        errors["exit_date"] = [msg("The exit cannot come before the move-in (%(date)s).",
                                   date=case.move_in_date.isoformat())]
    if reason is ExitReason.OTHER and not _text(data.note):
        errors["note"] = [msg("Say what the reason is.")]
    if errors:
        raise InvalidInput(errors)
    assert reason is not None and exit_date is not None and condition is not None
    place_id = case.allocated_place_id
    if place_id is None:
        raise TransitionRefused(msg("This file holds no place."))
    occupancy = session.execute(
        select(Occupancy).where(Occupancy.case_id == case.id, Occupancy.ended_on.is_(None))
    ).scalar_one_or_none()
    if occupancy is None:
        raise TransitionRefused(msg("This file has no current tenancy."))
    if exit_date < occupancy.move_in_date:
        raise InvalidInput({"exit_date": [msg("The exit cannot come before the move-in (%(date)s).",
                                              date=occupancy.move_in_date.isoformat())]})
    reason_text = f"{reason.value}: {_text(data.note, 500)}" if _text(data.note) else reason.value
    record = CaseExit(
        case_id=case.id, occupancy_id=occupancy.id, place_id=place_id, reason=reason, exit_date=exit_date,
        place_condition=condition, place_notes=_text(data.place_notes), note=_text(data.note),
        recorded_by_id=actor.id,
    )
    session.add(record)
    flush(session)
    if case.state == "housed":
        case_service.take_step(session, actor, case, "start_exit", reason=reason_text, today=today)
    case.decision_reason = reason_text
    case_service.take_step(session, actor, case, "close", reason=reason_text, today=today)
    occupancy.ended_on = exit_date
    occupancy.exit_inventory = record.place_notes
    place = session.get(Place, place_id)
    assert place is not None
    if reason is ExitReason.LEASE_TAKEN_OVER and place.state == "vacated":
        from commission.services import tenancy

        tenancy.place_step(session, actor, place, "withdraw", today,
                           reason=str(msg("The person took the lease over.")))
    flush(session)
    audit.record(session, actor, "case.exit_recorded", "case", case.id, {
        "reason": reason.value, "exit_date": exit_date.isoformat(), "place_id": place_id,
        "place_condition": condition.value,
    })
    flush(session)
    return record


def check(session: Session) -> list[str]:
    """Every closed tenancy has its exit, on the day its occupancy ended; no exit without a closed file."""
    problems: list[str] = []
    exits = {row.occupancy_id: row for row in session.execute(select(CaseExit)).scalars()}
    last_occupancy = select(func.max(Occupancy.id)).group_by(Occupancy.case_id).scalar_subquery()
    closed_last = session.execute(
        select(Occupancy).join(Case, Case.id == Occupancy.case_id)
        .where(Occupancy.id.in_(last_occupancy), Case.state == "closed")
    ).scalars()
    for occupancy in closed_last:
        if occupancy.id not in exits:
            problems.append(f"file {occupancy.case_id} is closed after a tenancy without an exit record")
    ended = dict(session.execute(select(Occupancy.id, Occupancy.ended_on).where(
        Occupancy.id.in_(list(exits)))).all()) if exits else {}
    for occupancy_id, exit_record in exits.items():
        if ended.get(occupancy_id) != exit_record.exit_date:
            problems.append(f"file {exit_record.case_id}'s exit is dated {exit_record.exit_date} but its "
                            f"occupancy ended on {ended.get(occupancy_id)}")
    return problems
