"""What each user has to act on: offers nearing their deadline, incomplete files, files to check,
follow-up overdue, hearings coming, agreements to renew, refunds overdue.

Shown on the home page and sent by e-mail as one daily digest (:mod:`commission.services.digest`).
Each user gets only the reminders about records they may reach (the policy's scopes), in a bounded
number of queries whatever the volume of data.

A reminder's message never holds a person's name nor anything of a care record: it may be sent by
e-mail as it is. The person's name (``person``) and the finer detail (``detail``) are for the web
page only, where the policy already lets the user read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.i18n import N_, Message, msg
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.models.followup import CarePlan, EventKind, FollowUpEvent
from commission.models.hearings import AgendaItem, Attendance, Hearing
from commission.models.people import Applicant
from commission.services import cases, followup, stock, treasury_reports
from commission.services.dashboard.days import days_after
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

# The kinds of reminder, in the order the home page and the digest show them, with their titles.
KIND_TITLES: dict[str, str] = {
    "offer": N_("Offers waiting for an answer"),
    "incomplete": N_("Incomplete files waiting"),
    "to_check": N_("Files waiting for the completeness check"),
    "followup": N_("Follow-up overdue"),
    "hearing": N_("Hearings coming"),
    "consultation": N_("Written consultations"),
    "agreement": N_("Agreements to renew"),
    "answer": N_("Official letters to answer"),
    "subgroup_action": N_("The housing sub-group's actions"),
    "refund": N_("Refunds overdue"),
}
KINDS = tuple(KIND_TITLES)

COMPLETENESS_CHECK_DAYS = 14  # a submitted file is checked by the coordinator within two weeks
FOLLOWUP_URGENT_DAYS = 30  # a follow-up late by a month or more is urgent
HEARING_HORIZON_DAYS = 14  # convened hearings are recalled in the fortnight before them
HEARING_URGENT_DAYS = 2
RENEWAL_URGENT_DAYS = 30  # an agreement whose renewal deadline is within a month is urgent
# A refund claimed longer ago than this and not settled is chased: the treasurer's own threshold (60 days).
REFUND_OVERDUE_DAYS = treasury_reports.OVERDUE_AFTER_DAYS
ROWS_PER_KIND = 100  # a home page, not a report: the lists behind each kind are on their own pages

# The paths of the pages the reminders link to, for the e-mail (which is built without Flask); a
# test checks that they are what the web application's routes build.
PATHS: dict[str, str] = {
    "cases.show": "/cases/{case_id}",
    "followup.show": "/cases/{case_id}/followup",
    "followup.meeting": "/cases/{case_id}/followup/meetings/{meeting_id}",
    "hearings.show": "/hearings/{hearing_id}",
    "consultations.show": "/consultations/{hearing_id}",
    "stock.agreement": "/agreements/{agreement_id}",
    "treasury.deposit": "/treasury/deposits/{deposit_id}",
    "official_mail.show": "/subgroup/mail/{mail_id}",
    "subgroup_meetings.meeting": "/subgroup/meetings/{meeting_id}",
}


@dataclass(frozen=True)
class Reminder:
    kind: str  # one of KINDS
    message: Message  # no name, no care detail: it goes into the e-mail as it is
    due: date | None
    urgent: bool
    endpoint: str  # the page to open: a Flask endpoint and its values
    values: Mapping[str, int]
    reference: str  # what the user is shown of the record: D-2026-00012, 2026-T2, CONV-1
    person: str = ""  # the person's name, for the web page of a user who may read the file; never mailed
    detail: Message | None = None  # a finer word for the web page only; never mailed

    @property
    def title(self) -> str:
        return KIND_TITLES[self.kind]

    @property
    def path(self) -> str:
        return PATHS[self.endpoint].format(**self.values)


@dataclass(frozen=True)
class ReminderGroup:
    kind: str
    title: str  # a message id
    reminders: list[Reminder] = field(default_factory=list)

    @property
    def urgent(self) -> int:
        return sum(1 for reminder in self.reminders if reminder.urgent)


def render(message: Message, gettext: Callable[[str], str], format_day: Callable[[date], str],
           format_hour: Callable[[time], str]) -> str:
    """A reminder's message in the reader's language, its dates and times in the reader's format."""
    params = {name: format_day(value) if isinstance(value, date) and not isinstance(value, datetime)
              else format_hour(value) if isinstance(value, time) else value
              for name, value in message.params.items()}
    return Message(message.msgid, params).render(gettext)


def grouped(reminders: list[Reminder]) -> list[ReminderGroup]:
    """By kind, the most urgent first: the kinds holding urgent reminders, then by the nearest due date;
    urgent reminders first within each kind."""
    groups: dict[str, ReminderGroup] = {}
    for reminder in reminders:
        groups.setdefault(reminder.kind, ReminderGroup(reminder.kind, reminder.title)).reminders.append(reminder)
    for group in groups.values():
        group.reminders.sort(key=_within_kind)
    # most urgent first: the kinds holding urgent reminders, then the nearest due date, then the usual order
    return sorted(groups.values(), key=lambda group: (
        group.urgent == 0, group.reminders[0].due or date.max, KINDS.index(group.kind)))


def _within_kind(reminder: Reminder) -> tuple[bool, date, str]:
    return (not reminder.urgent, reminder.due or date.max, reminder.reference)


def reminders_for(session: Session, user: User, today: date | None = None) -> list[Reminder]:
    """Every reminder of the user, in the order of KINDS, urgent ones first within each kind."""
    if not policy.can(user, policy.Action.USE_APP):
        return []
    today = today or clock.today()
    found = [
        *_files(session, user, today),
        *_followup(session, user, today),
        *_hearings(session, user, today),
        *_consultations(session, user, today),
        *_agreements(session, user, today),
        *_answers_due(session, user, today),
        *_subgroup_actions(session, user, today),
        *_refunds(session, user, today),
    ]
    return sorted(found, key=lambda reminder: (KINDS.index(reminder.kind), *_within_kind(reminder)))


# ---------------------------------------------------------------- files


# What a reminder shows of a file: its reference (from its id and year) and, on the web, the name.
CASE_COLUMNS = (Case.id, Case.created_at, Applicant.first_name, Applicant.last_name)
# The files waiting for the coordinator's completeness check: those the check ("mark_ready") leaves from.
TO_CHECK = tuple(state.name for state in CASE_MACHINE.states if CASE_MACHINE.allows("mark_ready", state.name))


def _files(session: Session, user: User, today: date) -> list[Reminder]:
    """In one query: offers waiting for the person's answer, files returned as incomplete (the care
    team completes them; the reminder date is 30 days on), and, for the coordinator, files submitted
    and waiting for the completeness check."""
    if not policy.can(user, policy.Action.VIEW_CASES):
        return []
    offered, incomplete = CASE_MACHINE.tagged(Tag.OFFER_PENDING), CASE_MACHINE.tagged(Tag.MISSING_ITEMS)
    groups = [offered, incomplete]
    if policy.can(user, policy.Action.VIEW_ALL_CASES):
        groups.append(TO_CHECK)
    submitted_at = (select(func.max(CaseTransition.at))
                    .where(CaseTransition.case_id == Case.id, CaseTransition.to_state.in_(TO_CHECK))
                    .correlate(Case).scalar_subquery())
    rows = session.execute(
        select(*CASE_COLUMNS, Case.state, Case.offer_deadline, Case.due_date, submitted_at)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(policy.case_scope(user), Case.state.in_([state for group in groups for state in group]),
               Case.state.not_in(offered) | Case.offer_deadline.is_not(None))
        .order_by(case((Case.state.in_(offered), 0), (Case.state.in_(incomplete), 1), else_=2),
                  Case.offer_deadline, Case.due_date, Case.id)
        .limit(ROWS_PER_KIND * len(groups))
    ).all()
    found = []
    for case_id, created, first, last, state, deadline, due, at in rows:
        reference, person = treasury_reports.case_reference(case_id, created.year), f"{first} {last}"
        link = {"case_id": case_id}
        if CASE_MACHINE.means(state, Tag.OFFER_PENDING):
            assert deadline is not None  # the query asked for it
            found.append(Reminder("offer", _offer_message(deadline, today), deadline,
                                  (deadline - today).days <= cases.OFFER_REMINDER_DAYS, "cases.show", link,
                                  reference, person))
        elif CASE_MACHINE.means(state, Tag.MISSING_ITEMS):
            urgent = due is not None and due <= today
            message = (msg("returned as incomplete; the reminder date (%(date)s) has come: complete the file and "
                           "submit it again.", date=due) if urgent
                       else msg("returned as incomplete: complete the file and submit it again (reminder on "
                                "%(date)s).", date=due) if due is not None
                       else msg("returned as incomplete: complete the file and submit it again."))
            found.append(Reminder("incomplete", message, due, urgent, "cases.show", link, reference, person))
        else:
            day = (at or created).astimezone(clock.COUNCIL_ZONE).date()
            check_by = day + timedelta(days=COMPLETENESS_CHECK_DAYS)
            found.append(Reminder("to_check", msg("submitted on %(date)s: to check for completeness.", date=day),
                                  check_by, check_by <= today, "cases.show", link, reference, person))
    return found


def _offer_message(deadline: date, today: date) -> Message:
    """The home page's words since offers were first recalled there (the care team's last days)."""
    days_left = (deadline - today).days
    if days_left < 0:
        return msg("the deadline (%(date)s) has passed: record the answer, or that the offer expired.", date=deadline)
    if days_left <= cases.OFFER_REMINDER_DAYS:
        return msg("answer due by %(date)s — reminder: %(count)s day(s) left.", date=deadline, count=days_left)
    return msg("answer due by %(date)s.", date=deadline)


# ---------------------------------------------------------------- follow-up

# What is late, said on the web page only: the e-mail says "follow-up" and no more.
FOLLOWUP_DETAILS = {"visit": N_("home visit"), "consultation": N_("consultation")}


def _followup(session: Session, user: User, today: date) -> list[Reminder]:
    """Follow-ups late against the care plan, and actions agreed at resource meetings coming due."""
    if not policy.can(user, policy.Action.VIEW_FOLLOWUP):
        return []
    actions = followup.open_meeting_actions(session, user, today)
    found = []
    for case_id, created, first, last, what, since, late in _overdue_followups(session, user, today):
        message = (msg("no care plan yet: it was expected by %(date)s.", date=since) if what == "care_plan"
                   else msg("follow-up overdue since %(date)s.", date=since))
        found.append(Reminder("followup", message, since, late >= FOLLOWUP_URGENT_DAYS, "followup.show",
                              {"case_id": case_id}, treasury_reports.case_reference(case_id, created.year),
                              f"{first} {last}",
                              msg(FOLLOWUP_DETAILS[what]) if what in FOLLOWUP_DETAILS else None))
    ids = {due_action.case_id for due_action in actions}
    labels = {case_id: (treasury_reports.case_reference(case_id, created.year), f"{first} {last}")
              for case_id, created, first, last in session.execute(
                  select(*CASE_COLUMNS).join(Applicant, Applicant.id == Case.applicant_id)
                  .where(Case.id.in_(ids))).all()} if ids else {}
    for due_action in actions:
        reference, person = labels.get(due_action.case_id, ("", ""))
        due = due_action.action.due_date
        message = (msg("an action agreed at a resource meeting has no date and is not done yet.") if due is None
                   else msg("an action agreed at a resource meeting was due on %(date)s.", date=due) if due < today
                   else msg("an action agreed at a resource meeting is due on %(date)s.", date=due))
        found.append(Reminder("followup", message, due, due is not None and due <= today, "followup.meeting",
                              {"case_id": due_action.case_id, "meeting_id": due_action.action.meeting_id},
                              reference, person))
    return found


# What is late in a follow-up, in the order a file's reminders come when they fall due the same day.
OVERDUE_ORDER = {"care_plan": 0, "visit": 1, "consultation": 2}


def _overdue_followups(session: Session, user: User, today: date) -> list[tuple[int, datetime, str, str, str, date,
                                                                                  int]]:
    """(file, created, first name, last name, what, due, days late): the follow-ups late against the care
    plan in the files the user may see (as :func:`commission.services.followup.overdue_followups` finds
    them), the longest overdue first, at most ``ROWS_PER_KIND``; one query, the due dates worked out in SQL:
    no care plan a month after the move-in; a visit or a consultation not made within the plan's rhythm
    since the last one (or the move-in)."""
    dialect = session.get_bind().dialect.name
    followed = (policy.case_scope(user), Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED)))
    no_plan = days_after(dialect, Case.move_in_date, literal(followup.CARE_PLAN_GRACE_DAYS))
    late: list[Select[tuple[int, str, date]]] = [
        select(Case.id.label("case_id"), literal("care_plan").label("what"), no_plan.label("due"))
        .outerjoin(CarePlan, CarePlan.case_id == Case.id)
        .where(*followed, CarePlan.case_id.is_(None), no_plan < today)]
    for what, kind, every in (("visit", EventKind.VISIT, CarePlan.visit_every_days),
                              ("consultation", EventKind.CONSULTATION, CarePlan.consultation_every_days)):
        last = (select(func.max(FollowUpEvent.occurred_on))
                .where(FollowUpEvent.case_id == Case.id, FollowUpEvent.kind == kind)
                .correlate(Case).scalar_subquery())
        due = days_after(dialect, func.coalesce(last, Case.move_in_date), every)
        late.append(select(Case.id, literal(what), due).join(CarePlan, CarePlan.case_id == Case.id)
                    .where(*followed, every.is_not(None), due < today))
    overdue = union_all(*late).subquery()
    rank = case(*((overdue.c.what == what, order) for what, order in OVERDUE_ORDER.items()))
    rows = session.execute(
        select(*CASE_COLUMNS, overdue.c.what, overdue.c.due)
        .join(overdue, overdue.c.case_id == Case.id).join(Applicant, Applicant.id == Case.applicant_id)
        .order_by(overdue.c.due, Case.id, rank).limit(ROWS_PER_KIND)
    ).all()
    return [(case_id, created, first, last_name, what, due, (today - due).days)
            for case_id, created, first, last_name, what, due in rows]


# ---------------------------------------------------------------- hearings


def _hearings(session: Session, user: User, today: date) -> list[Reminder]:
    """Convened hearings within a fortnight: for the coordinator, for those invited or chairing, and
    for the care teams whose people are on the agenda (with how many, never who)."""
    window = (Hearing.state.in_(HEARING_MACHINE.tagged(Tag.CONVOKED)), Hearing.day >= today,
              Hearing.day <= today + timedelta(days=HEARING_HORIZON_DAYS))
    counts: dict[int, int] = {}
    condition: ColumnElement[bool] | None
    if policy.sees_every_hearing_reminder(user):
        condition = None
    elif policy.reminded_of_own_people(user):
        counts = {hearing_id: int(count) for hearing_id, count in session.execute(
            select(AgendaItem.hearing_id, func.count(AgendaItem.id))
            .join(Hearing, Hearing.id == AgendaItem.hearing_id).join(Case, Case.id == AgendaItem.case_id)
            .where(*window, policy.case_scope(user)).group_by(AgendaItem.hearing_id)
        ).all()}
        if not counts:
            return []
        condition = Hearing.id.in_(list(counts))
    else:
        invited = select(Attendance.id).where(Attendance.hearing_id == Hearing.id, Attendance.user_id == user.id)
        condition = or_(Hearing.chair_id == user.id, invited.exists())
    query = select(Hearing).options(joinedload(Hearing.town)).where(*window).order_by(Hearing.day, Hearing.id)
    if condition is not None:
        query = query.where(condition)
    found = []
    for hearing in session.execute(query).scalars():
        where = ", ".join(part for part in (hearing.venue, hearing.town.name) if part)
        if hearing.id in counts:
            message = msg("convened for %(date)s at %(time)s (%(place)s): %(count)s of your files on its agenda.",
                          date=hearing.day, time=hearing.start_time, place=where, count=counts[hearing.id])
        else:
            message = msg("convened for %(date)s at %(time)s (%(place)s).", date=hearing.day,
                          time=hearing.start_time, place=where)
        found.append(Reminder("hearing", message, hearing.day, (hearing.day - today).days <= HEARING_URGENT_DAYS,
                              "hearings.show", {"hearing_id": hearing.id}, hearing.reference))
    return found


def _consultations(session: Session, user: User, today: date) -> list[Reminder]:
    """Written consultations under way: a member consulted answers before the deadline (urgent in its last two
    days); the coordinator follows them, and records the outcome once the deadline has passed."""
    from commission.services import consultations

    found = []
    for waiting in consultations.waiting_for(session, user):
        local = waiting.at.astimezone(clock.COUNCIL_ZONE)
        if waiting.outcome_due:
            message = msg("the deadline (%(date)s) has passed: record the outcome of the written consultation.",
                          date=local.date())
        elif policy.can(user, policy.Action.MANAGE_HEARINGS):
            message = msg("written consultation under way: answers until %(date)s at %(time)s.", date=local.date(),
                          time=local.time())
        else:
            message = msg("an urgent file is put to you in writing: answer by %(date)s at %(time)s.",
                          date=local.date(), time=local.time())
        urgent = waiting.outcome_due or (waiting.day - today).days <= HEARING_URGENT_DAYS
        found.append(Reminder("consultation", message, waiting.day, urgent, "consultations.show",
                              {"hearing_id": waiting.hearing_id},
                              treasury_reports.case_reference(waiting.case_id, waiting.case_created.year)))
    return found


# ---------------------------------------------------------------- stock and fund


def _agreements(session: Session, user: User, today: date) -> list[Reminder]:
    if not policy.can(user, policy.Action.MANAGE_STOCK):
        return []
    found = []
    for row in stock.agreements_to_renew(session, user, today):
        partner = row.agreement.organisation.name
        message = (msg("the renewal deadline (%(date)s) has passed and the agreement with %(partner)s is still in "
                       "force.", date=row.deadline, partner=partner) if row.overdue
                   else msg("agreement with %(partner)s: act before %(date)s.", partner=partner, date=row.deadline))
        urgent = row.overdue or (row.deadline - today).days <= RENEWAL_URGENT_DAYS
        found.append(Reminder("agreement", message, row.deadline, urgent, "stock.agreement",
                              {"agreement_id": row.agreement.id}, row.agreement.reference))
    return found


def _refunds(session: Session, user: User, today: date) -> list[Reminder]:
    # The deposits' reminders go to those who chase the refunds (the policy says who).
    if not policy.chases_refunds(user):
        return []
    found = []
    for row in treasury_reports.overdue_refunds(session, user, today, REFUND_OVERDUE_DAYS):
        message = msg("refund of the deposit on place %(place)s (%(landlord)s) claimed on %(date)s, %(days)s days "
                      "ago.", place=row.place, landlord=row.landlord, date=row.claimed_on, days=row.days)
        found.append(Reminder("refund", message, row.claimed_on + timedelta(days=REFUND_OVERDUE_DAYS), True,
                              "treasury.deposit", {"deposit_id": row.deposit_id}, row.case_reference, row.person))
    return found


# ---------------------------------------------------------------- the housing sub-group


def _answers_due(session: Session, user: User, today: date) -> list[Reminder]:
    """The official letters received whose answer is due and not given: to their handler, and to whoever coordinates
    the sub-group for those nobody may handle; urgent when overdue or due within a week. The message names the
    letter by its number (and its partner, an organisation), never its subject nor its correspondent, who may be a
    person: those are the web page's detail only."""
    from commission.services.subgroup import official_mail

    found = []
    for row in official_mail.answers_due(session, user, today, ROWS_PER_KIND):
        if row.overdue:
            message = (msg("letter from %(partner)s: the answer was due on %(date)s.", partner=row.partner,
                           date=row.due) if row.partner
                       else msg("official letter: the answer was due on %(date)s.", date=row.due))
        else:
            message = (msg("letter from %(partner)s: answer due by %(date)s.", partner=row.partner, date=row.due)
                       if row.partner else msg("official letter: answer due by %(date)s.", date=row.due))
        found.append(Reminder("answer", message, row.due, row.urgent, "official_mail.show", {"mail_id": row.mail_id},
                              row.number, detail=msg("%(correspondent)s: %(subject)s", correspondent=row.correspondent,
                                                     subject=row.subject)))
    return found


def _subgroup_actions(session: Session, user: User, today: date) -> list[Reminder]:
    """The sub-group's actions not done and due within a fortnight, or overdue (urgent then, or in their last three
    days), in one query: to the account that carries one (while it may see the sub-group); those carried by a
    member without an account, by no one named, or by an account that no longer sits, to those who manage the
    sub-group. The e-mailed message holds no word of the action: its description is the web page's detail."""
    from commission.models.subgroup import SubgroupAction, SubgroupMeeting

    if not policy.can(user, policy.Action.VIEW_SUBGROUP):
        return []
    horizon, urgent_within = 14, 3
    owners = [SubgroupAction.owner_user_id == user.id]
    if policy.can(user, policy.Action.MANAGE_SUBGROUP):
        sitting = select(User.id).where(User.active, or_(User.housing_subgroup,
                                                         policy.may_clause(policy.Action.VIEW_SUBGROUP)))
        owners.append(SubgroupAction.owner_user_id.is_(None))
        owners.append(SubgroupAction.owner_user_id.not_in(sitting))
    rows = session.execute(
        select(SubgroupAction.id, SubgroupAction.meeting_id, SubgroupAction.due_on, SubgroupAction.description,
               SubgroupMeeting.held_on)
        .join(SubgroupMeeting, SubgroupMeeting.id == SubgroupAction.meeting_id)
        .where(SubgroupAction.done_on.is_(None), SubgroupAction.due_on.is_not(None),
               SubgroupAction.due_on <= today + timedelta(days=horizon), or_(*owners))
        .order_by(SubgroupAction.due_on, SubgroupAction.id).limit(ROWS_PER_KIND)
    ).all()
    found = []
    for _action_id, meeting_id, due, description, held_on in rows:
        assert due is not None  # the query asked for it
        message = (msg("an action of the sub-group's meeting of %(date)s was due on %(due)s.", date=held_on, due=due)
                   if due < today else
                   msg("an action of the sub-group's meeting of %(date)s is due on %(due)s.", date=held_on, due=due))
        found.append(Reminder("subgroup_action", message, due, (due - today).days <= urgent_within,
                              "subgroup_meetings.meeting", {"meeting_id": meeting_id}, held_on.isoformat(),
                              detail=msg("%(text)s", text=description)))
    return found
